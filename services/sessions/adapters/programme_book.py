"""The programmes sessions knows, from the registry's `programme.published`,
`programme.coordinators_changed` and `programme.status_changed`, in sessions' network
database (programme terms are network data: the event's audience is the whole network)."""

from __future__ import annotations

from collections.abc import Sequence

from services.sessions.domain.programmes import ProgrammeTerms, unknown_programme
from shared.contracts.registry import (
    ProgrammeCoordinatorsChanged,
    ProgrammePublished,
    ProgrammeStatusChanged,
)
from shared.events.catalogue import InboundEvent
from shared.tenancy import TenantData

COLLECTION = "programmes"
REVISION = "coordinators_revision"


class ProgrammeBook:
    """A read model of programmes' terms."""

    def __init__(self, data: TenantData) -> None:
        self._collection = data.network(COLLECTION)

    async def on_published(self, events: Sequence[InboundEvent[ProgrammePublished]]) -> None:
        """Keep each published programme's terms (a redelivery writes the same document)."""
        for event in events:
            d = event.data
            terms = ProgrammeTerms(
                programme_id=d.programme_id,
                organisations=d.organisations,
                coordinators=d.coordinators,
                model=d.model,
                meeting_every_days=d.meeting_every_days,
                min_meeting_minutes=d.min_meeting_minutes,
                max_meeting_minutes=d.max_meeting_minutes,
                max_mentees_per_mentor=d.max_mentees_per_mentor,
                direction=d.direction,
            )
            document = {"_id": d.programme_id, **terms.model_dump(exclude={"programme_id"})}
            known = await self._collection.find_one(
                {"_id": d.programme_id}, projection={"coordinators": 1, REVISION: 1}
            )
            if known is not None and known.get(REVISION):
                # A redelivered `programme.published` must not bring back co-ordinators a
                # later `programme.coordinators_changed` removed.
                document.update(coordinators=known["coordinators"], **{REVISION: known[REVISION]})
            await self._collection.replace_one({"_id": d.programme_id}, document, upsert=True)

    async def on_coordinators_changed(
        self, events: Sequence[InboundEvent[ProgrammeCoordinatorsChanged]]
    ) -> None:
        """Follow a programme's co-ordinators: a removed co-ordinator stops seeing its
        relationships at once. Only a higher revision counts (replays, redeliveries); a
        programme not yet published learns its co-ordinators from `programme.published`."""
        for event in events:
            d = event.data
            known = await self._collection.find_one(
                {"_id": d.programme_id}, projection={REVISION: 1}
            )
            if known is None or int(known.get(REVISION, 0)) >= d.revision:
                continue
            await self._collection.update_one(
                {"_id": d.programme_id},
                {"$set": {"coordinators": d.coordinators, REVISION: d.revision}},
            )

    async def on_status_changed(
        self, events: Sequence[InboundEvent[ProgrammeStatusChanged]]
    ) -> None:
        """Follow a programme's status (running, closed)."""
        for event in events:
            await self._collection.update_one(
                {"_id": event.data.programme_id}, {"$set": {"status": event.data.status}}
            )

    async def coordinated_by(self, member_id: str) -> list[ProgrammeTerms]:
        """The programmes `member_id` co-ordinates."""
        found = await self._collection.find({"coordinators": member_id}).to_list()
        return [ProgrammeTerms.model_validate({**d, "programme_id": d["_id"]}) for d in found]

    async def terms(self, programme_id: str) -> ProgrammeTerms:
        """A programme's terms, or those of an unknown programme if it has not arrived."""
        document = await self._collection.find_one({"_id": programme_id})
        if document is None:
            return unknown_programme(programme_id)
        return ProgrammeTerms.model_validate({**document, "programme_id": document["_id"]})
