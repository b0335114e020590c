"""A programme's matching as its co-ordinator sees it: the readiness list, the proposals to
review and who is waiting, a round's progress and what it proposed, and a circle
programme's circles. Everyone is named in one batch per page."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass

from services.portal.adapters.network_api import Service
from services.portal.adapters.signed_in import Member
from services.portal.domain.circle_rounds import FormedCircle, FormedCircles, waiting_for_a_circle
from services.portal.domain.matching import Proposal, ProposalList
from services.portal.domain.matching_rounds import (
    Proposals,
    RoundJob,
    Waiting,
    grouped,
    waiting,
)
from services.portal.domain.people import People
from services.portal.domain.readiness import (
    Candidate,
    CandidatePool,
    Enrolment,
    ReadinessRow,
    counts,
    readiness_list,
)
from services.portal.pages.coordination import ProgrammeShell, shell
from services.portal.pages.parts import Missing, or_none, part, people


async def _enrolments(member: Member, programme_id: str) -> list[Enrolment]:
    found: list[Enrolment] = await member.api.get(
        Service.REGISTRY, f"/programmes/{programme_id}/enrolments", list[Enrolment]
    )
    return found


async def _pool(member: Member, programme_id: str) -> CandidatePool | Missing | None:
    """Everyone enrolled as matching assesses them; None until matching hears of the
    programme (it does once the programme is published)."""
    return await part(
        or_none(
            member.api.get(
                Service.MATCHING,
                f"/programmes/{programme_id}/candidate-pool",
                CandidatePool,
                params={"include_excluded": "true"},
            )
        )
    )


def _assessed(pool: CandidatePool | Missing | None) -> dict[str, Candidate]:
    if pool is None or isinstance(pool, Missing):
        return {}
    return {c.member_id: c for c in pool.candidates}


async def _named(member: Member, enrolments: Iterable[Enrolment]) -> People:
    return await people(
        member.api, member.member_id, [(e.organisation_id, e.member_id) for e in enrolments]
    )


@dataclass(frozen=True)
class ReadinessPage:
    """Everyone enrolled and whether matching can take them."""

    shell: ProgrammeShell
    rows: list[ReadinessRow]
    counts: dict[str, int]
    people: People
    pool_known: bool
    missing: list[Missing]


async def readiness_page(member: Member, programme_id: str) -> ReadinessPage:
    """Enrolments (registry) beside the pool's assessment of each (matching)."""
    heading, enrolments, pool = await asyncio.gather(
        shell(member, programme_id),
        _enrolments(member, programme_id),
        _pool(member, programme_id),
    )
    rows = readiness_list(enrolments, None if isinstance(pool, Missing) else pool)
    return ReadinessPage(
        heading,
        rows,
        counts(rows),
        await _named(member, enrolments),
        pool is not None and not isinstance(pool, Missing),
        [pool] if isinstance(pool, Missing) else [],
    )


@dataclass(frozen=True)
class MatchingPage:
    """Proposals by what they wait for, who is waiting, and the people to pair by hand."""

    shell: ProgrammeShell
    proposals: Proposals
    waiting: list[Waiting]
    mentees: list[Enrolment]  # to choose from for a pair of the co-ordinator's choosing
    mentors: list[Enrolment]
    people: People
    known: bool  # matching has heard of the programme (it is published)
    missing: list[Missing]


async def _proposals(member: Member, programme_id: str) -> list[Proposal] | Missing | None:
    found = await part(
        or_none(
            member.api.get(Service.MATCHING, f"/programmes/{programme_id}/proposals", ProposalList)
        )
    )
    if found is None or isinstance(found, Missing):
        return found
    return list(found.proposals)


async def matching_page(member: Member, programme_id: str) -> MatchingPage:
    """The programme's proposals, enrolments and pool, side by side."""
    heading, enrolments, pool, found = await asyncio.gather(
        shell(member, programme_id),
        _enrolments(member, programme_id),
        _pool(member, programme_id),
        _proposals(member, programme_id),
    )
    proposals = [] if found is None or isinstance(found, Missing) else found
    missing = [x for x in (pool, found) if isinstance(x, Missing)]
    return MatchingPage(
        heading,
        grouped(proposals),
        waiting(enrolments, proposals, _assessed(pool)),
        [e for e in enrolments if e.role == "mentee"],
        [e for e in enrolments if e.role == "mentor"],
        await _named(member, enrolments),
        found is not None and not isinstance(found, Missing),
        missing,
    )


@dataclass(frozen=True)
class RoundPage:
    """A round's progress and, once it has finished, what it proposed."""

    shell: ProgrammeShell
    job: RoundJob
    proposals: Proposals
    unmatched: list[Enrolment]
    mentors: list[Enrolment]
    people: People


async def round_page(member: Member, programme_id: str, job_id: str) -> RoundPage:
    """The job (its starter only: anyone else gets not found); when done, its proposals."""
    heading, job = await asyncio.gather(
        shell(member, programme_id),
        member.api.get(
            Service.MATCHING, f"/programmes/{programme_id}/rounds/jobs/{job_id}", RoundJob
        ),
    )
    if job.result is None:
        return RoundPage(heading, job, grouped([]), [], [], People([], member.member_id))
    made = job.result.proposals
    enrolments, found = await asyncio.gather(
        _enrolments(member, programme_id), _proposals(member, programme_id)
    )
    proposals = [] if found is None or isinstance(found, Missing) else found
    left = set(job.result.unmatched)
    return RoundPage(
        heading,
        job,
        grouped(proposals, only=made),
        [e for e in enrolments if e.member_id in left],
        [e for e in enrolments if e.role == "mentor"],
        await _named(member, enrolments),
    )


@dataclass(frozen=True)
class CirclesPage:
    """A circle programme's circles and the peers still waiting for one."""

    shell: ProgrammeShell
    circles: list[FormedCircle]
    waiting: list[Waiting]
    people: People
    known: bool
    missing: list[Missing]


async def circles_page(member: Member, programme_id: str) -> CirclesPage:
    """Circles (matching), enrolments (registry) and the pool, side by side."""
    heading, enrolments, pool, found = await asyncio.gather(
        shell(member, programme_id),
        _enrolments(member, programme_id),
        _pool(member, programme_id),
        part(
            or_none(
                member.api.get(
                    Service.MATCHING, f"/programmes/{programme_id}/circles", FormedCircles
                )
            )
        ),
    )
    circles = [] if found is None or isinstance(found, Missing) else found.circles
    named = await people(
        member.api,
        member.member_id,
        [(e.organisation_id, e.member_id) for e in enrolments]
        + [(m.organisation_id, m.member_id) for c in circles for m in c.members],
    )
    return CirclesPage(
        heading,
        sorted(circles, key=lambda c: c.formed_at),
        waiting_for_a_circle(enrolments, circles, _assessed(pool)),
        named,
        found is not None and not isinstance(found, Missing),
        [x for x in (pool, found) if isinstance(x, Missing)],
    )
