"""Peer circles as the portal reads them from sessions (seed 001: the contract, the session
formats and their timed steps). Pure: no I/O."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from services.portal.domain.relationships import Party


class Circle(BaseModel):
    """A circle and its members."""

    id: str
    programme_id: str
    members: list[Party]
    former_members: int = 0
    formed_at: datetime
    cadence_days: int


class CircleView(BaseModel):
    """A circle, its contract, and who accepted it."""

    circle: Circle
    contract: list[str]
    contract_version: str
    accepted_by: dict[str, datetime] = Field(default_factory=dict)
    awaiting_acceptance: list[str] = Field(default_factory=list)
    ready: bool = False

    def awaits(self, member_id: str) -> bool:
        """The member has still to accept the contract."""
        return member_id in self.awaiting_acceptance


class StepTiming(BaseModel):
    """Minutes for one critical-incident step."""

    step: str
    minutes: int


class CircleSession(BaseModel):
    """A circle session in one of seed 001's formats."""

    id: str
    circle_id: str
    number: int
    format: str
    steps: list[str] = Field(default_factory=list)
    timings: list[StepTiming] | None = None
    starts_at: datetime
    minutes: int
    facilitator_id: str
    status: str = "scheduled"
    held_at: datetime | None = None
    attendees: list[str] = Field(default_factory=list)


class CircleNote(BaseModel):
    """A note for the circle."""

    id: str
    author_id: str
    text: str
    written_at: datetime


def next_session(sessions: list[CircleSession], now: datetime) -> CircleSession | None:
    """The soonest scheduled session still ahead."""
    ahead = [s for s in sessions if s.status == "scheduled" and s.starts_at > now]
    return min(ahead, key=lambda s: s.starts_at, default=None)
