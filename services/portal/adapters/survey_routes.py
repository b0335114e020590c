"""Surveys waiting for the member: the list with the network's reminders about them, and one
survey's form (every question type; a missing answer comes back beside its question, with
everything typed kept)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.portal.adapters.components import Components
from services.portal.adapters.forms import PathId, confirmation, done, form_data
from services.portal.adapters.network_api import Service, ServiceRefusalError
from services.portal.adapters.signed_in import Member, SignedIn
from services.portal.domain.forms import FormProblems
from services.portal.domain.surveys import Survey, answers_from_form, problems_from_refusal
from services.portal.pages.surveys import survey, surveys_page

router = APIRouter(include_in_schema=False)


@router.get("/surveys")
async def surveys(request: Request, member: SignedIn, components: Components) -> Response:
    """Open surveys, closing soonest first, and reminders about them."""
    page = await surveys_page(member)
    return components.pages.render(
        request,
        "surveys.html",
        {"page": page, "done": confirmation(request)},
        member=member,
    )


def _form(
    request: Request,
    member: Member,
    components: Components,
    found: Survey,
    typed: Mapping[str, Sequence[str]] | None = None,
    problems: FormProblems | None = None,
    status: int = 200,
) -> Response:
    return components.pages.render(
        request,
        "survey.html",
        {"survey": found, "typed": typed or {}, "problems": problems},
        member=member,
        status=status,
    )


@router.get("/surveys/{survey_id}")
async def survey_form(
    survey_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """One of the member's surveys, with its questions."""
    return _form(request, member, components, await survey(member, survey_id))


@router.post("/surveys/{survey_id}/answers")
async def answer(
    survey_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """Send the answers (once); problems come back beside their questions."""
    found, typed = await survey(member, survey_id), await form_data(request)
    answers, missing = answers_from_form(found.questions, typed)
    if missing:
        problems = FormProblems(missing, "Please answer the questions marked below.")
        return _form(request, member, components, found, typed, problems, 422)
    try:
        await member.api.send(
            Service.EVALUATION, "POST", f"/surveys/{survey_id}/answers", json={"answers": answers}
        )
    except ServiceRefusalError as exc:
        if exc.status in (403, 404):
            raise
        placed = problems_from_refusal(exc.detail, found.questions)
        message = (
            "Please put right the answers marked below."
            if placed
            else exc.detail[:1].upper() + exc.detail[1:]
        )
        problems = FormProblems(placed, message)
        return _form(request, member, components, found, typed, problems, exc.status)
    return done("/surveys", "survey-answered")
