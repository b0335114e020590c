"""Who is in what, learnt from events (ids only): a relationship's parties, a circle's
members, a programme's co-ordinators — so a mail about a relationship reaches its people
without asking the sessions service. All in the network database: they hold member ids and
nothing else about anyone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel

from shared.contracts.matching import CircleFormed
from shared.contracts.registry import (
    MemberErased,
    ProgrammeCoordinatorsChanged,
    ProgrammePublished,
)
from shared.contracts.sessions import MeetingLogWritten, RelationshipEnded, RelationshipStarted
from shared.events.catalogue import InboundEvent
from shared.mongo.effects import apply_once, insert_once
from shared.tenancy import TenantData

RELATIONSHIPS = "relationships"
CIRCLES = "circles"
PROGRAMMES = "programmes"
REVISION = "coordinators_revision"


class KnownRelationship(BaseModel):
    """A relationship as this service knows it."""

    id: str
    programme_id: str
    participants: list[str]
    sides: dict[str, str]  # member id → mentor or mentee
    organisations: dict[str, str]  # member id → their organisation
    ended: bool = False
    last_log_at: datetime | None = None


class RelationshipBook:
    """Relationships, circles and programmes' co-ordinators, from events."""

    def __init__(self, data: TenantData) -> None:
        self._data = data

    async def on_started(self, events: Sequence[InboundEvent[RelationshipStarted]]) -> None:
        """A relationship started, or a mentee joined a group relationship."""
        for e in events:
            d = e.data
            await apply_once(
                self._data.network(RELATIONSHIPS),
                d.relationship_id,
                {
                    "$set": {
                        "programme_id": d.programme_id,
                        f"sides.{d.mentor_id}": "mentor",
                        f"sides.{d.mentee_id}": "mentee",
                        f"organisations.{d.mentor_id}": d.mentor_organisation_id,
                        f"organisations.{d.mentee_id}": d.mentee_organisation_id,
                    },
                    "$addToSet": {"participants": {"$each": [d.mentor_id, d.mentee_id]}},
                },
                str(e.envelope.id),
            )

    async def on_ended(self, events: Sequence[InboundEvent[RelationshipEnded]]) -> None:
        """A relationship ended: no more reminders for it."""
        for e in events:
            await apply_once(
                self._data.network(RELATIONSHIPS),
                e.data.relationship_id,
                {"$set": {"ended": True}},
                str(e.envelope.id),
            )

    async def on_log(self, events: Sequence[InboundEvent[MeetingLogWritten]]) -> None:
        """A meeting log was written: a log due before it is not due any more."""
        for e in events:
            await apply_once(
                self._data.network(RELATIONSHIPS),
                e.data.relationship_id,
                {"$max": {"last_log_at": e.data.written_at}},
                str(e.envelope.id),
            )

    async def on_circle(self, events: Sequence[InboundEvent[CircleFormed]]) -> None:
        """A circle formed: its members."""
        await insert_once(
            self._data.network(CIRCLES),
            [
                {
                    "_id": e.data.circle_id,
                    "programme_id": e.data.programme_id,
                    "members": [m.member_id for m in e.data.members],
                    "organisations": {m.member_id: m.organisation_id for m in e.data.members},
                }
                for e in events
            ],
        )

    async def on_programme(self, events: Sequence[InboundEvent[ProgrammePublished]]) -> None:
        """A programme's co-ordinators and the organisations taking part (the co-ordinators
        only until `programme.coordinators_changed` has spoken)."""
        for e in events:
            known = await self._data.network(PROGRAMMES).find_one(
                {"_id": e.data.programme_id}, projection={REVISION: 1}
            )
            terms: dict[str, object] = {"organisations": e.data.organisations}
            if not (known or {}).get(REVISION):
                terms["coordinators"] = e.data.coordinators
            await apply_once(
                self._data.network(PROGRAMMES),
                e.data.programme_id,
                {"$set": terms},
                str(e.envelope.id),
            )

    async def on_coordinators_changed(
        self, events: Sequence[InboundEvent[ProgrammeCoordinatorsChanged]]
    ) -> None:
        """Follow a programme's co-ordinators (highest revision wins): a removed one gets no
        more alert digests for it."""
        for e in events:
            d = e.data
            known = await self._data.network(PROGRAMMES).find_one(
                {"_id": d.programme_id}, projection={REVISION: 1}
            )
            if known is None or int(known.get(REVISION, 0)) >= d.revision:
                continue
            await self._data.network(PROGRAMMES).update_one(
                {"_id": d.programme_id},
                {"$set": {"coordinators": d.coordinators, REVISION: d.revision}},
            )

    async def on_erased(self, events: Sequence[InboundEvent[MemberErased]]) -> None:
        """An erased member leaves every list (exact-match `$pull`, which FerretDB does)."""
        for e in events:
            member = e.data.member_id
            await self._data.network(RELATIONSHIPS).update_many(
                {"participants": member}, {"$pull": {"participants": member}}
            )
            await self._data.network(CIRCLES).update_many(
                {"members": member}, {"$pull": {"members": member}}
            )
            await self._data.network(PROGRAMMES).update_many(
                {"coordinators": member}, {"$pull": {"coordinators": member}}
            )

    async def relationship(self, relationship_id: str) -> KnownRelationship | None:
        """A relationship, if this service has heard of it."""
        d = await self._data.network(RELATIONSHIPS).find_one({"_id": relationship_id})
        if d is None:
            return None
        return KnownRelationship(
            id=str(d["_id"]),
            programme_id=str(d.get("programme_id", "")),
            participants=list(d.get("participants", [])),
            sides=dict(d.get("sides", {})),
            organisations=dict(d.get("organisations", {})),
            ended=bool(d.get("ended", False)),
            last_log_at=d.get("last_log_at"),
        )

    async def thread_people(self, thread_kind: str, thread_id: str) -> dict[str, str]:
        """Who takes part in a relationship's or a circle's thread, with their organisations
        (nobody once a relationship has ended)."""
        if thread_kind == "circle":
            d = await self._data.network(CIRCLES).find_one({"_id": thread_id}) or {}
            organisations = dict(d.get("organisations", {}))
            return {m: organisations[m] for m in d.get("members", []) if m in organisations}
        r = await self.relationship(thread_id)
        if r is None or r.ended:
            return {}
        return {m: r.organisations[m] for m in r.participants if m in r.organisations}

    async def coordinators(self, programme_id: str) -> list[str]:
        """A programme's co-ordinators."""
        d = await self._data.network(PROGRAMMES).find_one({"_id": programme_id})
        return list((d or {}).get("coordinators", []))

    async def programme_organisations(self, programme_id: str) -> list[str]:
        """The organisations taking part in a programme."""
        d = await self._data.network(PROGRAMMES).find_one({"_id": programme_id})
        return list((d or {}).get("organisations", []))
