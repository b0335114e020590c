"""A member's proposed matches: the list with why each was suggested, accepting, and declining
without blame (each answer swaps only its own proposal when htmx is there)."""

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
from services.portal.domain.forms import FormProblems, first
from services.portal.domain.proposals import decline_from_form
from services.portal.pages.proposals import proposals_page

router = APIRouter(include_in_schema=False)


async def _matches(
    request: Request,
    member: Member,
    components: Components,
    *,
    problems: dict[str, FormProblems] | None = None,
    chosen: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    page = await proposals_page(member)
    return components.pages.render(
        request,
        "proposals.html",
        {
            "page": page,
            "problems": problems or {},
            "chosen": chosen or {},
            "done": confirmation(request),
            "at": confirmed_at(request),
        },
        member=member,
        status=status,
    )


@router.get("/proposals")
async def proposals(request: Request, member: SignedIn, components: Components) -> Response:
    """Every proposal of every programme the member is enrolled in, waiting ones first."""
    return await _matches(request, member, components)


@router.post("/proposals/{proposal_id}/accept")
async def accept(
    proposal_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """Accept the member's own side of the proposal."""
    try:
        await member.api.send(Service.MATCHING, "POST", f"/proposals/{proposal_id}/accept")
    except ServiceRefusalError as exc:
        problems = {proposal_id: refused(exc, ())}
        return await _matches(request, member, components, problems=problems, status=exc.status)
    return done_at("/proposals", "proposal-accepted", proposal_id)


@router.post("/proposals/{proposal_id}/decline")
async def decline(
    proposal_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """Decline without blame, with a reason code if the member gives one."""
    form = await form_data(request)
    reason, problems = decline_from_form(form)
    chosen = {proposal_id: first(form, "reason")}
    status = 422
    if not problems:
        try:
            await member.api.send(
                Service.MATCHING,
                "POST",
                f"/proposals/{proposal_id}/decline",
                json={"reason": reason},
            )
            return done_at("/proposals", "proposal-declined", proposal_id)
        except ServiceRefusalError as exc:
            problems, status = refused(exc, ("reason",)), exc.status
    return await _matches(
        request,
        member,
        components,
        problems={proposal_id: problems},
        chosen=chosen,
        status=status,
    )
