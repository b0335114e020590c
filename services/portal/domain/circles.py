"""Peer circles as the portal reads them from sessions (seed 001, "The Power of Peer
Mentoring": a peer mentoring group of equals, its contract, the session formats and their
timed steps), and what a circle's pages say about them. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, Field

from services.portal.domain.feedback import BoostFeedback
from services.portal.domain.relationships import Party
from services.portal.domain.wording import CIRCLE_STEP_HINTS, CIRCLE_STEPS

# What sessions puts in place of an erased member's id (a facilitator, an attendee).
FORMER_MEMBER = "former member"
CRITICAL_INCIDENT = "critical_incident"


class Circle(BaseModel):
    """A circle and its members."""

    id: str
    programme_id: str
    members: list[Party]
    former_members: int = 0
    formed_at: datetime
    cadence_days: int

    @property
    def member_ids(self) -> list[str]:
        """Its current members, in the circle's order."""
        return [m.member_id for m in self.members]

    def has_member(self, member_id: str) -> bool:
        """The person is one of its members (not only a co-ordinator who oversees it)."""
        return member_id in self.member_ids

    @property
    def organisations(self) -> int:
        """How many organisations its members come from."""
        return len({m.organisation_id for m in self.members})


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

    def accepted_at(self, member_id: str) -> datetime | None:
        """When the member accepted the contract, if they have."""
        return self.accepted_by.get(member_id)


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
    scheduled_by: str | None = None
    status: str = "scheduled"
    held_at: datetime | None = None
    held_minutes: int | None = None
    held_by: str | None = None
    attendees: list[str] = Field(default_factory=list)

    @property
    def held(self) -> bool:
        """It took place and was marked so."""
        return self.status == "held"


class CircleNote(BaseModel):
    """A note for the circle."""

    id: str
    author_id: str
    text: str
    written_at: datetime
    step: str | None = None
    feedback: BoostFeedback | None = None


class Rota(BaseModel):
    """Who facilitated, or will facilitate, each session, and who is next in the rotation."""

    sessions: list[CircleSession] = Field(default_factory=list)
    next_facilitator: str


@dataclass(frozen=True)
class SessionStep:
    """One step of a session as its page shows it: in order, in seed 001's words, with its
    minutes when the format times its steps."""

    number: int
    words: str
    name: str = ""  # the step's name (critical incident only)
    code: str = ""
    minutes: int | None = None

    @property
    def seconds(self) -> int:
        """The step's time, for its timer."""
        return (self.minutes or 0) * 60

    @property
    def clock(self) -> str:
        """'10:00': the time a timer starts from, written on the page."""
        return f"{self.minutes or 0}:00"


def session_steps(session: CircleSession) -> list[SessionStep]:
    """What happens in the session, in order. A critical-incident session's five steps are
    named and timed (seed 001: presentation, clarifying questions, peer feedback, positive
    feedback, response); the other formats' steps are the service's sentences from seed 001."""
    if session.format == CRITICAL_INCIDENT:
        timings = session.timings or [StepTiming(step=s, minutes=0) for s in CIRCLE_STEPS]
        return [
            SessionStep(
                number=n,
                words=CIRCLE_STEP_HINTS.get(t.step, ""),
                name=CIRCLE_STEPS.get(t.step, t.step.replace("_", " ").capitalize()),
                code=t.step,
                minutes=t.minutes or None,
            )
            for n, t in enumerate(timings, start=1)
        ]
    return [SessionStep(number=n, words=text) for n, text in enumerate(session.steps, start=1)]


def next_session(sessions: list[CircleSession], now: datetime) -> CircleSession | None:
    """The soonest scheduled session still ahead."""
    ahead = [s for s in sessions if s.status == "scheduled" and s.starts_at > now]
    return min(ahead, key=lambda s: s.starts_at, default=None)


def arranged(sessions: list[CircleSession]) -> list[CircleSession]:
    """Sessions arranged and not yet held, soonest first."""
    return sorted((s for s in sessions if not s.held), key=lambda s: s.starts_at)


def held(sessions: list[CircleSession]) -> list[CircleSession]:
    """Sessions that took place, the latest first."""
    return sorted(
        (s for s in sessions if s.held), key=lambda s: s.held_at or s.starts_at, reverse=True
    )


def still_to_accept(view: CircleView) -> list[str]:
    """The members who have not accepted the contract yet, in the circle's order (sessions
    wait for all of them: seed 001 contracts a group before it meets)."""
    waiting = set(view.awaiting_acceptance)
    return [m for m in view.circle.member_ids if m in waiting]
