"""A member's relationships: the list, the overview with the agreement (draft, sign, versions),
moving the phase on, and ending without blame."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.portal.adapters.components import Components
from services.portal.adapters.forms import PathId, confirmation, done, form_data, refused
from services.portal.adapters.network_api import Service, ServiceRefusalError
from services.portal.adapters.signed_in import Member, SignedIn
from services.portal.domain.agreements import EXEMPLAR, FIELDS, terms_from_form
from services.portal.domain.forms import FormProblems, first
from services.portal.domain.relationships import AgreementTerms
from services.portal.domain.wording import END_REASONS_TO_CHOOSE
from services.portal.pages.relationship import my_relationships, overview, shell, versions

router = APIRouter(include_in_schema=False)


@router.get("/relationships")
async def relationships(request: Request, member: SignedIn, components: Components) -> Response:
    """Every relationship the member is a party to."""
    found, named = await my_relationships(member)
    return components.pages.render(
        request, "relationships.html", {"relationships": found, "people": named}, member=member
    )


async def _overview(
    request: Request,
    member: Member,
    components: Components,
    relationship_id: str,
    *,
    draft: AgreementTerms | None = None,
    problems: FormProblems | None = None,
    status: int = 200,
) -> Response:
    page = await overview(member, relationship_id)
    return components.pages.render(
        request,
        "relationship.html",
        {
            "shell": page.shell,
            "page": page,
            "draft": draft or (page.agreement.terms if page.agreement else EXEMPLAR),
            "problems": problems,
            "done": confirmation(request),
        },
        member=member,
        status=status,
    )


@router.get("/relationships/{relationship_id}")
async def relationship(
    relationship_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """Where the relationship stands, and its agreement."""
    return await _overview(request, member, components, relationship_id)


@router.post("/relationships/{relationship_id}/agreement")
async def draft_agreement(
    relationship_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """A new version of the agreement, unsigned by anyone yet."""
    terms, problems = terms_from_form(await form_data(request))
    status = 422
    if not problems:
        try:
            await member.api.send(
                Service.SESSIONS,
                "PUT",
                f"/relationships/{relationship_id}/agreement",
                json=terms.model_dump(),
            )
            return done(f"/relationships/{relationship_id}", "agreement-drafted", "#agreement")
        except ServiceRefusalError as exc:
            problems, status = refused(exc, FIELDS), exc.status
    return await _overview(
        request, member, components, relationship_id, draft=terms, problems=problems, status=status
    )


@router.post("/relationships/{relationship_id}/agreement/signature")
async def sign_agreement(
    relationship_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """Sign the version the member read (naming it proves which text they signed)."""
    version = first(await form_data(request), "version")
    try:
        await member.api.send(
            Service.SESSIONS,
            "POST",
            f"/relationships/{relationship_id}/agreement/signatures",
            json={"version": int(version) if version.isdigit() else version},
        )
    except ServiceRefusalError as exc:
        problems = refused(exc, ())
        return await _overview(
            request, member, components, relationship_id, problems=problems, status=exc.status
        )
    return done(f"/relationships/{relationship_id}", "agreement-signed", "#agreement")


@router.get("/relationships/{relationship_id}/agreement/versions")
async def agreement_versions(
    relationship_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """Every version, newest first, with who signed when."""
    heading, found = await versions(member, relationship_id)
    return components.pages.render(
        request,
        "relationship_versions.html",
        {"shell": heading, "versions": found},
        member=member,
    )


@router.post("/relationships/{relationship_id}/phase")
async def move_phase(
    relationship_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """Forwards to the next phase of Resource 17's lifecycle."""
    phase = first(await form_data(request), "phase")
    try:
        await member.api.send(
            Service.SESSIONS,
            "POST",
            f"/relationships/{relationship_id}/phase",
            json={"phase": phase},
        )
    except ServiceRefusalError as exc:
        problems = refused(exc, ())
        return await _overview(
            request, member, components, relationship_id, problems=problems, status=exc.status
        )
    return done(f"/relationships/{relationship_id}", "phase-moved")


async def _ending(
    request: Request,
    member: Member,
    components: Components,
    relationship_id: str,
    context: dict[str, Any],
    status: int = 200,
) -> Response:
    heading = await shell(member, relationship_id)
    return components.pages.render(
        request,
        "relationship_end.html",
        {"shell": heading, "chosen": None, "rematch": False, "problems": None, **context},
        member=member,
        status=status,
    )


@router.get("/relationships/{relationship_id}/end")
async def end_page(
    relationship_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """The confirmation step: a reason (a code, never free text) and a rematch request."""
    return await _ending(request, member, components, relationship_id, {})


@router.post("/relationships/{relationship_id}/end")
async def end(
    relationship_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """End without blame."""
    form = await form_data(request)
    reason, rematch = first(form, "reason"), first(form, "rematch_requested") == "yes"
    kept = {"chosen": reason, "rematch": rematch}
    if reason not in END_REASONS_TO_CHOOSE:
        problems = FormProblems({"reason": "choose the reason that fits best"})
        return await _ending(
            request, member, components, relationship_id, {**kept, "problems": problems}, 422
        )
    try:
        await member.api.send(
            Service.SESSIONS,
            "POST",
            f"/relationships/{relationship_id}/end",
            json={"reason": reason, "rematch_requested": rematch},
        )
    except ServiceRefusalError as exc:
        problems = refused(exc, ("reason",))
        return await _ending(
            request, member, components, relationship_id, {**kept, "problems": problems}, exc.status
        )
    return done(f"/relationships/{relationship_id}", "relationship-ended")
