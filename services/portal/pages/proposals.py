"""The matches page: every proposal of every programme the member is enrolled in as a mentor
or mentee, the other person named once for the page, and where a self-match mentee can look
for a mentor themselves."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from services.portal.adapters.network_api import Service
from services.portal.adapters.signed_in import Member
from services.portal.domain.matching import Enrolment, Programme, Proposal, ProposalList
from services.portal.domain.people import People
from services.portal.domain.proposals import OPEN, Match, as_match, ordered
from services.portal.pages.parts import Missing, or_none, part, people


@dataclass(frozen=True)
class ProposalsPage:
    """The matches page's content."""

    matches: list[Match]
    programmes: dict[str, Programme]
    people: People
    find_a_mentor: list[Programme]  # self-match programmes where they may still ask
    missing: list[Missing]


async def proposals_page(member: Member) -> ProposalsPage:
    """Enrolments and programmes from the registry, then each programme's proposals from
    matching side by side, then everyone named in one call."""
    api, me = member.api, member.member_id
    enrolments, programmes = await asyncio.gather(
        api.get(Service.REGISTRY, "/me/enrolments", list[Enrolment]),
        api.get(Service.REGISTRY, "/programmes", list[Programme]),
    )
    paired = [e for e in enrolments if e.role in ("mentor", "mentee")]
    lists = await part(asyncio.gather(*(_proposals(member, e.programme_id) for e in paired)))
    missing = [lists] if isinstance(lists, Missing) else []
    found = [] if isinstance(lists, Missing) else [p for ps in lists for p in ps]
    by_id = {p.id: p for p in programmes}
    holding = {p.programme_id for p in found if p.status in (*OPEN, "accepted")}
    find_a_mentor = [
        by_id[e.programme_id]
        for e in paired
        if e.role == "mentee"
        and e.programme_id in by_id
        and by_id[e.programme_id].design.self_match
        and e.programme_id not in holding
        and not isinstance(lists, Missing)
    ]
    named = await people(api, me, [p.other(me) for p in found])
    matches = [as_match(p, me) for p in ordered(found, me)]
    return ProposalsPage(matches, by_id, named, find_a_mentor, missing)


async def _proposals(member: Member, programme_id: str) -> list[Proposal]:
    found = await or_none(
        member.api.get(Service.MATCHING, f"/programmes/{programme_id}/proposals", ProposalList)
    )
    return [] if found is None else found.proposals
