"""A person's own surveys and reminders over HTTP: each person sees only their own; anyone
else's are 404."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, status
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints

from services.evaluation.adapters.reminder_board import Reminder
from services.evaluation.adapters.survey_responses import AnswerReceipt, DueSurvey
from services.evaluation.adapters.surveys_and_alerts import SurveysAndAlerts
from services.evaluation.domain.questions import MAX_FREE_TEXT, MAX_QUESTIONS
from shared.auth.http import Caller
from shared.auth.principal import Principal
from shared.errors import NotFoundError
from shared.http.errors import AUTH_REFUSALS, Problem

router = APIRouter(tags=["surveys"])


async def _parts(request: Request) -> SurveysAndAlerts:
    parts: SurveysAndAlerts = request.app.state.surveys_and_alerts
    return parts


Parts = Annotated[SurveysAndAlerts, Depends(_parts)]
MemberId = Annotated[str, Path(max_length=200, examples=["me"])]
SurveyId = Annotated[str, Path(max_length=200, examples=["srv_1a2b3c4d5e6f7a8b"])]

Text = Annotated[str, StringConstraints(max_length=MAX_FREE_TEXT)]
Choice = Annotated[str, StringConstraints(max_length=100)]
QuestionKey = Annotated[str, StringConstraints(max_length=40)]

ANSWER_REFUSALS: dict[int | str, dict[str, Any]] = {
    **AUTH_REFUSALS,
    409: {"model": Problem, "description": "answered already, or the survey has closed"},
    422: {"model": Problem, "description": "an answer does not fit its question (each is named)"},
}


class AnswerRequest(BaseModel):
    """Answers by question id: a whole number for ratings (1-5) and scales (1-10), an option
    for a single choice, a list of options for a multiple choice, text for free text."""

    model_config = ConfigDict(extra="forbid")

    answers: dict[QuestionKey, StrictInt | Text | list[Choice]] = Field(
        max_length=MAX_QUESTIONS,
        examples=[{"q1": 4, "q2": 5, "q3": "More time to prepare before each meeting."}],
    )


def _own(member_id: str, caller: Principal) -> None:
    if member_id not in ("me", caller.subject):
        raise NotFoundError(f"no member {member_id!r} whose surveys you can see")


@router.get(
    "/members/{member_id}/surveys",
    summary="Surveys waiting for a member (`me`, or the caller's own member id)",
    responses=AUTH_REFUSALS,
)
async def my_surveys(member_id: MemberId, caller: Caller, parts: Parts) -> list[DueSurvey]:
    """Open surveys the caller has not answered, soonest closing first. Anyone else's: 404."""
    _own(member_id, caller)
    return await parts.surveys.due(caller)


@router.get(
    "/surveys/{survey_id}",
    summary="One of the caller's own surveys, with its questions",
    responses=AUTH_REFUSALS,
)
async def one_survey(survey_id: SurveyId, caller: Caller, parts: Parts) -> DueSurvey:
    """Only the person it was sent to sees it."""
    return await parts.surveys.one(caller, survey_id)


@router.post(
    "/surveys/{survey_id}/answers",
    status_code=status.HTTP_201_CREATED,
    summary="Answer one of the caller's own open surveys (once)",
    responses=ANSWER_REFUSALS,
)
async def answer_survey(
    survey_id: SurveyId, body: AnswerRequest, caller: Caller, parts: Parts
) -> AnswerReceipt:
    """Everything is checked before anything is stored. The answers are kept without the
    caller's name; `survey.completed` carries the scores only, never choices or free text."""
    return await parts.surveys.answer(caller, survey_id, body.answers)


@router.get(
    "/members/{member_id}/reminders",
    summary="Gentle reminders for a member (`me`, or the caller's own member id)",
    responses=AUTH_REFUSALS,
)
async def my_reminders(member_id: MemberId, caller: Caller, parts: Parts) -> list[Reminder]:
    """Newest first: nudges about meeting and keeping in touch, and one reminder for each
    survey still waiting. Anyone else's: 404."""
    if member_id not in ("me", caller.subject):
        raise NotFoundError(f"no member {member_id!r} whose reminders you can see")
    return await parts.board.mine(caller)
