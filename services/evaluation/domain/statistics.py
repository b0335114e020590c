"""Network-wide figures the network co-ordinator watches (BRIEF §1)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class NetworkStatistics(BaseModel):
    """Aggregates across the whole network; none of them names a person."""

    organisations: int = Field(
        ge=0, description="partner organisations in the network", examples=[6]
    )
