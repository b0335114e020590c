"""The plain words mails are made of: numbers, times in a person's zone, meeting methods,
monitoring alerts. Short sentences, no jargon, nothing anyone wrote."""

from __future__ import annotations

from datetime import datetime

from services.notifications.domain.schedule import zone_or_utc

_NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")

METHODS = {
    "face_to_face": "face to face",
    "telephone": "by telephone",
    "video": "by video",
    "messaging": "by messaging",
    "other": "in another way",
}

ALERTS = {
    "no_first_meeting": "has not had a first meeting yet",
    "contact_overdue": "is overdue for contact after a meeting",
    "inactivity_warning": "has gone quiet",
    "inactive": "has been inactive for a long time",
    "low_pulse": "gave a low score in a pulse check",
}


def number(n: int) -> str:
    """A count in words up to ten ("three"), in digits above."""
    return _NUMBERS[n] if 0 <= n < len(_NUMBERS) else str(n)


def plural(n: int, one: str, many: str) -> str:
    """`one` or `many` as `n` asks."""
    return one if n == 1 else many


def unread_line(count: int, author: str) -> str:
    """'You have three unread messages from Aroha' without the 'You have'."""
    return f"{number(count)} unread {plural(count, 'message', 'messages')} from {author}"


def when(moment: datetime, zone_name: str | None) -> str:
    """A moment in a person's zone: 'Tuesday 2 December 2026 at 18:00 (Europe/London)'."""
    zone = zone_or_utc(zone_name)
    local = moment.astimezone(zone)
    return f"{local:%A} {local.day} {local:%B %Y} at {local:%H:%M} ({zone.key})"


def day(moment: datetime, zone_name: str | None) -> str:
    """A date in a person's zone: 'Tuesday 2 December 2026'."""
    local = moment.astimezone(zone_or_utc(zone_name))
    return f"{local:%A} {local.day} {local:%B %Y}"


def method(value: str) -> str:
    """How a meeting happens, in words ('by video')."""
    return METHODS.get(value, "in another way")


def alert_line(kind: str, count: int) -> str:
    """'two relationships have gone quiet'; 'one concern was raised about a circle'."""
    if kind == "circle_concern":  # seed 001, "What can go wrong?": nothing of the concern
        return (
            f"{number(count)} {plural(count, 'concern was', 'concerns were')} raised about a circle"
        )
    words = ALERTS.get(kind, "may need a look")
    if count == 1:
        return f"one relationship {words}"
    verb = words.replace("has ", "have ", 1).replace("is ", "are ", 1).replace("gave ", "gave ", 1)
    return f"{number(count)} relationships {verb}"
