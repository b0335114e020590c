"""A meeting mail's calendar invitation (iTIP, RFC 5546, carried by mail as iMIP, RFC 6047):
METHOD:REQUEST when a meeting is planned or moved, METHOD:CANCEL when it is cancelled.

The UID is the network's one rule for a meeting (`shared.calendar.meeting_uid`, the same as the
sessions service's downloads and feeds) and SEQUENCE is the meeting's revision, so a calendar
app that took the first invitation moves or removes that same event rather than adding
another. SUMMARY is "Mentoring meeting" and nothing more telling; no location (what a party
typed stays in the sessions service).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event, vCalAddress

from services.notifications.domain.mails import SUMMARY, CalendarInvite
from services.notifications.domain.schedule import zone_or_utc
from shared.calendar import meeting_uid

PRODID = "-//mentornet//notifications meetings//EN"


def invite_ics(
    invite: CalendarInvite, organiser: str, attendee: str, link: str, now: datetime
) -> bytes:
    """The invitation as iCalendar bytes (parsed back before they are returned)."""
    zone = zone_or_utc(invite.time_zone)
    start = invite.starts_at.astimezone(zone)
    calendar = Calendar.new(prodid=PRODID, method=invite.method)
    event = Event.new(
        uid=meeting_uid(invite.meeting_id),
        stamp=now.astimezone(UTC),
        start=start,
        end=start + timedelta(minutes=invite.minutes),
        summary=SUMMARY,
        description=f"Meeting {invite.how}, {invite.minutes} minutes. {link}",
    )
    event.add("sequence", invite.sequence)
    event.add("status", "CANCELLED" if invite.method == "CANCEL" else "CONFIRMED")
    event.add("url", link)
    organiser_address = vCalAddress(f"mailto:{organiser}")
    organiser_address.params["cn"] = "mentornet"
    event.add("organizer", organiser_address)
    attendee_address = vCalAddress(f"mailto:{attendee}")
    attendee_address.params["role"] = "REQ-PARTICIPANT"
    attendee_address.params["partstat"] = "NEEDS-ACTION"
    attendee_address.params["rsvp"] = "FALSE"
    event.add("attendee", attendee_address)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    rendered = bytes(calendar.to_ical())
    parsed = Calendar.from_ical(rendered)  # ValueError here is our bug, never the app's
    if [str(e.get("uid")) for e in parsed.events] != [meeting_uid(invite.meeting_id)]:
        raise ValueError("the calendar invitation did not parse back as written")
    return rendered
