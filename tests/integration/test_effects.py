"""Idempotent effects and bounded update batches on the real MongoDB-wire server."""

from __future__ import annotations

import asyncio

from pymongo import AsyncMongoClient, UpdateOne

from shared.mongo.databases import Document
from shared.mongo.effects import (
    INBOX_WINDOW,
    TRIM_EVERY,
    apply_once,
    bulk_update,
    insert_new,
    insert_once,
)
from shared.settings import ServiceSettings


async def test_an_effect_is_applied_once_per_event_id(
    settings: ServiceSettings, mongo: AsyncMongoClient[Document]
) -> None:
    counts = mongo[f"{settings.db_prefix}_effects"]["counts"]
    assert await apply_once(counts, "c", {"$inc": {"n": 1}}, "event-1")
    assert not await apply_once(counts, "c", {"$inc": {"n": 1}}, "event-1")
    assert await apply_once(counts, "c", {"$inc": {"n": 1}}, "event-2")
    doc = await counts.find_one({"_id": "c"})
    assert doc is not None and doc["n"] == 2


async def test_the_inbox_window_stays_bounded_and_recent_redeliveries_still_dedupe(
    settings: ServiceSettings, mongo: AsyncMongoClient[Document]
) -> None:
    counts = mongo[f"{settings.db_prefix}_effects"]["window"]
    ids = [f"event-{n}" for n in range(INBOX_WINDOW * 3)]
    for event_id in ids:
        await apply_once(counts, "w", {"$inc": {"n": 1}}, event_id)
    doc = await counts.find_one({"_id": "w"})
    assert doc is not None
    assert doc["n"] == len(ids)
    assert INBOX_WINDOW <= len(doc["_inbox"]) < INBOX_WINDOW + 20 * TRIM_EVERY
    assert doc["_inbox"][-1] == ids[-1]
    assert ids[0] not in doc["_inbox"]
    for event_id in ids[-INBOX_WINDOW:]:  # a redelivery of the last window changes nothing
        assert not await apply_once(counts, "w", {"$inc": {"n": 1}}, event_id)
    doc = await counts.find_one({"_id": "w"})
    assert doc is not None
    assert doc["n"] == len(ids)


async def test_insert_once_counts_only_new_documents(
    settings: ServiceSettings, mongo: AsyncMongoClient[Document]
) -> None:
    things = mongo[f"{settings.db_prefix}_effects"]["things"]
    assert await insert_once(things, [{"_id": i} for i in range(5)]) == 5
    assert await insert_once(things, [{"_id": i} for i in range(3, 8)]) == 3
    assert await things.count_documents({}) == 8


async def test_insert_new_tells_the_documents_inserted_from_those_already_there(
    settings: ServiceSettings, mongo: AsyncMongoClient[Document]
) -> None:
    things = mongo[f"{settings.db_prefix}_effects"]["new_things"]
    assert await insert_new(things, [{"_id": i} for i in range(3)]) == ([0, 1, 2], [])
    assert await insert_new(things, [{"_id": i} for i in (4, 1, 5, 2)]) == ([4, 5], [1, 2])
    assert await insert_new(things, []) == ([], [])
    assert await things.count_documents({}) == 5


async def test_a_large_update_batch_is_split_so_ferretdb_does_not_hang(
    settings: ServiceSettings, mongo: AsyncMongoClient[Document]
) -> None:
    # One update command of 100 statements hangs FerretDB; this would time out.
    things = mongo[f"{settings.db_prefix}_effects"]["bulk"]
    await things.insert_many([{"_id": i, "v": 0} for i in range(120)])
    operations = [UpdateOne({"_id": i}, {"$set": {"v": i}}) for i in range(120)]
    async with asyncio.timeout(60):
        modified = await bulk_update(things, operations)
    assert modified == 119  # _id 0 already had v == 0
    assert await things.count_documents({"v": 77}) == 1
