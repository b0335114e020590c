"""Action plans over HTTP (seed 002, Resources 12, 15, 16): either party writes the
relationship's plan, its goals, GROW notes and OSKAR readings; the parties and the programme's
co-ordinators read; everyone else gets 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, status

from services.sessions.adapters.action_plan_store import ActionPlanStore
from services.sessions.adapters.relationship_routes import RelationshipId
from services.sessions.domain.action_plans import (
    ActionPlan,
    Goal,
    GoalChange,
    GoalDraft,
    GrowDraft,
    GrowNoteView,
    OskarReading,
    OskarRequest,
    PlanSheetChange,
)
from shared.auth.http import Caller
from shared.http.errors import AUTH_REFUSALS, Problem

router = APIRouter(tags=["action plans"])


async def _store(request: Request) -> ActionPlanStore:
    store: ActionPlanStore = request.app.state.action_plans
    return store


ActionPlans = Annotated[ActionPlanStore, Depends(_store)]
# Lenient on purpose: an id that is not one is answered like an unknown one (404), never 422.
GoalId = Annotated[str, Path(max_length=200, examples=["goal:rel_4edaa8818d218819:0000000002"])]

PLAN = "/relationships/{relationship_id}/action-plan"
GOAL = PLAN + "/goals/{goal_id}"

WRITE_REFUSALS = {
    **AUTH_REFUSALS,
    409: {
        "model": Problem,
        "description": "the relationship has ended, the goal is already achieved, or the "
        "plan holds the most goals it can",
    },
    422: {
        "model": Problem,
        "description": "a field is over its bound, a rating is out of range, or the plan "
        "would break a rule (dates out of order, a priority on the long-term goal)",
    },
}


@router.get(
    PLAN,
    summary="The relationship's action plan (parties and co-ordinators)",
    responses=AUTH_REFUSALS,
)
async def read_plan(
    relationship_id: RelationshipId, caller: Caller, plans: ActionPlans
) -> ActionPlan:
    """The sheet, the goals (long-term first) with their OSKAR histories, and the GROW
    notes (newest first). Empty until someone writes in it."""
    return await plans.plan(caller, relationship_id)


@router.patch(PLAN, summary="Change fields of the plan (either party)", responses=WRITE_REFUSALS)
async def revise_plan(
    relationship_id: RelationshipId, body: PlanSheetChange, caller: Caller, plans: ActionPlans
) -> ActionPlan:
    """The fields sent are replaced (null empties one); the rest stay."""
    return await plans.revise(caller, relationship_id, body)


@router.post(
    PLAN + "/goals",
    status_code=status.HTTP_201_CREATED,
    summary="Add a goal: long-term, or short-term with a priority (either party)",
    responses=WRITE_REFUSALS,
)
async def add_goal(
    relationship_id: RelationshipId, body: GoalDraft, caller: Caller, plans: ActionPlans
) -> Goal:
    """The goal gets a stable id (`goal:<relationship>:<n>`)."""
    return await plans.add_goal(caller, relationship_id, body)


@router.patch(
    GOAL, summary="Change a goal's text or priority (either party)", responses=WRITE_REFUSALS
)
async def change_goal(
    relationship_id: RelationshipId,
    goal_id: GoalId,
    body: GoalChange,
    caller: Caller,
    plans: ActionPlans,
) -> Goal:
    """Records who changed it and when."""
    return await plans.change_goal(caller, relationship_id, goal_id, body)


@router.post(
    GOAL + "/achieved",
    summary="Mark a goal achieved (either party; once)",
    responses=WRITE_REFUSALS,
)
async def achieve_goal(
    relationship_id: RelationshipId, goal_id: GoalId, caller: Caller, plans: ActionPlans
) -> Goal:
    """Publishes `goal.achieved` (ids and term only); marking it again is a 409."""
    return await plans.achieve(caller, relationship_id, goal_id)


@router.post(
    GOAL + "/oskar",
    status_code=status.HTTP_201_CREATED,
    summary="Record an OSKAR scaling (0-10) for a goal (either party)",
    responses=WRITE_REFUSALS,
)
async def scale_goal(
    relationship_id: RelationshipId,
    goal_id: GoalId,
    body: OskarRequest,
    caller: Caller,
    plans: ActionPlans,
) -> OskarReading:
    """Publishes `action_plan.oskar_scaled` (the number only)."""
    return await plans.scale(caller, relationship_id, goal_id, body.scale)


@router.get(
    GOAL + "/oskar",
    summary="A goal's OSKAR readings over time, oldest first (parties and co-ordinators)",
    responses=AUTH_REFUSALS,
)
async def oskar_history(
    relationship_id: RelationshipId, goal_id: GoalId, caller: Caller, plans: ActionPlans
) -> list[OskarReading]:
    """The series, to show progress on the 0-10 scale."""
    return await plans.oskar_history(caller, relationship_id, goal_id)


@router.post(
    PLAN + "/grow",
    status_code=status.HTTP_201_CREATED,
    summary="Record a GROW conversation and its commitment rating, 1-10 (either party)",
    responses=WRITE_REFUSALS,
)
async def add_grow(
    relationship_id: RelationshipId, body: GrowDraft, caller: Caller, plans: ActionPlans
) -> GrowNoteView:
    """Publishes `action_plan.commitment_rated` (the rating only). Below 7 the answer carries
    Resource 12's question: what still needs to happen to help increase motivation?"""
    return await plans.add_grow(caller, relationship_id, body)


@router.get(
    PLAN + "/grow",
    summary="The GROW notes, newest first (parties and co-ordinators)",
    responses=AUTH_REFUSALS,
)
async def grow_notes(
    relationship_id: RelationshipId, caller: Caller, plans: ActionPlans
) -> list[GrowNoteView]:
    """With their commitment ratings: the series over time."""
    return await plans.grow_notes(caller, relationship_id)
