"""Figures the network co-ordinator and organisation admins watch (docs/security.md,
"Who sees what")."""

from __future__ import annotations

from pydantic import BaseModel, Field


class NetworkStatistics(BaseModel):
    """Aggregates across the whole network; none of them names a person."""

    organisations: int = Field(
        ge=0, description="partner organisations in the network", examples=[6]
    )


class OrganisationStatistics(BaseModel):
    """One organisation's own figures, for its admins."""

    organisation_id: str = Field(examples=["org_3f9a1c2b7d4e"])
    members: int = Field(ge=0, description="people who have signed in", examples=[42])
