"""Monitoring rules (seed 002, checklist 5: "Are things going as expected? Are the mentors and
mentees relationships working well? Do we know? How do we know?").

Pure functions of a relationship's activity, the programme's thresholds and `now` (passed in,
so tests and replays choose the time). Each condition carries the moment it is counted from
(`since`): the same condition found again by the next sweep or event has the same `since`, so
its alert id is the same and it is raised once; a new episode (a meeting, then silence again)
has a new `since` and raises a new alert.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator


class AlertKind(StrEnum):
    """What a rule found (the `kind` of `alert.raised`)."""

    NO_FIRST_MEETING = "no_first_meeting"
    CONTACT_OVERDUE = "contact_overdue"
    INACTIVITY_WARNING = "inactivity_warning"
    INACTIVE = "inactive"
    LOW_PULSE = "low_pulse"
    CIRCLE_CONCERN = "circle_concern"  # a member's concern about a circle (seed 001)


class AlertThresholds(BaseModel):
    """A programme's thresholds, set by its co-ordinator; the defaults come from the seeds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    first_meeting_days: int = Field(
        default=21,
        ge=7,
        le=90,
        examples=[21],
        description="no first meeting this long after the start",
    )
    contact_overdue_days: int = Field(
        default=14,
        ge=3,
        le=60,
        examples=[14],
        description="no contact this long after a meeting (seed 002: contact about two weeks "
        "after a meeting)",
    )
    inactivity_warning_days: int = Field(
        default=83, ge=7, le=364, examples=[83], description="warn after this long with no activity"
    )
    inactivity_days: int = Field(
        default=90, ge=8, le=365, examples=[90], description="inactive after this long"
    )
    low_pulse_score: float = Field(
        default=2.0,
        ge=1.0,
        le=4.5,
        examples=[2.0],
        description="a pulse answer at or below this (on the 1-5 rating scale) is low",
    )

    @model_validator(mode="after")
    def _warning_first(self) -> Self:
        if self.inactivity_warning_days >= self.inactivity_days:
            raise ValueError("the inactivity warning must come before the inactivity alert")
        return self


ERASED = "erased"  # what an erased member's id becomes in the monitoring record
# A low-pulse alert needs at least this many answers behind it (both sides of a relationship).
MIN_PULSE_ANSWERS = 2
# How often a programme's low-pulse threshold may move.
LOW_PULSE_CHANGE_EVERY = timedelta(days=7)


@dataclass(frozen=True)
class Party:
    """A party of a relationship: a mentor or one of its mentees."""

    member_id: str
    organisation_id: str
    role: str  # mentor or mentee

    @property
    def present(self) -> bool:
        """Not erased: may still be sent surveys and reminders."""
        return self.member_id != ERASED


@dataclass(frozen=True)
class PulseReading:
    """The latest pulse answer of one side of the relationship (no respondent)."""

    score: float
    at: datetime


@dataclass(frozen=True)
class Activity:
    """What monitoring knows of one relationship, from events only."""

    started_at: datetime
    ended_at: datetime | None = None
    first_meeting_at: datetime | None = None
    last_meeting_at: datetime | None = None
    last_message_at: datetime | None = None
    last_log_at: datetime | None = None
    pulses: tuple[PulseReading, ...] = ()

    @property
    def last_activity_at(self) -> datetime:
        """The latest sign of life: the start, a meeting, a message or a meeting log."""
        moments = [self.last_meeting_at, self.last_message_at, self.last_log_at]
        return max([self.started_at, *[m for m in moments if m is not None]])


@dataclass(frozen=True)
class Condition:
    """A rule's finding: what, and the moment it is counted from."""

    kind: AlertKind
    since: datetime


def no_first_meeting(a: Activity, t: AlertThresholds, now: datetime) -> Condition | None:
    """No meeting at all `first_meeting_days` after the relationship started."""
    if a.first_meeting_at is None and now - a.started_at >= timedelta(days=t.first_meeting_days):
        return Condition(AlertKind.NO_FIRST_MEETING, a.started_at)
    return None


def contact_overdue(a: Activity, t: AlertThresholds, now: datetime) -> Condition | None:
    """A meeting, then neither a message nor another meeting for `contact_overdue_days`.
    A meeting log does not count: it is written about the meeting, not contact after it."""
    if a.last_meeting_at is None:
        return None
    if a.last_message_at is not None and a.last_message_at > a.last_meeting_at:
        return None
    if now - a.last_meeting_at >= timedelta(days=t.contact_overdue_days):
        return Condition(AlertKind.CONTACT_OVERDUE, a.last_meeting_at)
    return None


def inactivity(a: Activity, t: AlertThresholds, now: datetime) -> Condition | None:
    """No activity at all: a warning after `inactivity_warning_days`, then inactive after
    `inactivity_days` (only the more severe of the two is found at a time)."""
    quiet = now - a.last_activity_at
    if quiet >= timedelta(days=t.inactivity_days):
        return Condition(AlertKind.INACTIVE, a.last_activity_at)
    if quiet >= timedelta(days=t.inactivity_warning_days):
        return Condition(AlertKind.INACTIVITY_WARNING, a.last_activity_at)
    return None


def low_pulse(a: Activity, t: AlertThresholds) -> Condition | None:
    """The relationship's pulse — the mean of both sides' latest answers — is at or below
    `low_pulse_score`. Never from one answer alone (MIN_PULSE_ANSWERS): an alert that one
    person's answer raised would tell the co-ordinator how that person answered, and moving
    the threshold would bracket their score. Counted from the start of the ISO week of the
    newest answer, so the alert carries no answer's exact time."""
    if len(a.pulses) < MIN_PULSE_ANSWERS:
        return None
    mean = sum(p.score for p in a.pulses) / len(a.pulses)
    if mean > t.low_pulse_score:
        return None
    return Condition(AlertKind.LOW_PULSE, week_start(max(p.at for p in a.pulses)))


def week_start(moment: datetime) -> datetime:
    """Monday 00:00 UTC of the ISO week `moment` falls in."""
    utc = moment.astimezone(UTC)
    return datetime(utc.year, utc.month, utc.day, tzinfo=UTC) - timedelta(days=utc.weekday())


def day_start(moment: datetime) -> datetime:
    """00:00 UTC of `moment`'s day: when an alert about answers says it was raised."""
    utc = moment.astimezone(UTC)
    return datetime(utc.year, utc.month, utc.day, tzinfo=UTC)


def raised_at(kind: AlertKind, now: datetime) -> datetime:
    """The time an alert says it was raised: the day only for an alert about answers (its
    exact moment would be the moment of the answer that completed it), else `now`."""
    return day_start(now) if kind is AlertKind.LOW_PULSE else now


def check_threshold_change(
    before: AlertThresholds,
    after: AlertThresholds,
    last_low_pulse_change: datetime | None,
    now: datetime,
) -> bool:
    """Whether `after` moves the low-pulse threshold (True: record `now` as its change);
    ValueError if it moved less than LOW_PULSE_CHANGE_EVERY ago. Reading alerts after each
    of many small moves would bracket a relationship's pulse; once a week, it takes weeks
    over which the answers themselves change."""
    if after.low_pulse_score == before.low_pulse_score:
        return False
    if last_low_pulse_change is not None:
        next_change = last_low_pulse_change + LOW_PULSE_CHANGE_EVERY
        if now < next_change:
            raise ValueError(
                "the low-pulse threshold changes at most once a week: it can change again "
                f"from {next_change:%-d %B %Y %H:%M} UTC"
            )
    return True


def conditions(a: Activity, t: AlertThresholds, now: datetime) -> list[Condition]:
    """Every condition a relationship is in at `now`; none once it has ended."""
    if a.ended_at is not None and a.ended_at <= now:
        return []
    found = [
        no_first_meeting(a, t, now),
        contact_overdue(a, t, now),
        inactivity(a, t, now),
        low_pulse(a, t),
    ]
    return [c for c in found if c is not None]


def concern_alert_id(concern_id: str) -> str:
    """The alert for a concern raised with the co-ordinators: one per concern."""
    return "alr_" + hashlib.sha256(f"concern|{concern_id}".encode()).hexdigest()[:16]


def _instant(moment: datetime) -> str:
    """A moment as the store keeps it (milliseconds), so an id computed from an event and one
    computed from the stored record agree."""
    utc = moment.astimezone(UTC)
    return utc.replace(microsecond=utc.microsecond // 1000 * 1000).isoformat()


def alert_id(relationship_id: str, condition: Condition) -> str:
    """The alert's id: the same condition always gives the same id (raised once)."""
    raw = f"{relationship_id}|{condition.kind.value}|{_instant(condition.since)}"
    return "alr_" + hashlib.sha256(raw.encode()).hexdigest()[:16]


_DESCRIPTIONS = {
    AlertKind.NO_FIRST_MEETING: "No first meeting yet: the relationship started on {since}.",
    AlertKind.CONTACT_OVERDUE: "No contact since the meeting on {since}.",
    AlertKind.INACTIVITY_WARNING: (
        "No activity since {since}: a warning before the relationship counts as inactive."
    ),
    AlertKind.INACTIVE: "No activity since {since}.",
    AlertKind.LOW_PULSE: "The pulse checks of the week of {since} were low, taken together.",
    AlertKind.CIRCLE_CONCERN: (
        "A member of a circle raised a concern with you on {since}; read it on the circle's "
        "concerns page."
    ),
}


def describe(kind: AlertKind, since: datetime) -> str:
    """One sentence for the co-ordinator: what was found, from when."""
    return _DESCRIPTIONS[kind].format(since=f"{since:%-d %B %Y}")
