"""A dashboard: the filters' lists and the evaluation service's figure tables, asked side by
side with the person's own token, made into what the page (and each table's CSV) shows."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from services.portal.adapters.network_api import MemberApi, Service, ServiceRefusalError
from services.portal.adapters.signed_in import Member
from services.portal.domain.dashboards import (
    FILTERS,
    Audience,
    Choice,
    DirectoryEntry,
    FigureProgramme,
    Filters,
    NamedProgramme,
    default_programme,
    filters_from_query,
    organisation_choices,
    programme_choices,
)
from services.portal.domain.figure_charts import Chart, chart_of
from services.portal.domain.figures import FigureTable, ShownTable, relabelled, shown_table
from services.portal.domain.forms import FormProblems, from_service
from services.portal.pages.parts import Missing, part

NO_PROGRAMME = "You co-ordinate no programme yet: there are no figures to show."
NOT_YOURS = (
    "A programme's figures are for its co-ordinators, and you do not co-ordinate this one. "
    "Choose a programme you co-ordinate."
)


@dataclass(frozen=True)
class DashboardTable:
    """A table as shown, with its chart."""

    table: ShownTable
    chart: Chart | None


@dataclass(frozen=True)
class Dashboard:
    """One dashboard page."""

    audience: Audience
    filters: Filters
    problems: FormProblems
    organisations: list[Choice] | Missing
    programmes: list[Choice] | Missing
    tables: list[DashboardTable] = field(default_factory=list)
    notice: str | None = None  # why no figures are shown, when none are

    @property
    def status(self) -> int:
        """The page's HTTP status: 422 when the filters need correcting."""
        return 422 if self.problems else 200

    @property
    def shown(self) -> list[ShownTable]:
        """The tables as shown (for the CSV downloads)."""
        return [t.table for t in self.tables]

    @property
    def organisation_options(self) -> dict[str, str]:
        """The organisation filter's options (value → words)."""
        return _options(self.organisations)

    @property
    def programme_options(self) -> dict[str, str]:
        """The programme filter's options (value → words)."""
        return _options(self.programmes)

    @property
    def missing(self) -> list[Missing]:
        """The filter lists that could not be fetched."""
        return [x for x in (self.organisations, self.programmes) if isinstance(x, Missing)]


async def dashboard(member: Member, audience: Audience, query: Mapping[str, str]) -> Dashboard:
    """The dashboard as the person may see it, with the filters in the page's address."""
    filters, problems = filters_from_query(audience, query)
    if audience is Audience.PROGRAMME:
        return await _programme(member, filters, problems)
    api = member.api
    if audience is Audience.NETWORK:
        path = "/network/figures"
    else:
        path = f"/organisations/{member.organisation_id}/figures"
    directory, listed, named, tables = await asyncio.gather(
        part(api.get(Service.REGISTRY, "/organisations", list[DirectoryEntry])),
        part(api.get(Service.EVALUATION, "/figures/programmes", list[FigureProgramme])),
        part(api.get(Service.REGISTRY, "/programmes", list[NamedProgramme])),
        _figures(api, path, audience, filters, problems),
    )
    names = _names(named)
    # An organisation's rows are its programmes, which the service knows by id only.
    labels = names if audience is Audience.ORGANISATION else {}
    figures, problems = tables
    return Dashboard(
        audience,
        filters,
        problems,
        _organisations(directory) if audience is Audience.NETWORK else [],
        _programmes(listed, names),
        [_shown(t, labels) for t in figures],
    )


async def _programme(member: Member, filters: Filters, problems: FormProblems) -> Dashboard:
    api = member.api
    listed, named, directory = await asyncio.gather(
        api.get(Service.EVALUATION, "/figures/programmes", list[FigureProgramme]),
        part(api.get(Service.REGISTRY, "/programmes", list[NamedProgramme])),
        part(api.get(Service.REGISTRY, "/organisations", list[DirectoryEntry])),
    )
    names = _names(named)
    registry = [] if isinstance(named, Missing) else named
    filters = default_programme(filters, listed, registry, member.member_id)
    chosen = next((p for p in listed if p.id == filters.programme_id), None)
    taking_part = chosen.organisations if chosen else []
    page = Dashboard(
        Audience.PROGRAMME,
        filters,
        problems,
        _organisations(directory, taking_part),
        _programmes(listed, names),
    )
    if not filters.programme_id:
        return replace(page, notice=NO_PROGRAMME)
    path = f"/programmes/{filters.programme_id}/figures"
    try:
        figures, problems = await _figures(api, path, Audience.PROGRAMME, filters, problems)
    except ServiceRefusalError as exc:
        if exc.status not in (403, 404):
            raise
        return replace(page, notice=NOT_YOURS)
    return replace(page, problems=problems, tables=[_shown(t, {}) for t in figures])


async def _figures(
    api: MemberApi, path: str, audience: Audience, filters: Filters, problems: FormProblems
) -> tuple[list[FigureTable], FormProblems]:
    """The figure tables (none while the filters need correcting; a filter the service
    refuses becomes a problem beside its field)."""
    if problems:
        return [], problems
    try:
        found: list[FigureTable] = await api.get(
            Service.EVALUATION, path, list[FigureTable], params=filters.service_params(audience)
        )
    except ServiceRefusalError as exc:
        if exc.status in (403, 404):
            raise
        return [], from_service(exc.detail, exc.fields, FILTERS[audience])
    return found, problems


def _shown(table: FigureTable, labels: Mapping[str, str]) -> DashboardTable:
    named = relabelled(table, labels)
    return DashboardTable(shown_table(named), chart_of(named))


def _options(choices: list[Choice] | Missing) -> dict[str, str]:
    return {} if isinstance(choices, Missing) else {c.value: c.label for c in choices}


def _names(named: list[NamedProgramme] | Missing) -> dict[str, str]:
    return {} if isinstance(named, Missing) else {p.id: p.design.name for p in named}


def _organisations(
    directory: list[DirectoryEntry] | Missing, only: list[str] | None = None
) -> list[Choice] | Missing:
    if isinstance(directory, Missing):
        return directory
    return organisation_choices(directory, only or ())


def _programmes(
    listed: list[FigureProgramme] | Missing, names: Mapping[str, str]
) -> list[Choice] | Missing:
    return listed if isinstance(listed, Missing) else programme_choices(listed, names)
