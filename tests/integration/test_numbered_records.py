"""Numbered records on the real MongoDB-wire server: numbers taken once each by racing
writers of separate instances, lists and newest numbers found by `_id` alone."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection

from shared.errors import ConflictError
from shared.mongo.claims import REVISION
from shared.mongo.databases import Document
from shared.mongo.numbered import NumberedRecords, blank, numbered_id
from shared.mongo.outbox_staging import OUTBOX_FIELD
from shared.mongo.server import is_ferretdb
from shared.settings import ServiceSettings


def inserter(
    collection: AsyncCollection[Document], text: str
) -> Callable[[str, int], Awaitable[int]]:
    async def write(record_id: str, number: int) -> int:
        await collection.insert_one({"_id": record_id, "number": number, "text": text})
        return number

    return write


async def test_racing_instances_take_every_number_once_and_leave_no_gap(
    settings: ServiceSettings, mongo: AsyncMongoClient[Document]
) -> None:
    collection = mongo[f"{settings.db_prefix}_numbered"]["records"]
    instances = [NumberedRecords(), NumberedRecords(), NumberedRecords()]

    async def writer(i: int) -> int:
        records = instances[i % len(instances)]
        while True:  # as a client told "send it again" does
            try:
                return await records.take(collection, "thread:a", inserter(collection, f"w{i}"))
            except ConflictError:
                await asyncio.sleep(0.01)

    taken = await asyncio.gather(*(writer(i) for i in range(24)))
    assert sorted(taken) == list(range(1, 25))
    walked = await NumberedRecords().walk(collection, "thread:a")
    assert [d["number"] for d in walked] == list(range(1, 25))
    assert [d["_id"] for d in walked] == [numbered_id("thread:a", n) for n in range(1, 25)]
    # Another owner in the same collection is numbered apart.
    other = await instances[0].take(collection, "thread:b", inserter(collection, "b"))
    assert other == 1


async def test_the_newest_number_is_found_cold_and_from_a_stale_hint(
    settings: ServiceSettings, mongo: AsyncMongoClient[Document]
) -> None:
    collection = mongo[f"{settings.db_prefix}_numbered"]["records"]
    assert await NumberedRecords().newest(collection, "log:r") == 0
    await collection.insert_many(
        [{"_id": numbered_id("log:r", n), "number": n} for n in range(1, 38)]
    )
    assert await NumberedRecords().newest(collection, "log:r") == 37  # cold: doubling, halving
    stale = NumberedRecords()
    assert await stale.newest(collection, "log:r") == 37
    await collection.insert_many(
        [{"_id": numbered_id("log:r", n), "number": n} for n in range(38, 41)]
    )
    assert await stale.newest(collection, "log:r") == 40  # a hint left behind catches up


async def test_a_run_goes_either_way_skips_what_is_not_shown_and_stops_at_the_end(
    settings: ServiceSettings, mongo: AsyncMongoClient[Document]
) -> None:
    collection = mongo[f"{settings.db_prefix}_numbered"]["records"]
    await collection.insert_many(
        [{"_id": numbered_id("m:r", n), "number": n, "removed": n % 3 == 0} for n in range(1, 21)]
    )
    records = NumberedRecords()

    def shown(d: Document) -> bool:
        return not d["removed"]

    down = await records.run(collection, "m:r", start=20, step=-1, want=5, shown=shown)
    assert [d["number"] for d in down] == [20, 19, 17, 16, 14]
    up = await records.run(collection, "m:r", start=15, step=1, want=50, shown=shown)
    assert [d["number"] for d in up] == [16, 17, 19, 20]
    assert [d["number"] for d in await records.run(collection, "m:r", start=2, step=-1)] == [2, 1]
    assert [d["number"] for d in await records.walk(collection, "m:r", after=18)] == [19, 20]


async def test_a_blanked_record_keeps_its_number_and_nothing_else(
    settings: ServiceSettings, mongo: AsyncMongoClient[Document]
) -> None:
    collection = mongo[f"{settings.db_prefix}_numbered"]["records"]
    records = NumberedRecords()
    for text in ("mine", "theirs", "mine again"):
        await records.take(collection, "log:r", inserter(collection, text))
    left = await blank(collection, {"text": {"$in": ["mine", "mine again"]}}, keep=["number"])
    assert sorted(d["number"] for d in left) == [1, 3]
    walked = await NumberedRecords().walk(collection, "log:r")
    assert [(d["number"], d.get("text"), d.get("removed")) for d in walked] == [
        (1, None, True),
        (2, "theirs", None),
        (3, None, True),
    ]
    assert await NumberedRecords().newest(collection, "log:r") == 3  # never handed out again


async def test_a_blanked_record_keeps_the_events_it_has_still_to_publish(
    settings: ServiceSettings, mongo: AsyncMongoClient[Document]
) -> None:
    """Erased a moment after it was written, before the relay published its event: the
    event stays for the sweep to find (and the record keeps its revision for guards)."""
    collection = mongo[f"{settings.db_prefix}_numbered"]["records"]
    pending = {"e1": {"topic": "t.sessions", "key": "k", "value": "{}", "seq": 0}}
    await collection.insert_one(
        {"_id": numbered_id("log:r", 1), "text": "mine", OUTBOX_FIELD: pending, REVISION: 3}
    )
    left = await blank(collection, {"text": "mine"}, keep=[])
    assert left == [{"_id": numbered_id("log:r", 1), REVISION: 3}]
    stored = await collection.find_one({"_id": numbered_id("log:r", 1)})
    assert stored is not None
    # Blanking is itself a claimed change on FerretDB (revision 4); MongoDB leaves it at 3.
    assert stored.pop(REVISION) in {3, 4}
    assert stored == {"_id": numbered_id("log:r", 1), OUTBOX_FIELD: pending, "removed": True}


async def test_a_hint_above_what_exists_is_detected_and_leaves_no_gap(
    settings: ServiceSettings, mongo: AsyncMongoClient[Document]
) -> None:
    """An instance that remembers numbers its database no longer has (restored, or replaced
    under it) must not take a number past a gap: every later record would vanish from lists."""
    collection = mongo[f"{settings.db_prefix}_numbered"]["records"]
    records = NumberedRecords()
    for text in ("a", "b", "c", "d", "e"):
        await records.take(collection, "log:r", inserter(collection, text))
    assert await records.newest(collection, "log:r") == 5
    # The database goes back to an older copy holding two records; the hint still says 5.
    restored = mongo[f"{settings.db_prefix}_numbered"]["restored"]
    await restored.insert_many([{"_id": numbered_id("log:r", n), "number": n} for n in (1, 2)])
    records._newest[records._key(restored, "log:r")] = 5
    assert await records.newest(restored, "log:r") == 2
    taken = await records.take(restored, "log:r", inserter(restored, "after"))
    assert taken == 3
    walked = await NumberedRecords().walk(restored, "log:r")
    assert [d["number"] for d in walked] == [1, 2, 3]


async def test_the_range_walk_for_mongodb_finds_what_the_lookups_find(
    settings: ServiceSettings, mongo: AsyncMongoClient[Document]
) -> None:
    """MongoDB proper walks by one `_id` range query; run here on the same data, it must
    answer as the lookups do — including beside an owner whose id starts with this one's."""
    collection = mongo[f"{settings.db_prefix}_numbered"]["records"]
    await collection.insert_many(
        [{"_id": numbered_id("m:r", n), "number": n, "removed": n % 3 == 0} for n in range(1, 21)]
        + [{"_id": numbered_id("m:r:0000000004", n), "number": -n} for n in range(1, 4)]
        + [{"_id": numbered_id("m:q", n), "number": 100 + n} for n in (1, 2, 4)]  # a gap at 3
    )

    def shown(d: Document) -> bool:
        return not d.get("removed")

    asked = [
        ("m:r", {"start": 20, "step": -1, "want": 5, "shown": shown}),
        ("m:r", {"start": 15, "step": 1, "want": 50, "shown": shown}),
        ("m:r", {"start": 2, "step": -1}),
        ("m:r", {"start": 1, "step": 1}),
        ("m:r", {"start": 21, "step": 1}),
        ("m:q", {"start": 1, "step": 1}),
        ("m:none", {"start": 1, "step": 1}),
    ]
    for owner, how in asked:
        by_lookups = await NumberedRecords(by_range=False).run(collection, owner, **how)  # type: ignore[arg-type]
        by_range = await NumberedRecords(by_range=True).run(collection, owner, **how)  # type: ignore[arg-type]
        assert [d["_id"] for d in by_range] == [d["_id"] for d in by_lookups], (owner, how)
    assert await NumberedRecords(by_range=True).newest(collection, "m:r") == 20
    assert await NumberedRecords(by_range=True).newest(collection, "m:none") == 0
    ranged = NumberedRecords(by_range=True)
    assert await ranged.take(collection, "m:r", inserter(collection, "next")) == 21
    assert [d["number"] for d in await ranged.walk(collection, "m:r", after=19)] == [20, 21]


async def test_a_walk_asks_for_several_numbers_in_one_query_the_id_index_answers(
    settings: ServiceSettings, mongo: AsyncMongoClient[Document]
) -> None:
    database = mongo[f"{settings.db_prefix}_numbered"]
    collection = database["indexed"]
    await collection.insert_many(
        [{"_id": numbered_id("rel:i", n), "number": n} for n in range(1, 6)]
        + [{"_id": f"other-{n}", "number": n} for n in range(200)]
    )
    wanted = [numbered_id("rel:i", n) for n in (2, 3, 9)]
    found = [d["_id"] async for d in collection.find({"_id": {"$in": wanted}})]
    assert sorted(found) == wanted[:2]
    plan = await database.command(
        "explain", {"find": "indexed", "filter": {"_id": {"$in": wanted}}}
    )
    if await is_ferretdb(mongo):
        # deploy/local/ferretdb/patches/sqlite-id-in-uses-index.patch: without it, a scan.
        assert "USING INDEX" in " ".join(plan["queryPlanner"]["Plan"])
    else:
        assert "COLLSCAN" not in str(plan["queryPlanner"]["winningPlan"])
    records = NumberedRecords()
    assert [d["number"] for d in await records.walk(collection, "rel:i")] == [1, 2, 3, 4, 5]
    assert await records.newest(collection, "rel:i") == 5
    await collection.insert_one({"_id": numbered_id("rel:i", 6), "number": 6})
    # From the hint (5): the query for 5 and 6 finds both, so the search goes on past 6.
    assert await records.newest(collection, "rel:i") == 6


async def test_an_owner_seen_empty_is_walked_again_from_its_first_number(
    settings: ServiceSettings, mongo: AsyncMongoClient[Document]
) -> None:
    collection = mongo[f"{settings.db_prefix}_numbered"]["seen_empty"]
    here, elsewhere = NumberedRecords(), NumberedRecords()
    assert await here.walk(collection, "rel:e") == []  # remembered as none yet
    for text in ("a", "b", "c"):
        await elsewhere.take(collection, "rel:e", inserter(collection, text))
    assert [d["text"] for d in await here.walk(collection, "rel:e")] == ["a", "b", "c"]
    assert await here.take(collection, "rel:e", inserter(collection, "d")) == 4
