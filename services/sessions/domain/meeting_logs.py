"""Meeting logs: the rules (seed 002, Resource 13 "Meeting log", and its section "Keeping a
record of meetings").

Resource 13 is the form a party fills in after each meeting: the date (and, through the
meeting it may be linked to, where, how long and how), "Actions objectives achieved from last
meeting", "Challenges, solutions, and outstanding objectives", "Topic(s) for this meeting",
"Steps for achieving objectives set at this meeting (eg resources required, location of
resources, whose responsibility)", "Topic for next meeting", "Actions for mentee or mentor
before next meeting", "Resources required to achieve objective(s) for next meeting" and "Date
of next meeting". Seed 002 adds that the log "should ideally be completed by the mentee in
discussion with the mentor", and that its content is "confidential, only available to the
parties concerned and the co-ordinator" — so the text never leaves this service.

A log is written by one party (its author) and changed by its author only; a change replaces
the content (last write wins: only one person can write to a log, so two writers never race
over it, and versions would only multiply copies of confidential text that erasure then has to
find). Every field has an upper bound, so a log stays a small document.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from services.sessions.domain.feedback import BoostFeedback
from services.sessions.domain.relationships import Direction, Relationship, Side
from shared.errors import DomainError

# Bounds on what a log holds (a 422 names the field that is over).
LONG_TEXT = 4000  # a box of the form: achieved since last time, challenges, resources
SHORT_TEXT = 500  # one topic, one step
MAX_TOPICS = 20
MAX_STEPS = 30
# A log records a meeting that happened; a day's grace covers time zones ahead of the server.
FUTURE_GRACE = timedelta(days=1)

LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=LONG_TEXT)]
ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=SHORT_TEXT)
]


class StepOwner(StrEnum):
    """Whose responsibility a step is (Resource 13: "whose responsibility")."""

    MENTOR = "mentor"
    MENTEE = "mentee"
    BOTH = "both"


class LogDatesError(DomainError):
    """The dates of a log do not fit together or lie in the future."""

    status = 422
    error = "log_dates"


class UnknownMeetingError(DomainError):
    """A log links a meeting that is not one of its relationship's."""

    status = 422
    error = "unknown_meeting"


class NotTheAuthorError(DomainError):
    """Only a log's author changes it (the other party and the co-ordinator read it)."""

    status = 403
    error = "not_the_author"


class Step(BaseModel):
    """A step agreed at the meeting, and who takes it."""

    model_config = ConfigDict(extra="forbid")

    step: ShortText = Field(examples=["shadow a senior practitioner's review meeting"])
    owner: StepOwner = Field(examples=["mentee"])
    resources: Annotated[str, StringConstraints(strip_whitespace=True, max_length=SHORT_TEXT)] = (
        Field(
            default="",
            examples=["the review calendar, from the team lead"],
            description="resources required and where they are (Resource 13)",
        )
    )


class MeetingLogContent(BaseModel):
    """What the author writes: the boxes of Resource 13."""

    model_config = ConfigDict(extra="forbid")

    met_on: date = Field(examples=["2027-02-01"], description="the date of the meeting")
    meeting_id: str | None = Field(
        default=None,
        max_length=100,
        pattern=r"^meeting:[A-Za-z0-9_]+:[0-9]+$",
        examples=["meeting:rel_4edaa8818d218819:0000000003"],
        description="the planned or held meeting this log records, if any",
    )
    achieved_since_last: LongText = Field(
        default="",
        examples=["drafted the supervision checklist agreed last time"],
        description="actions and objectives achieved since the last meeting",
    )
    challenges: LongText = Field(
        default="",
        examples=["finding time for reflective practice; outstanding: the rota review"],
        description="challenges, solutions and outstanding objectives",
    )
    topics: list[ShortText] = Field(
        default_factory=list,
        max_length=MAX_TOPICS,
        examples=[["preparing for the first team review"]],
        description="topic(s) for this meeting",
    )
    steps: list[Step] = Field(
        default_factory=list,
        max_length=MAX_STEPS,
        description="steps for achieving the objectives set at this meeting, and who takes them",
    )
    next_topic: LongText = Field(
        default="", examples=["giving feedback to a colleague"], description="topic for next time"
    )
    next_actions: list[Step] = Field(
        default_factory=list,
        max_length=MAX_STEPS,
        description="actions for the mentee or mentor before the next meeting",
    )
    next_resources: LongText = Field(
        default="",
        examples=["the BOOST feedback notes"],
        description="resources required to achieve the objectives for next time",
    )
    next_meeting_on: date | None = Field(default=None, examples=["2027-03-01"])
    feedback: BoostFeedback | None = Field(
        default=None,
        description="the author's feedback to the other party, in BOOST form (seed 000): a "
        "box per letter; `covers` says which letters it covers",
    )
    direction: Direction | None = Field(
        default=None,
        examples=["mentee_to_mentor"],
        description="two-way relationships only: which way this meeting's mentoring went",
    )

    @model_validator(mode="after")
    def _says_something(self) -> MeetingLogContent:
        """An empty form is not a log."""
        written = (
            self.achieved_since_last,
            self.challenges,
            self.topics,
            self.steps,
            self.next_topic,
            self.next_actions,
            self.next_resources,
        )
        if not any(written):
            raise ValueError(
                "a meeting log needs at least one of: achieved_since_last, challenges, "
                "topics, steps, next_topic, next_actions, next_resources"
            )
        return self


class MeetingLog(MeetingLogContent):
    """A stored log, as its readers see it."""

    id: str = Field(examples=["log:rel_4edaa8818d218819:0000000002"])
    relationship_id: str = Field(examples=["rel_5d2c7a9e1b3f4a6c"])
    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    author: str = Field(examples=["mem_4b1f0c9e2d7a6b35"], description="the party who wrote it")
    author_side: Side = Field(examples=["mentee"])
    written_with: list[str] = Field(
        examples=[["mem_0c1d2e3f4a5b6c7d"]],
        description="the other parties of the relationship when it was written (seed 002: "
        "completed 'in discussion with' them); an erased member shows as 'former member'",
    )
    written_at: datetime
    edited_at: datetime | None = None
    revision: int = Field(ge=1, examples=[1], description="1, then one more per change")


def logs_of(relationship_id: str) -> str:
    """What a relationship's logs are numbered under: log n's id is this and n."""
    return f"log:{relationship_id}"


def check_dates(content: MeetingLogContent, today: date) -> None:
    """The meeting happened (not after tomorrow, for time zones), and the next one is after
    it."""
    if content.met_on > today + FUTURE_GRACE:
        raise LogDatesError(
            f"met_on {content.met_on} is in the future: a log records a meeting that happened"
        )
    if content.next_meeting_on is not None and content.next_meeting_on <= content.met_on:
        raise LogDatesError(
            f"next_meeting_on {content.next_meeting_on} must be after met_on {content.met_on}"
        )


def written_with(r: Relationship, author: str) -> list[str]:
    """The other parties of `r`, whom the author wrote the log with."""
    return [member for member in r.participants if member != author]


def check_author(log: MeetingLog, member_id: str) -> None:
    """Refuse a change by anyone but the author."""
    if log.author != member_id:
        raise NotTheAuthorError(
            f"log {log.id!r} was written by the other party; only its author changes it"
        )


def without_member(members: list[str], member_id: str, placeholder: str) -> list[str]:
    """`members` with an erased member shown as `placeholder`."""
    return [placeholder if m == member_id else m for m in members]
