"""The programmes of the member's organisation: enrolling as a mentor, mentee or peer (a
refusal shown beside the programme, in words), and a self-match mentee asking for a mentor."""

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
from services.portal.domain.enrolments import EnrolmentRefusal, refusal, role_from_form
from services.portal.domain.forms import FormProblems, first
from services.portal.domain.matching import Proposal, fit_in_words, reasons
from services.portal.pages.programmes import programmes_page, suggestions_page

router = APIRouter(include_in_schema=False)


async def _programmes(
    request: Request,
    member: Member,
    components: Components,
    *,
    refusals: dict[str, EnrolmentRefusal] | None = None,
    status: int = 200,
) -> Response:
    page = await programmes_page(member)
    return components.pages.render(
        request,
        "programmes.html",
        {
            "page": page,
            "refusals": refusals or {},
            "done": confirmation(request),
            "at": confirmed_at(request),
        },
        member=member,
        status=status,
    )


@router.get("/programmes")
async def programmes(request: Request, member: SignedIn, components: Components) -> Response:
    """The organisation's programmes, where the member is enrolled, and how to enrol."""
    return await _programmes(request, member, components)


@router.post("/programmes/{programme_id}/enrolments")
async def enrol(
    programme_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """Enrol as the role chosen; the registry checks readiness (seed 002)."""
    role = role_from_form(await form_data(request))
    anchor = f"programme-{programme_id}"
    if role is None:
        refused_here = {programme_id: EnrolmentRefusal("Choose how you will take part.")}
        return await _programmes(request, member, components, refusals=refused_here, status=422)
    try:
        await member.api.send(
            Service.REGISTRY, "POST", f"/programmes/{programme_id}/enrolments", json={"role": role}
        )
    except ServiceRefusalError as exc:
        if exc.status in (403, 404):
            raise
        refused_here = {programme_id: refusal(exc.status, exc.detail)}
        return await _programmes(
            request, member, components, refusals=refused_here, status=exc.status
        )
    return done_at("/programmes", "enrolled", anchor)


async def _suggestions(
    request: Request,
    member: Member,
    components: Components,
    programme_id: str,
    *,
    problems: FormProblems | None = None,
    status: int = 200,
) -> Response:
    page = await suggestions_page(member, programme_id)
    return components.pages.render(
        request,
        "suggestions.html",
        {"page": page, "problems": problems, "fit": fit_in_words, "reasons_of": reasons},
        member=member,
        status=status,
    )


@router.get("/programmes/{programme_id}/suggestions")
async def suggestions(
    programme_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """A self-match mentee's best possible mentors, each with why."""
    return await _suggestions(request, member, components, programme_id)


@router.post("/programmes/{programme_id}/requests")
async def ask_for_mentor(
    programme_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """Ask a suggested mentor: a proposal that needs only both acceptances."""
    mentor_id = first(await form_data(request), "mentor_id")
    try:
        proposal: Proposal = await member.api.send(
            Service.MATCHING,
            "POST",
            f"/programmes/{programme_id}/requests",
            json={"mentor_id": mentor_id},
            model=Proposal,
        )
    except ServiceRefusalError as exc:
        return await _suggestions(
            request,
            member,
            components,
            programme_id,
            problems=refused(exc, ()),
            status=exc.status,
        )
    return done_at("/proposals", "mentor-requested", proposal.id)
