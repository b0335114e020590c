"""Consumer effects that happen once per event id, however often Kafka redelivers it.

Each effect is one single-document write that also records the event id, so the effect and
its deduplication are atomic without a transaction (FerretDB v1 has none).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Any

from pymongo import DeleteOne, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError

from shared.mongo.databases import Document

INBOX_FIELD = "_inbox"
# A document remembers the last event ids that changed it; redelivery happens within a batch
# or two of the original, far inside this window.
INBOX_WINDOW = 200
# FerretDB ignores `$push`'s `$slice` (seen in our own probe), so the window is kept by
# a separate trim, run for about one event in TRIM_EVERY (chosen by event id, so it is
# deterministic); between trims a document holds at most a few dozen ids more.
TRIM_EVERY = 16
# FerretDB hangs on an update command with more statements than its connection pool; keep
# every update batch well below that.
MAX_UPDATE_BATCH = 25
_DUPLICATE_KEY = 11000


async def apply_once(
    collection: AsyncCollection[Document],
    document_id: Any,
    update: Document,
    event_id: str,
    *,
    upsert: bool = True,
) -> bool:
    """Apply `update` to one document unless event `event_id` already did; True if applied."""
    merged = {k: dict(v) for k, v in update.items()}
    merged.setdefault("$push", {})[INBOX_FIELD] = event_id
    try:
        result = await collection.update_one(
            {"_id": document_id, INBOX_FIELD: {"$ne": event_id}}, merged, upsert=upsert
        )
    except DuplicateKeyError:
        # The document exists and already holds this event id, so the upsert tried to insert
        # a second document with the same _id: the effect was applied before.
        return False
    applied = bool(result.modified_count or result.upserted_id is not None)
    if applied and hash_bucket(event_id) == 0:
        await _trim_inbox(collection, document_id)
    return applied


def hash_bucket(event_id: str) -> int:
    """A stable bucket in [0, TRIM_EVERY) for an event id."""
    return zlib.crc32(event_id.encode()) % TRIM_EVERY


async def _trim_inbox(collection: AsyncCollection[Document], document_id: Any) -> None:
    """Forget all but the newest INBOX_WINDOW event ids of one document.

    `$pullAll` of the named oldest ids is safe beside concurrent pushes: it removes exactly
    those values and nothing a concurrent writer added.
    """
    document = await collection.find_one({"_id": document_id}, projection={INBOX_FIELD: 1})
    inbox: list[str] = (document or {}).get(INBOX_FIELD, [])
    if len(inbox) > INBOX_WINDOW:
        oldest = inbox[: len(inbox) - INBOX_WINDOW]
        await collection.update_one({"_id": document_id}, {"$pullAll": {INBOX_FIELD: oldest}})


async def insert_once(collection: AsyncCollection[Document], documents: Sequence[Document]) -> int:
    """Insert documents whose `_id` derives from an event id; returns how many were new."""
    if not documents:
        return 0
    try:
        result = await collection.insert_many(list(documents), ordered=False)
    except BulkWriteError as exc:
        others = [e for e in exc.details.get("writeErrors", []) if e.get("code") != _DUPLICATE_KEY]
        if others:
            raise
        return int(exc.details.get("nInserted", 0))
    return len(result.inserted_ids)


async def insert_new(
    collection: AsyncCollection[Document], documents: Sequence[Document]
) -> tuple[list[Any], list[Any]]:
    """Insert documents in one batch, each once by its `_id`; returns the `_id`s inserted now
    and those refused because they were there already (each duplicate is refused alone)."""
    if not documents:
        return [], []
    batch = list(documents)
    try:
        await collection.insert_many(batch, ordered=False)
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        if any(e.get("code") != _DUPLICATE_KEY for e in errors):
            raise
        refused = {int(e["index"]) for e in errors}
        return (
            [d["_id"] for i, d in enumerate(batch) if i not in refused],
            [d["_id"] for i, d in enumerate(batch) if i in refused],
        )
    return [d["_id"] for d in batch], []


async def bulk_update(
    collection: AsyncCollection[Document], operations: Sequence[UpdateOne | DeleteOne]
) -> int:
    """Run update (or delete) statements in batches FerretDB can take; returns documents
    modified (or deleted)."""
    modified = 0
    for start in range(0, len(operations), MAX_UPDATE_BATCH):
        chunk = list(operations[start : start + MAX_UPDATE_BATCH])
        result = await collection.bulk_write(chunk, ordered=True)
        modified += result.modified_count + result.upserted_count + result.deleted_count
    return modified
