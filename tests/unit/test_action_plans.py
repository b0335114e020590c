"""Action plans' rules (seed 002, Resources 12 GROW, 15 action plan, 16 OSKAR)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from services.sessions.domain.action_plans import (
    MAX_GOALS,
    MAX_MILESTONES,
    MOTIVATION_QUESTION,
    SHORT_TEXT,
    Goal,
    GoalAchievedAlreadyError,
    GoalChange,
    GoalDraft,
    GrowDraft,
    GrowNote,
    GrowNoteView,
    OskarReading,
    OskarRequest,
    PlanRuleError,
    PlanSheet,
    PlanSheetChange,
    Term,
    check_achievable,
    check_goal_change,
    check_priority,
    check_room,
    goal_order,
    goals_of,
    history,
    revise_sheet,
)
from shared.contracts.sessions import CommitmentRated, GoalAchieved, OskarScaled
from shared.errors import ConflictError

NOW = datetime(2027, 2, 1, 9, tzinfo=UTC)


def goal(term: Term = Term.SHORT, priority: int | None = 1, **changes: Any) -> Goal:
    return Goal(
        id=goals_of("rel_1") + ":0000000001",
        relationship_id="rel_1",
        programme_id="prg_1",
        term=term,
        text="lead a team review",
        priority=priority,
        written_by="mem_e",
        written_at=NOW,
        **changes,
    )


def grow(**changes: Any) -> GrowDraft:
    body = {"goal": "lead the review", "way_forward": "co-lead in April", "commitment": 8}
    return GrowDraft.model_validate({**body, **changes})


# --- the sheet -----------------------------------------------------------------------------


def test_a_change_replaces_the_fields_sent_and_keeps_the_rest() -> None:
    current = PlanSheet(to_learn="supervision", milestones=["lead one meeting"])
    change = PlanSheetChange.model_validate(
        {"timescales": "by March", "milestones": None, "review_dates": ["2027-05-01"]}
    )
    revised, changed = revise_sheet(current, change)
    assert changed == ["milestones", "review_dates", "timescales"]
    assert revised.to_learn == "supervision"  # not sent: stays
    assert revised.milestones == []  # null empties it
    assert revised.timescales == "by March"
    assert revised.review_dates == [date(2027, 5, 1)]


def test_an_empty_change_is_refused() -> None:
    with pytest.raises(PlanRuleError, match="at least one field"):
        revise_sheet(PlanSheet(), PlanSheetChange())


def test_the_plan_cannot_complete_before_it_starts_even_across_two_changes() -> None:
    current, _ = revise_sheet(PlanSheet(), PlanSheetChange(starts_on=date(2027, 2, 1)))
    with pytest.raises(PlanRuleError, match="before starts_on"):
        revise_sheet(current, PlanSheetChange(completes_on=date(2027, 1, 31)))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("to_learn", "x" * 2001),
        ("milestones", ["m"] * (MAX_MILESTONES + 1)),
        ("milestones", ["x" * (SHORT_TEXT + 1)]),
        ("review_dates", ["2027-05-01"] * 13),
        ("owner", "mem_x"),
    ],
)
def test_oversize_sheet_fields_are_refused(field: str, value: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        PlanSheetChange.model_validate({field: value})
    assert field in str(refused.value)


# --- goals -----------------------------------------------------------------------------------


def test_short_term_goals_have_priorities_and_the_long_term_goal_none() -> None:
    check_priority(Term.SHORT, 1)
    check_priority(Term.LONG, None)
    with pytest.raises(PlanRuleError, match="needs a priority"):
        check_priority(Term.SHORT, None)
    with pytest.raises(PlanRuleError, match="has no priority"):
        check_priority(Term.LONG, 2)
    with pytest.raises(ValidationError):
        GoalDraft(term=Term.SHORT, text="x" * (SHORT_TEXT + 1), priority=1)
    with pytest.raises(ValidationError):
        GoalDraft(term=Term.SHORT, text="t", priority=MAX_GOALS + 1)


def test_a_goal_change_keeps_the_priority_rule() -> None:
    assert check_goal_change(goal(), GoalChange(priority=3)) == {"priority": 3}
    with pytest.raises(PlanRuleError, match="has no priority"):
        check_goal_change(goal(Term.LONG, None), GoalChange(priority=1))
    with pytest.raises(PlanRuleError, match="cannot be emptied"):
        check_goal_change(goal(), GoalChange.model_validate({"text": None}))
    with pytest.raises(PlanRuleError, match="text or priority"):
        check_goal_change(goal(), GoalChange())


def test_a_goal_is_achieved_once() -> None:
    check_achievable(goal())
    with pytest.raises(GoalAchievedAlreadyError) as refused:
        check_achievable(goal(achieved_at=NOW, achieved_by="mem_e"))
    assert isinstance(refused.value, ConflictError) and refused.value.status == 409


def test_a_plan_holds_a_bounded_number_of_goals() -> None:
    check_room(MAX_GOALS - 1)
    with pytest.raises(ConflictError):
        check_room(MAX_GOALS)


def test_goals_show_long_term_first_then_by_priority() -> None:
    goals = [goal(Term.SHORT, 2), goal(Term.LONG, None), goal(Term.SHORT, 1)]
    ordered = sorted(goals, key=goal_order)
    assert [(g.term, g.priority) for g in ordered] == [
        (Term.LONG, None),
        (Term.SHORT, 1),
        (Term.SHORT, 2),
    ]


# --- ratings -------------------------------------------------------------------------------


@pytest.mark.parametrize("commitment", [0, 11, -1])
def test_commitment_outside_1_to_10_is_refused(commitment: int) -> None:
    with pytest.raises(ValidationError, match="commitment"):
        grow(commitment=commitment)


@pytest.mark.parametrize("commitment", [1, 10])
def test_commitment_at_the_ends_of_the_scale_is_accepted(commitment: int) -> None:
    assert grow(commitment=commitment).commitment == commitment


@pytest.mark.parametrize("scale", [11, -1])
def test_oskar_outside_0_to_10_is_refused(scale: int) -> None:
    with pytest.raises(ValidationError, match="scale"):
        OskarRequest(scale=scale)


@pytest.mark.parametrize("scale", [0, 10])
def test_oskar_at_the_ends_of_the_scale_is_accepted(scale: int) -> None:
    assert OskarRequest(scale=scale).scale == scale


def test_grow_needs_a_goal_and_a_way_forward() -> None:
    with pytest.raises(ValidationError, match="way_forward"):
        grow(way_forward="  ")
    with pytest.raises(ValidationError, match="goal"):
        grow(goal="")


def test_below_seven_grow_asks_what_would_increase_motivation() -> None:
    def view(commitment: int) -> GrowNoteView:
        note = GrowNote(
            **grow(commitment=commitment).model_dump(),
            id="grw_1",
            relationship_id="rel_1",
            programme_id="prg_1",
            written_by="mem_e",
            written_at=NOW,
        )
        return GrowNoteView.of(note)

    assert view(6).motivation_question == MOTIVATION_QUESTION
    assert view(7).motivation_question is None


def test_oskar_readings_form_a_series_over_time() -> None:
    readings = [
        OskarReading(
            id=f"osk_{i}",
            goal_id="gol_1",
            scale=s,
            recorded_by="mem_e",
            recorded_at=NOW + timedelta(days=d),
        )
        for i, (s, d) in enumerate([(7, 20), (3, 0), (5, 10)])
    ]
    assert [r.scale for r in history(readings)] == [3, 5, 7]


def test_plan_events_carry_numbers_and_ids_never_text() -> None:
    assert set(GoalAchieved.model_fields) == {
        "relationship_id",
        "programme_id",
        "goal_id",
        "term",
        "achieved_at",
    }
    assert set(OskarScaled.model_fields) == {
        "relationship_id",
        "programme_id",
        "goal_id",
        "scale",
        "recorded_at",
    }
    assert set(CommitmentRated.model_fields) == {
        "relationship_id",
        "programme_id",
        "rating",
        "rated_at",
    }
