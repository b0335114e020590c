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


@catalogue.register
class OrganisationProfileUpdated(EventData):
    """An organisation's admin changed its profile. Audience: the whole network."""

    event_type: ClassVar[str] = "organisation.profile_updated"
    source: ClassVar[str] = "registry"

    organisation_id: str = Field(examples=["org_3f9a1c2b7d4e"])
    name: str = Field(examples=["Northshore Care Trust"])
    sector: str | None = Field(default=None, examples=["social care"])
    country: str | None = Field(default=None, examples=["GB"])


@catalogue.register
class MemberRegistered(EventData):
    """Someone signed in through their organisation's provider for the first time."""

    event_type: ClassVar[str] = "member.registered"
    source: ClassVar[str] = "registry"

    member_id: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])
    organisation_id: str = Field(examples=["org_3f9a1c2b7d4e"])
    roles: list[str] = Field(examples=[["member"]])
    registered_at: datetime


@catalogue.register
class RoleGranted(EventData):
    """A member was given a role (e.g. programme_coordinator)."""

    event_type: ClassVar[str] = "member.role_granted"
    source: ClassVar[str] = "registry"

    member_id: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])
    organisation_id: str = Field(examples=["org_3f9a1c2b7d4e"])
    role: str = Field(examples=["programme_coordinator"])
    granted_by: str = Field(examples=["mem_0c1d2e3f4a5b6c7d"])


@catalogue.register
class RoleRevoked(EventData):
    """A member lost a role."""

    event_type: ClassVar[str] = "member.role_revoked"
    source: ClassVar[str] = "registry"

    member_id: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])
    organisation_id: str = Field(examples=["org_3f9a1c2b7d4e"])
    role: str = Field(examples=["programme_coordinator"])
    revoked_by: str = Field(examples=["mem_0c1d2e3f4a5b6c7d"])
