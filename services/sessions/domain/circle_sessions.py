"""A circle's sessions: formats, timed steps, the facilitator rota, notes (seed 001).

Seed 001 (001_13834a7d60d9318f.txt) gives a peer mentoring group three session formats:

- **Good News Analysis**: one member tells a story that went unusually well (2 or 3 minutes,
  uninterrupted); the group gives positive feedback while the teller listens in silence; the
  teller says what stands out for them.
- **Critical-incident peer feedback**: presentation of an incident or dilemma; clarifying
  questions ("limit of a few minutes"); peer feedback, the peers taking turns while the
  presenter listens in silence, sifts and sorts; positive feedback ("a few minutes"); the
  presenter's response. Each step is timed here (STEP_BOUNDS), so that no one person takes
  all the time (seed 001, "What can go wrong?").
- **Veridical Report**: one tells an incident or problem, another tells a story of their own
  about something like it, warts and all, and the first says what they think now.

A circle has no designated mentor ("all equals", "self directed"), so each session has a
facilitator taken in a fair rotation (`next_facilitator`). Sessions are arranged on the
circle's cadence (`next_start`); one is marked held with its length and who came.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from services.sessions.domain.feedback import BoostFeedback
from services.sessions.domain.programmes import ProgrammeTerms
from shared.errors import ConflictError, DomainError


class SessionFormat(StrEnum):
    """Seed 001's session formats."""

    GOOD_NEWS_ANALYSIS = "good_news_analysis"
    CRITICAL_INCIDENT = "critical_incident"
    VERIDICAL_REPORT = "veridical_report"


# What happens in each format, in order, as seed 001 words it (shown with every session).
FORMAT_STEPS: dict[SessionFormat, tuple[str, ...]] = {
    SessionFormat.GOOD_NEWS_ANALYSIS: (
        "Tell a story of an incident from your recent experience that went unusually well "
        "(2 or 3 minutes, uninterrupted)",
        "The group gives positive feedback; you listen in silence",
        "You say what is standing out for you, any new insights or learning",
    ),
    SessionFormat.CRITICAL_INCIDENT: (
        "Presentation: an incident, situation or dilemma you would like to manage more "
        "effectively, with your actions, thoughts and feelings",
        "Clarifying questions from the peers",
        "Peer feedback: peers take turns; you listen in silence, sift and sort",
        "Positive feedback on your approach, actions or attitudes",
        "Response: what you think now, reflections, learning, ideas for future action",
    ),
    SessionFormat.VERIDICAL_REPORT: (
        "Mentee tells an incident or shares a problem",
        "Mentor tells a story from their own experience of something like that, warts and all",
        "Mentee listens in silence, then says what they are thinking now",
    ),
}


class Step(StrEnum):
    """The five steps of critical-incident peer feedback, in seed 001's order."""

    PRESENTATION = "presentation"
    CLARIFYING_QUESTIONS = "clarifying_questions"
    PEER_FEEDBACK = "peer_feedback"
    POSITIVE_FEEDBACK = "positive_feedback"
    RESPONSE = "response"


STEPS: tuple[Step, ...] = tuple(Step)
# Minutes each step may take (inclusive). Seed 001 limits clarifying questions and positive
# feedback to "a few minutes"; peer feedback is every peer taking a turn, so it gets the most.
STEP_BOUNDS: dict[Step, tuple[int, int]] = {
    Step.PRESENTATION: (2, 20),
    Step.CLARIFYING_QUESTIONS: (1, 10),
    Step.PEER_FEEDBACK: (5, 45),
    Step.POSITIVE_FEEDBACK: (1, 10),
    Step.RESPONSE: (1, 15),
}
DEFAULT_MINUTES: dict[Step, int] = {
    Step.PRESENTATION: 10,
    Step.CLARIFYING_QUESTIONS: 5,
    Step.PEER_FEEDBACK: 20,
    Step.POSITIVE_FEEDBACK: 5,
    Step.RESPONSE: 5,
}
MAX_UPCOMING = 12  # sessions arranged and not yet held, per circle
MAX_NOTES_PER_SESSION = 200
MAX_NOTE_CHARS = 4000
MIN_ATTENDEES = 2  # a peer session needs peers
CLOCK_SKEW = timedelta(minutes=2)  # a client's clock may run a little ahead


class StepTimingError(DomainError):
    """Critical-incident steps out of their bounds, out of order, or not fitting."""

    status = 422
    error = "step_timing"


class SessionLengthError(DomainError):
    """A session shorter or longer than the programme allows."""

    status = 422
    error = "session_length"


class SessionTimeError(DomainError):
    """A date that cannot be: a session arranged in the past, or held in the future."""

    status = 422
    error = "session_time"


class AttendanceError(DomainError):
    """Attendees who are not members, named twice, or too few for a peer session."""

    status = 422
    error = "attendance"


class SessionStatus(StrEnum):
    """Arranged, or taken place."""

    SCHEDULED = "scheduled"
    HELD = "held"


class StepTiming(BaseModel):
    """Minutes for one step of a critical-incident session."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    step: Step = Field(examples=["presentation"])
    minutes: int = Field(ge=1, le=60, examples=[10])


class CircleSession(BaseModel):
    """One session of a circle: arranged (format, date, facilitator) and, once it took place,
    held (when, how long, who came). Its notes are separate records, for the circle only."""

    id: str = Field(examples=["circle-session:cir_3f2e1d0c9b8a:0000000002"])
    circle_id: str = Field(examples=["cir_1a2b3c4d5e6f7a8b"])
    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    number: int = Field(ge=1, examples=[1], description="1 for the circle's first session")
    format: SessionFormat
    steps: list[str] = Field(description="what happens, in order (seed 001)")
    timings: list[StepTiming] | None = Field(
        default=None, description="critical_incident only: minutes per step, in order"
    )
    starts_at: datetime
    minutes: int = Field(ge=1, examples=[90], description="planned length")
    facilitator_id: str = Field(
        examples=["mem_4b1f0c9e2d7a6b35"],
        description="a member id, or 'former member' once they were erased",
    )
    scheduled_by: str = Field(examples=["mem_0c1d2e3f4a5b6c7d"])
    scheduled_at: datetime
    status: SessionStatus = SessionStatus.SCHEDULED
    held_at: datetime | None = None
    held_minutes: int | None = None
    held_by: str | None = Field(default=None, description="who marked it held")
    attendees: list[str] = Field(default_factory=list)


class CircleNote(BaseModel):
    """What a member wrote about a session: for the circle's members only."""

    id: str = Field(examples=["note:circle-session:cir_3f2e1d0c9b8a:0000000002:0000000001"])
    circle_id: str = Field(examples=["cir_1a2b3c4d5e6f7a8b"])
    session_id: str = Field(examples=["circle-session:cir_3f2e1d0c9b8a:0000000002"])
    author_id: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])
    text: str = Field(max_length=MAX_NOTE_CHARS)
    written_at: datetime
    step: Step | None = Field(default=None, description="the step the feedback is given in")
    feedback: BoostFeedback | None = Field(
        default=None, description="the peer's feedback in BOOST form (seed 000)"
    )


def sessions_of(circle_id: str) -> str:
    """What a circle's sessions are numbered under: session n's id is this and n (two members
    arranging the same next session at once collide on it instead of making two)."""
    return f"circle-session:{circle_id}"


def notes_of(session_id: str) -> str:
    """What a circle session's notes are numbered under."""
    return f"note:{session_id}"


def check_timings(
    session_format: SessionFormat, timings: Sequence[StepTiming] | None, minutes: int
) -> list[StepTiming] | None:
    """The step timings a session carries: for critical incident the given ones (or the
    defaults), each step once, in seed 001's order, each within STEP_BOUNDS, together no
    longer than the session; other formats carry none."""
    if session_format is not SessionFormat.CRITICAL_INCIDENT:
        if timings:
            raise StepTimingError(
                f"only critical_incident sessions have timed steps; {session_format.value} "
                "takes none"
            )
        return None
    chosen = (
        list(timings)
        if timings
        else [StepTiming(step=s, minutes=m) for s, m in DEFAULT_MINUTES.items()]
    )
    if [t.step for t in chosen] != list(STEPS):
        raise StepTimingError(
            "give each step once, in this order: " + ", ".join(s.value for s in STEPS)
        )
    for timing in chosen:
        low, high = STEP_BOUNDS[timing.step]
        if not low <= timing.minutes <= high:
            raise StepTimingError(
                f"{timing.step.value} takes {low} to {high} minutes, not {timing.minutes}"
            )
    total = sum(t.minutes for t in chosen)
    if total > minutes:
        raise StepTimingError(
            f"the steps take {total} minutes together, more than the session's {minutes}; "
            "shorten a step or plan a longer session"
        )
    return chosen


def check_length(minutes: int, terms: ProgrammeTerms) -> None:
    """A session lasts within the programme's meeting-length bounds."""
    low, high = terms.min_meeting_minutes, terms.max_meeting_minutes
    if not low <= minutes <= high:
        raise SessionLengthError(
            f"sessions in this programme last {low} to {high} minutes, not {minutes}"
        )


def next_facilitator(members: Sequence[str], history: Sequence[str]) -> str:
    """Who facilitates the next session: a fair rotation.

    `members` are the circle's current members in its order, `history` the facilitators of
    its sessions so far, oldest first. The rule: never whoever facilitated the last session;
    among the rest, whoever has facilitated fewest times; among those, whoever's last turn is
    longest ago (never counts as longest); then the circle's order. With a fixed membership
    this is a round robin in the circle's order; a member erased mid-way simply drops out."""
    if not members:
        raise ConflictError("the circle has no members left to facilitate")
    last = history[-1] if history else None
    candidates = [m for m in members if m != last] or list(members)

    def turn(member: str) -> tuple[int, int, int]:
        turns = [i for i, f in enumerate(history) if f == member]
        return (len(turns), turns[-1] if turns else -1, members.index(member))

    return min(candidates, key=turn)


def next_start(
    formed_at: datetime, cadence_days: int, latest: datetime | None, now: datetime
) -> datetime:
    """When the next session falls on the circle's cadence: the latest session's date plus
    the cadence (the first: the circle's formation plus the cadence), moved on by whole
    cadences until it is in the future."""
    step = timedelta(days=cadence_days)
    start = (latest or formed_at) + step
    if start <= now:
        start += step * ((now - start) // step + 1)
    return start


def check_start(starts_at: datetime, latest: datetime | None, now: datetime) -> None:
    """An arranged session is in the future and after the circle's latest session."""
    if starts_at <= now:
        raise SessionTimeError("a session is arranged for a time in the future")
    if latest is not None and starts_at <= latest:
        raise SessionTimeError(
            f"sessions follow each other: the latest is at {latest.isoformat()}; "
            "choose a later time"
        )


def check_upcoming(upcoming: int) -> None:
    """At most MAX_UPCOMING sessions arranged ahead."""
    if upcoming >= MAX_UPCOMING:
        raise ConflictError(
            f"the circle has {upcoming} sessions arranged already; hold one before arranging more"
        )


def check_held(
    session: CircleSession,
    held_at: datetime,
    attendees: Sequence[str],
    members: Sequence[str],
    now: datetime,
) -> None:
    """A session is held once, not in the future, attended by at least two of its members
    (each named once)."""
    if session.status is SessionStatus.HELD:
        raise ConflictError(f"session {session.number} has already been marked held")
    if held_at > now + CLOCK_SKEW:
        raise SessionTimeError("a session cannot be marked held at a time in the future")
    if len(set(attendees)) != len(attendees):
        raise AttendanceError("name each attendee once")
    strangers = [a for a in attendees if a not in members]
    if strangers:
        raise AttendanceError(f"{len(strangers)} of the attendees are not members of the circle")
    if len(attendees) < MIN_ATTENDEES:
        raise AttendanceError(f"a circle session has at least {MIN_ATTENDEES} attendees")


def check_note_room(existing: int) -> None:
    """A session keeps at most MAX_NOTES_PER_SESSION notes."""
    if existing >= MAX_NOTES_PER_SESSION:
        raise ConflictError(f"this session has the most notes it can keep ({existing})")


# The steps of a critical-incident session in which peers give feedback (seed 001).
FEEDBACK_STEPS: tuple[Step, ...] = (Step.PEER_FEEDBACK, Step.POSITIVE_FEEDBACK)


class FeedbackStepError(DomainError):
    """BOOST feedback on a circle session outside its feedback steps."""

    status = 422
    error = "feedback_step"


def check_feedback_step(
    session_format: SessionFormat, step: Step | None, feedback: BoostFeedback | None
) -> None:
    """A circle note's BOOST feedback is given in the peer feedback or positive feedback step
    of a critical-incident session (seed 001); a note without it names no step."""
    if feedback is None:
        if step is not None:
            raise FeedbackStepError("a step is named only with BOOST feedback given in it")
        return
    if session_format is not SessionFormat.CRITICAL_INCIDENT:
        raise FeedbackStepError(
            "BOOST feedback is given in the feedback steps of a critical_incident session; "
            f"this session is {session_format.value}: write a note instead"
        )
    if step not in FEEDBACK_STEPS:
        raise FeedbackStepError(
            "say which step the feedback is given in: "
            + " or ".join(s.value for s in FEEDBACK_STEPS)
        )
