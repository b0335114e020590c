"""The co-ordinator's workspace: the programmes they co-ordinate, designing a new one through
seed 002's steps, its overview, publishing it and setting its matching weights."""

from __future__ import annotations

from datetime import date
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
    refused,
)
from services.portal.adapters.network_api import Service, ServiceRefusalError
from services.portal.adapters.signed_in import Member, SignedIn
from services.portal.domain.coordinated_programmes import CoordinatedProgramme, publish_refusal
from services.portal.domain.forms import FormProblems
from services.portal.domain.matching_weights import CRITERIA, Weights, weights_from_form
from services.portal.domain.programme_design import (
    DIRECTIONS,
    MODELS,
    DesignForm,
    blank_design,
    design_from_form,
    design_refusal,
)
from services.portal.domain.wording import CRITERIA as CRITERIA_WORDS
from services.portal.pages.coordination import my_programmes, overview, partners

router = APIRouter(include_in_schema=False)
# Who may design a programme (the registry's rule for POST /programmes).
DESIGNERS = frozenset({"programme_coordinator", "organisation_admin"})


def _designer(member: Member) -> None:
    """The design pages are for the roles that may design (anyone else: not found)."""
    if not DESIGNERS & member.session.roles:
        raise HTTPException(status_code=404)


@router.get("/coordinate")
async def coordinate(request: Request, member: SignedIn, components: Components) -> Response:
    """The programmes the person co-ordinates, each with its status and next step."""
    found = await my_programmes(member)
    if not found:
        _designer(member)
    return components.pages.render(
        request,
        "coordinate.html",
        {"programmes": found, "may_design": bool(DESIGNERS & member.session.roles)},
        member=member,
    )


async def _design_page(
    request: Request,
    member: Member,
    components: Components,
    typed: DesignForm,
    problems: FormProblems | None = None,
    status: int = 200,
) -> Response:
    return components.pages.render(
        request,
        "coordinate_design.html",
        {
            "typed": typed,
            "problems": problems,
            "organisations": await partners(member),
            "models": MODELS,
            "directions": DIRECTIONS,
        },
        member=member,
        status=status,
    )


@router.get("/coordinate/new")
async def design(request: Request, member: SignedIn, components: Components) -> Response:
    """The guided form: one part per design step, each choice explained."""
    _designer(member)
    return await _design_page(request, member, components, blank_design(date.today()))


@router.post("/coordinate/new")
async def create(request: Request, member: SignedIn, components: Components) -> Response:
    """A draft owned by the person's organisation, with them as its co-ordinator."""
    _designer(member)
    known = {o.id for o in await partners(member)}
    form = await form_data(request)
    typed, body, problems = design_from_form(form, known, member.organisation_id)
    status = 422
    if body is not None:
        try:
            created: CoordinatedProgramme = await member.api.send(
                Service.REGISTRY, "POST", "/programmes", json=body, model=CoordinatedProgramme
            )
            return done(f"/coordinate/programmes/{created.id}", "programme-designed")
        except ServiceRefusalError as exc:
            if exc.status in (403, 404):
                raise
            problems, status = design_refusal(exc.detail, exc.fields), exc.status
    return await _design_page(request, member, components, typed, problems, status)


async def _overview(
    request: Request,
    member: Member,
    components: Components,
    programme_id: str,
    status: int = 200,
    publish_detail: str | None = None,
    **context: Any,
) -> Response:
    page = await overview(member, programme_id)
    weights = page.weights if isinstance(page.weights, Weights) else None
    names = page.shell.names
    return components.pages.render(
        request,
        "coordinate_programme.html",
        {
            "shell": page.shell,
            "page": page,
            "models": MODELS,
            "directions": DIRECTIONS,
            "criteria": [(c, *CRITERIA_WORDS[c]) for c in CRITERIA],
            "weights": weights,
            "typed_weights": weights.typed() if weights else {},
            "weight_problems": None,
            "publish_problem": publish_refusal(publish_detail, names) if publish_detail else None,
            "done": confirmation(request),
            "at": confirmed_at(request),
            **context,
        },
        member=member,
        status=status,
    )


@router.get("/coordinate/programmes/{programme_id}")
async def programme(
    programme_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """Its design, where it stands, what to do next, publishing and the matching weights."""
    return await _overview(request, member, components, programme_id)


@router.post("/coordinate/programmes/{programme_id}/publish")
async def publish(
    programme_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """Open it for enrolment; refused while an invited organisation has not accepted."""
    try:
        await member.api.send(
            Service.REGISTRY,
            "POST",
            f"/programmes/{programme_id}/status",
            json={"status": "open"},
        )
    except ServiceRefusalError as exc:
        if exc.status in (403, 404):
            raise
        return await _overview(
            request, member, components, programme_id, exc.status, publish_detail=exc.detail
        )
    return done_at(
        f"/coordinate/programmes/{programme_id}", "programme-published", "status-section"
    )


@router.post("/coordinate/programmes/{programme_id}/weights")
async def set_weights(
    programme_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """How much each criterion counts in the programme's next rounds."""
    typed, body, problems = weights_from_form(await form_data(request))
    status = 422
    if body is not None:
        try:
            await member.api.send(
                Service.MATCHING, "PUT", f"/programmes/{programme_id}/weights", json=body
            )
            path = f"/coordinate/programmes/{programme_id}"
            return done_at(path, "weights-saved", "weights-section")
        except ServiceRefusalError as exc:
            problems, status = refused(exc, CRITERIA), exc.status
    return await _overview(
        request,
        member,
        components,
        programme_id,
        status,
        typed_weights=typed,
        weight_problems=problems,
    )
