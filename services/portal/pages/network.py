"""The network co-ordinator's pages: each asks the evaluation service for the network's
statistics first, which only a network co-ordinator may read (anyone else gets the plain "Not
found" page), and then what the page shows, side by side."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from services.portal.adapters.network_api import Service
from services.portal.adapters.signed_in import Member
from services.portal.domain.dashboards import FigureProgramme, NamedProgramme
from services.portal.domain.figures import FigureTable
from services.portal.domain.network import (
    NetworkStatistics,
    Organisation,
    OrganisationEntry,
    ProgrammeEntry,
    organisation_entries,
    programme_entries,
)
from services.portal.pages.parts import Missing, part


@dataclass(frozen=True)
class OrganisationsPage:
    """The network's organisations."""

    statistics: NetworkStatistics
    entries: list[OrganisationEntry]
    missing: list[Missing]


@dataclass(frozen=True)
class ProgrammesPage:
    """The network's programmes."""

    statistics: NetworkStatistics
    entries: list[ProgrammeEntry]
    missing: list[Missing]


async def statistics(member: Member) -> NetworkStatistics:
    """The network's statistics: for its co-ordinators only (a 403 becomes "Not found")."""
    found: NetworkStatistics = await member.api.get(
        Service.EVALUATION, "/network/statistics", NetworkStatistics
    )
    return found


async def organisations(member: Member) -> OrganisationsPage:
    """Every organisation's public profile, the programmes it takes part in and its row of
    the network's figures (both may be missing while the evaluation service is down)."""
    api = member.api
    stats, directory, listed, tables = await asyncio.gather(
        statistics(member),
        api.get(Service.REGISTRY, "/organisations", list[Organisation]),
        part(api.get(Service.EVALUATION, "/figures/programmes", list[FigureProgramme])),
        part(api.get(Service.EVALUATION, "/network/figures", list[FigureTable])),
    )
    entries = organisation_entries(directory, _present(listed), _present(tables))
    return OrganisationsPage(stats, entries, _gaps(listed, tables))


async def programmes(member: Member) -> ProgrammesPage:
    """Every programme of the network as the evaluation service lists them, named where the
    registry names them for the co-ordinator (their own office's)."""
    api = member.api
    stats, listed, named, directory = await asyncio.gather(
        statistics(member),
        api.get(Service.EVALUATION, "/figures/programmes", list[FigureProgramme]),
        part(api.get(Service.REGISTRY, "/programmes", list[NamedProgramme])),
        part(api.get(Service.REGISTRY, "/organisations", list[Organisation])),
    )
    names = {p.id: p.design.name for p in _present(named) or []}
    organisation_names = {o.id: o.profile.name for o in _present(directory) or []}
    entries = programme_entries(listed, names, organisation_names)
    return ProgrammesPage(stats, entries, _gaps(named, directory))


def _present(found: Any) -> Any:
    return None if isinstance(found, Missing) else found


def _gaps(*parts: object) -> list[Missing]:
    return [p for p in parts if isinstance(p, Missing)]
