"""Events the sessions service publishes (topic `<prefix>.sessions`).

They say that something happened in a relationship and to whom it belongs; never what the
parties wrote (no agreement text, no free-text reasons).
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from shared.events.catalogue import catalogue
from shared.events.envelope import EventData


@catalogue.register
class RelationshipStarted(EventData):
    """A mentoring relationship started from an accepted match (phase: building rapport)."""

    event_type: ClassVar[str] = "relationship.started"
    source: ClassVar[str] = "sessions"

    relationship_id: str = Field(examples=["rel_5d2c7a9e1b3f4a6c"])
    proposal_id: str = Field(examples=["prp_9a8b7c6d5e4f3a2b"])
    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    mentee_id: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])
    mentee_organisation_id: str = Field(examples=["org_0a1b2c3d4e5f"])
    mentor_id: str = Field(examples=["mem_0c1d2e3f4a5b6c7d"])
    mentor_organisation_id: str = Field(examples=["org_3f9a1c2b7d4e"])
    started_at: datetime


@catalogue.register
class AgreementSigned(EventData):
    """Every party signed a version of the relationship's agreement: it is in force.
    No agreement text."""

    event_type: ClassVar[str] = "agreement.signed"
    source: ClassVar[str] = "sessions"

    relationship_id: str = Field(examples=["rel_5d2c7a9e1b3f4a6c"])
    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    version: int = Field(ge=1, examples=[2])
    mentee_id: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])
    mentee_organisation_id: str = Field(examples=["org_0a1b2c3d4e5f"])
    mentor_id: str = Field(examples=["mem_0c1d2e3f4a5b6c7d"])
    mentor_organisation_id: str = Field(examples=["org_3f9a1c2b7d4e"])
    signed_at: datetime


@catalogue.register
class RelationshipEnded(EventData):
    """A relationship ended, early (no blame) or at its close; the reason is a code, never
    free text, and a rematch may be requested."""

    event_type: ClassVar[str] = "relationship.ended"
    source: ClassVar[str] = "sessions"

    relationship_id: str = Field(examples=["rel_5d2c7a9e1b3f4a6c"])
    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    mentee_id: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])
    mentee_organisation_id: str = Field(examples=["org_0a1b2c3d4e5f"])
    mentor_id: str = Field(examples=["mem_0c1d2e3f4a5b6c7d"])
    mentor_organisation_id: str = Field(examples=["org_3f9a1c2b7d4e"])
    ended_by: str = Field(examples=["mentee"], description="mentee or mentor")
    ended_early: bool
    reason: str = Field(examples=["goals_achieved"], description="a reason code")
    rematch_requested: bool
    ended_at: datetime
