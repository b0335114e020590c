"""Keep, per document, only the newest version of one part of it (by event time).

Profiles, readiness, a programme's terms and its status each arrive as whole replacements; the
newest event wins, and a redelivered or late older one changes nothing. FerretDB scans a
collection for every update statement (docs/decisions.md 3 and 10), so a batch costs one `$in`
read of what exists, one `insert_many` for documents not seen before, and guarded updates (at
most MAX_UPDATE_BATCH per command) only where the stored version is older.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError

from shared.mongo.databases import Document
from shared.mongo.effects import bulk_update

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DUPLICATE_KEY = 11000


def version_of(time: datetime) -> int:
    """An event time as whole microseconds since the epoch (exact, unlike BSON dates' ms)."""
    return (time - _EPOCH) // timedelta(microseconds=1)


@dataclass(frozen=True)
class Versioned:
    """One part of one document, as of one event."""

    document_id: str
    version: int
    fields: Document


def newest(items: Sequence[Versioned]) -> list[Versioned]:
    """The newest item per document; on equal versions the later one in the log wins."""
    latest: dict[str, Versioned] = {}
    for item in items:
        current = latest.get(item.document_id)
        if current is None or item.version >= current.version:
            latest[item.document_id] = item
    return list(latest.values())


async def write_latest(
    collection: AsyncCollection[Document], part: str, items: Sequence[Versioned]
) -> int:
    """Store each item unless its document holds `part` at the same or a newer version.

    Returns how many documents changed. Idempotent: a redelivery finds its version stored.
    """
    version_field = f"{part}_version"
    latest = newest(items)
    if not latest:
        return 0
    stored: dict[str, int] = {
        d["_id"]: d.get(version_field, -1)
        for d in await collection.find(
            {"_id": {"$in": [i.document_id for i in latest]}}, projection={version_field: 1}
        ).to_list()
    }
    fresh = [i for i in latest if i.document_id not in stored]
    stale = [i for i in latest if i.document_id in stored and stored[i.document_id] < i.version]
    inserted, raced = await _insert(collection, version_field, fresh)
    updates = [
        UpdateOne(
            {
                "_id": i.document_id,
                "$or": [{version_field: {"$exists": False}}, {version_field: {"$lt": i.version}}],
            },
            {"$set": {**i.fields, version_field: i.version}},
        )
        for i in [*stale, *raced]
    ]
    return inserted + await bulk_update(collection, updates)


async def _insert(
    collection: AsyncCollection[Document], version_field: str, items: list[Versioned]
) -> tuple[int, list[Versioned]]:
    """Insert new documents; those another writer created meanwhile are returned to update."""
    if not items:
        return 0, []
    documents = [{"_id": i.document_id, **i.fields, version_field: i.version} for i in items]
    try:
        await collection.insert_many(documents, ordered=False)
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        if any(e.get("code") != _DUPLICATE_KEY for e in errors):
            raise
        raced = [items[e["index"]] for e in errors]
        return int(exc.details.get("nInserted", 0)), raced
    return len(items), []
