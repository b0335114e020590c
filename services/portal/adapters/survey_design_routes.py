"""A programme's surveys for its co-ordinator: templates (write one, start from a copy of a
built-in one, edit one as a new version), the schedule, and the anonymous comments."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from services.portal.adapters.components import Components
from services.portal.adapters.forms import (
    PathId,
    confirmation,
    confirmed_at,
    done,
    done_at,
    form_data,
)
from services.portal.adapters.network_api import Service, ServiceRefusalError
from services.portal.adapters.signed_in import Member, SignedIn
from services.portal.domain.forms import FormProblems, from_service
from services.portal.domain.survey_design import (
    KINDS,
    QUESTION_TYPES,
    TIMINGS,
    ScheduleForm,
    TemplateForm,
    TemplateVersion,
    schedule_form,
    schedule_from_form,
    template_form,
    template_from_form,
    template_refusal,
    timing_in_words,
)
from services.portal.pages.survey_design import comments_page, surveys_page, template_versions

router = APIRouter(include_in_schema=False)
BASE = "/coordinate/programmes/{programme_id}"
SCHEDULE_FIELDS = ("open_days", "remind_after_days")


async def _surveys(
    request: Request,
    member: Member,
    components: Components,
    programme_id: str,
    status: int = 200,
    typed: ScheduleForm | None = None,
    problems: FormProblems | None = None,
) -> Response:
    page = await surveys_page(member, programme_id)
    shown = typed or (schedule_form(page.schedule) if page.schedule else None)
    return components.pages.render(
        request,
        "coordinate_surveys.html",
        {
            "shell": page.shell,
            "page": page,
            "schedule": shown,
            "timings": TIMINGS,
            "timing_in_words": timing_in_words,
            "kinds": KINDS,
            "problems": problems,
            "done": confirmation(request),
            "at": confirmed_at(request),
        },
        member=member,
        status=status,
    )


@router.get(f"{BASE}/surveys")
async def surveys(
    programme_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """The templates the programme can send, and when it sends them."""
    return await _surveys(request, member, components, programme_id)


@router.post(f"{BASE}/surveys/schedule")
async def set_schedule(
    programme_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """A new schedule; relationships are reviewed with it at once."""
    page = await surveys_page(member, programme_id)
    typed, body, problems = schedule_from_form(await form_data(request), page.titles)
    status = 422
    if body is not None:
        try:
            await member.api.send(
                Service.EVALUATION, "PUT", f"/programmes/{programme_id}/survey-schedule", json=body
            )
            path = f"/coordinate/programmes/{programme_id}/surveys"
            return done_at(path, "schedule-saved", "schedule-section")
        except ServiceRefusalError as exc:
            if exc.status in (403, 404):
                raise
            problems = from_service(exc.detail, exc.fields, SCHEDULE_FIELDS)
            status = exc.status
    return await _surveys(request, member, components, programme_id, status, typed, problems)


async def _template_page(
    request: Request,
    member: Member,
    components: Components,
    programme_id: str,
    context: dict[str, Any],
    status: int = 200,
) -> Response:
    return components.pages.render(
        request,
        "coordinate_template.html",
        {
            "kinds": KINDS,
            "types": QUESTION_TYPES,
            "problems": None,
            "versions": [],
            "template_id": None,
            **context,
        },
        member=member,
        status=status,
    )


@router.get(f"{BASE}/surveys/templates/new")
async def new_template(
    programme_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """A new template: blank, or (`?from=<template>`) a copy of one to change."""
    page = await surveys_page(member, programme_id)
    source = request.query_params.get("from", "")
    copied = next((t for t in page.templates if t.template_id == source), None)
    typed = template_form(copied, copy=True) if copied else TemplateForm().with_spare_rows()
    return await _template_page(
        request, member, components, programme_id, {"shell": page.shell, "typed": typed}
    )


@router.post(f"{BASE}/surveys/templates/new")
async def create_template(
    programme_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """Save the programme's new template (version 1)."""
    return await _save_template(request, member, components, programme_id, None)


@router.get(f"{BASE}/surveys/templates/{{template_id}}")
async def edit_template(
    programme_id: PathId,
    template_id: PathId,
    request: Request,
    member: SignedIn,
    components: Components,
) -> Response:
    """The latest version to edit (saved as a new one) and every version before it."""
    heading, versions = await template_versions(member, programme_id, template_id)
    if not versions or versions[0].built_in:
        raise HTTPException(status_code=404)  # a built-in one is copied, not edited
    context = {
        "shell": heading,
        "typed": template_form(versions[0]),
        "versions": versions,
        "template_id": template_id,
    }
    return await _template_page(request, member, components, programme_id, context)


@router.post(f"{BASE}/surveys/templates/{{template_id}}")
async def revise_template(
    programme_id: PathId,
    template_id: PathId,
    request: Request,
    member: SignedIn,
    components: Components,
) -> Response:
    """Save the edit as a new version; surveys already sent keep theirs."""
    return await _save_template(request, member, components, programme_id, template_id)


async def _save_template(
    request: Request,
    member: Member,
    components: Components,
    programme_id: str,
    template_id: str | None,
) -> Response:
    typed, body, problems = template_from_form(await form_data(request))
    status = 422
    if body is not None:
        base = f"/programmes/{programme_id}/survey-templates"
        try:
            if template_id is None:
                await member.api.send(Service.EVALUATION, "POST", base, json=body)
            else:
                await member.api.send(Service.EVALUATION, "PUT", f"{base}/{template_id}", json=body)
            code = "template-saved" if template_id is None else "template-revised"
            return done(f"/coordinate/programmes/{programme_id}/surveys", code, "#templates")
        except ServiceRefusalError as exc:
            if exc.status in (403, 404):
                raise
            problems, status = template_refusal(exc.detail, exc.fields, typed), exc.status
    if template_id is None:
        heading = (await surveys_page(member, programme_id)).shell
        versions: list[TemplateVersion] = []
    else:
        heading, versions = await template_versions(member, programme_id, template_id)
    context = {
        "shell": heading,
        "typed": typed,
        "problems": problems,
        "versions": versions,
        "template_id": template_id,
    }
    return await _template_page(request, member, components, programme_id, context, status)


@router.get(f"{BASE}/surveys/comments")
async def comments(
    programme_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """What people wrote, by question, anonymous; suppressed below five writers."""
    heading, found, titles = await comments_page(member, programme_id)
    return components.pages.render(
        request,
        "coordinate_comments.html",
        {"shell": heading, "comments": found, "titles": titles},
        member=member,
    )
