"""The network co-ordinator's workspace: the network's organisations, registering one with its
first admins, and the network's programmes. The network dashboard is /dashboards/network."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel

from services.portal.adapters.components import Components
from services.portal.adapters.forms import confirmation, confirmed_at, done_at, form_data, refused
from services.portal.adapters.network_api import Service, ServiceRefusalError
from services.portal.adapters.signed_in import Member, SignedIn
from services.portal.domain.forms import FormProblems
from services.portal.domain.network import (
    FIELDS,
    RegistrationDraft,
    admins_outside_domains,
    registration_from_form,
)
from services.portal.pages.network import organisations, programmes, statistics

router = APIRouter(include_in_schema=False)


class Registered(BaseModel):
    """The registry's answer: the new organisation (only its id is read)."""

    id: str


@router.get("/network")
async def network_organisations(
    request: Request, member: SignedIn, components: Components
) -> Response:
    """The network's organisations."""
    page = await organisations(member)
    return components.pages.render(
        request,
        "network_organisations.html",
        {
            "page": page,
            "statistics": page.statistics,
            "done": confirmation(request),
            "at": confirmed_at(request),
        },
        member=member,
    )


@router.get("/network/programmes")
async def network_programmes(
    request: Request, member: SignedIn, components: Components
) -> Response:
    """The network's programmes."""
    page = await programmes(member)
    return components.pages.render(
        request,
        "network_programmes.html",
        {"page": page, "statistics": page.statistics},
        member=member,
    )


async def _registration(
    request: Request,
    member: Member,
    components: Components,
    draft: RegistrationDraft,
    problems: FormProblems | None = None,
    status: int = 200,
) -> Response:
    stats = await statistics(member)
    return components.pages.render(
        request,
        "network_register.html",
        {"statistics": stats, "draft": draft, "problems": problems},
        member=member,
        status=status,
    )


@router.get("/network/organisations/new")
async def registration_form(request: Request, member: SignedIn, components: Components) -> Response:
    """The form to register an organisation and invite its first admins."""
    return await _registration(request, member, components, RegistrationDraft())


@router.post("/network/organisations")
async def register(request: Request, member: SignedIn, components: Components) -> Response:
    """Register the organisation; its named admins become its admins when they first sign in
    through its own provider."""
    draft, body, problems = registration_from_form(await form_data(request))
    status = 422
    if not problems:
        try:
            registered: Registered = await member.api.send(
                Service.REGISTRY, "POST", "/organisations", json=body, model=Registered
            )
            code = (
                "organisation-registered-by-list"
                if admins_outside_domains(body)
                else "organisation-registered"
            )
            return done_at("/network", code, f"organisation-{registered.id}")
        except ServiceRefusalError as exc:
            problems, status = refused(exc, FIELDS), exc.status
    return await _registration(request, member, components, draft, problems, status)
