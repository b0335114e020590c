"""The action plan's forms (seed 002, "Mentoring: Supporting and Promoting Professional
Development and Learning": Resource 15 "Exemplar action plan" for the sheet and its long- and
short-term goals with priorities, Resource 14 "A guide to action planning", Resource 12 GROW
with its 1-10 commitment rating, Resource 16 OSKAR's 0-10 scale), read into the bodies the
sessions service takes. Pure: no I/O.

The sheet sends only the fields that changed: the service remembers who last wrote each one,
so saving the sheet must not claim the other party's words as one's own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from services.portal.domain.forms import FormProblems, first, text_lines
from services.portal.domain.relationships import ActionPlan, Goal
from services.portal.domain.wording import GOAL_DIRECTIONS, GOAL_TERMS

SHEET_TEXTS = ("to_learn", "timescales", "success_criteria", "comments")
SHEET_DATES = ("starts_on", "completes_on")
SHEET_FIELDS = (*SHEET_TEXTS, "milestones", *SHEET_DATES, "review_dates")
GOAL_FIELDS = ("term", "text", "priority", "direction")
GROW_FIELDS = ("goal_id", "goal", "reality", "options", "way_forward", "commitment")
OSKAR_FIELDS = ("scale",)
TEXT_MAX = 2000
LINE_MAX = 500
MAX_MILESTONES = 20
MAX_REVIEW_DATES = 12
SPARE_REVIEW_DATES = 2
PRIORITY_MIN, PRIORITY_MAX = 1, 20
COMMITMENT_MIN, COMMITMENT_MAX = 1, 10  # Resource 12
SCALE_MIN, SCALE_MAX = 0, 10  # Resource 16
SCALE_CHOICES = {str(n): str(n) for n in range(SCALE_MIN, SCALE_MAX + 1)}
COMMITMENT_CHOICES = {str(n): str(n) for n in range(COMMITMENT_MIN, COMMITMENT_MAX + 1)}
# Which section of the page says what a change did (the confirmation code → the section).
DONE_SECTIONS = {
    "plan-changed": "sheet",
    "goal-added": "goals",
    "goal-changed": "goals",
    "goal-achieved": "goals",
    "oskar-recorded": "goals",
    "grow-recorded": "grow",
}


class SheetDraft(BaseModel):
    """The plan sheet as its form holds it: every value as typed."""

    to_learn: str = ""
    timescales: str = ""
    milestones: str = ""  # one per line
    success_criteria: str = ""
    comments: str = ""
    starts_on: str = ""
    completes_on: str = ""
    review_dates: list[str] = Field(default_factory=list)

    @property
    def review_rows(self) -> list[str]:
        """The review dates with spare empty inputs below them."""
        spare = min(SPARE_REVIEW_DATES, MAX_REVIEW_DATES - len(self.review_dates))
        return [*self.review_dates, *([""] * max(spare, 0))]


def sheet_draft(plan: ActionPlan) -> SheetDraft:
    """The plan as it stands, in its form."""
    return SheetDraft(
        to_learn=plan.to_learn,
        timescales=plan.timescales,
        milestones="\n".join(plan.milestones),
        success_criteria=plan.success_criteria,
        comments=plan.comments,
        starts_on=plan.starts_on.isoformat() if plan.starts_on else "",
        completes_on=plan.completes_on.isoformat() if plan.completes_on else "",
        review_dates=[d.isoformat() for d in plan.review_dates],
    )


def sheet_draft_from_form(form: Mapping[str, Sequence[str]]) -> SheetDraft:
    """What was typed into the sheet."""
    return SheetDraft(
        **{name: first(form, name) for name in (*SHEET_TEXTS, "milestones", *SHEET_DATES)},
        review_dates=[v.strip() for v in form.get("review_dates", []) if v.strip()],
    )


def sheet_changes(draft: SheetDraft, plan: ActionPlan) -> tuple[dict[str, Any], FormProblems]:
    """The fields of the sheet that differ from the plan as it stands (an emptied date or
    list is sent as null, which empties it), and what needs correcting."""
    problems: dict[str, str] = {}
    changes: dict[str, Any] = {}
    for name in SHEET_TEXTS:
        text = getattr(draft, name).strip()
        if len(text) > TEXT_MAX:
            problems[name] = f"keep this to {TEXT_MAX} characters"
        if text != getattr(plan, name):
            changes[name] = text
    milestones = text_lines(draft.milestones)
    if len(milestones) > MAX_MILESTONES or any(len(m) > LINE_MAX for m in milestones):
        problems["milestones"] = f"up to {MAX_MILESTONES} milestones of {LINE_MAX} characters"
    if milestones != plan.milestones:
        changes["milestones"] = milestones or None
    dates = {name: _date(getattr(draft, name), name, problems) for name in SHEET_DATES}
    for name, value in dates.items():
        if value != getattr(plan, name):
            changes[name] = value.isoformat() if value else None
    starts, completes = dates["starts_on"], dates["completes_on"]
    if starts and completes and completes < starts:
        problems["completes_on"] = "the plan completes after it starts"
    reviews = sorted({d for v in draft.review_dates if (d := _date(v, "review_dates", problems))})
    if len(reviews) > MAX_REVIEW_DATES:
        problems["review_dates"] = f"up to {MAX_REVIEW_DATES} review dates"
    if reviews != sorted(plan.review_dates):
        changes["review_dates"] = [d.isoformat() for d in reviews] or None
    if problems:
        return changes, FormProblems(problems, "Please correct the fields marked below.")
    if not changes:
        return changes, FormProblems({}, "Nothing to save: the plan is as it was.")
    return changes, FormProblems()


def goal_from_form(form: Mapping[str, Sequence[str]]) -> tuple[dict[str, Any], FormProblems]:
    """A new goal: long-term (no priority), or short-term with a priority, 1 first."""
    term, text = first(form, "term"), " ".join(first(form, "text").split())
    problems: dict[str, str] = {}
    if term not in GOAL_TERMS:
        problems["term"] = "choose long-term or short-term"
    _goal_text(text, problems)
    priority = None
    if term == "short":
        priority = _whole(first(form, "priority"), PRIORITY_MIN, PRIORITY_MAX)
        if priority is None:
            problems["priority"] = (
                f"a short-term goal needs a priority from {PRIORITY_MIN} to {PRIORITY_MAX} "
                "(1 comes first)"
            )
    direction = first(form, "direction") or None
    if direction is not None and direction not in GOAL_DIRECTIONS:
        problems["direction"] = "choose whose goal it is"
    # A long-term goal has no priority: one typed there is left out, not refused.
    body = {"term": term, "text": text, "priority": priority}
    if direction is not None:  # two-way relationships only
        body["direction"] = direction
    return body, _problems(problems)


def goal_change_from_form(
    form: Mapping[str, Sequence[str]], goal: Goal
) -> tuple[dict[str, Any], FormProblems]:
    """A goal's new text or priority (only what changed)."""
    text = " ".join(first(form, "text").split())
    problems: dict[str, str] = {}
    changes: dict[str, Any] = {}
    if text != goal.text:
        _goal_text(text, problems)
        changes["text"] = text
    if goal.term == "short":
        priority = _whole(first(form, "priority"), PRIORITY_MIN, PRIORITY_MAX)
        if priority is None:
            problems["priority"] = f"give a priority from {PRIORITY_MIN} to {PRIORITY_MAX}"
        elif priority != goal.priority:
            changes["priority"] = priority
    if problems:
        return changes, FormProblems(problems, "Please correct the fields marked below.")
    if not changes:
        return changes, FormProblems({}, "Nothing to save: the goal is as it was.")
    return changes, FormProblems()


def oskar_from_form(form: Mapping[str, Sequence[str]]) -> tuple[dict[str, Any], FormProblems]:
    """Where the mentee places themselves on the goal now, 0 to 10 (Resource 16)."""
    scale = _whole(first(form, "scale"), SCALE_MIN, SCALE_MAX)
    if scale is None:
        return {}, _problems({"scale": f"choose a number from {SCALE_MIN} to {SCALE_MAX}"})
    return {"scale": scale}, FormProblems()


def grow_from_form(
    form: Mapping[str, Sequence[str]], goal_ids: Sequence[str]
) -> tuple[dict[str, Any], FormProblems]:
    """A GROW conversation (Resource 12): the goal, the reality, the options, the way
    forward, and the commitment to it from 1 to 10."""
    values = {name: first(form, name) for name in GROW_FIELDS}
    problems: dict[str, str] = {}
    if values["goal_id"] and values["goal_id"] not in goal_ids:
        problems["goal_id"] = "choose one of the plan's goals, or none"
    if not values["goal"]:
        problems["goal"] = "say what the mentee wants to achieve"
    if not values["way_forward"]:
        problems["way_forward"] = "say what the mentee agreed to do"
    for name in ("goal", "reality", "options", "way_forward"):
        if len(values[name]) > TEXT_MAX:
            problems[name] = f"keep this to {TEXT_MAX} characters"
    commitment = _whole(values["commitment"], COMMITMENT_MIN, COMMITMENT_MAX)
    if commitment is None:
        problems["commitment"] = f"choose a number from {COMMITMENT_MIN} to {COMMITMENT_MAX}"
    body = {
        "goal_id": values["goal_id"] or None,
        "goal": values["goal"],
        "reality": values["reality"],
        "options": values["options"],
        "way_forward": values["way_forward"],
        "commitment": commitment,
    }
    return body, _problems(problems)


def goal_heading(goal: Goal) -> str:
    """'Long-term goal' or 'Short-term goal, priority 2'."""
    term = GOAL_TERMS.get(goal.term, goal.term)
    return f"{term}, priority {goal.priority}" if goal.priority is not None else term


def goal_choices(plan: ActionPlan) -> dict[str, str]:
    """The plan's goals still being worked on, for a select."""
    return {g.id: g.text for g in plan.goals if g.achieved_at is None}


def _goal_text(text: str, problems: dict[str, str]) -> None:
    if not text:
        problems["text"] = "write the goal"
    elif len(text) > LINE_MAX:
        problems["text"] = f"keep a goal to {LINE_MAX} characters"


def _whole(value: str, low: int, high: int) -> int | None:
    """A whole number within the bounds, or None."""
    text = value.strip()
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if low <= number <= high else None


def _date(value: str, name: str, problems: dict[str, str]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems[name] = "give a date, like 2027-02-01"
        return None


def _problems(fields: dict[str, str]) -> FormProblems:
    if not fields:
        return FormProblems()
    return FormProblems(fields, "Please correct the fields marked below.")
