"""Meetings as iCalendar (RFC 5545), with the `icalendar` library.

One meeting downloads as a calendar of one event; a member's feed is one calendar of all
their meetings. Every event: UID `<digest of the meeting id>@mentornet` (stable, so a calendar
app updates rather than duplicates it; a digest, as the id names the relationship), DTSTAMP,
DTSTART/DTEND in the meeting's IANA zone with its VTIMEZONE (or in UTC when only an offset
was given), SUMMARY "Mentoring meeting" and nothing more telling (no names, no programme, no
notes), the method and length in DESCRIPTION, the location if a party gave one, STATUS, and
SEQUENCE (how often it was moved). The calendar says METHOD:PUBLISH. What we write is parsed
back before it is served, so a malformed calendar is our error, never the app's.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event

from services.sessions.domain.meetings import Meeting, MeetingMethod, MeetingStatus, zone
from shared.calendar import meeting_uid

PRODID = "-//mentornet//sessions meetings//EN"
SUMMARY = "Mentoring meeting"
MEDIA_TYPE = "text/calendar; charset=utf-8"

_METHOD_WORDS = {
    MeetingMethod.FACE_TO_FACE: "face to face",
    MeetingMethod.TELEPHONE: "telephone",
    MeetingMethod.VIDEO: "video",
    MeetingMethod.MESSAGING: "messaging",
    MeetingMethod.OTHER: "other",
}
_STATUS = {
    MeetingStatus.PLANNED: "CONFIRMED",
    MeetingStatus.HELD: "CONFIRMED",
    MeetingStatus.CANCELLED: "CANCELLED",
}


class CalendarRenderError(RuntimeError):
    """What we rendered did not parse back as the calendar we meant (a bug of ours)."""


def event_uid(meeting_id: str) -> str:
    """The iCalendar UID of a meeting (the network's one rule: `shared.calendar`)."""
    return meeting_uid(meeting_id)


def _event(meeting: Meeting, status: MeetingStatus, stamp: datetime) -> Event:
    tz = zone(meeting.time_zone) if meeting.time_zone else UTC
    start = meeting.starts_at.astimezone(tz)
    event = Event.new(
        uid=event_uid(meeting.id),
        stamp=stamp,
        start=start,
        end=start + timedelta(minutes=meeting.minutes),
        summary=SUMMARY,
        description=(
            f"Method: {_METHOD_WORDS[meeting.method]}. Length: {meeting.minutes} minutes."
        ),
        location=meeting.location,
    )
    event.add("status", _STATUS[status])
    # A moved meeting's SEQUENCE goes up, so a calendar app takes the new time (RFC 5545).
    event.add("sequence", meeting.revision)
    return event


def render(
    meetings: Sequence[tuple[Meeting, MeetingStatus]],
    *,
    name: str,
    now: datetime | None = None,
    refresh: timedelta | None = None,
) -> bytes:
    """A VCALENDAR of `meetings` (each with the status to show), checked by parsing it back.

    `refresh`: how often a subscribing app should fetch it again (feeds only)."""
    stamp = (now or datetime.now(UTC)).astimezone(UTC)
    calendar = Calendar.new(prodid=PRODID, method="PUBLISH", name=name, refresh_interval=refresh)
    if refresh is not None:  # Outlook reads its own property, not RFC 7986's
        calendar.add("x-published-ttl", f"PT{int(refresh.total_seconds()) // 60}M")
    for meeting, status in meetings:
        calendar.add_component(_event(meeting, status, stamp))
    calendar.add_missing_timezones()
    rendered = bytes(calendar.to_ical())
    _check(rendered, meetings)
    return rendered


def _check(rendered: bytes, meetings: Sequence[tuple[Meeting, MeetingStatus]]) -> None:
    """Parse the calendar back; its events must be the meetings, at their instants."""
    try:
        parsed = Calendar.from_ical(rendered)
    except ValueError as exc:
        raise CalendarRenderError(f"the calendar does not parse: {exc}") from exc
    events = parsed.events
    if len(events) != len(meetings):
        raise CalendarRenderError(f"{len(events)} events parsed back, {len(meetings)} written")
    for event, (meeting, _) in zip(events, meetings, strict=True):
        start = event.start
        if (
            str(event.get("uid")) != event_uid(meeting.id)
            or not isinstance(start, datetime)
            or start != meeting.starts_at
            or event.end != meeting.ends_at
        ):
            raise CalendarRenderError(f"meeting {meeting.id} did not parse back as written")
