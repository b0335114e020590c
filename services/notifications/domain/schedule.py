"""When time-driven mails fall due: the reminder the day before a meeting, the log after a
held meeting, a digest.

A meeting reminder goes at a fixed time of day (09:00 unless configured) in the *recipient's*
time zone, on the day before the meeting's date *in that zone*: a meeting at 08:00 in London
on Tuesday reminds someone in London at 09:00 on Monday, and someone in Auckland at 09:00 on
their Tuesday (it is Tuesday 20:00 there). A reminder whose time has passed by the time the
meeting is planned is not sent: the mail saying it was planned went moments ago.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.notifications.domain.kinds import PERIOD, DigestFrequency


def zone_or_utc(name: str | None) -> ZoneInfo:
    """A person's zone; UTC when they named none or an unknown one."""
    if not name:
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def reminder_at(
    starts_at: datetime, zone_name: str | None, at: time, now: datetime
) -> datetime | None:
    """When to remind someone in `zone_name` of a meeting starting at `starts_at` (UTC): `at`
    o'clock their time on the day before the meeting's date there; None if that is past."""
    zone = zone_or_utc(zone_name)
    local_day = starts_at.astimezone(zone).date()
    due = datetime.combine(local_day - timedelta(days=1), at, tzinfo=zone).astimezone(UTC)
    if due <= now or due >= starts_at:
        return None
    return due


def log_due_at(held_at: datetime, minutes: int, after: timedelta) -> datetime:
    """When a held meeting's log is due: `after` past its end."""
    return held_at + timedelta(minutes=minutes) + after


def digest_due(
    oldest: datetime,
    last_sent: datetime | None,
    frequency: DigestFrequency,
    settle: timedelta,
    now: datetime,
) -> bool:
    """Whether a digest goes now: the oldest thing in it has waited `settle` (time to read a
    message live before being told of it), and the last digest of its kind went at least a
    period of the person's frequency ago."""
    if now - oldest < settle:
        return False
    return last_sent is None or now - last_sent >= PERIOD[frequency]


def parse_time_of_day(value: str) -> time:
    """'HH:MM' as a time of day (ValueError otherwise)."""
    hours, _, minutes = value.partition(":")
    return time(int(hours), int(minutes))
