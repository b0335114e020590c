"""A relationship's meetings, through the data door, for the caller.

Meetings live beside their relationship (`RelationshipStore.home`: the network database for
a cross-organisation relationship, else its organisation's), one document each, with
`relationship_id` and `programme_id`, numbered per relationship (`shared.mongo.numbered`), so
a relationship's meetings are found by `_id` alone and every one found is checked to be the
relationship's. Reading is
for the parties and the programme's co-ordinators (`for_oversight`), writing for the parties
only (`for_party`); anyone else gets 404.

Writes are single-document (FerretDB v1 has no transactions): planning is an insert carrying
`meeting.planned`; recording a meeting as held directly is an insert carrying `meeting.held`;
recording a planned meeting as held is one update guarded by `status: planned`, carrying
`meeting.held` — so each held meeting publishes it exactly once, however often the request is
sent; moving (`meeting.rescheduled`) and cancelling (`meeting.cancelled`) are one update under
the same guard. The events carry the calendar's facts, never the location.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from services.sessions.adapters.calendar_ics import render
from services.sessions.adapters.erasure import FORMER_MEMBER
from services.sessions.adapters.relationship_store import RelationshipStore
from services.sessions.domain.meetings import (
    Meeting,
    MeetingChanges,
    MeetingFacts,
    MeetingStatus,
    cancelled,
    held,
    meeting_cancelled_event,
    meeting_held_event,
    meeting_planned_event,
    meeting_rescheduled_event,
    meetings_of,
    new_meeting,
    rescheduled,
    shown_status,
)
from services.sessions.domain.relationships import Relationship
from shared.auth.principal import Principal
from shared.errors import ConflictError, NotFoundError
from shared.events.envelope import EventData
from shared.mongo.databases import Document
from shared.mongo.numbered import NumberedRecords, kept_by
from shared.mongo.outbox import OutboxWriter
from shared.tenancy import TenantData

MEETINGS = "meetings"
# Fields that name a member as the author of something in a meeting: erasure replaces them.
AUTHOR_FIELDS = ("planned_by", "recorded_by", "cancelled_by", "rescheduled_by")
_COMPUTED = {"ends_at", "local_starts_at"}


def _meeting(document: Document) -> Meeting:
    return Meeting.model_validate({**document, "id": document["_id"]})


def _document(m: Meeting) -> Document:
    body = m.model_dump(mode="python", exclude={"id", *_COMPUTED})
    body["status"] = m.status.value
    body["method"] = m.method.value
    return {"_id": m.id, **body}


def _ended_at(r: Relationship) -> datetime | None:
    return r.ending.ended_at if r.ending is not None else None


def _as_shown(m: Meeting, r: Relationship) -> Meeting:
    return m.model_copy(update={"status": shown_status(m, _ended_at(r))})


class MeetingStore:
    """Meetings as the parties and their programme's co-ordinators may see them."""

    def __init__(
        self,
        data: TenantData,
        relationships: RelationshipStore,
        outbox: OutboxWriter,
        numbered: NumberedRecords,
    ) -> None:
        self._data = data
        self._relationships = relationships
        self._outbox = outbox
        self._numbered = numbered

    def _collection(self, r: Relationship) -> AsyncCollection[Document]:
        return self._relationships.home(r, MEETINGS)

    async def _find(self, r: Relationship, meeting_id: str) -> Meeting:
        document = await self._collection(r).find_one({"_id": meeting_id})
        if document is None or not kept_by("relationship_id", r.id)(document):
            raise NotFoundError(f"no meeting {meeting_id!r} in relationship {r.id!r}")
        return _meeting(document)

    async def _meetings(self, r: Relationship) -> list[Meeting]:
        """Every meeting of `r`, in the order they were made."""
        found = await self._numbered.walk(
            self._collection(r), meetings_of(r.id), shown=kept_by("relationship_id", r.id)
        )
        return [_meeting(d) for d in found]

    # --- reading (parties and co-ordinators) -------------------------------------------

    async def of_relationship(self, caller: Principal, rel_id: str) -> list[Meeting]:
        """Every meeting of the relationship, earliest first."""
        r = await self._relationships.for_oversight(caller, rel_id)
        meetings = [_as_shown(m, r) for m in await self._meetings(r)]
        return sorted(meetings, key=lambda m: (m.starts_at, m.id))

    async def one(self, caller: Principal, rel_id: str, meeting_id: str) -> Meeting:
        """One meeting of the relationship."""
        r = await self._relationships.for_oversight(caller, rel_id)
        return _as_shown(await self._find(r, meeting_id), r)

    async def calendar(self, caller: Principal, rel_id: str, meeting_id: str) -> bytes:
        """One meeting as an iCalendar file."""
        m = await self.one(caller, rel_id, meeting_id)
        return render([(m, m.status)], name="Mentoring meeting")

    # --- writing (parties) ---------------------------------------------------------------

    async def create(
        self, caller: Principal, rel_id: str, facts: MeetingFacts, status: MeetingStatus
    ) -> Meeting:
        """A party plans a meeting, or records one as held directly (→ `meeting.held`)."""
        r = await self._relationships.for_party(caller, rel_id)
        terms = await self._relationships.terms(r)
        now = datetime.now(UTC)

        async def write(meeting_id: str, _number: int) -> Meeting:
            m = new_meeting(r, terms, facts, status, caller.subject, now, meeting_id)
            held_now = m.status is MeetingStatus.HELD
            data = meeting_held_event(m) if held_now else meeting_planned_event(m, now)
            events = [self._relationships.event(r, data)]
            await self._outbox.insert(self._collection(r), _document(m), events)
            return m

        return await self._numbered.take(self._collection(r), meetings_of(r.id), write)

    async def hold(
        self, caller: Principal, rel_id: str, meeting_id: str, changes: MeetingChanges
    ) -> Meeting:
        """A party records a planned meeting as held (→ `meeting.held`, exactly once)."""
        r = await self._relationships.for_party(caller, rel_id)
        terms = await self._relationships.terms(r)
        m = held(
            r,
            terms,
            await self._find(r, meeting_id),
            changes,
            caller.subject,
            datetime.now(UTC),
        )
        update = {k: v for k, v in _document(m).items() if k != "_id"}
        await self._guarded(r, m, update, [meeting_held_event(m)])
        return m

    async def reschedule(
        self, caller: Principal, rel_id: str, meeting_id: str, changes: MeetingChanges
    ) -> Meeting:
        """A party moves a planned meeting, or changes its length, method or place."""
        r = await self._relationships.for_party(caller, rel_id)
        terms = await self._relationships.terms(r)
        now = datetime.now(UTC)
        m = rescheduled(r, terms, await self._find(r, meeting_id), changes, caller.subject, now)
        update = {k: v for k, v in _document(m).items() if k != "_id"}
        await self._guarded(r, m, update, [meeting_rescheduled_event(m, now)])
        return m

    async def cancel(self, caller: Principal, rel_id: str, meeting_id: str) -> Meeting:
        """A party cancels a planned meeting (it stays, marked cancelled)."""
        r = await self._relationships.for_party(caller, rel_id)
        now = datetime.now(UTC)
        m = cancelled(r, await self._find(r, meeting_id), caller.subject, now)
        update = {
            "status": m.status.value,
            "cancelled_by": m.cancelled_by,
            "cancelled_at": m.cancelled_at,
        }
        await self._guarded(r, m, update, [meeting_cancelled_event(m, now)])
        return m

    async def _guarded(
        self, r: Relationship, m: Meeting, update: dict[str, Any], events: list[EventData]
    ) -> None:
        """One update of a still-planned meeting; its events ride along."""
        result = await self._outbox.update(
            self._collection(r),
            m.id,
            {"$set": update},
            [self._relationships.event(r, e) for e in events],
            condition={"relationship_id": r.id, "status": MeetingStatus.PLANNED.value},
        )
        if not result.matched_count:
            raise ConflictError("the meeting changed meanwhile; read it again")

    # --- a member's calendar feed ----------------------------------------------------------

    async def of_member(self, member: Principal) -> list[tuple[Meeting, MeetingStatus]]:
        """The member's planned and held meetings across all their relationships, each
        with the status to show, earliest first (cancelled ones are left out, so a
        subscribed calendar drops them)."""
        relationships = await self._relationships.mine(member)
        found = await asyncio.gather(*(self._meetings(r) for r in relationships))
        shown: list[tuple[Meeting, MeetingStatus]] = []
        for r, meetings in zip(relationships, found, strict=True):
            for m in meetings:
                status = shown_status(m, _ended_at(r))
                if status is not MeetingStatus.CANCELLED:
                    shown.append((m, status))
        return sorted(shown, key=lambda pair: (pair[0].starts_at, pair[0].id))

    # --- erasure -------------------------------------------------------------------------

    async def erase_member(self, member_id: str, organisation_id: str) -> None:
        """Meetings are joint records of both parties: their facts stay (date, length,
        method, status), the location the erased member entered goes, and where they are
        named as an author they become FORMER_MEMBER. Idempotent."""
        for collection in (
            self._data.system_organisation(organisation_id, MEETINGS),
            self._data.network(MEETINGS),
        ):
            await collection.update_many(
                {"location_by": member_id},
                {"$set": {"location": None, "location_by": FORMER_MEMBER}},
            )
            for author in AUTHOR_FIELDS:
                await collection.update_many({author: member_id}, {"$set": {author: FORMER_MEMBER}})
