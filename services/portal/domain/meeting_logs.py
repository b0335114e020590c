"""The meeting log (seed 002, "Mentoring: Supporting and Promoting Professional Development and
Learning", Resource 13 "Meeting log"): the boxes a party fills in after a meeting, read from a
form into the body the sessions service takes, and back from a stored log into the form for
its author to change. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from services.portal.domain.feedback import boost_body, boost_problems, boxes_from_form
from services.portal.domain.forms import FormProblems, first, text_lines
from services.portal.domain.relationships import LogStep, Meeting, MeetingLog
from services.portal.domain.wording import DIRECTIONS, STEP_OWNERS

# The form's fields, in Resource 13's order; the two lists of steps are rows of inputs.
FIELDS = (
    "met_on",
    "meeting_id",
    "achieved_since_last",
    "challenges",
    "topics",
    "steps",
    "next_topic",
    "next_actions",
    "next_resources",
    "next_meeting_on",
    "direction",
)
STEP_LISTS = ("steps", "next_actions")
# What makes a log: at least one of these written (the dates alone are not a log).
CONTENT = (
    "achieved_since_last",
    "challenges",
    "topics",
    "steps",
    "next_topic",
    "next_actions",
    "next_resources",
)
# The service's refusals that concern one field (its error code → the field).
REFUSAL_FIELDS = {"log_dates": "met_on", "unknown_meeting": "meeting_id"}
TEXT_MAX = 4000  # a box of the form
LINE_MAX = 500  # one topic, one step
MAX_TOPICS = 20
MAX_STEPS = 30
SPARE_ROWS = 2  # empty rows under the ones written, for more steps
MIN_ROWS = 3


class StepRow(BaseModel):
    """One row of steps as typed: what, who takes it, and the resources it needs."""

    step: str = ""
    owner: str = ""
    resources: str = ""

    @property
    def blank(self) -> bool:
        """Nothing typed in it."""
        return not (self.step or self.resources)


class LogDraft(BaseModel):
    """A meeting log as its form holds it: every value as typed."""

    met_on: str = ""
    meeting_id: str = ""
    achieved_since_last: str = ""
    challenges: str = ""
    topics: str = ""  # one per line
    steps: list[StepRow] = Field(default_factory=list)
    next_topic: str = ""
    next_actions: list[StepRow] = Field(default_factory=list)
    next_resources: str = ""
    next_meeting_on: str = ""
    feedback: dict[str, str] = Field(default_factory=dict)  # BOOST: letter → box (seed 000)
    direction: str = ""  # two-way relationships only

    def rows(self, name: str) -> list[StepRow]:
        """The rows of a list of steps with spare empty rows below them."""
        written: list[StepRow] = getattr(self, name)
        spare = max(min(SPARE_ROWS, MAX_STEPS - len(written)), MIN_ROWS - len(written), 0)
        return [*written, *(StepRow() for _ in range(spare))]


def new_draft(meeting: Meeting | None, today: date, met_on: date | None = None) -> LogDraft:
    """An empty log, dated today or, for a chosen meeting, the day it took place (`met_on`,
    the meeting's day in the person's zone)."""
    if meeting is None:
        return LogDraft(met_on=today.isoformat())
    return LogDraft(met_on=(met_on or today).isoformat(), meeting_id=meeting.id)


def draft_of(log: MeetingLog) -> LogDraft:
    """A stored log in its form, for its author to change (a change replaces it all)."""
    return LogDraft(
        met_on=log.met_on.isoformat(),
        meeting_id=log.meeting_id or "",
        achieved_since_last=log.achieved_since_last,
        challenges=log.challenges,
        topics="\n".join(log.topics),
        steps=[_row(s) for s in log.steps],
        next_topic=log.next_topic,
        next_actions=[_row(s) for s in log.next_actions],
        next_resources=log.next_resources,
        next_meeting_on=log.next_meeting_on.isoformat() if log.next_meeting_on else "",
        feedback=log.feedback.boxes() if log.feedback else {},
        direction=log.direction or "",
    )


def draft_from_form(form: Mapping[str, Sequence[str]]) -> LogDraft:
    """What was typed (rows are `steps-0-step`, `steps-0-owner`, `steps-0-resources`...)."""
    return LogDraft(
        met_on=first(form, "met_on"),
        meeting_id=first(form, "meeting_id"),
        achieved_since_last=first(form, "achieved_since_last"),
        challenges=first(form, "challenges"),
        topics=first(form, "topics"),
        steps=_rows_from_form(form, "steps"),
        next_topic=first(form, "next_topic"),
        next_actions=_rows_from_form(form, "next_actions"),
        next_resources=first(form, "next_resources"),
        next_meeting_on=first(form, "next_meeting_on"),
        feedback=boxes_from_form(form),
        direction=first(form, "direction"),
    )


def log_body(draft: LogDraft, meeting_ids: Sequence[str]) -> tuple[dict[str, Any], FormProblems]:
    """The body of Resource 13's log for the sessions service, and what needs correcting:
    the date of the meeting, a meeting of this relationship if one is named, each step with
    who takes it, and something written (an empty form is not a log)."""
    problems: dict[str, str] = {}
    met_on = _date(draft.met_on, "met_on", problems, required=True)
    next_meeting_on = _date(draft.next_meeting_on, "next_meeting_on", problems, required=False)
    if met_on and next_meeting_on and next_meeting_on <= met_on:
        problems["next_meeting_on"] = "the next meeting comes after this one"
    if draft.meeting_id and draft.meeting_id not in meeting_ids:
        problems["meeting_id"] = "choose one of your held meetings, or none"
    for name in ("achieved_since_last", "challenges", "next_topic", "next_resources"):
        if len(getattr(draft, name)) > TEXT_MAX:
            problems[name] = f"keep this to {TEXT_MAX} characters"
    topics = text_lines(draft.topics)
    if len(topics) > MAX_TOPICS or any(len(t) > LINE_MAX for t in topics):
        problems["topics"] = f"up to {MAX_TOPICS} topics of {LINE_MAX} characters each"
    problems.update(boost_problems(draft.feedback))
    steps = {name: _steps(getattr(draft, name), name, problems) for name in STEP_LISTS}
    if draft.direction and draft.direction not in DIRECTIONS:
        problems["direction"] = "choose which way the mentoring went"
    body: dict[str, Any] = {
        "met_on": met_on.isoformat() if met_on else draft.met_on,
        "meeting_id": draft.meeting_id or None,
        "achieved_since_last": draft.achieved_since_last,
        "challenges": draft.challenges,
        "topics": topics,
        "steps": steps["steps"],
        "next_topic": draft.next_topic,
        "next_actions": steps["next_actions"],
        "next_resources": draft.next_resources,
        "next_meeting_on": next_meeting_on.isoformat() if next_meeting_on else None,
        "feedback": boost_body(draft.feedback),
        "direction": draft.direction or None,
    }
    if not problems and not any(body[name] for name in CONTENT):
        return body, FormProblems(
            {}, "Write something in at least one box: a meeting log records what you discussed."
        )
    if problems:
        return body, FormProblems(problems, "Please correct the fields marked below.")
    return body, FormProblems()


def step_owner(code: str) -> str:
    """Who takes a step, in words."""
    return STEP_OWNERS.get(code, code)


def _row(step: LogStep) -> StepRow:
    return StepRow(step=step.step, owner=step.owner, resources=step.resources)


def _rows_from_form(form: Mapping[str, Sequence[str]], name: str) -> list[StepRow]:
    rows: list[StepRow] = []
    for index in range(MAX_STEPS + SPARE_ROWS + MIN_ROWS):
        prefix = f"{name}-{index}-"
        if f"{prefix}step" not in form and f"{prefix}owner" not in form:
            break
        rows.append(
            StepRow(
                step=" ".join(first(form, f"{prefix}step").split()),
                owner=first(form, f"{prefix}owner"),
                resources=" ".join(first(form, f"{prefix}resources").split()),
            )
        )
    # Blank rows are spares, not steps; they are offered again below the written ones.
    return [row for row in rows if not row.blank]


def _steps(rows: list[StepRow], name: str, problems: dict[str, str]) -> list[dict[str, str]]:
    steps: list[dict[str, str]] = []
    for index, row in enumerate(rows):
        if not row.step:
            problems[f"{name}-{index}-step"] = "say what the step is (or clear the row)"
        elif len(row.step) > LINE_MAX or len(row.resources) > LINE_MAX:
            problems[f"{name}-{index}-step"] = f"keep a step to {LINE_MAX} characters"
        if row.owner not in STEP_OWNERS:
            problems[f"{name}-{index}-owner"] = "say who takes this step"
        steps.append({"step": row.step, "owner": row.owner, "resources": row.resources})
    if len(rows) > MAX_STEPS:
        problems[name] = f"up to {MAX_STEPS} steps"
    return steps


def _date(value: str, name: str, problems: dict[str, str], *, required: bool) -> date | None:
    if not value:
        if required:
            problems[name] = "give the date you met"
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems[name] = "give a date, like 2026-12-03"
        return None
