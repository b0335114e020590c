"""Survey templates and schedules over HTTP, for a programme's co-ordinators only (everyone
else gets 404, as for a programme that does not exist)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, status

from services.evaluation.adapters.surveys_and_alerts import SurveysAndAlerts
from services.evaluation.domain.questions import TemplateDraft, TemplateVersion
from services.evaluation.domain.survey_comments import QuestionComments
from services.evaluation.domain.survey_schedule import SurveySchedule
from shared.auth.http import Caller
from shared.http.errors import AUTH_REFUSALS, Problem

router = APIRouter(tags=["surveys"])


async def _parts(request: Request) -> SurveysAndAlerts:
    parts: SurveysAndAlerts = request.app.state.surveys_and_alerts
    return parts


Parts = Annotated[SurveysAndAlerts, Depends(_parts)]
# Lenient on purpose: an id that is not one is answered like an unknown one (404), never 422.
ProgrammeId = Annotated[str, Path(max_length=200, examples=["prg_7c1d2e3f4a5b"])]
TemplateId = Annotated[str, Path(max_length=200, examples=["tpl_mentee_end"])]

EDIT_REFUSALS: dict[int | str, dict[str, Any]] = {
    **AUTH_REFUSALS,
    409: {"model": Problem, "description": "a built-in template, or it changed meanwhile"},
    422: {"model": Problem, "description": "the template or schedule does not hold together"},
}


@router.get(
    "/programmes/{programme_id}/survey-comments",
    summary="What people wrote in the programme's surveys, anonymous (its co-ordinators)",
    responses=AUTH_REFUSALS,
)
async def survey_comments(
    programme_id: ProgrammeId, caller: Caller, parts: Parts
) -> list[QuestionComments]:
    """Free-text answers by question, without who, when or which relationship, in
    alphabetical order; a question fewer than five people wrote to is suppressed."""
    terms = await parts.programmes.coordinated(caller, programme_id)
    return await parts.surveys.comments(caller, terms)


@router.get(
    "/programmes/{programme_id}/survey-templates",
    summary="The survey templates a programme can use (its co-ordinators)",
    responses=AUTH_REFUSALS,
)
async def list_templates(
    programme_id: ProgrammeId, caller: Caller, parts: Parts
) -> list[TemplateVersion]:
    """The built-in mentor and mentee questionnaires (seed 002, Resource 6) and pulse check,
    then the latest version of each of the programme's own templates."""
    return await parts.templates.catalogue(caller, programme_id)


@router.post(
    "/programmes/{programme_id}/survey-templates",
    status_code=status.HTTP_201_CREATED,
    summary="Write a new survey template for the programme (its co-ordinators)",
    responses=EDIT_REFUSALS,
)
async def create_template(
    programme_id: ProgrammeId, draft: TemplateDraft, caller: Caller, parts: Parts
) -> TemplateVersion:
    """Questions of five types: rating 1-5, scale 1-10, single and multiple choice, free text.
    To change a built-in template, send a copy of it here."""
    return await parts.templates.create(caller, programme_id, draft)


@router.get(
    "/programmes/{programme_id}/survey-templates/{template_id}",
    summary="Every version of one survey template, oldest first (its co-ordinators)",
    responses=AUTH_REFUSALS,
)
async def template_versions(
    programme_id: ProgrammeId, template_id: TemplateId, caller: Caller, parts: Parts
) -> list[TemplateVersion]:
    """Old versions stay: surveys sent with them are answered against them."""
    return await parts.templates.versions(caller, programme_id, template_id)


@router.put(
    "/programmes/{programme_id}/survey-templates/{template_id}",
    summary="Edit one of the programme's templates: a new version (its co-ordinators)",
    responses=EDIT_REFUSALS,
)
async def revise_template(
    programme_id: ProgrammeId,
    template_id: TemplateId,
    draft: TemplateDraft,
    caller: Caller,
    parts: Parts,
) -> TemplateVersion:
    """Surveys already sent keep the version they were sent with; new ones use this one."""
    return await parts.templates.revise(caller, programme_id, template_id, draft)


@router.get(
    "/programmes/{programme_id}/survey-schedule",
    summary="When the programme's surveys are due (its co-ordinators)",
    responses=AUTH_REFUSALS,
)
async def get_schedule(programme_id: ProgrammeId, caller: Caller, parts: Parts) -> SurveySchedule:
    """The default until set: a pulse check 4 weeks after a relationship starts and every 8
    weeks, and the mentor and mentee questionnaires when it ends."""
    return (await parts.programmes.coordinated(caller, programme_id)).schedule


@router.put(
    "/programmes/{programme_id}/survey-schedule",
    summary="Set when the programme's surveys are due (its co-ordinators)",
    responses=EDIT_REFUSALS,
)
async def set_schedule(
    programme_id: ProgrammeId, schedule: SurveySchedule, caller: Caller, parts: Parts
) -> SurveySchedule:
    """Each entry names a template (built in or the programme's) and a timing: `after_start`
    with `weeks`, `every` `weeks`, or `at_end`. Relationships are reviewed at once."""
    await parts.templates.check_schedule(caller, programme_id, schedule)
    terms = await parts.programmes.set_schedule(caller, programme_id, schedule)
    await parts.review.review_programme(programme_id)
    return terms.schedule
