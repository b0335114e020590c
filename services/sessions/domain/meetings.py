"""A relationship's meetings, planned and held: the rules (seed 002, Resources 5 and 13).

A meeting has a date and time, a method (Resource 13: face to face, telephone, video,
messaging, other), an optional location and a length within the programme's bounds (Resource
5: "each meeting will last a minimum of one hour and a maximum of two hours" is the kind of
rule a programme sets). A party plans a meeting and later records it as held, or records a
meeting as held directly; a planned meeting can be cancelled. A meeting is a joint record of
the relationship: either party acts on it.

Time: a start is given either as an ISO 8601 date-time with an offset, or as a local time
without one plus an IANA time zone. It is kept as a UTC instant plus the zone (if one was
named), so it is shown, and exported to calendars, in the zone the parties meet in, across
daylight-saving changes. A local time that does not exist in its zone (the hour skipped when
the clocks go forward) is refused; one that happens twice (the hour repeated when they go back)
is the first of the two, as RFC 5545 reads it; send an offset to mean the second.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import BaseModel, ConfigDict, Field, computed_field

from services.sessions.domain.programmes import ProgrammeTerms
from services.sessions.domain.relationships import Relationship, check_active
from shared.contracts.sessions import (
    MeetingCancelled,
    MeetingHeld,
    MeetingPlanned,
    MeetingRescheduled,
)
from shared.errors import ConflictError, DomainError

# Clocks differ: a meeting recorded as held may start up to this far "in the future" by the
# server's clock, and a planned one this far in the past (someone planning "now").
CLOCK_LEEWAY = timedelta(minutes=5)
# How far from today a meeting may be: catches a mistyped year, keeps calendars sane.
HORIZON = timedelta(days=5 * 366)


class MeetingMethod(StrEnum):
    """How the parties meet (Resource 13)."""

    FACE_TO_FACE = "face_to_face"
    TELEPHONE = "telephone"
    VIDEO = "video"
    MESSAGING = "messaging"
    OTHER = "other"


class MeetingStatus(StrEnum):
    """Where a meeting stands."""

    PLANNED = "planned"
    HELD = "held"
    CANCELLED = "cancelled"


class UnknownTimeZoneError(DomainError):
    """The time zone is not an IANA zone name."""

    error = "unknown_time_zone"


class MeetingTimeError(DomainError):
    """The date and time cannot be used as given."""

    error = "invalid_meeting_time"


class HeldInFutureError(DomainError):
    """A meeting cannot have been held yet if it starts in the future."""

    error = "held_in_future"


class HeldBeforeStartError(DomainError):
    """A relationship's meetings happen after it started."""

    error = "held_before_relationship"


class MeetingLengthError(DomainError):
    """The length is outside the programme's bounds."""

    error = "meeting_length_out_of_bounds"


LOCATION_MAX = 200


class MeetingFacts(BaseModel):
    """When, how long, how and where a meeting is (or was), as a party gives them."""

    model_config = ConfigDict(extra="forbid")

    starts_at: datetime = Field(
        examples=["2026-12-02T18:00:00"],
        description="ISO 8601: with an offset (2026-12-02T18:00:00+01:00), or a local time "
        "without one together with `time_zone`",
    )
    time_zone: str | None = Field(
        default=None,
        max_length=64,
        examples=["Europe/London"],
        description="IANA zone name; needed when `starts_at` has no offset, and kept for "
        "showing the meeting in its zone",
    )
    minutes: int = Field(examples=[60], description="the length, within the programme's bounds")
    method: MeetingMethod = Field(examples=["video"])
    location: str | None = Field(
        default=None, max_length=LOCATION_MAX, examples=["Room 4, Harbour House"]
    )


class MeetingChanges(BaseModel):
    """What changes in a planned meeting: when it is moved, or what differed when it was
    held (anything left out stays as planned; an empty `location` removes it)."""

    model_config = ConfigDict(extra="forbid")

    starts_at: datetime | None = Field(default=None, examples=["2026-12-02T18:15:00"])
    time_zone: str | None = Field(default=None, max_length=64, examples=["Europe/London"])
    minutes: int | None = Field(default=None, examples=[75])
    method: MeetingMethod | None = Field(default=None, examples=["telephone"])
    location: str | None = Field(
        default=None, max_length=LOCATION_MAX, examples=["the café by the station"]
    )


class Meeting(BaseModel):
    """One meeting of a relationship. Location is free text a party wrote: it stays in the
    sessions service (never in an event)."""

    id: str = Field(examples=["meeting:rel_4edaa8818d218819:0000000003"])
    relationship_id: str = Field(examples=["rel_5d2c7a9e1b3f4a6c"])
    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    status: MeetingStatus = Field(examples=["planned"])
    starts_at: datetime = Field(examples=["2026-12-02T18:00:00Z"], description="the start, in UTC")
    time_zone: str | None = Field(
        default=None,
        examples=["Europe/London"],
        description="the IANA zone the parties meet in; none if only an offset was given",
    )
    minutes: int = Field(ge=1, examples=[60])
    method: MeetingMethod = Field(examples=["video"])
    location: str | None = Field(default=None, examples=["Room 4, Harbour House"])
    location_by: str | None = Field(
        default=None, description="who entered the location", examples=["mem_4b1f0c9e2d7a6b35"]
    )
    planned_by: str | None = Field(
        default=None, description="none if it was recorded as held directly"
    )
    planned_at: datetime | None = None
    recorded_by: str | None = Field(default=None, description="who recorded it as held")
    recorded_at: datetime | None = None
    cancelled_by: str | None = None
    cancelled_at: datetime | None = None
    rescheduled_by: str | None = Field(default=None, description="who last moved it")
    rescheduled_at: datetime | None = None
    revision: int = Field(
        default=0, ge=0, description="how often it was moved (the calendar's SEQUENCE)"
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ends_at(self) -> datetime:
        """The end, in UTC."""
        return self.starts_at + timedelta(minutes=self.minutes)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def local_starts_at(self) -> datetime:
        """The start in the meeting's time zone (UTC if it has none)."""
        return self.starts_at.astimezone(zone(self.time_zone) if self.time_zone else UTC)


def meetings_of(relationship_id: str) -> str:
    """What a relationship's meetings are numbered under: meeting n's id is this and n."""
    return f"meeting:{relationship_id}"


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def zone(name: str) -> ZoneInfo:
    """The IANA zone `name`; UnknownTimeZoneError for anything else (including paths)."""
    if name not in _zone_names():
        raise UnknownTimeZoneError(
            f"unknown time zone {name!r}: use an IANA zone name such as 'Europe/London'"
        )
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:  # listed but unreadable: still unknown
        raise UnknownTimeZoneError(f"unknown time zone {name!r}") from exc


def resolve_start(starts_at: datetime, time_zone: str | None) -> tuple[datetime, str | None]:
    """The UTC instant and the zone to keep for a start given as ISO 8601 with an offset
    (zone optional), or as a local time without one plus `time_zone`."""
    try:
        return _resolve_start(starts_at, time_zone)
    except OverflowError as exc:  # year 1 or 9999 moved across the date line
        raise MeetingTimeError(f"{starts_at.isoformat()} is out of range; check the year") from exc


def _resolve_start(starts_at: datetime, time_zone: str | None) -> tuple[datetime, str | None]:
    tz = zone(time_zone) if time_zone is not None else None
    starts_at = starts_at.replace(microsecond=0)  # calendars and the database keep seconds
    if starts_at.tzinfo is not None and starts_at.utcoffset() is not None:
        return starts_at.astimezone(UTC), time_zone
    if tz is None:
        raise MeetingTimeError(
            "the start has no UTC offset: give one (2026-12-02T18:00:00+00:00) or name the "
            "time zone in `time_zone` (e.g. 'Europe/London')"
        )
    local = starts_at.replace(tzinfo=tz, fold=0)
    if local.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != starts_at.replace(fold=0):
        raise MeetingTimeError(
            f"{starts_at.isoformat()} does not exist in {time_zone}: the clocks go forward "
            "then; give a time after the change, or an offset"
        )
    return local.astimezone(UTC), time_zone


def check_length(minutes: int, min_minutes: int, max_minutes: int) -> None:
    """A meeting's length must lie within the programme's bounds (inclusive)."""
    if not min_minutes <= minutes <= max_minutes:
        raise MeetingLengthError(
            f"a meeting in this programme lasts {min_minutes} to {max_minutes} minutes; "
            f"{minutes} is outside that"
        )


def check_within_horizon(start: datetime, now: datetime) -> None:
    """Refuse starts so far from today that they must be mistakes."""
    if abs(start - now) > HORIZON:
        raise MeetingTimeError(
            f"{start.date().isoformat()} is more than five years from today; check the year"
        )


def check_can_plan(start: datetime, now: datetime) -> None:
    """A planned meeting lies ahead (a past one is recorded as held instead)."""
    check_within_horizon(start, now)
    if start < now - CLOCK_LEEWAY:
        raise MeetingTimeError(
            "a planned meeting starts in the future; record a past meeting as held instead"
        )


def check_can_be_held(start: datetime, now: datetime) -> None:
    """A meeting recorded as held has started already."""
    check_within_horizon(start, now)
    if start > now + CLOCK_LEEWAY:
        raise HeldInFutureError(
            f"a meeting starting at {start.isoformat()} cannot have been held yet; plan it "
            "instead, and record it as held afterwards"
        )


def check_after_start(start: datetime, r: Relationship) -> None:
    """A meeting recorded as held took place after the relationship started (a meeting
    before the match is not one of its meetings, and would make the time to a first
    meeting negative)."""
    if start < r.started_at - CLOCK_LEEWAY:
        raise HeldBeforeStartError(
            f"the relationship started at {r.started_at.isoformat()}; a meeting starting at "
            f"{start.isoformat()} took place before it"
        )


def check_planned(meeting: Meeting) -> None:
    """Only a planned meeting is recorded as held or cancelled."""
    if meeting.status is MeetingStatus.HELD:
        raise ConflictError(f"meeting {meeting.id!r} is already recorded as held")
    if meeting.status is MeetingStatus.CANCELLED:
        raise ConflictError(f"meeting {meeting.id!r} was cancelled; plan a new one")


def shown_status(meeting: Meeting, relationship_ended_at: datetime | None) -> MeetingStatus:
    """The status to show: a planned meeting after its relationship ended will not happen,
    so it shows as cancelled (no write needed when a relationship ends)."""
    if (
        meeting.status is MeetingStatus.PLANNED
        and relationship_ended_at is not None
        and meeting.starts_at >= relationship_ended_at
    ):
        return MeetingStatus.CANCELLED
    return meeting.status


def clean_location(location: str | None) -> str | None:
    """A location as kept: one line, trimmed, and none if blank."""
    if location is None:
        return None
    # Control characters have no place in a place name (and would garble calendar files).
    printable = "".join(c if c.isprintable() else " " for c in location)
    trimmed = " ".join(printable.split())
    return trimmed or None


def _facts_checked(facts: MeetingFacts, terms: ProgrammeTerms) -> tuple[datetime, str | None]:
    start, time_zone = resolve_start(facts.starts_at, facts.time_zone)
    check_length(facts.minutes, terms.min_meeting_minutes, terms.max_meeting_minutes)
    return start, time_zone


def new_meeting(
    r: Relationship,
    terms: ProgrammeTerms,
    facts: MeetingFacts,
    status: MeetingStatus,
    by: str,
    now: datetime,
    meeting_id: str,
) -> Meeting:
    """A party plans a meeting (`PLANNED`) or records one as held directly (`HELD`) in an
    active relationship; `meeting_id` is the id the store has taken for it."""
    check_active(r)
    start, time_zone = _facts_checked(facts, terms)
    if status is MeetingStatus.PLANNED:
        check_can_plan(start, now)
    elif status is MeetingStatus.HELD:
        check_can_be_held(start, now)
        check_after_start(start, r)
    else:
        raise MeetingTimeError("a new meeting is planned or held")
    location = clean_location(facts.location)
    planned = status is MeetingStatus.PLANNED
    return Meeting(
        id=meeting_id,
        relationship_id=r.id,
        programme_id=r.programme_id,
        status=status,
        starts_at=start,
        time_zone=time_zone,
        minutes=facts.minutes,
        method=facts.method,
        location=location,
        location_by=by if location else None,
        planned_by=by if planned else None,
        planned_at=now if planned else None,
        recorded_by=None if planned else by,
        recorded_at=None if planned else now,
    )


def _changed(
    meeting: Meeting, changes: MeetingChanges, terms: ProgrammeTerms, by: str
) -> tuple[datetime, dict[str, object]]:
    """The meeting's start and facts with `changes` applied, checked against the
    programme."""
    facts = MeetingFacts(
        starts_at=changes.starts_at or meeting.starts_at,
        # A new local start without a zone is read in the meeting's zone.
        time_zone=changes.time_zone or meeting.time_zone,
        minutes=changes.minutes if changes.minutes is not None else meeting.minutes,
        method=changes.method or meeting.method,
        location=meeting.location if changes.location is None else changes.location,
    )
    start, time_zone = _facts_checked(facts, terms)
    location = clean_location(facts.location)
    changed_location = changes.location is not None and location != meeting.location
    return start, {
        "starts_at": start,
        "time_zone": time_zone,
        "minutes": facts.minutes,
        "method": facts.method,
        "location": location,
        "location_by": (by if location else None) if changed_location else meeting.location_by,
    }


def held(
    r: Relationship,
    terms: ProgrammeTerms,
    meeting: Meeting,
    changes: MeetingChanges,
    by: str,
    now: datetime,
) -> Meeting:
    """A party records a planned meeting as held, with whatever differed from the plan."""
    check_active(r)
    check_planned(meeting)
    start, update = _changed(meeting, changes, terms, by)
    check_can_be_held(start, now)
    check_after_start(start, r)
    return meeting.model_copy(
        update={**update, "status": MeetingStatus.HELD, "recorded_by": by, "recorded_at": now}
    )


def rescheduled(
    r: Relationship,
    terms: ProgrammeTerms,
    meeting: Meeting,
    changes: MeetingChanges,
    by: str,
    now: datetime,
) -> Meeting:
    """A party moves a planned meeting (or changes its length, method or place): still
    planned, still ahead, within the programme's bounds."""
    check_active(r)
    check_planned(meeting)
    if changes == MeetingChanges():
        raise DomainError("say what changes: starts_at, time_zone, minutes, method or location")
    start, update = _changed(meeting, changes, terms, by)
    check_can_plan(start, now)
    return meeting.model_copy(
        update={
            **update,
            "rescheduled_by": by,
            "rescheduled_at": now,
            "revision": meeting.revision + 1,
        }
    )


def cancelled(r: Relationship, meeting: Meeting, by: str, now: datetime) -> Meeting:
    """A party cancels a planned meeting."""
    check_active(r)
    check_planned(meeting)
    return meeting.model_copy(
        update={"status": MeetingStatus.CANCELLED, "cancelled_by": by, "cancelled_at": now}
    )


def meeting_held_event(meeting: Meeting) -> MeetingHeld:
    """`meeting.held`: when, how long, which method; nothing else (no location)."""
    return MeetingHeld(
        meeting_id=meeting.id,
        relationship_id=meeting.relationship_id,
        programme_id=meeting.programme_id,
        held_at=meeting.starts_at,
        minutes=meeting.minutes,
        method=meeting.method.value,
    )


def _calendar_facts(meeting: Meeting) -> dict[str, object]:
    """What the meeting events carry: the calendar's facts, never the location."""
    return {
        "meeting_id": meeting.id,
        "relationship_id": meeting.relationship_id,
        "programme_id": meeting.programme_id,
        "starts_at": meeting.starts_at,
        "time_zone": meeting.time_zone,
        "minutes": meeting.minutes,
        "method": meeting.method.value,
        "revision": meeting.revision,
    }


def meeting_planned_event(meeting: Meeting, now: datetime) -> MeetingPlanned:
    """`meeting.planned`: when, where in time, how long, how; no location."""
    return MeetingPlanned.model_validate({**_calendar_facts(meeting), "planned_at": now})


def meeting_rescheduled_event(meeting: Meeting, now: datetime) -> MeetingRescheduled:
    """`meeting.rescheduled`: the meeting as it now stands, with its new revision."""
    return MeetingRescheduled.model_validate({**_calendar_facts(meeting), "rescheduled_at": now})


def meeting_cancelled_event(meeting: Meeting, now: datetime) -> MeetingCancelled:
    """`meeting.cancelled`: which meeting will not take place (and when it would have)."""
    return MeetingCancelled.model_validate({**_calendar_facts(meeting), "cancelled_at": now})
