"""A relationship's meetings as its parties plan, move, confirm and cancel them (seed 002,
"Mentoring: Supporting and Promoting Professional Development and Learning": meetings
face-to-face, by telephone or online, each recorded in the Resource 13 meeting log), and the
personal calendar feed that carries them to a calendar app. Pure: no I/O.

Times a person types are local to their own zone; the sessions service keeps the zone with
the meeting and refuses a local time that does not exist (the hour skipped when the clocks go
forward), so the portal sends what was typed and the zone, and lets the service judge.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from services.portal.domain.forms import FormProblems, first
from services.portal.domain.local_time import iso_local, when
from services.portal.domain.relationships import Meeting
from services.portal.domain.wording import METHODS

# The fields of the plan, move and held forms.
FIELDS = ("starts_at", "minutes", "method", "location")
LOCATION_MAX = 200  # what the sessions service keeps
DEFAULT_MINUTES = 60
# The service's refusals that concern one field (its error code → the field).
REFUSAL_FIELDS = {
    "meeting_length_out_of_bounds": "minutes",
    "invalid_meeting_time": "starts_at",
    "unknown_time_zone": "starts_at",
    "held_in_future": "starts_at",
    "held_before_relationship": "starts_at",
}


class MeetingBounds(BaseModel):
    """How long a programme's meetings last (the part of its design this page shows)."""

    min_meeting_minutes: int | None = None
    max_meeting_minutes: int | None = None

    @property
    def known(self) -> bool:
        """Both ends are set."""
        return self.min_meeting_minutes is not None and self.max_meeting_minutes is not None

    @property
    def default_minutes(self) -> int:
        """An hour, unless the programme's bounds say otherwise."""
        low = self.min_meeting_minutes or 1
        high = self.max_meeting_minutes or max(low, DEFAULT_MINUTES)
        return min(max(DEFAULT_MINUTES, low), high)


class Programme(BaseModel):
    """A programme as the registry shows it to its people (only its meeting bounds)."""

    design: MeetingBounds = MeetingBounds()


class FeedStatus(BaseModel):
    """Whether the member has a calendar feed (its address is never shown again)."""

    active: bool
    created_at: datetime | None = None


class FeedCreated(BaseModel):
    """A new calendar feed: its secret address, shown this once."""

    url: str
    created_at: datetime

    @property
    def webcal(self) -> str:
        """The same address for calendar apps that subscribe from a link."""
        return webcal(self.url)


@dataclass(frozen=True)
class MeetingsBoard:
    """A relationship's meetings in the groups a party acts on."""

    to_confirm: list[Meeting]  # planned, started: did it happen?
    ahead: list[Meeting]  # planned, still to come
    held: list[Meeting]  # newest first
    cancelled: list[Meeting]  # newest first

    @property
    def empty(self) -> bool:
        """No meeting of any kind yet."""
        return not (self.to_confirm or self.ahead or self.held or self.cancelled)


def board(meetings: Sequence[Meeting], now: datetime) -> MeetingsBoard:
    """Planned meetings that have started wait to be confirmed as held (or cancelled); the
    rest of the planned ones are ahead, soonest first; held and cancelled ones newest first."""
    planned = sorted((m for m in meetings if m.status == "planned"), key=lambda m: m.starts_at)
    newest = sorted(meetings, key=lambda m: m.starts_at, reverse=True)
    return MeetingsBoard(
        to_confirm=[m for m in planned if m.starts_at <= now],
        ahead=[m for m in planned if m.starts_at > now],
        held=[m for m in newest if m.status == "held"],
        cancelled=[m for m in newest if m.status == "cancelled"],
    )


def typed(form: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """What was typed into a meeting form, to show it again."""
    return {name: first(form, name) for name in FIELDS}


def meeting_values(meeting: Meeting, zone: str) -> dict[str, str]:
    """A meeting as a form shows it, in the person's zone."""
    return {
        "starts_at": iso_local(meeting.starts_at, zone),
        "minutes": str(meeting.minutes),
        "method": meeting.method,
        "location": meeting.location or "",
    }


def new_meeting_from_form(
    form: Mapping[str, Sequence[str]], zone: str
) -> tuple[dict[str, Any], FormProblems]:
    """The meeting to plan: the local date and time typed, read in the person's zone; the
    length (the programme's bounds are the service's to enforce); how; where (optional)."""
    values = typed(form)
    problems: dict[str, str] = {}
    starts_at = _local_start(values["starts_at"], problems)
    minutes = _minutes(values["minutes"], problems)
    if values["method"] not in METHODS:
        problems["method"] = "choose how you will meet"
    location = " ".join(values["location"].split())
    if len(location) > LOCATION_MAX:
        problems["location"] = f"keep the place to {LOCATION_MAX} characters"
    body = {
        "starts_at": starts_at,
        "time_zone": zone,
        "minutes": minutes,
        "method": values["method"],
        "location": location or None,
        "status": "planned",
    }
    return body, _problems(problems)


def changes_from_form(
    form: Mapping[str, Sequence[str]], meeting: Meeting, zone: str, *, required: bool
) -> tuple[dict[str, Any], FormProblems]:
    """Only what differs from the meeting as it stands, for moving it (`required`: something
    must change) or for recording it as held (nothing changed: it went as planned). A new
    start is the local time typed, read in the person's zone."""
    values = typed(form)
    current = meeting_values(meeting, zone)
    problems: dict[str, str] = {}
    changes: dict[str, Any] = {}
    if values["starts_at"] != current["starts_at"]:
        starts_at = _local_start(values["starts_at"], problems)
        changes.update(starts_at=starts_at, time_zone=zone)
    if values["minutes"] != current["minutes"]:
        changes["minutes"] = _minutes(values["minutes"], problems)
    if values["method"] != current["method"]:
        if values["method"] not in METHODS:
            problems["method"] = "choose how you meet"
        changes["method"] = values["method"]
    location = " ".join(values["location"].split())
    if location != current["location"]:
        if len(location) > LOCATION_MAX:
            problems["location"] = f"keep the place to {LOCATION_MAX} characters"
        changes["location"] = location  # empty removes it
    if required and not changes and not problems:
        return changes, FormProblems(
            {}, "Nothing changed: give a new date and time, length, way of meeting or place."
        )
    return changes, _problems(problems)


def beside_field(
    problems: FormProblems, error: str, by_error: Mapping[str, str] = REFUSAL_FIELDS
) -> FormProblems:
    """A service refusal that concerns one field (a length outside the programme's bounds, a
    time that does not exist) shown beside that field instead of above the form."""
    field = by_error.get(error)
    if field is None or problems.fields or not problems.message:
        return problems
    return FormProblems({field: problems.message}, "Please correct the field marked below.")


def meeting_choices(meetings: Sequence[Meeting], zone: str, keep: str = "") -> dict[str, str]:
    """The held meetings a log may record, newest first, as a select shows them ('Thursday 3
    December 2026, 14:00'), and the meeting `keep` (a log's own) whatever its status."""
    chosen = [m for m in meetings if m.status == "held" or m.id == keep]
    newest = sorted(chosen, key=lambda m: m.starts_at, reverse=True)
    return {m.id: when(m.starts_at, zone) for m in newest}


def webcal(url: str) -> str:
    """`https://host/path` as `webcal://host/path`: calendar apps subscribe from such links."""
    _, sep, rest = url.partition("://")
    return f"webcal://{rest}" if sep else url


def ics_filename(meeting_id: str) -> str:
    """A file name without the id's colons (which some systems refuse):
    `meeting:rel_x:0000000003` → `mentoring-meeting-3.ics`."""
    number = meeting_id.rsplit(":", 1)[-1]
    return f"mentoring-meeting-{int(number) if number.isdigit() else 'invite'}.ics"


def _local_start(value: str, problems: dict[str, str]) -> str | None:
    if not value:
        problems["starts_at"] = "give the date and time you will meet"
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        problems["starts_at"] = "give a date and time, like 2026-12-03 14:00"
        return None
    if moment.tzinfo is not None:
        problems["starts_at"] = "give the date and time as shown on your clock"
        return None
    # Sent without an offset, with the zone: the service refuses a time the zone skips.
    return moment.replace(second=0, microsecond=0).isoformat()


def _minutes(value: str, problems: dict[str, str]) -> int | None:
    if not (value.isascii() and value.isdigit()) or int(value) < 1:
        problems["minutes"] = "give the length in whole minutes, like 60"
        return None
    return int(value)


def _problems(fields: dict[str, str]) -> FormProblems:
    if not fields:
        return FormProblems()
    return FormProblems(fields, "Please correct the fields marked below.")
