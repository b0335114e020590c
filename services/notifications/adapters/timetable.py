"""What waits for its time, in the network database (ids, times and wording facts only: no
address, no name, nothing anyone wrote):

- `scheduled`: one document per mail that time will bring — a meeting's reminder per party,
  a held meeting's log, a survey's reminder — with `due_at`, replaced when the meeting moves
  and deleted when it is cancelled, held, or its relationship ends, or the survey answered;
- `digest_items`: what a digest will sum up — an unread message per recipient (gone when
  their read marker passes it), an alert per co-ordinator;
- `digest_state`: when each person's last digest of each kind went.

Every document's `_id` derives from what caused it, so redelivered events change nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from shared.mongo.databases import Document
from shared.mongo.effects import insert_once
from shared.tenancy import TenantData

SCHEDULED = "scheduled"
DIGEST_ITEMS = "digest_items"
DIGEST_STATE = "digest_state"


class Timetable:
    """The scheduled mails and the digests' items."""

    def __init__(self, data: TenantData) -> None:
        self._data = data

    async def plan(self, items: Sequence[Document]) -> None:
        """Schedule (or re-schedule: same `_id`, new time) mails."""
        collection = self._data.network(SCHEDULED)
        for item in items:
            await collection.replace_one({"_id": item["_id"]}, item, upsert=True)

    async def unplan(self, **where: Any) -> None:
        """Drop scheduled mails matching `where` (e.g. meeting_id=...)."""
        await self._data.network(SCHEDULED).delete_many(where)

    async def unplan_ids(self, ids: Iterable[str]) -> None:
        """Drop scheduled mails by id."""
        ids = sorted(set(ids))
        if ids:
            await self._data.network(SCHEDULED).delete_many({"_id": {"$in": ids}})

    async def due(self, now: datetime) -> list[Document]:
        """Scheduled mails whose time has come."""
        return await self._data.network(SCHEDULED).find({"due_at": {"$lte": now}}).to_list()

    async def collect(self, items: Sequence[Document]) -> None:
        """Add items to digests (each once)."""
        await insert_once(self._data.network(DIGEST_ITEMS), items)

    async def uncollect(self, **where: Any) -> None:
        """Take items out of digests (read messages)."""
        await self._data.network(DIGEST_ITEMS).delete_many(where)

    async def uncollect_ids(self, ids: Iterable[str]) -> None:
        """Take items out of digests by id (they were sent)."""
        ids = sorted(set(ids))
        if ids:
            await self._data.network(DIGEST_ITEMS).delete_many({"_id": {"$in": ids}})

    async def collected(self) -> list[Document]:
        """Every item waiting for a digest."""
        return await self._data.network(DIGEST_ITEMS).find({}).to_list()

    async def last_digests(self, keys: Iterable[str]) -> dict[str, datetime]:
        """When each `<kind>:<person>` last had a digest."""
        keys = sorted(set(keys))
        if not keys:
            return {}
        found = self._data.network(DIGEST_STATE).find({"_id": {"$in": keys}})
        return {str(d["_id"]): d["last_sent_at"] async for d in found}

    async def digest_sent(self, key: str, at: datetime) -> None:
        """Record a digest (by `_id`)."""
        await self._data.network(DIGEST_STATE).replace_one(
            {"_id": key}, {"_id": key, "last_sent_at": at}, upsert=True
        )

    async def forget(self, person_id: str) -> None:
        """An erased member's scheduled mails, digest items and digest times go (and items
        naming them as a message's author lose that)."""
        await self._data.network(SCHEDULED).delete_many({"person_id": person_id})
        await self._data.network(DIGEST_ITEMS).delete_many({"person_id": person_id})
        await self._data.network(DIGEST_ITEMS).delete_many({"author_id": person_id})
        for kind in ("unread_messages", "alerts"):
            await self._data.network(DIGEST_STATE).delete_one({"_id": f"{kind}:{person_id}"})
