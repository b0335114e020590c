"""A programme's surveys for its co-ordinator: the templates it can send, when they are sent,
one template's versions, and the anonymous comments."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from services.portal.adapters.network_api import Service
from services.portal.adapters.signed_in import Member
from services.portal.domain.survey_design import (
    QuestionComments,
    SurveySchedule,
    TemplateVersion,
)
from services.portal.pages.coordination import ProgrammeShell, shell
from services.portal.pages.parts import or_none


@dataclass(frozen=True)
class SurveysPage:
    """Templates and the schedule (None until evaluation hears of the programme)."""

    shell: ProgrammeShell
    templates: list[TemplateVersion]
    schedule: SurveySchedule | None

    @property
    def titles(self) -> dict[str, str]:
        """Each template's title by id."""
        return {t.template_id: t.title for t in self.templates}


async def surveys_page(member: Member, programme_id: str) -> SurveysPage:
    """The programme's templates and schedule, side by side."""
    base = f"/programmes/{programme_id}"
    heading, templates, schedule = await asyncio.gather(
        shell(member, programme_id),
        or_none(
            member.api.get(Service.EVALUATION, f"{base}/survey-templates", list[TemplateVersion])
        ),
        or_none(member.api.get(Service.EVALUATION, f"{base}/survey-schedule", SurveySchedule)),
    )
    return SurveysPage(heading, templates or [], schedule)


async def template_versions(
    member: Member, programme_id: str, template_id: str
) -> tuple[ProgrammeShell, list[TemplateVersion]]:
    """Every version of one template, newest first (not found for another programme's)."""
    heading, versions = await asyncio.gather(
        shell(member, programme_id),
        member.api.get(
            Service.EVALUATION,
            f"/programmes/{programme_id}/survey-templates/{template_id}",
            list[TemplateVersion],
        ),
    )
    return heading, sorted(versions, key=lambda v: v.version, reverse=True)


async def comments_page(
    member: Member, programme_id: str
) -> tuple[ProgrammeShell, list[QuestionComments] | None, dict[str, str]]:
    """The comments by question, and template titles to head them by."""
    base = f"/programmes/{programme_id}"
    heading, comments, templates = await asyncio.gather(
        shell(member, programme_id),
        or_none(
            member.api.get(Service.EVALUATION, f"{base}/survey-comments", list[QuestionComments])
        ),
        or_none(
            member.api.get(Service.EVALUATION, f"{base}/survey-templates", list[TemplateVersion])
        ),
    )
    return heading, comments, {t.template_id: t.title for t in templates or []}
