"""Meeting logs (seed 002, Resource 13) through the data door, for the caller.

Where they live: beside their relationship (`RelationshipStore.home`): the network database
for a cross-organisation relationship, else its organisation's, numbered per relationship
(`shared.mongo.numbered`) so they are found by `_id` alone; every one found is checked to be
the relationship's. Who reads them: the parties and the programme's co-ordinators
(`for_oversight`; seed 002 "only available to the parties concerned and the
co-ordinator"); who writes: a party (`for_party`); who changes one: its author. Everyone else
gets 404, as for a relationship that does not exist.

Writes are single documents: writing inserts the log with `meeting_log.written` in its outbox;
a change is one update guarded by the author, carrying the event again (the contract says
"wrote (or changed)"). The event says only that and when: never the text. Erasure blanks an
erased author's log in place (its number stays taken; nothing of it is shown).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from services.sessions.adapters.erasure import FORMER_MEMBER
from services.sessions.adapters.meeting_store import MEETINGS
from services.sessions.adapters.relationship_store import RelationshipStore
from services.sessions.domain.meeting_logs import (
    MeetingLog,
    MeetingLogContent,
    UnknownMeetingError,
    check_author,
    check_dates,
    logs_of,
    without_member,
    written_with,
)
from services.sessions.domain.relationships import Relationship, check_active, check_direction
from shared import clock
from shared.auth.principal import Principal
from shared.contracts.sessions import MeetingLogWritten
from shared.errors import NotFoundError
from shared.events.envelope import Envelope
from shared.logging import get_logger
from shared.mongo.databases import Document
from shared.mongo.numbered import NumberedRecords, blank, kept_by
from shared.mongo.outbox import OutboxWriter
from shared.tenancy import TenantData

log = get_logger(__name__)

LOGS = "meeting_logs"
# What is left of a log whose author was erased: where it sits, nothing of what it said.
_BLANKED_KEEPS = ["relationship_id", "programme_id"]


def _log(document: Document) -> MeetingLog:
    fields = {k: v for k, v in document.items() if not k.startswith("_")}
    return MeetingLog.model_validate({**fields, "id": document["_id"]})


def _content(content: MeetingLogContent) -> dict[str, Any]:
    """The content as stored (dates as ISO strings: BSON has no bare date)."""
    return content.model_dump(mode="json")


class MeetingLogStore:
    """Meeting logs as their relationship's parties and co-ordinators may see them."""

    def __init__(
        self,
        data: TenantData,
        outbox: OutboxWriter,
        relationships: RelationshipStore,
        numbered: NumberedRecords,
    ) -> None:
        self._data = data
        self._outbox = outbox
        self._relationships = relationships
        self._numbered = numbered

    def _collection(self, r: Relationship) -> AsyncCollection[Document]:
        return self._relationships.home(r, LOGS)

    def _written(self, r: Relationship, at: datetime) -> list[Envelope]:
        event = MeetingLogWritten(relationship_id=r.id, programme_id=r.programme_id, written_at=at)
        return [self._relationships.event(r, event)]

    async def _check_meeting(self, r: Relationship, content: MeetingLogContent) -> None:
        """A linked meeting must be one of the relationship's (planned, held or cancelled)."""
        if content.meeting_id is None:
            return
        meeting = await self._relationships.home(r, MEETINGS).find_one(
            {"_id": content.meeting_id}, projection={"relationship_id": 1}
        )
        if meeting is None or meeting.get("relationship_id") != r.id:
            raise UnknownMeetingError(
                f"meeting_id {content.meeting_id!r} is not a meeting of this relationship"
            )

    async def write(self, caller: Principal, rel_id: str, content: MeetingLogContent) -> MeetingLog:
        """A party writes a log of a meeting → `meeting_log.written` (no text)."""
        r = await self._relationships.for_party(caller, rel_id)
        check_active(r)
        now = clock.now()
        check_dates(content, now.date())
        check_direction(r, content.direction)
        await self._check_meeting(r, content)
        side = r.side_of(caller.subject)
        assert side is not None  # for_party returned r, so the caller is a party

        async def write(log_id: str, _number: int) -> MeetingLog:
            written = MeetingLog(
                **content.model_dump(),
                id=log_id,
                relationship_id=r.id,
                programme_id=r.programme_id,
                author=caller.subject,
                author_side=side,
                written_with=written_with(r, caller.subject),
                written_at=now,
                revision=1,
            )
            document: Document = {
                "_id": written.id,
                **written.model_dump(mode="json", exclude={"id", "written_at", "edited_at"}),
                "written_at": now,
                "edited_at": None,
            }
            await self._outbox.insert(self._collection(r), document, self._written(r, now))
            return written

        return await self._numbered.take(self._collection(r), logs_of(r.id), write)

    async def logs(self, caller: Principal, rel_id: str) -> list[MeetingLog]:
        """The relationship's logs, newest meeting first."""
        r = await self._relationships.for_oversight(caller, rel_id)
        found = await self._numbered.walk(
            self._collection(r), logs_of(r.id), shown=kept_by("relationship_id", r.id)
        )
        shown = [_log(d) for d in found]
        return sorted(shown, key=lambda g: (g.met_on, g.written_at), reverse=True)

    async def _find(self, r: Relationship, log_id: str) -> MeetingLog:
        document = await self._collection(r).find_one({"_id": log_id})
        if document is None or not kept_by("relationship_id", r.id)(document):
            raise NotFoundError(f"no meeting log {log_id!r} in relationship {r.id!r}")
        return _log(document)

    async def one(self, caller: Principal, rel_id: str, log_id: str) -> MeetingLog:
        """One log of the relationship."""
        r = await self._relationships.for_oversight(caller, rel_id)
        return await self._find(r, log_id)

    async def change(
        self, caller: Principal, rel_id: str, log_id: str, content: MeetingLogContent
    ) -> MeetingLog:
        """Its author replaces a log's content (last write wins; see decisions.md)."""
        r = await self._relationships.for_party(caller, rel_id)
        check_active(r)
        current = await self._find(r, log_id)
        check_author(current, caller.subject)
        now = clock.now()
        check_dates(content, now.date())
        check_direction(r, content.direction)
        await self._check_meeting(r, content)
        result = await self._outbox.update(
            self._collection(r),
            current.id,
            {"$set": {**_content(content), "edited_at": now}, "$inc": {"revision": 1}},
            self._written(r, now),
            condition={"relationship_id": r.id, "author": caller.subject},
        )
        if not result.matched_count:  # erased meanwhile
            raise NotFoundError(f"no meeting log {log_id!r} in relationship {r.id!r}")
        return await self._find(r, log_id)

    async def erase_member(self, member_id: str, organisation_id: str) -> None:
        """Remove the logs `member_id` wrote; in the logs others wrote, show them as
        FORMER_MEMBER. Idempotent: a second run finds nothing to change."""
        for collection in (
            self._data.network(LOGS),
            self._data.system_organisation(organisation_id, LOGS),
        ):
            theirs = await blank(collection, {"author": member_id}, keep=_BLANKED_KEEPS)
            mentioned = await collection.find(
                {"written_with": member_id}, projection={"written_with": 1}
            ).to_list()
            for document in mentioned:
                await collection.update_one(
                    {"_id": document["_id"]},
                    {
                        "$set": {
                            "written_with": without_member(
                                document["written_with"], member_id, FORMER_MEMBER
                            )
                        }
                    },
                )
            if theirs or mentioned:
                log.info(
                    "meeting logs erased",
                    removed=len(theirs),
                    anonymised=len(mentioned),
                )
