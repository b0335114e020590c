"""A relationship's action plan (Resources 12, 15 and 16): the sheet, its goals with their
OSKAR ratings, and the GROW notes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from services.portal.adapters.components import Components
from services.portal.adapters.forms import PathId, confirmation, done, form_data, refused
from services.portal.adapters.network_api import Service, ServiceRefusalError
from services.portal.adapters.signed_in import Member, SignedIn
from services.portal.domain.action_plans import (
    COMMITMENT_CHOICES,
    DONE_SECTIONS,
    GOAL_FIELDS,
    GROW_FIELDS,
    OSKAR_FIELDS,
    SCALE_CHOICES,
    SHEET_FIELDS,
    SheetDraft,
    goal_change_from_form,
    goal_choices,
    goal_from_form,
    goal_heading,
    grow_from_form,
    oskar_from_form,
    sheet_changes,
    sheet_draft,
    sheet_draft_from_form,
)
from services.portal.domain.forms import FormProblems, first
from services.portal.pages.action_plan import PlanPage, plan_page

router = APIRouter(include_in_schema=False)


async def _page(
    request: Request,
    member: Member,
    components: Components,
    relationship_id: str,
    *,
    page: PlanPage | None = None,
    form_for: str = "",
    values: Mapping[str, str] | None = None,
    sheet: SheetDraft | None = None,
    problems: FormProblems | None = None,
    status: int = 200,
) -> Response:
    page = page or await plan_page(member, relationship_id)
    code = request.query_params.get("done", "")
    return components.pages.render(
        request,
        "relationship_plan.html",
        {
            "shell": page.shell,
            "page": page,
            "sheet": sheet or sheet_draft(page.plan),
            "form_for": form_for,
            "values": values or {},
            "problems": problems,
            "done": confirmation(request),
            "done_section": DONE_SECTIONS.get(code, ""),
            "goal_heading": goal_heading,
            "goal_choices": goal_choices(page.plan),
            "scale_choices": SCALE_CHOICES,
            "commitment_choices": COMMITMENT_CHOICES,
        },
        member=member,
        status=status,
    )


def _typed(form: Mapping[str, Sequence[str]], names: Sequence[str]) -> dict[str, str]:
    return {name: first(form, name) for name in names}


async def _send(
    request: Request,
    member: Member,
    components: Components,
    relationship_id: str,
    call: tuple[str, str, dict[str, Any] | None],
    success: tuple[str, str],
    refusal: tuple[str, Sequence[str], dict[str, str]],
) -> Response:
    """One call to the plan; on success back to the plan's section, on a refusal the page
    again with the form as typed and the reason beside its field."""
    method, path, body = call
    form_for, known, values = refusal
    try:
        await member.api.send(
            Service.SESSIONS,
            method,
            f"/relationships/{relationship_id}/action-plan{path}",
            json=body,
        )
    except ServiceRefusalError as exc:
        problems = refused(exc, tuple(known))
        return await _page(
            request,
            member,
            components,
            relationship_id,
            form_for=form_for,
            values=values,
            problems=problems,
            status=exc.status,
        )
    code, anchor = success
    return done(f"/relationships/{relationship_id}/plan", code, anchor)


@router.get("/relationships/{relationship_id}/plan")
async def plan(
    relationship_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """The sheet, the goals with their OSKAR charts, and the GROW notes."""
    return await _page(request, member, components, relationship_id)


@router.post("/relationships/{relationship_id}/plan")
async def change_sheet(
    relationship_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """Save the fields of the sheet that changed (PATCH: the rest stay as written)."""
    draft = sheet_draft_from_form(await form_data(request))
    page = await plan_page(member, relationship_id)
    changes, problems = sheet_changes(draft, page.plan)
    if problems:
        return await _page(
            request,
            member,
            components,
            relationship_id,
            page=page,
            form_for="sheet",
            sheet=draft,
            problems=problems,
            status=422,
        )
    try:
        await member.api.send(
            Service.SESSIONS,
            "PATCH",
            f"/relationships/{relationship_id}/action-plan",
            json=changes,
        )
    except ServiceRefusalError as exc:
        return await _page(
            request,
            member,
            components,
            relationship_id,
            form_for="sheet",
            sheet=draft,
            problems=refused(exc, SHEET_FIELDS),
            status=exc.status,
        )
    return done(f"/relationships/{relationship_id}/plan", "plan-changed", "#plan-sheet")


@router.post("/relationships/{relationship_id}/plan/goals")
async def add_goal(
    relationship_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """A long-term goal, or a short-term one with its priority."""
    form = await form_data(request)
    body, problems = goal_from_form(form)
    values = _typed(form, GOAL_FIELDS)
    if problems:
        return await _page(
            request,
            member,
            components,
            relationship_id,
            form_for="goal",
            values=values,
            problems=problems,
            status=422,
        )
    return await _send(
        request,
        member,
        components,
        relationship_id,
        ("POST", "/goals", body),
        ("goal-added", "#goals"),
        ("goal", GOAL_FIELDS, values),
    )


@router.post("/relationships/{relationship_id}/plan/goals/{goal_id}")
async def change_goal(
    relationship_id: PathId,
    goal_id: PathId,
    request: Request,
    member: SignedIn,
    components: Components,
) -> Response:
    """A goal's new wording or priority."""
    form = await form_data(request)
    page = await plan_page(member, relationship_id)
    goal = page.goal(goal_id)
    if goal is None:
        raise HTTPException(status_code=404)
    changes, problems = goal_change_from_form(form, goal)
    values = _typed(form, GOAL_FIELDS)
    if problems:
        return await _page(
            request,
            member,
            components,
            relationship_id,
            page=page,
            form_for=f"goal:{goal_id}",
            values=values,
            problems=problems,
            status=422,
        )
    return await _send(
        request,
        member,
        components,
        relationship_id,
        ("PATCH", f"/goals/{goal_id}", changes),
        ("goal-changed", "#goals"),
        (f"goal:{goal_id}", GOAL_FIELDS, values),
    )


@router.post("/relationships/{relationship_id}/plan/goals/{goal_id}/achieved")
async def goal_achieved(
    relationship_id: PathId,
    goal_id: PathId,
    request: Request,
    member: SignedIn,
    components: Components,
) -> Response:
    """Mark a goal achieved (once)."""
    return await _send(
        request,
        member,
        components,
        relationship_id,
        ("POST", f"/goals/{goal_id}/achieved", None),
        ("goal-achieved", "#goals"),
        (f"achieved:{goal_id}", (), {}),
    )


@router.post("/relationships/{relationship_id}/plan/goals/{goal_id}/oskar")
async def rate_goal(
    relationship_id: PathId,
    goal_id: PathId,
    request: Request,
    member: SignedIn,
    components: Components,
) -> Response:
    """Record where the mentee is on the goal now, 0 to 10 (OSKAR scaling)."""
    form = await form_data(request)
    body, problems = oskar_from_form(form)
    values = _typed(form, OSKAR_FIELDS)
    if problems:
        return await _page(
            request,
            member,
            components,
            relationship_id,
            form_for=f"oskar:{goal_id}",
            values=values,
            problems=problems,
            status=422,
        )
    return await _send(
        request,
        member,
        components,
        relationship_id,
        ("POST", f"/goals/{goal_id}/oskar", body),
        ("oskar-recorded", "#goals"),
        (f"oskar:{goal_id}", OSKAR_FIELDS, values),
    )


@router.post("/relationships/{relationship_id}/plan/grow")
async def record_grow(
    relationship_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """A GROW conversation and the mentee's commitment to its way forward."""
    form = await form_data(request)
    page = await plan_page(member, relationship_id)
    body, problems = grow_from_form(form, [g.id for g in page.plan.goals])
    values = _typed(form, GROW_FIELDS)
    if problems:
        return await _page(
            request,
            member,
            components,
            relationship_id,
            page=page,
            form_for="grow",
            values=values,
            problems=problems,
            status=422,
        )
    return await _send(
        request,
        member,
        components,
        relationship_id,
        ("POST", "/grow", body),
        ("grow-recorded", "#grow"),
        ("grow", GROW_FIELDS, values),
    )
