"""Overseeing a programme: its relationships and their phases, and the monitoring alerts
(acknowledge, resolve) with the thresholds that raise them."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.portal.adapters.components import Components
from services.portal.adapters.forms import (
    PathId,
    confirmation,
    confirmed_at,
    done_at,
    form_data,
    refused,
)
from services.portal.adapters.network_api import Service, ServiceRefusalError
from services.portal.adapters.signed_in import Member, SignedIn
from services.portal.domain.forms import FormProblems
from services.portal.domain.monitoring import (
    ALERT_KINDS,
    ALERT_STATUSES,
    THRESHOLDS,
    thresholds_from_form,
    thresholds_refusal,
)
from services.portal.pages.oversight import alerts_page, relationships_page

router = APIRouter(include_in_schema=False)
BASE = "/coordinate/programmes/{programme_id}"


@router.get(f"{BASE}/relationships")
async def relationships(
    programme_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """Every relationship of the programme, its parties and its phase."""
    page = await relationships_page(member, programme_id)
    return components.pages.render(
        request,
        "coordinate_relationships.html",
        {"shell": page.shell, "page": page},
        member=member,
    )


async def _alerts(
    request: Request,
    member: Member,
    components: Components,
    programme_id: str,
    status: int = 200,
    typed: dict[str, str] | None = None,
    threshold_problems: FormProblems | None = None,
    problems: dict[str, FormProblems] | None = None,
) -> Response:
    page = await alerts_page(member, programme_id)
    return components.pages.render(
        request,
        "coordinate_alerts.html",
        {
            "shell": page.shell,
            "page": page,
            "thresholds": THRESHOLDS,
            "alert_kinds": ALERT_KINDS,
            "alert_statuses": ALERT_STATUSES,
            "typed": typed or (page.thresholds.typed() if page.thresholds else {}),
            "threshold_problems": threshold_problems,
            "problems": problems or {},
            "done": confirmation(request),
            "at": confirmed_at(request),
        },
        member=member,
        status=status,
    )


@router.get(f"{BASE}/alerts")
async def alerts(
    programme_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """Alerts to act on, newest first, and the thresholds."""
    return await _alerts(request, member, components, programme_id)


async def _move(
    request: Request,
    member: Member,
    components: Components,
    programme_id: str,
    alert_id: str,
    step: str,
    code: str,
) -> Response:
    try:
        await member.api.send(
            Service.EVALUATION, "POST", f"/programmes/{programme_id}/alerts/{alert_id}/{step}"
        )
    except ServiceRefusalError as exc:
        problems = {alert_id: refused(exc, ())}
        return await _alerts(
            request, member, components, programme_id, exc.status, problems=problems
        )
    return done_at(f"/coordinate/programmes/{programme_id}/alerts", code, alert_id)


@router.post(f"{BASE}/alerts/{{alert_id}}/acknowledgement")
async def acknowledge(
    programme_id: PathId,
    alert_id: PathId,
    request: Request,
    member: SignedIn,
    components: Components,
) -> Response:
    """Seen, and being looked into."""
    return await _move(
        request, member, components, programme_id, alert_id, "acknowledgement", "alert-acknowledged"
    )


@router.post(f"{BASE}/alerts/{{alert_id}}/resolution")
async def resolve(
    programme_id: PathId,
    alert_id: PathId,
    request: Request,
    member: SignedIn,
    components: Components,
) -> Response:
    """Dealt with; the same condition is not raised again."""
    return await _move(
        request, member, components, programme_id, alert_id, "resolution", "alert-resolved"
    )


@router.post(f"{BASE}/alert-thresholds")
async def set_thresholds(
    programme_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """New thresholds; relationships are reviewed with them at once."""
    typed, body, problems = thresholds_from_form(await form_data(request))
    status = 422
    if body is not None:
        try:
            await member.api.send(
                Service.EVALUATION, "PUT", f"/programmes/{programme_id}/alert-thresholds", json=body
            )
            path = f"/coordinate/programmes/{programme_id}/alerts"
            return done_at(path, "thresholds-saved", "thresholds-section")
        except ServiceRefusalError as exc:
            if exc.status in (403, 404):
                raise
            problems, status = thresholds_refusal(exc.detail, exc.fields), exc.status
    return await _alerts(
        request,
        member,
        components,
        programme_id,
        status,
        typed=typed,
        threshold_problems=problems,
    )
