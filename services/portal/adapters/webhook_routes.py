"""The organisation admin's webhooks: the endpoints the network sends the organisation's events
to (a new one's signing secret shown once, on the answer that made it, never in a URL, a cookie
or a log), one endpoint's settings, its secret rotated, its delivery log with redelivery, and
deleting it after a confirmation step. The notifications service decides every call."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from services.portal.adapters.components import Components
from services.portal.adapters.forms import PathId, done, done_at, form_data, refused
from services.portal.adapters.network_api import ServiceRefusalError
from services.portal.adapters.organisation_routes import OrganisationAdmin, render
from services.portal.adapters.signed_in import Member
from services.portal.domain import webhooks
from services.portal.domain.forms import FormProblems
from services.portal.domain.webhooks import (
    EndpointDraft,
    IssuedEndpoint,
    RotatedSecret,
    changes_from_form,
    draft_of,
    enabled_from_form,
    endpoint_from_form,
)
from services.portal.pages import webhooks as pages

router = APIRouter(include_in_schema=False)
WEBHOOKS = "/organisation/webhooks"
Before = Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_:.-]{1,120}$")]


# The endpoints -----------------------------------------------------------------------------


async def _endpoints(
    request: Request,
    member: Member,
    components: Components,
    draft: EndpointDraft | None = None,
    issued: IssuedEndpoint | None = None,
    problems: FormProblems | None = None,
    status: int = 200,
) -> Response:
    page = await pages.endpoints_page(member)
    context = {
        "page": page,
        "draft": draft or EndpointDraft(),
        "issued": issued,
        "problems": problems,
        "statuses": webhooks.STATUSES,
        "disabled_words": webhooks.disabled_words,
    }
    return render(request, components, member, "organisation_webhooks.html", context, status)


@router.get(WEBHOOKS)
async def endpoints(
    request: Request, member: OrganisationAdmin, components: Components
) -> Response:
    """The organisation's endpoints and the form that adds one."""
    return await _endpoints(request, member, components)


@router.post(WEBHOOKS)
async def add(request: Request, member: OrganisationAdmin, components: Components) -> Response:
    """Add an endpoint and show its signing secret on this answer only (reloading does not
    show it again); a refused address or event type shows beside its field."""
    catalogue = [t.type for t in await pages.event_types(member)]
    draft, body, problems = endpoint_from_form(await form_data(request), catalogue)
    if problems:
        return await _endpoints(request, member, components, draft, problems=problems, status=422)
    try:
        issued = await pages.add(member, body)
    except ServiceRefusalError as exc:
        problems = refused(exc, webhooks.FIELDS)
        return await _endpoints(
            request, member, components, draft, problems=problems, status=exc.status
        )
    return await _endpoints(request, member, components, issued=issued)


# One endpoint ------------------------------------------------------------------------------


async def _endpoint(
    request: Request,
    member: Member,
    components: Components,
    endpoint_id: str,
    before: str | None = None,
    draft: EndpointDraft | None = None,
    rotated: RotatedSecret | None = None,
    problems: FormProblems | None = None,
    status: int = 200,
) -> Response:
    page = await pages.endpoint_page(member, endpoint_id, before)
    context = {
        "page": page,
        "endpoint": page.endpoint,
        "draft": draft or draft_of(page.endpoint),
        "rotated": rotated,
        "problems": problems,
        "before": before,
        "statuses": webhooks.STATUSES,
        "off_because": webhooks.disabled_words(page.endpoint),
    }
    return render(request, components, member, "organisation_webhook.html", context, status)


@router.get(f"{WEBHOOKS}/{{endpoint_id}}")
async def endpoint(
    endpoint_id: PathId,
    request: Request,
    member: OrganisationAdmin,
    components: Components,
    before: Before = None,
) -> Response:
    """The endpoint's settings and its delivery log, newest first (`before`: the next page)."""
    return await _endpoint(request, member, components, endpoint_id, before)


@router.post(f"{WEBHOOKS}/{{endpoint_id}}")
async def change(
    endpoint_id: PathId, request: Request, member: OrganisationAdmin, components: Components
) -> Response:
    """Save the endpoint's event types and description."""
    found = await pages.endpoint(member, endpoint_id)
    catalogue = [t.type for t in await pages.event_types(member)]
    draft, body, problems = changes_from_form(await form_data(request), found, catalogue)
    status = 422
    if not problems:
        try:
            await pages.change(member, endpoint_id, body)
            return done(f"{WEBHOOKS}/{endpoint_id}", "webhook-changed")
        except ServiceRefusalError as exc:
            problems, status = refused(exc, webhooks.FIELDS), exc.status
    return await _endpoint(
        request, member, components, endpoint_id, draft=draft, problems=problems, status=status
    )


@router.post(f"{WEBHOOKS}/{{endpoint_id}}/enabled")
async def turn(
    endpoint_id: PathId, request: Request, member: OrganisationAdmin, components: Components
) -> Response:
    """Turn the endpoint on (its failure streak forgotten) or off."""
    enabled = enabled_from_form(await form_data(request))
    if enabled is None:
        problems = FormProblems(message="Choose to turn it on or off.")
        return await _endpoint(
            request, member, components, endpoint_id, problems=problems, status=422
        )
    await pages.change(member, endpoint_id, {"enabled": enabled})
    return done(f"{WEBHOOKS}/{endpoint_id}", "webhook-enabled" if enabled else "webhook-disabled")


@router.post(f"{WEBHOOKS}/{{endpoint_id}}/secret")
async def rotate(
    endpoint_id: PathId, request: Request, member: OrganisationAdmin, components: Components
) -> Response:
    """A new signing secret, shown on this answer only, with when the old one stops."""
    rotated = await pages.rotate(member, endpoint_id)
    return await _endpoint(request, member, components, endpoint_id, rotated=rotated)


@router.get(f"{WEBHOOKS}/{{endpoint_id}}/delete")
async def delete_page(
    endpoint_id: PathId, request: Request, member: OrganisationAdmin, components: Components
) -> Response:
    """The confirmation step: what deleting does."""
    found = await pages.endpoint(member, endpoint_id)
    return render(
        request, components, member, "organisation_webhook_delete.html", {"endpoint": found}
    )


@router.post(f"{WEBHOOKS}/{{endpoint_id}}/delete")
async def delete(endpoint_id: PathId, member: OrganisationAdmin) -> Response:
    """Nothing more is sent to the endpoint; its log goes with it."""
    await pages.delete(member, endpoint_id)
    return done(WEBHOOKS, "webhook-deleted")


@router.post(f"{WEBHOOKS}/{{endpoint_id}}/deliveries/{{delivery_id}}/redeliver")
async def redeliver(
    endpoint_id: PathId, delivery_id: PathId, member: OrganisationAdmin
) -> Response:
    """Send one delivery's message again."""
    await pages.redeliver(member, endpoint_id, delivery_id)
    return done_at(f"{WEBHOOKS}/{endpoint_id}", "webhook-redelivered", f"delivery-{delivery_id}")
