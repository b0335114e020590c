"""Survey templates: the built-in ones (in code, read-only) and each programme's own, which its
co-ordinators write and edit.

Editing never changes a stored version: it adds the next version, one inserted document each
(`<template id>@<version>`, so two edits at once cannot both become version 3). Surveys are
sent with a version, so answers keep the questions they answered.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from datetime import datetime

from pymongo.errors import DuplicateKeyError

from services.evaluation.adapters.programme_monitoring import ProgrammeMonitoring
from services.evaluation.domain.built_in_surveys import BUILT_IN
from services.evaluation.domain.questions import TemplateDraft, TemplateVersion
from services.evaluation.domain.survey_schedule import SurveySchedule
from shared.auth.principal import Principal
from shared.errors import ConflictError, DomainError, NotFoundError
from shared.mongo.databases import Document
from shared.tenancy import TenantData

TEMPLATES = "survey_templates"


def _version(document: Document) -> TemplateVersion:
    return TemplateVersion.model_validate(document)


def _latest(versions: Iterable[TemplateVersion]) -> dict[str, TemplateVersion]:
    latest: dict[str, TemplateVersion] = {}
    for v in versions:
        if v.template_id not in latest or v.version > latest[v.template_id].version:
            latest[v.template_id] = v
    return latest


class SurveyTemplates:
    """Templates as co-ordinators manage them and as surveys are sent with them."""

    def __init__(
        self, data: TenantData, programmes: ProgrammeMonitoring, clock: Callable[[], datetime]
    ) -> None:
        self._templates = data.network(TEMPLATES)
        self._programmes = programmes
        self._clock = clock

    # --- for co-ordinators -----------------------------------------------------------------

    async def catalogue(self, caller: Principal, programme_id: str) -> list[TemplateVersion]:
        """The built-in templates, then the latest version of each of the programme's own."""
        await self._programmes.coordinated(caller, programme_id)
        own = await self._of_programme(programme_id)
        return [*BUILT_IN.values(), *sorted(_latest(own).values(), key=lambda t: t.template_id)]

    async def versions(
        self, caller: Principal, programme_id: str, template_id: str
    ) -> list[TemplateVersion]:
        """Every version of one template, oldest first (a built-in has one)."""
        await self._programmes.coordinated(caller, programme_id)
        if template_id in BUILT_IN:
            return [BUILT_IN[template_id]]
        found = [
            _version(d)
            async for d in self._templates.find(
                {"programme_id": programme_id, "template_id": template_id}
            )
        ]
        if not found:
            raise NotFoundError(f"no survey template {template_id!r} in this programme")
        return sorted(found, key=lambda t: t.version)

    async def create(
        self, caller: Principal, programme_id: str, draft: TemplateDraft
    ) -> TemplateVersion:
        """A new template of the programme, at version 1."""
        await self._programmes.coordinated(caller, programme_id)
        return await self._insert(f"tpl_{secrets.token_hex(6)}", 1, programme_id, draft)

    async def revise(
        self, caller: Principal, programme_id: str, template_id: str, draft: TemplateDraft
    ) -> TemplateVersion:
        """The next version of one of the programme's templates (built-ins are read-only)."""
        if template_id in BUILT_IN:
            await self._programmes.coordinated(caller, programme_id)
            raise ConflictError(
                f"{template_id} is built in and read-only: to change it, create a copy with "
                f"POST /programmes/{programme_id}/survey-templates and schedule the copy"
            )
        current = (await self.versions(caller, programme_id, template_id))[-1]
        if draft.kind is not current.kind:
            raise DomainError(
                f"a template's kind cannot change (it is {current.kind.value}): create a new "
                "template instead"
            )
        return await self._insert(template_id, current.version + 1, programme_id, draft)

    async def check_schedule(
        self, caller: Principal, programme_id: str, schedule: SurveySchedule
    ) -> None:
        """Every template a schedule names must be built in or the programme's own."""
        await self._programmes.coordinated(caller, programme_id)
        own = {t.template_id for t in await self._of_programme(programme_id)}
        unknown = sorted({e.template_id for e in schedule.entries} - own - set(BUILT_IN))
        if unknown:
            raise DomainError(
                f"no such survey templates in this programme: {', '.join(unknown)} "
                f"(see GET /programmes/{programme_id}/survey-templates)"
            )

    # --- for sending and answering surveys (no caller) -----------------------------------

    async def latest_for(
        self, programme_ids: Iterable[str]
    ) -> dict[tuple[str, str], TemplateVersion]:
        """(programme, template) → the version a survey sent now uses, for several programmes
        at once; built-ins are found by `template()`."""
        wanted = sorted(set(programme_ids))
        found = [_version(d) async for d in self._templates.find({"programme_id": {"$in": wanted}})]
        latest: dict[tuple[str, str], TemplateVersion] = {}
        for programme_id in wanted:
            own = [v for v in found if v.programme_id == programme_id]
            for template_id, version in _latest(own).items():
                latest[(programme_id, template_id)] = version
        return latest

    async def exact(self, template_id: str, version: int) -> TemplateVersion | None:
        """The version a survey was sent with."""
        if template_id in BUILT_IN:
            built_in = BUILT_IN[template_id]
            return built_in if built_in.version == version else None
        document = await self._templates.find_one({"_id": f"{template_id}@{version}"})
        return None if document is None else _version(document)

    # --- storage ---------------------------------------------------------------------------

    async def _of_programme(self, programme_id: str) -> list[TemplateVersion]:
        return [_version(d) async for d in self._templates.find({"programme_id": programme_id})]

    async def _insert(
        self, template_id: str, version: int, programme_id: str, draft: TemplateDraft
    ) -> TemplateVersion:
        stored = TemplateVersion(
            template_id=template_id,
            version=version,
            programme_id=programme_id,
            title=draft.title,
            kind=draft.kind,
            introduction=draft.introduction,
            questions=draft.questions,
            created_at=self._clock(),
        )
        try:
            await self._templates.insert_one(
                {
                    "_id": f"{template_id}@{version}",
                    **stored.model_dump(mode="json"),
                    "created_at": stored.created_at,
                }
            )
        except DuplicateKeyError as exc:
            raise ConflictError("the template changed meanwhile; read it again") from exc
        return stored
