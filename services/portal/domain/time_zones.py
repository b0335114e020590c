"""Time zones a person can choose: a short list of common IANA zones (the partners' and their
members' usual ones), the person's own zone added when it is not among them, and the check
that a typed name is a real IANA zone. Pure: no I/O beyond the zone database Python ships."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import available_timezones

COMMON = (
    "UTC",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Amsterdam",
    "Europe/Stockholm",
    "Europe/Warsaw",
    "Europe/Athens",
    "Europe/Helsinki",
    "Africa/Lagos",
    "Africa/Johannesburg",
    "Africa/Nairobi",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Hong_Kong",
    "Asia/Tokyo",
    "Australia/Perth",
    "Australia/Brisbane",
    "Australia/Sydney",
    "Pacific/Auckland",
    "America/St_Johns",
    "America/Halifax",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "America/Mexico_City",
)


@lru_cache(maxsize=1)
def _known() -> frozenset[str]:
    return frozenset(available_timezones())


def is_zone(name: str) -> bool:
    """An IANA time zone name (as the registry checks it)."""
    return name in _known()


def zone_label(name: str) -> str:
    """'Pacific/Auckland' → 'Auckland (Pacific/Auckland)'; 'UTC' stays."""
    if "/" not in name:
        return name
    city = name.rsplit("/", 1)[1].replace("_", " ")
    return f"{city} ({name})"


def zone_choices(current: str | None) -> dict[str, str]:
    """The zones to choose from, by name, with the person's own first if it is not common."""
    names = list(COMMON)
    if current and current not in names and is_zone(current):
        names.insert(0, current)
    return {name: zone_label(name) for name in names}
