"""The co-ordinator's workspace: the programmes they co-ordinate, one programme's heading and
tabs (the shell every tab shares; anyone but its co-ordinators gets "not found"), its
overview with the matching weights, and the form to design a new one."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from fastapi import HTTPException

from services.portal.adapters.network_api import Service
from services.portal.adapters.signed_in import Member
from services.portal.domain.coordinated_programmes import (
    CoordinatedProgramme,
    OrganisationEntry,
    mine,
    names_of,
    next_step,
)
from services.portal.domain.matching_weights import Weights
from services.portal.pages.parts import Missing, or_none, part


@dataclass(frozen=True)
class ProgrammeShell:
    """A programme as every tab of it heads it."""

    programme: CoordinatedProgramme
    names: dict[str, str]  # organisation names by id

    @property
    def base(self) -> str:
        """The programme's pages start here."""
        return f"/coordinate/programmes/{self.programme.id}"

    @property
    def next_step(self) -> str:
        """What the co-ordinator does next."""
        return next_step(self.programme, self.names)

    def organisation(self, organisation_id: str) -> str:
        """An organisation's name."""
        return self.names.get(organisation_id, "an organisation")


async def directory(member: Member) -> list[OrganisationEntry]:
    """The network's organisations (names and sectors), or none if the registry cannot say."""
    found = await part(member.api.get(Service.REGISTRY, "/organisations", list[OrganisationEntry]))
    return [] if isinstance(found, Missing) else list(found)


async def shell(member: Member, programme_id: str) -> ProgrammeShell:
    """The programme, for its co-ordinators only (everyone else: not found), and the names
    of the organisations taking part."""
    programme, organisations = await asyncio.gather(
        member.api.get(Service.REGISTRY, f"/programmes/{programme_id}", CoordinatedProgramme),
        directory(member),
    )
    if not programme.coordinated_by(member.member_id):
        raise HTTPException(status_code=404)
    return ProgrammeShell(programme, names_of(organisations))


@dataclass(frozen=True)
class MyProgramme:
    """One programme in the list, with what to do next."""

    programme: CoordinatedProgramme
    next_step: str


async def my_programmes(member: Member) -> list[MyProgramme]:
    """The programmes the member co-ordinates, each with its next step."""
    programmes, organisations = await asyncio.gather(
        member.api.get(Service.REGISTRY, "/programmes", list[CoordinatedProgramme]),
        directory(member),
    )
    names = names_of(organisations)
    return [MyProgramme(p, next_step(p, names)) for p in mine(programmes, member.member_id)]


@dataclass(frozen=True)
class Overview:
    """A programme's design, where it stands, and its matching weights."""

    shell: ProgrammeShell
    weights: Weights | Missing | None  # None: matching does not know the programme yet


async def overview(member: Member, programme_id: str) -> Overview:
    """The programme and, once matching has heard of it, its weights."""
    heading, weights = await asyncio.gather(
        shell(member, programme_id),
        part(
            or_none(
                member.api.get(Service.MATCHING, f"/programmes/{programme_id}/weights", Weights)
            )
        ),
    )
    return Overview(heading, weights)


async def partners(member: Member) -> list[OrganisationEntry]:
    """The organisations a new programme can invite: every other one in the network."""
    return [o for o in await directory(member) if o.id != member.organisation_id]
