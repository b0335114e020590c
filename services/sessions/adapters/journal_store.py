"""Reflective journals (seed 000, Clutterbuck and Megginson's six stages) through the data
door, for the caller.

Where they live: in the author's own organisation's database (`TenantData.own`), numbered per
member (`journal:<member>:<n>`), so they are found by `_id` alone. Who reads or changes an
entry: its author, nobody else. Every entry found is checked to be the caller's
(`kept_by("author", …)`), so a colleague, an admin or a co-ordinator of the same
organisation who guesses an id gets 404, as everyone of another organisation does; a caller
that is not a member (an integration client) has no journal.

An entry's context (a meeting log, a circle session) is checked when written: the author must
be a party of the relationship (and the log one of its logs) or a member of the circle (and
the session one of its sessions).

Sharing copies the entry as it is into the relationship (`reflections`, beside its logs:
`RelationshipStore.home`), where the relationship's parties and the programme's co-ordinators
read it (`for_oversight`), and records the sharing on the entry. Nothing here publishes an
event. Erasure blanks the member's entries and the copies they shared, in place.
"""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from services.sessions.adapters.circle_session_store import CircleSessionStore
from services.sessions.adapters.circle_store import CircleStore
from services.sessions.adapters.log_store import MeetingLogStore
from services.sessions.adapters.relationship_store import RelationshipStore
from services.sessions.domain.journal import (
    ContextKind,
    JournalContext,
    JournalEntry,
    JournalEntryContent,
    SharedReflection,
    Sharing,
    check_not_shared,
    check_room,
    journal_of,
    reflections_of,
)
from services.sessions.domain.relationships import check_active
from shared import clock
from shared.auth.principal import CallerKind, Principal
from shared.errors import NotFoundError
from shared.logging import get_logger
from shared.mongo.databases import Document
from shared.mongo.numbered import NumberedRecords, blank, kept_by
from shared.mongo.outbox import OutboxWriter
from shared.tenancy import TenantData

log = get_logger(__name__)

JOURNAL = "journal_entries"
REFLECTIONS = "shared_reflections"


def _entry(document: Document) -> JournalEntry:
    fields = {k: v for k, v in document.items() if not k.startswith("_")}
    return JournalEntry.model_validate({**fields, "id": document["_id"]})


def _reflection(document: Document) -> SharedReflection:
    fields = {k: v for k, v in document.items() if not k.startswith("_")}
    return SharedReflection.model_validate({**fields, "id": document["_id"]})


class JournalStore:
    """Each member's own journal, and the entries they chose to share into a relationship."""

    def __init__(
        self,
        data: TenantData,
        outbox: OutboxWriter,
        numbered: NumberedRecords,
        relationships: RelationshipStore,
        meeting_logs: MeetingLogStore,
        circles: CircleStore,
        circle_sessions: CircleSessionStore,
    ) -> None:
        self._data = data
        self._outbox = outbox
        self._numbered = numbered
        self._relationships = relationships
        self._meeting_logs = meeting_logs
        self._circles = circles
        self._circle_sessions = circle_sessions

    def _journal(self, caller: Principal, member_id: str) -> AsyncCollection[Document]:
        """The caller's journal, named `me` or by their own member id: anyone else's, and a
        client's (a client has none), is a 404."""
        if caller.kind is not CallerKind.MEMBER or member_id not in ("me", caller.subject):
            raise NotFoundError(f"no member {member_id!r} whose journal you can see")
        return self._data.own(caller, JOURNAL)

    async def _check_context(self, caller: Principal, context: JournalContext | None) -> None:
        """The log or session reflected on is one the author took part in."""
        if context is None:
            return
        # The context's own validation guarantees the two ids of its kind are given.
        if context.kind is ContextKind.MEETING_LOG:
            rel_id, log_id = context.relationship_id or "", context.log_id or ""
            await self._relationships.for_party(caller, rel_id)
            await self._meeting_logs.one(caller, rel_id, log_id)
        else:
            circle_id, session_id = context.circle_id or "", context.session_id or ""
            await self._circles.for_member(caller, circle_id)
            await self._circle_sessions.one(caller, circle_id, session_id)

    async def entries(self, caller: Principal, member_id: str) -> list[JournalEntry]:
        """The caller's entries, newest first."""
        found = await self._numbered.walk(
            self._journal(caller, member_id),
            journal_of(caller.subject),
            shown=kept_by("author", caller.subject),
        )
        return sorted(map(_entry, found), key=lambda e: e.written_at, reverse=True)

    async def one(self, caller: Principal, member_id: str, entry_id: str) -> JournalEntry:
        """One of the caller's entries; anyone else's is a 404."""
        document = await self._journal(caller, member_id).find_one({"_id": entry_id})
        if document is None or not kept_by("author", caller.subject)(document):
            raise NotFoundError(f"no entry {entry_id!r} in your journal")
        return _entry(document)

    async def write(
        self, caller: Principal, member_id: str, content: JournalEntryContent
    ) -> JournalEntry:
        """A new entry in the caller's journal (no event)."""
        journal = self._journal(caller, member_id)
        await self._check_context(caller, content.context)
        check_room(await self._numbered.newest(journal, journal_of(caller.subject)))
        now = clock.now()

        async def write(entry_id: str, _number: int) -> JournalEntry:
            entry = JournalEntry(
                **content.model_dump(),
                id=entry_id,
                author=caller.subject,
                written_at=now,
                revision=1,
            )
            document: Document = {
                "_id": entry.id,
                **entry.model_dump(mode="json", exclude={"id", "written_at"}),
                "written_at": now,
            }
            await journal.insert_one(document)
            return entry

        return await self._numbered.take(journal, journal_of(caller.subject), write)

    async def change(
        self, caller: Principal, member_id: str, entry_id: str, content: JournalEntryContent
    ) -> JournalEntry:
        """The author replaces an entry's content; copies shared before stay as they were."""
        current = await self.one(caller, member_id, entry_id)
        await self._check_context(caller, content.context)
        changed: dict[str, Any] = {**content.model_dump(mode="json"), "edited_at": clock.now()}
        result = await self._outbox.update(
            self._journal(caller, member_id),
            current.id,
            {"$set": changed, "$inc": {"revision": 1}},
            [],
            condition={"author": caller.subject},
        )
        if not result.matched_count:  # erased meanwhile
            raise NotFoundError(f"no entry {entry_id!r} in your journal")
        return await self.one(caller, member_id, entry_id)

    async def remove(self, caller: Principal, member_id: str, entry_id: str) -> None:
        """The author removes an entry, and the copies they shared with it: each blanked in
        place (its number stays taken)."""
        current = await self.one(caller, member_id, entry_id)
        await blank(self._journal(caller, member_id), {"_id": current.id}, keep=[])
        for sharing in current.shared:
            r = await self._relationships.for_party(caller, sharing.relationship_id)
            await blank(
                self._relationships.home(r, REFLECTIONS),
                {"_id": sharing.reflection_id},
                keep=["relationship_id"],
            )

    async def share(
        self, caller: Principal, member_id: str, entry_id: str, rel_id: str
    ) -> SharedReflection:
        """The author shares a copy of an entry into a relationship they are a party of,
        for its parties and co-ordinators to read (no event)."""
        entry = await self.one(caller, member_id, entry_id)
        r = await self._relationships.for_party(caller, rel_id)
        check_active(r)
        check_not_shared(entry, r.id)
        reflections = self._relationships.home(r, REFLECTIONS)
        now = clock.now()

        async def write(reflection_id: str, _number: int) -> SharedReflection:
            reflection = SharedReflection(
                **entry.model_dump(include=set(JournalEntryContent.model_fields)),
                id=reflection_id,
                relationship_id=r.id,
                programme_id=r.programme_id,
                author=caller.subject,
                entry_id=entry.id,
                shared_at=now,
            )
            document: Document = {
                "_id": reflection.id,
                **reflection.model_dump(mode="json", exclude={"id", "shared_at"}),
                "shared_at": now,
            }
            await reflections.insert_one(document)
            return reflection

        shared = await self._numbered.take(reflections, reflections_of(r.id), write)
        sharing = Sharing(relationship_id=r.id, reflection_id=shared.id, shared_at=now)
        await self._outbox.update(
            self._journal(caller, member_id),
            entry.id,
            {"$push": {"shared": {**sharing.model_dump(mode="json"), "shared_at": now}}},
            [],
            condition={"author": caller.subject},
        )
        return shared

    async def shared_into(self, caller: Principal, rel_id: str) -> list[SharedReflection]:
        """What the parties shared into a relationship, newest first (its parties and the
        programme's co-ordinators)."""
        r = await self._relationships.for_oversight(caller, rel_id)
        found = await self._numbered.walk(
            self._relationships.home(r, REFLECTIONS),
            reflections_of(r.id),
            shown=kept_by("relationship_id", r.id),
        )
        return sorted(map(_reflection, found), key=lambda g: g.shared_at, reverse=True)

    async def erase_member(self, member_id: str, organisation_id: str) -> None:
        """Blank the member's entries and the copies they shared. Idempotent."""
        entries = await blank(
            self._data.system_organisation(organisation_id, JOURNAL),
            {"author": member_id},
            keep=[],
        )
        shared = 0
        for collection in (
            self._data.network(REFLECTIONS),
            self._data.system_organisation(organisation_id, REFLECTIONS),
        ):
            shared += len(await blank(collection, {"author": member_id}, keep=["relationship_id"]))
        if entries or shared:
            log.info("journal erased", entries=len(entries), shared=shared)
