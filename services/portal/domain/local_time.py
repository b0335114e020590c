"""Times as a person reads them: in their own time zone, in words. Pure: no I/O."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone_of(name: str | None) -> ZoneInfo:
    """The named zone, or UTC for an unknown or missing one."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def when(moment: datetime | None, zone: str | None) -> str:
    """'Thursday 3 December 2026, 14:00' in the zone (naive times are taken as UTC)."""
    if moment is None:
        return ""
    local = _aware(moment).astimezone(zone_of(zone))
    return f"{local:%A} {local.day} {local:%B %Y, %H:%M}"


def day(value: date | datetime | None, zone: str | None = None) -> str:
    """'3 December 2026' (a datetime is first put in the zone)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _aware(value).astimezone(zone_of(zone)).date()
    return f"{value.day} {value:%B %Y}"


def clock_time(moment: datetime | None, zone: str | None) -> str:
    """'14:00' in the zone."""
    if moment is None:
        return ""
    return f"{_aware(moment).astimezone(zone_of(zone)):%H:%M}"


def iso_local(moment: datetime | None, zone: str | None) -> str:
    """'2026-12-03T14:00' in the zone: the value of a datetime-local form field."""
    if moment is None:
        return ""
    return f"{_aware(moment).astimezone(zone_of(zone)):%Y-%m-%dT%H:%M}"


def from_local(value: str, zone: str) -> datetime:
    """A datetime-local field's value ('2026-12-03T14:00') in the zone, as an aware time.
    ValueError with a reason a person can act on."""
    try:
        naive = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError("give a date and time, like 2026-12-03 14:00") from exc
    if naive.tzinfo is not None:
        return naive
    return naive.replace(tzinfo=zone_of(zone))


def start_of_day(value: date, zone: str) -> datetime:
    """Midnight at the start of a local day."""
    return datetime.combine(value, time(0), tzinfo=zone_of(zone))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
