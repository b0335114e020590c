"""A programme's matching for its co-ordinator: the readiness list, running a round (a job the
page follows), reviewing its proposals (approve, reject, swap), proposing a pair by hand,
who is waiting, and circle rounds."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
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
from services.portal.adapters.network_api import Service, ServiceRefusalError
from services.portal.adapters.signed_in import Member, SignedIn
from services.portal.domain.forms import FormProblems, first
from services.portal.domain.matching_rounds import (
    REVIEW_STATUSES,
    RoundJob,
    impossible_pair,
    pair_from_form,
)
from services.portal.pages.matching_round import (
    circles_page,
    matching_page,
    readiness_page,
    round_page,
)

router = APIRouter(include_in_schema=False)
BASE = "/coordinate/programmes/{programme_id}"


def _base(programme_id: str) -> str:
    return f"/coordinate/programmes/{programme_id}"


def _back(programme_id: str, form: dict[str, list[str]]) -> str:
    """The programme page a review form came from (its matching page, or a round's)."""
    wanted = first(form, "return_to")
    base = _base(programme_id)
    if re.fullmatch(rf"{re.escape(base)}/(matching|rounds/[A-Za-z0-9_]{{1,60}})", wanted):
        return wanted
    return f"{base}/matching"


@router.get(f"{BASE}/readiness")
async def readiness(
    programme_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """Everyone enrolled, and whether matching can take them (and why not)."""
    page = await readiness_page(member, programme_id)
    return components.pages.render(
        request, "coordinate_readiness.html", {"shell": page.shell, "page": page}, member=member
    )


async def _matching(
    request: Request,
    member: Member,
    components: Components,
    programme_id: str,
    status: int = 200,
    **context: Any,
) -> Response:
    page = await matching_page(member, programme_id)
    return components.pages.render(
        request,
        "coordinate_matching.html",
        {
            "shell": page.shell,
            "page": page,
            "done": confirmation(request),
            "at": confirmed_at(request),
            "problems": {},
            "round_problem": None,
            "pair": {},
            "pair_problems": None,
            "pair_reasons": [],
            "return_to": f"{_base(programme_id)}/matching",
            "review_statuses": REVIEW_STATUSES,
            **context,
        },
        member=member,
        status=status,
    )


@router.get(f"{BASE}/matching")
async def matching(
    programme_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """Proposals to review, approved ones waiting for both parties, and who is waiting."""
    return await _matching(request, member, components, programme_id)


@router.post(f"{BASE}/rounds")
async def run_round(
    programme_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """Start a round; its page follows it while it runs (leaving the page stops nothing)."""
    try:
        job: RoundJob = await member.api.send(
            Service.MATCHING, "POST", f"/programmes/{programme_id}/rounds/jobs", model=RoundJob
        )
    except ServiceRefusalError as exc:
        problem = refused(exc, ())
        return await _matching(
            request, member, components, programme_id, exc.status, round_problem=problem
        )
    return RedirectResponse(f"{_base(programme_id)}/rounds/{job.id}", status_code=303)


@router.get(f"{BASE}/rounds/{{job_id}}")
async def round_progress(
    programme_id: PathId,
    job_id: PathId,
    request: Request,
    member: SignedIn,
    components: Components,
) -> Response:
    """How far the round has got; once finished, what it proposed, to review."""
    page = await round_page(member, programme_id, job_id)
    return components.pages.render(
        request,
        "coordinate_round.html",
        {
            "shell": page.shell,
            "page": page,
            "done": confirmation(request),
            "at": confirmed_at(request),
            "problems": {},
            "return_to": f"{_base(programme_id)}/rounds/{job_id}",
            "review_statuses": REVIEW_STATUSES,
        },
        member=member,
    )


async def _review(
    request: Request,
    member: Member,
    components: Components,
    programme_id: str,
    proposal_id: str,
    action: str,
    code: str,
) -> Response:
    form = await form_data(request)
    try:
        await member.api.send(Service.MATCHING, "POST", f"/proposals/{proposal_id}/{action}")
    except ServiceRefusalError as exc:
        problems = {proposal_id: refused(exc, ())}
        return await _matching(
            request, member, components, programme_id, exc.status, problems=problems
        )
    return done_at(_back(programme_id, form), code, proposal_id)


@router.post(f"{BASE}/proposals/{{proposal_id}}/approve")
async def approve(
    programme_id: PathId,
    proposal_id: PathId,
    request: Request,
    member: SignedIn,
    components: Components,
) -> Response:
    """The pair goes to both people to accept."""
    return await _review(
        request, member, components, programme_id, proposal_id, "approve", "proposal-approved"
    )


@router.post(f"{BASE}/proposals/{{proposal_id}}/reject")
async def reject(
    programme_id: PathId,
    proposal_id: PathId,
    request: Request,
    member: SignedIn,
    components: Components,
) -> Response:
    """The pair is not taken forward (and never proposed again); the mentee goes back to
    the pool."""
    return await _review(
        request, member, components, programme_id, proposal_id, "reject", "proposal-rejected"
    )


async def _propose(
    request: Request,
    member: Member,
    components: Components,
    programme_id: str,
    pair: dict[str, str],
    code: str,
    before: str = "",
) -> Response:
    """Propose the pair; a pair that breaks hard constraints comes back with every reason."""
    try:
        await member.api.send(
            Service.MATCHING, "POST", f"/programmes/{programme_id}/proposals", json=pair
        )
    except ServiceRefusalError as exc:
        if exc.status in (403, 404):
            raise
        reasons = impossible_pair(exc.detail) if exc.status == 422 else []
        message = f"{before}The pair you chose cannot be matched" + (
            ":" if reasons else f": {exc.detail}."
        )
        return await _matching(
            request,
            member,
            components,
            programme_id,
            exc.status,
            pair=pair,
            pair_problems=FormProblems({}, message),
            pair_reasons=reasons,
        )
    return done(f"{_base(programme_id)}/matching", code, "#review")


@router.post(f"{BASE}/pairs")
async def propose_pair(
    programme_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """A pair of the co-ordinator's choosing, checked against every hard constraint."""
    pair, problems = pair_from_form(await form_data(request))
    if problems:
        return await _matching(
            request, member, components, programme_id, 422, pair=pair, pair_problems=problems
        )
    return await _propose(request, member, components, programme_id, pair, "pair-proposed")


@router.post(f"{BASE}/proposals/{{proposal_id}}/swap")
async def swap(
    programme_id: PathId,
    proposal_id: PathId,
    request: Request,
    member: SignedIn,
    components: Components,
) -> Response:
    """Reject the pair and propose the mentee with the mentor chosen instead."""
    pair, problems = pair_from_form(await form_data(request))
    if problems:
        problems = FormProblems(problems.fields, "Choose the mentor to swap in.")
        return await _matching(
            request, member, components, programme_id, 422, problems={proposal_id: problems}
        )
    try:
        await member.api.send(Service.MATCHING, "POST", f"/proposals/{proposal_id}/reject")
    except ServiceRefusalError as exc:
        return await _matching(
            request,
            member,
            components,
            programme_id,
            exc.status,
            problems={proposal_id: refused(exc, ())},
        )
    before = "The pair you swapped out is not taken forward. "
    return await _propose(request, member, components, programme_id, pair, "pair-swapped", before)


async def _circles(
    request: Request,
    member: Member,
    components: Components,
    programme_id: str,
    status: int = 200,
    round_problem: FormProblems | None = None,
) -> Response:
    page = await circles_page(member, programme_id)
    return components.pages.render(
        request,
        "coordinate_circles.html",
        {
            "shell": page.shell,
            "page": page,
            "done": confirmation(request),
            "round_problem": round_problem,
        },
        member=member,
        status=status,
    )


@router.get(f"{BASE}/circles")
async def circles(
    programme_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """The programme's circles, members named, and the peers still waiting for one."""
    return await _circles(request, member, components, programme_id)


@router.post(f"{BASE}/circle-rounds")
async def circle_round(
    programme_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """Group the ready peers in no circle yet into circles of four to eight."""
    try:
        await member.api.send(Service.MATCHING, "POST", f"/programmes/{programme_id}/circle-rounds")
    except ServiceRefusalError as exc:
        problem = refused(exc, ())
        return await _circles(request, member, components, programme_id, exc.status, problem)
    return done(f"{_base(programme_id)}/circles", "circles-formed", "#circles")
