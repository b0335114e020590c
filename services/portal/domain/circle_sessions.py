"""A circle's sessions as its members arrange, hold and write about them (seed 001, "The Power
of Peer Mentoring"): the forms parsed into the sessions service's request bodies, and its
refusals placed beside the fields they concern, in words. Pure: no I/O."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.portal.domain.circles import CRITICAL_INCIDENT, CircleSession
from services.portal.domain.forms import FormProblems, first
from services.portal.domain.local_time import from_local, iso_local, when
from services.portal.domain.wording import CIRCLE_FORMATS, CIRCLE_STEPS

# Seed 001 times no step but says clarifying questions and positive feedback take "a few
# minutes"; these are the sessions service's own defaults, offered as a starting point.
DEFAULT_STEP_MINUTES = {
    "presentation": 10,
    "clarifying_questions": 5,
    "peer_feedback": 20,
    "positive_feedback": 5,
    "response": 5,
}
DEFAULT_MINUTES = 90
MAX_NOTE_CHARS = 4000

ARRANGE_FIELDS = ("format", "minutes", "starts_at", "timings", *CIRCLE_STEPS)
HELD_FIELDS = ("held_at", "minutes", "attendees")
NOTE_FIELDS = ("text",)
# The sessions service's refusals that concern one field of a form, by its error code.
ARRANGE_REFUSALS = {
    "session_length": "minutes",
    "session_time": "starts_at",
    "step_timing": "timings",
}
HELD_REFUSALS = {
    "session_length": "minutes",
    "session_time": "held_at",
    "attendance": "attendees",
}
CORRECT_THE_FIELDS = "Please correct the fields marked below."
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})")
_WHOLE_NUMBER = re.compile(r"\d{1,4}")


@dataclass(frozen=True)
class SessionDraft:
    """The arranging form as typed (or as first offered)."""

    format: str = ""
    minutes: str = str(DEFAULT_MINUTES)
    starts_at: str = ""
    steps: dict[str, str] = field(
        default_factory=lambda: {s: str(m) for s, m in DEFAULT_STEP_MINUTES.items()}
    )


@dataclass(frozen=True)
class HeldDraft:
    """The form that marks a session held, as typed (or as first offered)."""

    held_at: str
    minutes: str
    attendees: list[str]


def offered_session(bounds: tuple[int, int] | None) -> SessionDraft:
    """The arranging form as first offered: an hour and a half, within the programme's
    bounds on a session's length when they are known, and the default step minutes."""
    minutes = DEFAULT_MINUTES
    if bounds is not None:
        low, high = bounds
        minutes = max(min(minutes, high), low)
    return SessionDraft(minutes=str(minutes))


def session_from_form(
    form: Mapping[str, Sequence[str]], zone: str
) -> tuple[SessionDraft, dict[str, Any], FormProblems]:
    """The session a member arranges: a format, its length, when (in their zone; left empty,
    the circle's cadence decides) and, for critical-incident peer feedback, the minutes of
    each of its five steps. The draft to show again, the request body, and what is wrong."""
    draft = SessionDraft(
        format=first(form, "format"),
        minutes=first(form, "minutes"),
        starts_at=first(form, "starts_at"),
        steps={step: first(form, step) for step in CIRCLE_STEPS},
    )
    problems: dict[str, str] = {}
    body: dict[str, Any] = {"format": draft.format}
    if draft.format not in CIRCLE_FORMATS:
        problems["format"] = "Choose how the session will run."
    minutes = _whole_number(draft.minutes)
    if minutes is None:
        problems["minutes"] = "Give the session's length in minutes, like 90."
    body["minutes"] = minutes
    if draft.starts_at:
        try:
            body["starts_at"] = from_local(draft.starts_at, zone).isoformat()
        except ValueError as exc:
            problems["starts_at"] = _sentence(str(exc))
    if draft.format == CRITICAL_INCIDENT:
        timings = []
        for step, typed in draft.steps.items():
            step_minutes = _whole_number(typed)
            if step_minutes is None:
                problems[step] = "Give this step's minutes, like 5."
            timings.append({"step": step, "minutes": step_minutes})
        body["timings"] = timings
    return draft, body, FormProblems(problems, CORRECT_THE_FIELDS if problems else None)


def held_draft(
    session: CircleSession, members: Sequence[str], now: datetime, zone: str
) -> HeldDraft:
    """What the form offers: held at its planned time (or now, if that is still ahead), for
    its planned length, with every member ticked."""
    return HeldDraft(
        held_at=iso_local(min(session.starts_at, now), zone),
        minutes=str(session.minutes),
        attendees=list(members),
    )


def held_from_form(
    form: Mapping[str, Sequence[str]], zone: str
) -> tuple[HeldDraft, dict[str, Any], FormProblems]:
    """When the session took place (in the member's zone), how long it lasted and which
    members came (the service checks they are members). The draft to show again, the
    request body, and what is wrong."""
    chosen = [m for m in form.get("attendees", []) if m]
    draft = HeldDraft(first(form, "held_at"), first(form, "minutes"), chosen)
    problems: dict[str, str] = {}
    body: dict[str, Any] = {}
    try:
        body["held_at"] = from_local(draft.held_at, zone).isoformat()
    except ValueError as exc:
        problems["held_at"] = _sentence(str(exc))
    minutes = _whole_number(draft.minutes)
    if minutes is None:
        problems["minutes"] = "Give how long it lasted in minutes, like 60."
    body["minutes"] = minutes
    if not chosen:
        problems["attendees"] = "Tick everyone who came."
    body["attendees"] = list(dict.fromkeys(chosen))
    return draft, body, FormProblems(problems, CORRECT_THE_FIELDS if problems else None)


def note_from_form(form: Mapping[str, Sequence[str]]) -> tuple[str, FormProblems]:
    """A note for the circle: some words, at most MAX_NOTE_CHARS."""
    text = first(form, "text")
    if not text:
        return text, FormProblems({"text": "Write your note first."}, CORRECT_THE_FIELDS)
    if len(text) > MAX_NOTE_CHARS:
        too_long = f"A note has at most {MAX_NOTE_CHARS} characters; this one has {len(text)}."
        return text, FormProblems({"text": too_long}, CORRECT_THE_FIELDS)
    return text, FormProblems()


def refusal(
    error: str,
    detail: str,
    fields: Mapping[str, str],
    known: Sequence[str],
    by_error: Mapping[str, str],
    zone: str,
) -> FormProblems:
    """The sessions service's refusal, in words (steps and formats by name, times in the
    member's zone), beside the field it concerns: a field it names, else the field its error
    code concerns (a critical-incident step's timing beside that step), else for the form."""
    placed: dict[str, str] = {}
    elsewhere: list[str] = []
    for path, message in fields.items():
        name = _field_of(path, known)
        if name is None:
            elsewhere.append(in_words(message, zone))
        else:
            placed.setdefault(name, _sentence(in_words(message, zone)))
    if not fields:
        name = by_error.get(error)
        if name == "timings":
            name = next((s for s in CIRCLE_STEPS if detail.startswith(s)), name)
        if name is not None and name in known:
            placed[name] = _sentence(in_words(detail, zone))
        else:
            elsewhere.append(in_words(detail, zone))
    message = _sentence("; ".join(elsewhere)) if elsewhere else CORRECT_THE_FIELDS
    return FormProblems(placed, message)


def in_words(text: str, zone: str) -> str:
    """A service's sentence as a person reads it: step and format codes by their names, and
    times in the person's zone."""
    for code, name in CIRCLE_STEPS.items():
        text = text.replace(code, name.lower())
    for code, name in CIRCLE_FORMATS.items():
        text = text.replace(code, name)
    return _ISO_MOMENT.sub(lambda m: when(datetime.fromisoformat(m.group(0)), zone), text)


def _field_of(path: str, known: Sequence[str]) -> str | None:
    """`timings.2.minutes` is the third step's minutes; `body.minutes` the session's."""
    parts = [p for p in path.split(".") if p != "body"]
    if parts[:1] == ["timings"]:
        steps = list(CIRCLE_STEPS)
        if len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(steps):
            return steps[int(parts[1])]
        return "timings" if "timings" in known else None
    for candidate in reversed([p for p in parts if not p.isdigit()]):
        if candidate in known:
            return candidate
    return None


def _whole_number(text: str) -> int | None:
    """A positive whole number typed in a field, or None."""
    text = text.strip()
    if not _WHOLE_NUMBER.fullmatch(text) or int(text) < 1:
        return None
    return int(text)


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."
