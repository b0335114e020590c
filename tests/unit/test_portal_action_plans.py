"""The portal's action plan forms (seed 002: Resource 15's sheet and goals, Resource 12 GROW
with commitment 1-10, Resource 16 OSKAR 0-10): only the sheet's changed fields are sent (the
service records who wrote each), goals with their priorities, ratings within their scales;
each body checked against the sessions service's own request models."""

from __future__ import annotations

from datetime import date

import pytest

from services.portal.domain.action_plans import (
    SheetDraft,
    goal_change_from_form,
    goal_from_form,
    goal_heading,
    grow_from_form,
    oskar_from_form,
    sheet_changes,
    sheet_draft,
    sheet_draft_from_form,
)
from services.portal.domain.relationships import ActionPlan, Goal
from services.sessions.domain.action_plans import (
    GoalChange,
    GoalDraft,
    GrowDraft,
    OskarRequest,
    PlanSheetChange,
)

GOAL = "goal:rel_0a1b2c3d4e5f6a7b:0000000002"
PLAN = ActionPlan(
    to_learn="How to run a supervision session",
    milestones=["Lead one team meeting"],
    starts_on=date(2027, 2, 1),
    review_dates=[date(2027, 5, 1)],
)


def form(**values: str | list[str]) -> dict[str, list[str]]:
    return {k: v if isinstance(v, list) else [v] for k, v in values.items()}


def test_only_the_changed_fields_of_the_sheet_are_sent() -> None:
    draft = sheet_draft(PLAN)
    assert sheet_changes(draft, PLAN)[1].message, "nothing changed: nothing to save"
    typed = sheet_draft_from_form(
        form(
            to_learn="How to run a supervision session",
            timescales="By the end of March",
            milestones="Lead one team meeting\nLead the review",
            starts_on="2027-02-01",
            completes_on="2027-09-30",
            review_dates=["2027-07-01", "", "2027-05-01"],
        )
    )
    changes, problems = sheet_changes(typed, PLAN)
    assert not problems
    assert changes == {
        "timescales": "By the end of March",
        "milestones": ["Lead one team meeting", "Lead the review"],
        "completes_on": "2027-09-30",
        "review_dates": ["2027-05-01", "2027-07-01"],
    }
    PlanSheetChange.model_validate(changes)


def test_emptying_a_field_of_the_sheet_empties_it() -> None:
    changes, problems = sheet_changes(SheetDraft(to_learn=PLAN.to_learn), PLAN)
    assert not problems
    assert changes == {"milestones": None, "starts_on": None, "review_dates": None}
    PlanSheetChange.model_validate(changes)


def test_the_sheets_dates_are_checked() -> None:
    draft = SheetDraft(starts_on="2027-02-01", completes_on="2027-01-01", review_dates=["May"])
    _, problems = sheet_changes(draft, PLAN)
    assert set(problems.fields) == {"completes_on", "review_dates"}
    assert draft.review_rows == ["May", "", ""]


def test_a_short_term_goal_has_a_priority_and_a_long_term_one_none() -> None:
    body, problems = goal_from_form(form(term="short", text=" Lead  a review ", priority="2"))
    assert not problems and body == {"term": "short", "text": "Lead a review", "priority": 2}
    GoalDraft.model_validate(body)
    body, problems = goal_from_form(form(term="long", text="Become a team lead", priority="3"))
    assert not problems and body["priority"] is None, "a priority typed for it is left out"
    GoalDraft.model_validate(body)
    _, problems = goal_from_form(form(term="short", text="", priority="0"))
    assert set(problems.fields) == {"text", "priority"}
    _, problems = goal_from_form(form(text="x"))
    assert set(problems.fields) == {"term"}


def test_a_goal_change_sends_what_changed() -> None:
    goal = Goal(id=GOAL, term="short", text="Lead a review", priority=2)
    changes, problems = goal_change_from_form(form(text="Lead two reviews", priority="2"), goal)
    assert changes == {"text": "Lead two reviews"} and not problems
    GoalChange.model_validate(changes)
    changes, problems = goal_change_from_form(form(text="Lead a review", priority="1"), goal)
    assert changes == {"priority": 1}
    _, problems = goal_change_from_form(form(text="Lead a review", priority="2"), goal)
    assert problems.message and not problems.fields
    _, problems = goal_change_from_form(form(text="", priority="x"), goal)
    assert set(problems.fields) == {"text", "priority"}
    assert goal_heading(goal) == "Short-term goal, priority 2"
    assert goal_heading(Goal(id=GOAL, term="long", text="t")) == "Long-term goal"


@pytest.mark.parametrize(("typed", "scale"), [("0", 0), ("7", 7), ("10", 10)])
def test_oskar_is_zero_to_ten(typed: str, scale: int) -> None:
    body, problems = oskar_from_form(form(scale=typed))
    assert body == {"scale": scale} and not problems
    OskarRequest.model_validate(body)


@pytest.mark.parametrize("typed", ["", "11", "-1", "5.5", "five"])
def test_oskar_outside_its_scale_is_refused(typed: str) -> None:
    _, problems = oskar_from_form(form(scale=typed))
    assert "scale" in problems.fields


def test_grow_needs_a_goal_a_way_forward_and_a_commitment_of_one_to_ten() -> None:
    body, problems = grow_from_form(
        form(
            goal_id=GOAL,
            goal="Feel ready",
            reality="",
            options="",
            way_forward="Co-lead",
            commitment="6",
        ),
        [GOAL],
    )
    assert not problems and body["commitment"] == 6 and body["goal_id"] == GOAL
    GrowDraft.model_validate(body)
    _, problems = grow_from_form(form(goal_id="goal:other:1", commitment="0"), [GOAL])
    assert set(problems.fields) == {"goal_id", "goal", "way_forward", "commitment"}
