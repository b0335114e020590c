"""The surveys page: the surveys waiting for the member, and the network's reminders about
them; and one survey with its questions."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from services.portal.adapters.network_api import Service
from services.portal.adapters.signed_in import Member
from services.portal.domain.surveys import Reminder, Survey, waiting
from services.portal.pages.parts import Missing, part
from shared import clock


@dataclass(frozen=True)
class SurveysPage:
    """The surveys page's content."""

    surveys: list[Survey]
    reminders: list[Reminder]
    missing: list[Missing]


async def surveys_page(member: Member) -> SurveysPage:
    """Surveys and reminders from evaluation, side by side (the reminders may be missing)."""
    api = member.api
    surveys, reminders = await asyncio.gather(
        api.get(Service.EVALUATION, "/members/me/surveys", list[Survey]),
        part(api.get(Service.EVALUATION, "/members/me/reminders", list[Reminder])),
    )
    open_now = waiting(surveys, clock.now())
    listed = {s.id for s in open_now}
    about = (
        []
        if isinstance(reminders, Missing)
        else [
            r
            for r in reminders
            if r.about_a_survey and (r.survey_id is None or r.survey_id in listed)
        ]
    )
    missing = [reminders] if isinstance(reminders, Missing) else []
    return SurveysPage(open_now, sorted(about, key=lambda r: r.created_at), missing)


async def survey(member: Member, survey_id: str) -> Survey:
    """One of the member's own surveys (404 for anyone else's)."""
    found: Survey = await member.api.get(Service.EVALUATION, f"/surveys/{survey_id}", Survey)
    return found
