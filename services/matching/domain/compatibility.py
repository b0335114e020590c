"""What two people need in common to meet at all: time, a language and a way of meeting.

Seed 003's *compatibility* ("someone you can talk with freely") rests on these, and three of
the hard constraints too. Availability is stated as weekly slots in each member's own IANA time
zone; to compare people in different zones every slot is placed on one common reference week
(minutes from Monday 00:00 UTC of the week of REFERENCE_MONDAY), using that date's UTC offsets.
A fixed date keeps results deterministic; offsets that change with daylight saving elsewhere in
the year can shift an overlap by up to an hour.

Face-to-face counts as a shared way of meeting only when both give the same location.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.matching.domain.candidate import MatchingProfile
from services.matching.domain.vocabulary import normalised

WEEK_MINUTES = 7 * 24 * 60
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
REFERENCE_MONDAY = date(2027, 1, 4)
_WEEK_START = datetime(2027, 1, 4, tzinfo=UTC)
FACE_TO_FACE = "face_to_face"

LANGUAGE_NAMES = {
    "ar": "Arabic",
    "bn": "Bengali",
    "cy": "Welsh",
    "de": "German",
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "ga": "Irish",
    "gd": "Gaelic",
    "hi": "Hindi",
    "it": "Italian",
    "ja": "Japanese",
    "nl": "Dutch",
    "pa": "Punjabi",
    "pl": "Polish",
    "pt": "Portuguese",
    "ro": "Romanian",
    "ur": "Urdu",
    "zh": "Chinese",
}
MODE_NAMES = {
    "face_to_face": "face to face",
    "telephone": "telephone",
    "video": "video",
    "messaging": "messaging",
}

Window = tuple[int, int]
Windows = tuple[Window, ...]


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo | None:
    """The IANA time zone of that name, or None when there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _clock_minutes(text: str) -> int | None:
    hours, _, minutes = text.strip().partition(":")
    if not (hours.isdigit() and minutes.isdigit()):
        return None
    value = int(hours) * 60 + int(minutes)
    return value if int(minutes) < 60 and 0 <= value <= 24 * 60 else None


@lru_cache(maxsize=65536)
def slot_windows(time_zone: str, day: str, start: str, end: str) -> Windows:
    """One local weekly slot on the reference week (split where it wraps past Sunday)."""
    tz = zone(time_zone)
    day_key = day.strip().casefold()[:3]
    begin, finish = _clock_minutes(start), _clock_minutes(end)
    if tz is None or day_key not in DAYS or begin is None or finish is None or finish <= begin:
        return ()
    if begin == 24 * 60:
        return ()
    local_day = REFERENCE_MONDAY + timedelta(days=DAYS.index(day_key))
    local = datetime(
        local_day.year, local_day.month, local_day.day, begin // 60, begin % 60, tzinfo=tz
    )
    offset = int((local.astimezone(UTC) - _WEEK_START).total_seconds()) // 60
    first = offset % WEEK_MINUTES
    last = first + (finish - begin)
    if last <= WEEK_MINUTES:
        return ((first, last),)
    return ((0, last - WEEK_MINUTES), (first, WEEK_MINUTES))


def merged(windows: list[Window]) -> Windows:
    """Sorted, non-overlapping windows covering the same minutes."""
    out: list[Window] = []
    for start, end in sorted(windows):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return tuple(out)


def weekly_windows(profile: MatchingProfile) -> Windows:
    """When the member is free, on the common reference week (minutes from Monday 00:00 UTC)."""
    return _weekly(profile.time_zone, tuple((s.day, s.start, s.end) for s in profile.availability))


@lru_cache(maxsize=65536)
def _weekly(time_zone: str, slots: tuple[tuple[str, str, str], ...]) -> Windows:
    pieces: list[Window] = []
    for day, start, end in slots:
        pieces.extend(slot_windows(time_zone, day, start, end))
    return merged(pieces)


def common_windows(a: Windows, b: Windows) -> Windows:
    """The minutes of the week when both are free."""
    out: list[Window] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return tuple(out)


def overlap_minutes(a: Windows, b: Windows) -> int:
    """How many minutes a week both are free."""
    return sum(end - start for start, end in common_windows(a, b))


@lru_cache(maxsize=65536)
def local_label(window: Window, time_zone: str) -> str:
    """A reference-week window as its owner reads it, e.g. 'Tue 09:00-10:30 (Europe/London)'."""
    tz = zone(time_zone) or ZoneInfo("UTC")
    start = (_WEEK_START + timedelta(minutes=window[0])).astimezone(tz)
    end = (_WEEK_START + timedelta(minutes=window[1])).astimezone(tz)
    return f"{DAY_NAMES[start.weekday()]} {start:%H:%M}-{end:%H:%M} ({time_zone})"


def duration_label(minutes: int) -> str:
    """'2 h 30 min', '45 min'."""
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    return f"{hours} h" if hours else f"{rest} min"


def languages_of(profile: MatchingProfile) -> frozenset[str]:
    """The languages a member speaks, by primary subtag ('en-GB' and 'en' are both English)."""
    return _languages(tuple(profile.languages))


@lru_cache(maxsize=65536)
def _languages(languages: tuple[str, ...]) -> frozenset[str]:
    out: set[str] = set()
    for code in languages:
        primary = normalised(code.split("-")[0])
        if primary:
            out.add(primary)
    return frozenset(out)


def language_label(code: str) -> str:
    """A language's English name where known."""
    return LANGUAGE_NAMES.get(code, code)


def meeting_options(profile: MatchingProfile) -> frozenset[str]:
    """How a member can meet: each remote mode, and face to face *at their location*."""
    return _options(tuple(profile.meeting_modes), profile.location)


@lru_cache(maxsize=65536)
def _options(modes: tuple[str, ...], location: str | None) -> frozenset[str]:
    out: set[str] = set()
    for mode in modes:
        key = normalised(mode)
        if key is None:
            continue
        key = key.replace(" ", "_").replace("-", "_")
        if key == FACE_TO_FACE:
            where = normalised(location)
            if where:
                out.add(f"{FACE_TO_FACE}@{where}")
        else:
            out.add(key)
    return frozenset(out)


def option_label(option: str) -> str:
    """A meeting option as a person reads it."""
    mode, _, where = option.partition("@")
    name = MODE_NAMES.get(mode, mode.replace("_", " "))
    return f"{name} in {where.title()}" if where else name
