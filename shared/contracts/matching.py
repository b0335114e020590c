"""Events the matching service publishes (topic `<prefix>.matching`)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared.events.catalogue import catalogue
from shared.events.envelope import EventData


@catalogue.register
class MatchProposed(EventData):
    """A (mentee, mentor) pair was proposed in a programme: by a matching round, by a
    co-ordinator, or requested by the mentee (self-match). No reasons text, only the score."""

    event_type: ClassVar[str] = "match.proposed"
    source: ClassVar[str] = "matching"

    proposal_id: str = Field(examples=["prp_9a8b7c6d5e4f3a2b"])
    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    mentee_id: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])
    mentee_organisation_id: str = Field(examples=["org_0a1b2c3d4e5f"])
    mentor_id: str = Field(examples=["mem_0c1d2e3f4a5b6c7d"])
    mentor_organisation_id: str = Field(examples=["org_3f9a1c2b7d4e"])
    score: float = Field(ge=0, le=1, examples=[0.74])
    origin: str = Field(examples=["round"], description="round, coordinator or request")


@catalogue.register
class MatchAccepted(EventData):
    """Both parties accepted an approved proposal: the sessions service starts the
    relationship from this."""

    event_type: ClassVar[str] = "match.accepted"
    source: ClassVar[str] = "matching"

    proposal_id: str = Field(examples=["prp_9a8b7c6d5e4f3a2b"])
    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    mentee_id: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])
    mentee_organisation_id: str = Field(examples=["org_0a1b2c3d4e5f"])
    mentor_id: str = Field(examples=["mem_0c1d2e3f4a5b6c7d"])
    mentor_organisation_id: str = Field(examples=["org_3f9a1c2b7d4e"])
    accepted_at: datetime


@catalogue.register
class MatchDeclined(EventData):
    """A party declined a proposal (no blame): the pair is never proposed again and the
    mentee goes back to the pool. The reason is a code, never free text."""

    event_type: ClassVar[str] = "match.declined"
    source: ClassVar[str] = "matching"

    proposal_id: str = Field(examples=["prp_9a8b7c6d5e4f3a2b"])
    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    mentee_id: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])
    mentor_id: str = Field(examples=["mem_0c1d2e3f4a5b6c7d"])
    declined_by: str = Field(examples=["mentor"], description="mentee or mentor")
    reason: str | None = Field(default=None, examples=["no_time"])
    declined_at: datetime


class CircleMember(BaseModel):
    """A peer placed in a circle, and their organisation."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    member_id: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])
    organisation_id: str = Field(examples=["org_3f9a1c2b7d4e"])


@catalogue.register
class CircleFormed(EventData):
    """A co-ordinator's circle round grouped peers into a circle of 4-8 (peer and X-market
    circle programmes)."""

    event_type: ClassVar[str] = "circle.formed"
    source: ClassVar[str] = "matching"

    circle_id: str = Field(examples=["cir_1a2b3c4d5e6f7a8b"])
    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    members: list[CircleMember]
    formed_at: datetime
