"""Circle rounds for peer and X-market circle programmes, through the data door.

A circle is a cross-organisation record with an explicit member list: one document per circle
in the matching network database (`circles`), inserted with its `circle.formed` event in the
same write. A round groups the pool's peers who are in no circle of the programme yet
(`group_into_circles`, deterministic for a given pool and seed); its co-ordinators run rounds
and read every circle, a peer reads their own; anyone else gets 404.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from pymongo.errors import BulkWriteError

from services.matching.adapters.proposal_store import ProposalStore
from services.matching.domain.candidate import Candidate, ParticipantRole
from services.matching.domain.circle_grouping import (
    CircleRules,
    Diversity,
    Unplaced,
    group_into_circles,
)
from shared.auth.principal import CallerKind, Principal
from shared.contracts.matching import CircleFormed, CircleMember
from shared.contracts.registry import MemberErased
from shared.errors import ConflictError, NotFoundError
from shared.events.catalogue import InboundEvent, new_event
from shared.events.envelope import Audience, Envelope
from shared.mongo.databases import Document
from shared.mongo.outbox import OutboxWriter
from shared.tenancy import TenantData

CIRCLES = "circles"  # network: one document per circle
SEED = 0


@dataclass(frozen=True)
class Circle:
    """A formed circle."""

    id: str
    programme_id: str
    members: list[CircleMember]
    formed_at: datetime


@dataclass(frozen=True)
class CircleRound:
    """What a circle round formed, who it left out and why, and the diversity achieved."""

    circles: list[Circle]
    unplaced: list[Unplaced]
    diversity: Diversity


def circle_id(programme_id: str, members: Sequence[str]) -> str:
    """A circle's id, from its programme and members."""
    digest = hashlib.sha256(":".join([programme_id, *sorted(members)]).encode()).hexdigest()
    return f"cir_{digest[:16]}"


def _circle(document: Document) -> Circle:
    return Circle(
        id=document["_id"],
        programme_id=document["programme_id"],
        members=[CircleMember.model_validate(m) for m in document["members"]],
        formed_at=document["formed_at"],
    )


class CircleStore:
    """Circle rounds and circles as their callers may see them."""

    def __init__(self, data: TenantData, outbox: OutboxWriter, programmes: ProposalStore) -> None:
        self._data = data
        self._outbox = outbox
        self._programmes = programmes

    async def _circles_of(self, programme_id: str) -> list[Circle]:
        found = await self._data.network(CIRCLES).find({"programme_id": programme_id}).to_list()
        return sorted((_circle(d) for d in found), key=lambda c: (c.formed_at, c.id))

    async def run_round(self, caller: Principal, programme_id: str) -> CircleRound:
        """Group the peers who are in no circle yet into circles of 4-8."""
        programme = await self._programmes.coordinated(caller, programme_id)
        if not programme.terms.is_circle:
            raise ConflictError("this programme pairs mentors with mentees; run a matching round")
        placed = {m.member_id for c in await self._circles_of(programme_id) for m in c.members}
        pool = await self._programmes.pool_as(caller, programme)
        peers: list[Candidate] = [
            c for c in pool if c.role is ParticipantRole.PEER and c.member_id not in placed
        ]
        rules = CircleRules.for_programme(
            programme.terms, different_sectors=programme.require_different_sectors
        )
        plan = group_into_circles(peers, rules, seed=SEED)
        organisation_of = {c.member_id: c.organisation_id for c in peers}
        now = datetime.now(UTC)
        formed = [
            Circle(
                id=circle_id(programme_id, members),
                programme_id=programme_id,
                members=[
                    CircleMember(member_id=m, organisation_id=organisation_of[m]) for m in members
                ],
                formed_at=now,
            )
            for members in plan.circles
        ]
        await self._insert(formed)
        return CircleRound(formed, list(plan.unplaced), plan.diversity)

    async def _insert(self, formed: list[Circle]) -> None:
        if not formed:
            return
        items: list[tuple[Document, Sequence[Envelope]]] = []
        for circle in formed:
            document: Document = {
                "_id": circle.id,
                "programme_id": circle.programme_id,
                "members": [m.model_dump() for m in circle.members],
                "formed_at": circle.formed_at,
            }
            data = CircleFormed(
                circle_id=circle.id,
                programme_id=circle.programme_id,
                members=circle.members,
                formed_at=circle.formed_at,
            )
            event = new_event(data, organisation=None, subject=circle.id, audience=Audience.NETWORK)
            items.append((document, [event]))
        try:
            await self._outbox.insert_many(self._data.network(CIRCLES), items)
        except BulkWriteError as exc:
            raise ConflictError("circles were formed meanwhile; run the round again") from exc

    async def on_erased(self, events: Sequence[InboundEvent[MemberErased]]) -> None:
        """Erased members leave the circles they were placed in (an exact-match `$pull`)."""
        circles = self._data.network(CIRCLES)
        for member in {(e.data.member_id, e.data.organisation_id) for e in events}:
            entry = {"member_id": member[0], "organisation_id": member[1]}
            await circles.update_many({}, {"$pull": {"members": entry}})

    async def circles(self, caller: Principal, programme_id: str) -> list[Circle]:
        """Co-ordinators: every circle of the programme; an enrolled peer: their own."""
        programme = await self._programmes.programme(programme_id)
        if programme is None:
            raise NotFoundError(f"no programme {programme_id!r} that you take part in")
        if caller.kind is not CallerKind.MEMBER:
            raise NotFoundError(f"no programme {programme_id!r} that you take part in")
        if programme.terms.is_coordinated_by(caller.subject):
            return await self._circles_of(programme_id)
        if not await self._programmes.is_enrolled(caller, programme_id):
            raise NotFoundError(f"no programme {programme_id!r} that you take part in")
        return [
            c
            for c in await self._circles_of(programme_id)
            if any(m.member_id == caller.subject for m in c.members)
        ]
