"""The organisation admin's workspace: the profile, the sign-in provider (tried, then saved),
integration clients (the secret shown once), programmes to accept, where members stand, and
the audit trail.
Members and imports are in organisation_member_routes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response

from services.portal.adapters.components import Components
from services.portal.adapters.forms import (
    PathId,
    confirmation,
    confirmed_at,
    done,
    done_at,
    form_data,
    refused,
)
from services.portal.adapters.network_api import ServiceRefusalError
from services.portal.adapters.signed_in import Member, SignedIn
from services.portal.domain import (
    integration_clients,
    member_standing,
    organisation_profile,
    sign_in_provider,
)
from services.portal.domain.forms import FormProblems
from services.portal.domain.integration_clients import ClientDraft, IssuedClient, client_from_form
from services.portal.domain.organisation_profile import ProfileDraft, draft_of, profile_from_form
from services.portal.domain.sign_in_provider import TrialDraft, trial_from_form
from services.portal.pages import organisation as pages

router = APIRouter(include_in_schema=False)
PROVIDER_PAGE = "/organisation/sign-in-provider"
TrialId = Annotated[str | None, Query(pattern=r"^trl_[a-f0-9]{20}$")]


async def _admin(member: SignedIn) -> Member:
    """The workspace is for the organisation's admins (the role the registry's token names);
    the registry and the sessions service still decide every call."""
    if "organisation_admin" not in member.session.roles:
        raise HTTPException(status_code=404)
    return member


OrganisationAdmin = Annotated[Member, Depends(_admin)]


def render(
    request: Request,
    components: Components,
    member: Member,
    template: str,
    context: dict[str, Any],
    status: int = 200,
) -> Response:
    """A workspace page, with the confirmation a redirect asked for."""
    return components.pages.render(
        request,
        template,
        {"done": confirmation(request), "at": confirmed_at(request), **context},
        member=member,
        status=status,
    )


# The profile -------------------------------------------------------------------------------


async def _profile(
    request: Request,
    member: Member,
    components: Components,
    draft: ProfileDraft | None = None,
    problems: FormProblems | None = None,
    status: int = 200,
) -> Response:
    page = await pages.profile_page(member)
    context = {
        "page": page,
        "draft": draft or draft_of(page.organisation.profile),
        "sizes": organisation_profile.SIZES,
        "problems": problems,
    }
    return render(request, components, member, "organisation_profile.html", context, status)


@router.get("/organisation")
async def profile(request: Request, member: OrganisationAdmin, components: Components) -> Response:
    """The organisation's profile, to read and edit."""
    return await _profile(request, member, components)


@router.post("/organisation")
async def save_profile(
    request: Request, member: OrganisationAdmin, components: Components
) -> Response:
    """Save the profile; a domain another organisation holds is refused beside the field."""
    draft, body, problems = profile_from_form(await form_data(request))
    status = 422
    if not problems:
        try:
            await pages.save_profile(member, body)
            return done("/organisation", "organisation-saved")
        except ServiceRefusalError as exc:
            problems, status = refused(exc, organisation_profile.FIELDS), exc.status
    return await _profile(request, member, components, draft, problems, status)


# The sign-in provider ----------------------------------------------------------------------


async def _provider(
    request: Request,
    member: Member,
    components: Components,
    trial_id: str | None = None,
    draft: TrialDraft | None = None,
    problems: FormProblems | None = None,
    status: int = 200,
) -> Response:
    page = await pages.provider_page(member, trial_id)
    tried = page.trial
    context = {
        "page": page,
        # After a try, its settings are filled in again (all but the secret) to try again.
        "draft": draft or (TrialDraft(tried.issuer, tried.client_id) if tried else TrialDraft()),
        "problems": problems,
        "callback": f"{components.registry_public_url}/auth/callback",
    }
    return render(request, components, member, "organisation_provider.html", context, status)


@router.get(PROVIDER_PAGE)
async def provider(
    request: Request, member: OrganisationAdmin, components: Components, trial: TrialId = None
) -> Response:
    """The provider in use; a new one to try; the trial the admin came back from."""
    return await _provider(request, member, components, trial)


@router.post(f"{PROVIDER_PAGE}/trials")
async def try_provider(
    request: Request, member: OrganisationAdmin, components: Components
) -> Response:
    """The registry checks the provider and keeps it ten minutes; the page then offers the
    sign-in there (the secret is never sent back to the browser)."""
    form = await form_data(request)
    draft, body, problems = trial_from_form(form, f"{components.public_url}{PROVIDER_PAGE}")
    status = 422
    if not problems:
        try:
            trial = await pages.start_trial(member, body)
            return RedirectResponse(f"{PROVIDER_PAGE}?trial={trial.id}#trial", status_code=303)
        except ServiceRefusalError as exc:
            problems, status = refused(exc, sign_in_provider.FIELDS), exc.status
    return await _provider(request, member, components, None, draft, problems, status)


@router.post(f"{PROVIDER_PAGE}/trials/{{trial_id}}/connect")
async def save_provider(
    trial_id: PathId, request: Request, member: OrganisationAdmin, components: Components
) -> Response:
    """Connect the provider the admin has just signed in through."""
    try:
        await pages.save_trial(member, trial_id)
    except ServiceRefusalError as exc:
        problems = refused(exc, ())
        return await _provider(
            request, member, components, trial_id, problems=problems, status=exc.status
        )
    return done(PROVIDER_PAGE, "provider-connected")


# Integration clients -----------------------------------------------------------------------


async def _clients(
    request: Request,
    member: Member,
    components: Components,
    draft: ClientDraft | None = None,
    issued: IssuedClient | None = None,
    problems: FormProblems | None = None,
    status: int = 200,
) -> Response:
    found = await pages.clients(member)
    context = {
        "clients": found,
        "draft": draft or ClientDraft(),
        "issued": issued,
        "scopes": integration_clients.SCOPES,
        "problems": problems,
    }
    return render(request, components, member, "organisation_clients.html", context, status)


@router.get("/organisation/clients")
async def clients(request: Request, member: OrganisationAdmin, components: Components) -> Response:
    """The organisation's integration clients."""
    return await _clients(request, member, components)


@router.post("/organisation/clients")
async def create_client(
    request: Request, member: OrganisationAdmin, components: Components
) -> Response:
    """Register a client and show its secret on this answer only (never in a URL or a
    redirect: reloading does not show it again)."""
    draft, body, problems = client_from_form(await form_data(request))
    if problems:
        return await _clients(request, member, components, draft, problems=problems, status=422)
    try:
        issued = await pages.register_client(member, body)
    except ServiceRefusalError as exc:
        problems = refused(exc, integration_clients.FIELDS)
        return await _clients(
            request, member, components, draft, problems=problems, status=exc.status
        )
    return await _clients(request, member, components, issued=issued)


@router.get("/organisation/clients/{client_id}/revoke")
async def revoke_page(
    client_id: PathId, request: Request, member: OrganisationAdmin, components: Components
) -> Response:
    """The confirmation step: what revoking does."""
    found = await pages.client(member, client_id)
    return render(request, components, member, "organisation_client_revoke.html", {"client": found})


@router.post("/organisation/clients/{client_id}/revoke")
async def revoke(client_id: PathId, member: OrganisationAdmin) -> Response:
    """The client's secret stops working at once."""
    await pages.client(member, client_id)
    await pages.revoke_client(member, client_id)
    return done("/organisation/clients", "client-revoked")


# Programmes --------------------------------------------------------------------------------


async def _programmes(
    request: Request,
    member: Member,
    components: Components,
    refusals: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    page = await pages.invitations_page(member)
    context = {"page": page, "refusals": refusals or {}}
    return render(request, components, member, "organisation_programmes.html", context, status)


@router.get("/organisation/programmes")
async def programmes(
    request: Request, member: OrganisationAdmin, components: Components
) -> Response:
    """Programmes the organisation is invited to, and those it takes part in."""
    return await _programmes(request, member, components)


@router.post("/organisation/programmes/{programme_id}/acceptance")
async def accept(
    programme_id: PathId, request: Request, member: OrganisationAdmin, components: Components
) -> Response:
    """The organisation takes part in the programme."""
    try:
        await pages.accept(member, programme_id)
    except ServiceRefusalError as exc:
        problems = refused(exc, ())
        refusals = {programme_id: problems.message or "That could not be done."}
        return await _programmes(request, member, components, refusals, exc.status)
    return done_at("/organisation/programmes", "programme-accepted", f"programme-{programme_id}")


# Where members stand -----------------------------------------------------------------------


@router.get("/organisation/standing")
async def standing(request: Request, member: OrganisationAdmin, components: Components) -> Response:
    """Each member's relationships: programme, side, phase and whether it runs; nothing else."""
    found = await pages.standing_page(member)
    context = {
        "standings": found,
        "sides": member_standing.SIDES,
        "statuses": member_standing.STATUSES,
    }
    return render(request, components, member, "organisation_standing.html", context)


# The audit trail ----------------------------------------------------------------------------


@router.get("/organisation/audit-trail")
async def audit_trail(
    request: Request, member: OrganisationAdmin, components: Components
) -> Response:
    """Who changed the provider, roles and clients, and who exported or erased data."""
    found = await pages.audit_trail_page(member)
    return render(request, components, member, "organisation_audit.html", {"entries": found})
