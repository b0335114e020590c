"""Action plans: the rules (seed 002, Resources 12 GROW, 14 "A guide to action planning",
15 "Exemplar action plan" and 16 OSKAR).

One plan per relationship: the mentee's plan, which either party writes in.

- **The plan sheet** (Resource 15): "What do I need to learn in order to achieve my goal?",
  "Timescales", "Milestones", "Success criteria", "Additional comments", the "Action plan
  start date", the "Estimated completion date" and the "Review dates (approx.)". Each field
  remembers who wrote it last, so erasure can remove exactly what a member wrote.
- **Goals** (Resource 15: "Long term goal", "Short term goals and priorities"; Resource 14:
  "identify and record your long term goal(s) and short term objectives", "prioritise
  objectives"): each goal has a stable id (`goal:<relationship>:<n>`), a term (long or
  short) and, if short, a priority (1 comes first). A goal is marked achieved once →
  `goal.achieved` (no text).
- **GROW notes** (Resource 12): goal, reality, options, way forward, and the mentee's
  commitment "from 1-10. If below 7, what still needs to happen to help increase motivation?"
  → `action_plan.commitment_rated` (the rating only).
- **OSKAR scaling** (Resource 16: "a scale (0-10) so that the mentee can visualise where they
  are, where they want to be"): readings per goal, kept over time and shown as a history
  → `action_plan.oskar_scaled` (the number only).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from shared.errors import ConflictError, DomainError

# Bounds (a 422 names the field that is over): documents stay small on FerretDB.
LONG_TEXT = 2000
SHORT_TEXT = 500
MAX_MILESTONES = 20
MAX_REVIEW_DATES = 12
MAX_GOALS = 20  # per plan, achieved ones included
MIN_COMMITMENT, MAX_COMMITMENT = 1, 10  # Resource 12
MIN_SCALE, MAX_SCALE = 0, 10  # Resource 16
MOTIVATION_THRESHOLD = 7  # Resource 12: "If below 7, ..."
MOTIVATION_QUESTION = "what still needs to happen to help increase motivation?"

LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=LONG_TEXT)]
ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=SHORT_TEXT)
]
Commitment = Annotated[int, Field(ge=MIN_COMMITMENT, le=MAX_COMMITMENT)]
Scale = Annotated[int, Field(ge=MIN_SCALE, le=MAX_SCALE)]


class Term(StrEnum):
    """A long-term goal or a short-term one (Resource 15)."""

    LONG = "long"
    SHORT = "short"


class PlanRuleError(DomainError):
    """The plan would break one of its rules."""

    status = 422
    error = "action_plan_rule"


class GoalAchievedAlreadyError(ConflictError):
    """A goal is achieved once."""


# --- the plan sheet ----------------------------------------------------------------------


class PlanSheet(BaseModel):
    """The plan-wide boxes of Resource 15."""

    model_config = ConfigDict(extra="forbid")

    to_learn: LongText = Field(
        default="",
        examples=["how to run a supervision session"],
        description="what do I need to learn in order to achieve my goal?",
    )
    timescales: LongText = Field(default="", examples=["first review by the end of March"])
    milestones: list[ShortText] = Field(
        default_factory=list,
        max_length=MAX_MILESTONES,
        examples=[["lead one team meeting"]],
    )
    success_criteria: LongText = Field(
        default="", examples=["the team asks me to lead the next review"]
    )
    comments: LongText = Field(default="", examples=["agreed together on 1 February"])
    starts_on: date | None = Field(default=None, examples=["2027-02-01"])
    completes_on: date | None = Field(
        default=None, examples=["2027-09-30"], description="estimated completion date"
    )
    review_dates: list[date] = Field(
        default_factory=list, max_length=MAX_REVIEW_DATES, examples=[["2027-05-01"]]
    )

    @model_validator(mode="after")
    def _in_order(self) -> PlanSheet:
        if self.starts_on and self.completes_on and self.completes_on < self.starts_on:
            raise ValueError(
                f"completes_on {self.completes_on} is before starts_on {self.starts_on}"
            )
        return self


SHEET_FIELDS: tuple[str, ...] = tuple(PlanSheet.model_fields)


class PlanSheetChange(BaseModel):
    """A change to the sheet: the fields sent are replaced (null empties one), the rest stay."""

    model_config = ConfigDict(extra="forbid")

    to_learn: LongText | None = Field(default=None, examples=["how to run a supervision session"])
    timescales: LongText | None = Field(default=None, examples=["first review by March"])
    milestones: list[ShortText] | None = Field(
        default=None, max_length=MAX_MILESTONES, examples=[["lead one team meeting"]]
    )
    success_criteria: LongText | None = Field(
        default=None, examples=["the team asks me to lead the next review"]
    )
    comments: LongText | None = Field(default=None, examples=["agreed together"])
    starts_on: date | None = Field(default=None, examples=["2027-02-01"])
    completes_on: date | None = Field(default=None, examples=["2027-09-30"])
    review_dates: list[date] | None = Field(
        default=None, max_length=MAX_REVIEW_DATES, examples=[["2027-05-01"]]
    )


def revise_sheet(current: PlanSheet, change: PlanSheetChange) -> tuple[PlanSheet, list[str]]:
    """The sheet after `change`, and the fields it set; refuses a sheet that breaks a rule."""
    changed = sorted(change.model_fields_set)
    if not changed:
        raise PlanRuleError("send at least one field of the plan to change")
    empty = PlanSheet()
    values: dict[str, Any] = current.model_dump()
    for name in changed:
        value = getattr(change, name)
        values[name] = getattr(empty, name) if value is None else value
    try:
        return PlanSheet.model_validate(values), changed
    except ValidationError as exc:
        reasons = "; ".join(str(e["msg"]) for e in exc.errors())
        raise PlanRuleError(f"the plan would not hold together: {reasons}") from exc


# --- goals ---------------------------------------------------------------------------------


class GoalDirection(StrEnum):
    """Two-way mentoring (seed 004): a goal is one party's, so its mentoring goes one way."""

    MENTOR_TO_MENTEE = "mentor_to_mentee"
    MENTEE_TO_MENTOR = "mentee_to_mentor"


class GoalDraft(BaseModel):
    """A new goal: long-term, or short-term with its priority."""

    model_config = ConfigDict(extra="forbid")

    term: Term = Field(examples=["short"])
    text: ShortText = Field(examples=["lead a team review meeting"])
    priority: int | None = Field(
        default=None,
        ge=1,
        le=MAX_GOALS,
        examples=[1],
        description="short-term goals only: 1 comes first",
    )
    direction: GoalDirection | None = Field(
        default=None,
        examples=["mentee_to_mentor"],
        description="two-way relationships only: whose goal it is, as who mentors whom towards it",
    )

    # The priority-fits-term rule (`check_priority`) runs in the store, after the caller was
    # found to be a party: someone who may not see the plan learns nothing from a 422.


class GoalChange(BaseModel):
    """A change to a goal's text or priority (the fields sent are replaced)."""

    model_config = ConfigDict(extra="forbid")

    text: ShortText | None = Field(default=None, examples=["lead two team review meetings"])
    priority: int | None = Field(default=None, ge=1, le=MAX_GOALS, examples=[2])


class OskarReading(BaseModel):
    """One place on the OSKAR scale for a goal, at one time."""

    id: str = Field(examples=["oskar:goal:rel_4edaa8818d218819:0000000002:0000000005"])
    goal_id: str = Field(examples=["goal:rel_4edaa8818d218819:0000000002"])
    scale: Scale = Field(examples=[6])
    recorded_by: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])
    recorded_at: datetime


class Goal(BaseModel):
    """A goal of the plan, with its OSKAR history (oldest reading first)."""

    id: str = Field(examples=["goal:rel_4edaa8818d218819:0000000002"])
    relationship_id: str = Field(examples=["rel_5d2c7a9e1b3f4a6c"])
    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    term: Term = Field(examples=["short"])
    text: str = Field(examples=["lead a team review meeting"])
    priority: int | None = Field(default=None, examples=[1])
    direction: GoalDirection | None = Field(default=None, examples=["mentor_to_mentee"])
    written_by: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])
    written_at: datetime
    edited_by: str | None = Field(
        default=None, examples=["mem_0c1d2e3f4a5b6c7d"], description="'former member' if erased"
    )
    edited_at: datetime | None = None
    achieved_by: str | None = Field(
        default=None, examples=["mem_4b1f0c9e2d7a6b35"], description="'former member' if erased"
    )
    achieved_at: datetime | None = None
    oskar: list[OskarReading] = Field(default_factory=list)


def goals_of(relationship_id: str) -> str:
    """What a relationship's goals are numbered under: goal n's id is this and n."""
    return f"goal:{relationship_id}"


def check_priority(term: Term, priority: int | None) -> None:
    """Short-term goals have a priority; the long-term goal has none."""
    if term is Term.SHORT and priority is None:
        raise PlanRuleError("a short-term goal needs a priority (1 comes first)")
    if term is Term.LONG and priority is not None:
        raise PlanRuleError("a long-term goal has no priority; priorities order short-term goals")


def check_room(goals: int) -> None:
    """A plan holds at most MAX_GOALS goals."""
    if goals >= MAX_GOALS:
        raise ConflictError(f"the plan already has {MAX_GOALS} goals, the most it holds")


def check_goal_change(goal: Goal, change: GoalChange) -> dict[str, Any]:
    """The fields `change` sets on `goal`; refuses an empty change or a wrong priority."""
    fields = {name: getattr(change, name) for name in change.model_fields_set}
    if not fields:
        raise PlanRuleError("send text or priority to change")
    if fields.get("text", "") is None:
        raise PlanRuleError("a goal's text cannot be emptied; write what the goal is")
    check_priority(goal.term, fields.get("priority", goal.priority))
    return fields


def check_achievable(goal: Goal) -> None:
    """A goal is marked achieved once."""
    if goal.achieved_at is not None:
        raise GoalAchievedAlreadyError(
            f"goal {goal.id!r} was already marked achieved on {goal.achieved_at.date()}"
        )


def readings_of(goal_id: str) -> str:
    """What a goal's OSKAR readings are numbered under."""
    return f"oskar:{goal_id}"


class OskarRequest(BaseModel):
    """Where the mentee places themselves now (0-10)."""

    model_config = ConfigDict(extra="forbid")

    scale: Scale = Field(examples=[6])


def history(readings: list[OskarReading]) -> list[OskarReading]:
    """A goal's readings as a series over time, oldest first."""
    return sorted(readings, key=lambda r: (r.recorded_at, r.id))


# --- GROW ------------------------------------------------------------------------------------


class GrowDraft(BaseModel):
    """A GROW conversation (Resource 12) and the commitment rating at its end."""

    model_config = ConfigDict(extra="forbid")

    goal_id: str | None = Field(
        default=None,
        max_length=100,
        examples=["goal:rel_4edaa8818d218819:0000000002"],
        description="the plan's goal it worked on, if any",
    )
    goal: LongText = Field(
        min_length=1,
        examples=["feel ready to lead the team review"],
        description="what do you want to achieve?",
    )
    reality: LongText = Field(default="", examples=["I have observed two reviews"])
    options: LongText = Field(default="", examples=["co-lead one first; practise with a peer"])
    way_forward: LongText = Field(
        min_length=1,
        examples=["co-lead the April review"],
        description="the agreed action towards the goal",
    )
    commitment: Commitment = Field(examples=[8], description="1-10")


class GrowNote(GrowDraft):
    """A stored GROW note."""

    id: str = Field(examples=["grow:rel_4edaa8818d218819:0000000003"])
    relationship_id: str = Field(examples=["rel_5d2c7a9e1b3f4a6c"])
    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    written_by: str = Field(examples=["mem_0c1d2e3f4a5b6c7d"])
    written_at: datetime

    @property
    def needs_motivation(self) -> bool:
        """Resource 12: a rating below 7 asks what still needs to happen."""
        return self.commitment < MOTIVATION_THRESHOLD


class GrowNoteView(GrowNote):
    """A GROW note with Resource 12's prompt when commitment is below 7."""

    motivation_question: str | None = Field(
        default=None, examples=[None], description="asked when commitment is below 7"
    )

    @classmethod
    def of(cls, note: GrowNote) -> GrowNoteView:
        """The note as readers see it."""
        question = MOTIVATION_QUESTION if note.needs_motivation else None
        return cls(**note.model_dump(), motivation_question=question)


def grow_notes_of(relationship_id: str) -> str:
    """What a relationship's GROW notes are numbered under."""
    return f"grow:{relationship_id}"


# --- the whole plan ---------------------------------------------------------------------------


class ActionPlan(PlanSheet):
    """The relationship's plan as its readers see it."""

    model_config = ConfigDict(extra="ignore")

    relationship_id: str = Field(examples=["rel_5d2c7a9e1b3f4a6c"])
    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    written_by: dict[str, str] = Field(
        default_factory=dict,
        examples=[{"to_learn": "mem_4b1f0c9e2d7a6b35"}],
        description="who last wrote each field of the sheet",
    )
    updated_at: datetime | None = None
    goals: list[Goal] = Field(
        default_factory=list, description="long-term first, then short-term by priority"
    )
    grow: list[GrowNoteView] = Field(default_factory=list, description="newest first")


def goal_order(goal: Goal) -> tuple[int, int, datetime, str]:
    """Long-term goals first, then short-term ones by priority, then by age."""
    return (0 if goal.term is Term.LONG else 1, goal.priority or 0, goal.written_at, goal.id)
