"""When a peer group goes wrong (seed 001, "The Power of Peer Mentoring", "What can go
wrong?"): concerns a member raises in confidence, as the portal reads them from sessions, the
facilitator's brief, and the form that raises one. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from services.portal.domain.forms import FormProblems, first

MAX_CONCERN_CHARS = 2000
CONCERN_FIELDS = ("raised_with", "session_id", "signs", "text")
# Seed 001's "What can go wrong?", in its order and words (the sessions service's codes).
SIGNS = {
    "chat_session": "Chat session",
    "advice_giving": "Advice giving, or too solutions focussed",
    "criticism": "Criticism or judgement",
    "group_gripe": "Group gripe",
    "gossip": "Gossip",
    "dominant_personalities": "Dominant personalities",
    "one_person_all_the_time": "One person taking all the time",
}
RAISED_WITH = {
    "facilitator": "The session's facilitator",
    "coordinator": "The programme's co-ordinator",
}
CONCERN_REFUSALS = {"concern_recipient": "raised_with"}


class Concern(BaseModel):
    """A concern as its author, or whom it was raised with, reads it."""

    id: str
    circle_id: str
    session_id: str | None = None
    raised_with: str
    facilitator_id: str | None = None
    raised_by: str
    signs: list[str] = Field(default_factory=list)
    text: str
    raised_at: datetime


class SignGuide(BaseModel):
    """A warning sign, and what seed 001 says helps."""

    sign: str
    words: str
    what_helps: str


class FacilitatorBrief(BaseModel):
    """What a session's facilitator keeps in view."""

    ground_rules: list[str]
    warning_signs: list[SignGuide]
    concerns: list[Concern]


@dataclass(frozen=True)
class ConcernDraft:
    """The form as typed (or as first offered)."""

    raised_with: str = ""
    session_id: str = ""
    signs: list[str] = field(default_factory=list)
    text: str = ""


def concern_from_form(
    form: Mapping[str, Sequence[str]],
) -> tuple[ConcernDraft, dict[str, Any], FormProblems]:
    """The form into the sessions service's request: whom with, which session (for its
    facilitator), the signs seen, and some words."""
    draft = ConcernDraft(
        raised_with=first(form, "raised_with"),
        session_id=first(form, "session_id"),
        signs=[s for s in form.get("signs", []) if s in SIGNS],
        text=first(form, "text"),
    )
    problems: dict[str, str] = {}
    if draft.raised_with not in RAISED_WITH:
        problems["raised_with"] = "Choose whom you raise it with."
    elif draft.raised_with == "facilitator" and not draft.session_id:
        problems["session_id"] = "Choose the session whose facilitator you raise it with."
    if not draft.text:
        problems["text"] = "Say what concerns you."
    elif len(draft.text) > MAX_CONCERN_CHARS:
        problems["text"] = (
            f"A concern has at most {MAX_CONCERN_CHARS} characters; this one has {len(draft.text)}."
        )
    body: dict[str, Any] = {
        "raised_with": draft.raised_with,
        "session_id": draft.session_id or None,
        "signs": draft.signs,
        "text": draft.text,
    }
    message = "Please correct the fields marked below." if problems else None
    return draft, body, FormProblems(problems, message)


def whom(concern: Concern, me: str) -> str:
    """Whose hands a concern is in, as the page says it."""
    if concern.raised_with == "coordinator":
        return "the programme's co-ordinator"
    return "you, as facilitator" if concern.facilitator_id == me else "the session's facilitator"
