"""Relationships, agreements, meetings, logs, plans and threads as the portal reads them from
the sessions service (only the fields it shows), and the rules of what needs a party's attention
(seed 002: agreement in Resource 5, meeting logs in Resource 13, the lifecycle in Resource 17).
Pure: no I/O."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from services.portal.domain.feedback import BoostFeedback


class Party(BaseModel):
    """One side of a relationship."""

    member_id: str
    organisation_id: str


class Ending(BaseModel):
    """How it ended."""

    ended_by: str
    ended_early: bool
    reason: str
    rematch_requested: bool
    ended_at: datetime


class Relationship(BaseModel):
    """A mentoring relationship."""

    id: str
    programme_id: str
    model: str = "one_to_one"
    mentor: Party
    mentees: list[Party]
    phase: str
    status: str
    started_at: datetime
    ending: Ending | None = None
    two_way: bool = False  # seed 004: each mentors the other

    @property
    def parties(self) -> list[Party]:
        """Mentor first, then the mentees."""
        return [self.mentor, *self.mentees]

    def side_of(self, member_id: str) -> str | None:
        """'mentor', 'mentee', or None for someone else."""
        if self.mentor.member_id == member_id:
            return "mentor"
        return "mentee" if any(m.member_id == member_id for m in self.mentees) else None

    def others(self, member_id: str) -> list[Party]:
        """Everyone in it but the member."""
        return [p for p in self.parties if p.member_id != member_id]

    @property
    def active(self) -> bool:
        """Still running."""
        return self.status == "active"


class AgreementTerms(BaseModel):
    """Resource 5's agreement."""

    duration: str = ""
    meeting_frequency: str = ""
    contact_between_meetings: str = ""
    confidentiality: str = ""
    mentor_responsibilities: list[str] = Field(default_factory=list)
    mentee_responsibilities: list[str] = Field(default_factory=list)
    mentor_mentors_on: list[str] = Field(default_factory=list)
    mentee_mentors_on: list[str] = Field(default_factory=list)  # two-way relationships


class AgreementVersion(BaseModel):
    """One version of the agreement and its signatures."""

    version: int
    terms: AgreementTerms
    drafted_by: str
    drafted_at: datetime
    signatures: dict[str, datetime] = Field(default_factory=dict)
    in_force: bool = False
    in_force_at: datetime | None = None

    def awaits(self, member_id: str) -> bool:
        """Still to be signed by the member."""
        return not self.in_force and member_id not in self.signatures


class Meeting(BaseModel):
    """A planned, held or cancelled meeting."""

    id: str
    relationship_id: str
    status: str
    starts_at: datetime
    ends_at: datetime
    time_zone: str | None = None
    minutes: int
    method: str
    location: str | None = None
    revision: int = 0
    planned_by: str | None = None
    recorded_by: str | None = None
    cancelled_by: str | None = None
    rescheduled_by: str | None = None

    def is_past(self, now: datetime) -> bool:
        """It has ended."""
        return self.ends_at <= now


class LogStep(BaseModel):
    """A step and who takes it."""

    step: str
    owner: str
    resources: str = ""


class MeetingLog(BaseModel):
    """Resource 13's meeting log."""

    id: str
    met_on: date
    meeting_id: str | None = None
    achieved_since_last: str = ""
    challenges: str = ""
    topics: list[str] = Field(default_factory=list)
    steps: list[LogStep] = Field(default_factory=list)
    next_topic: str = ""
    next_actions: list[LogStep] = Field(default_factory=list)
    next_resources: str = ""
    next_meeting_on: date | None = None
    feedback: BoostFeedback | None = None
    direction: str | None = None  # two-way relationships: which way it went
    author: str
    written_at: datetime
    edited_at: datetime | None = None
    revision: int = 1


class OskarReading(BaseModel):
    """One OSKAR scaling of a goal (Resource 16)."""

    scale: int
    recorded_by: str
    recorded_at: datetime


class Goal(BaseModel):
    """A goal of the action plan (Resource 15)."""

    id: str
    term: str
    text: str
    priority: int | None = None
    direction: str | None = None  # two-way relationships: whose goal it is
    achieved_at: datetime | None = None
    achieved_by: str | None = None
    oskar: list[OskarReading] = Field(default_factory=list)


class GrowNote(BaseModel):
    """A GROW conversation with its commitment rating (Resource 12)."""

    id: str
    goal: str
    reality: str = ""
    options: str = ""
    way_forward: str
    commitment: int
    written_by: str
    written_at: datetime
    goal_id: str | None = None
    motivation_question: str | None = None


class ActionPlan(BaseModel):
    """The relationship's action plan."""

    to_learn: str = ""
    timescales: str = ""
    milestones: list[str] = Field(default_factory=list)
    success_criteria: str = ""
    comments: str = ""
    starts_on: date | None = None
    completes_on: date | None = None
    review_dates: list[date] = Field(default_factory=list)
    goals: list[Goal] = Field(default_factory=list)
    grow: list[GrowNote] = Field(default_factory=list)


class ThreadSummary(BaseModel):
    """Where a message thread stands for the reader."""

    latest_number: int = 0
    last_read: int | None = None
    unread: int | None = None


class Message(BaseModel):
    """One message of a thread."""

    id: str
    number: int
    author: str
    text: str
    posted_at: datetime


class MessagePage(BaseModel):
    """A page of a thread's history."""

    messages: list[Message]
    next_cursor: str | None = None


def meetings_to_confirm(meetings: list[Meeting], now: datetime) -> list[Meeting]:
    """Planned meetings whose time has passed: did they happen?"""
    return [m for m in meetings if m.status == "planned" and m.is_past(now)]


def meetings_to_log(meetings: list[Meeting], logs: list[MeetingLog]) -> list[Meeting]:
    """Held meetings nobody has written a log for yet (Resource 13)."""
    logged = {log.meeting_id for log in logs if log.meeting_id}
    return [m for m in meetings if m.status == "held" and m.id not in logged]


def next_meeting(meetings: list[Meeting], now: datetime) -> Meeting | None:
    """The soonest planned meeting still ahead."""
    ahead = [m for m in meetings if m.status == "planned" and m.starts_at > now]
    return min(ahead, key=lambda m: m.starts_at, default=None)


def oskar_points(goal: Goal) -> list[tuple[datetime, int]]:
    """A goal's OSKAR history, oldest first, for its chart."""
    return sorted(((r.recorded_at, r.scale) for r in goal.oskar), key=lambda p: p[0])
