"""Events the registry publishes (topic `<prefix>.registry`)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from shared.events.catalogue import catalogue
from shared.events.envelope import EventData


@catalogue.register
class OrganisationJoined(EventData):
    """A partner organisation joined the network. Audience: the whole network."""

    event_type: ClassVar[str] = "organisation.joined"
    source: ClassVar[str] = "registry"

    organisation_id: str = Field(examples=["org_3f9a1c2b7d4e"])
    name: str = Field(examples=["Northshore Care Trust"])
    sector: str | None = Field(default=None, examples=["social care"])
    country: str | None = Field(default=None, examples=["GB"])
    joined_at: datetime
