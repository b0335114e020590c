"""The reflective journal as the portal shows it (seed 000, the ICAS article "Resources and
techniques for successful peer mentoring": Clutterbuck and Megginson's six stages of
reflection): entries read from the sessions service, the form with a box per stage, and which
recent meetings the member has not yet reflected on. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field

from services.portal.domain.forms import FormProblems, first
from services.portal.domain.relationships import MeetingLog

# The six stages in seed 000's order, with the names the form shows.
STAGES = (
    ("disaggregation", "Disaggregation"),
    ("framing", "Framing"),
    ("implication_analysis", "Implication analysis"),
    ("insight", "Insight"),
    ("reframing", "Reframing"),
    ("options", "Options"),
)
STAGE_NAMES = tuple(name for name, _ in STAGES)
CONTEXT_FIELDS = ("relationship_id", "log_id", "circle_id", "session_id")
TEXT_MAX = 4000
# Seed 000 asks for "sufficient time and space" for reflection: a meeting logged this recently
# and not reflected on yet is offered on the home page.
REFLECT_WITHIN = timedelta(days=14)


class JournalContext(BaseModel):
    """The meeting log or circle session an entry reflects on."""

    kind: str
    relationship_id: str | None = None
    log_id: str | None = None
    circle_id: str | None = None
    session_id: str | None = None


class Sharing(BaseModel):
    """A relationship the author shared a copy of the entry into."""

    relationship_id: str
    reflection_id: str
    shared_at: datetime


class Reflection(BaseModel):
    """What an entry says: a box per stage, and what it reflects on."""

    id: str
    author: str
    context: JournalContext | None = None
    disaggregation: str = ""
    framing: str = ""
    implication_analysis: str = ""
    insight: str = ""
    reframing: str = ""
    options: str = ""


class JournalEntry(Reflection):
    """One entry, as its author reads it."""

    written_at: datetime
    edited_at: datetime | None = None
    shared: list[Sharing] = Field(default_factory=list)

    def shared_into(self, relationship_id: str) -> bool:
        """Whether a copy is shared into that relationship already."""
        return any(s.relationship_id == relationship_id for s in self.shared)


class SharedReflection(Reflection):
    """A copy of an entry its author shared into a relationship."""

    relationship_id: str
    entry_id: str
    shared_at: datetime


class StagePrompt(BaseModel):
    """A stage and its prompt, as the sessions service words it."""

    stage: str
    prompt: str


class EntryDraft(BaseModel):
    """An entry as its form holds it: every value as typed."""

    relationship_id: str = ""
    log_id: str = ""
    circle_id: str = ""
    session_id: str = ""
    disaggregation: str = ""
    framing: str = ""
    implication_analysis: str = ""
    insight: str = ""
    reframing: str = ""
    options: str = ""


def new_draft(query: Mapping[str, str]) -> EntryDraft:
    """An empty entry, about the meeting log (`relationship`, `log`) or circle session
    (`circle`, `session`) the link named, if any."""
    return EntryDraft(
        relationship_id=query.get("relationship", ""),
        log_id=query.get("log", ""),
        circle_id=query.get("circle", ""),
        session_id=query.get("session", ""),
    )


def draft_of(entry: JournalEntry) -> EntryDraft:
    """A stored entry in its form, for its author to change."""
    context = entry.context.model_dump(exclude={"kind"}) if entry.context else {}
    stages = {name: getattr(entry, name) for name in STAGE_NAMES}
    return EntryDraft(**{k: v or "" for k, v in context.items()}, **stages)


def draft_from_form(form: Mapping[str, Sequence[str]]) -> EntryDraft:
    """What was typed, with the context the form carried."""
    return EntryDraft(**{name: first(form, name) for name in (*CONTEXT_FIELDS, *STAGE_NAMES)})


def entry_body(draft: EntryDraft) -> tuple[dict[str, Any], FormProblems]:
    """The body the sessions service takes, and what needs correcting: no box over its
    bound, and at least one written."""
    problems = {
        name: f"keep this to {TEXT_MAX} characters"
        for name in STAGE_NAMES
        if len(getattr(draft, name)) > TEXT_MAX
    }
    body: dict[str, Any] = {name: getattr(draft, name) for name in STAGE_NAMES}
    body["context"] = context_of(draft)
    if problems:
        return body, FormProblems(problems, "Please correct the fields marked below.")
    if not any(getattr(draft, name) for name in STAGE_NAMES):
        return body, FormProblems({}, "Write something for at least one stage.")
    return body, FormProblems()


def context_of(draft: EntryDraft) -> dict[str, str] | None:
    """The context a draft carries: a meeting log, a circle session, or none."""
    if draft.relationship_id and draft.log_id:
        return {
            "kind": "meeting_log",
            "relationship_id": draft.relationship_id,
            "log_id": draft.log_id,
        }
    if draft.circle_id and draft.session_id:
        return {
            "kind": "circle_session",
            "circle_id": draft.circle_id,
            "session_id": draft.session_id,
        }
    return None


def to_reflect_on(
    me: str, logs: Sequence[MeetingLog], entries: Sequence[JournalEntry], today: date
) -> list[MeetingLog]:
    """The logs `me` wrote in the last REFLECT_WITHIN that no entry of theirs reflects on yet,
    newest first."""
    reflected = {e.context.log_id for e in entries if e.context and e.context.log_id}
    recent = [
        log
        for log in logs
        if log.author == me and log.id not in reflected and today - log.met_on <= REFLECT_WITHIN
    ]
    return sorted(recent, key=lambda log: log.met_on, reverse=True)
