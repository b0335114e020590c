"""Bulk inserts stage their events in one batch beside the collection (real Kafka, real
MongoDB-wire server): only the events of documents written are published, whether the insert
finishes, is refused midway, or its writer dies and the sweep settles the batch."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from pymongo.errors import BulkWriteError

from shared.contracts.registry import OrganisationJoined
from shared.events.catalogue import catalogue, new_event
from shared.events.envelope import Envelope
from shared.events.topics import domain_topic
from shared.mongo.outbox import marked_events, published_collection
from shared.mongo.outbox_staging import (
    BATCH_FIELD,
    OUTBOX_FIELD,
    pending_from_batch,
    staged_batch,
    staged_collection,
)
from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings
from tests.integration.conftest import read_topic


@pytest.fixture
async def runtime(settings: ServiceSettings) -> AsyncIterator[ServiceRuntime]:
    """A started registry runtime whose outbox covers the `things` collection."""
    runtime = ServiceRuntime("registry", settings, outbox_collections=["things"])
    await runtime.start()
    try:
        yield runtime
    finally:
        await runtime.stop()


def _joined(n: int) -> Envelope:
    data = OrganisationJoined(
        organisation_id="org_bulk", name=f"Org {n}", joined_at=datetime.now(UTC)
    )
    return new_event(data, organisation="org_bulk")


async def _published_ids(settings: ServiceSettings, expect: int) -> list[str]:
    records = await read_topic(domain_topic(settings.topic_prefix, "registry"), expect=expect)
    return [str(catalogue.parse(r.value).envelope.id) for r in records]  # type: ignore[attr-defined]


async def _marked(runtime: ServiceRuntime, event_ids: list[str]) -> None:
    markers = runtime.databases.network[published_collection("things")]
    async with asyncio.timeout(10):
        while not set(event_ids) <= {e async for m in markers.find({}) for e in marked_events(m)}:
            await asyncio.sleep(0.05)


async def test_a_bulk_insert_publishes_in_order_and_leaves_its_documents_small(
    settings: ServiceSettings, runtime: ServiceRuntime
) -> None:
    things = runtime.databases.network["things"]
    staged = runtime.databases.network[staged_collection("things")]
    events = [[_joined(2 * n), _joined(2 * n + 1)] for n in range(20)]
    await runtime.outbox.insert_many(
        things, [({"_id": n, "n": n}, pair) for n, pair in enumerate(events)]
    )
    written = [str(e.id) for pair in events for e in pair]
    assert await _published_ids(settings, expect=40) == written
    stored = await things.find_one({"_id": 3})
    assert stored is not None and OUTBOX_FIELD not in stored and stored[BATCH_FIELD]
    await _marked(runtime, written)
    # The next sweep publishes nothing again and deletes the batch, then the markers.
    assert await runtime.sweep_outbox() == 0
    assert await staged.count_documents({}) == 0
    await runtime.sweep_outbox()
    markers = runtime.databases.network[published_collection("things")]
    assert await markers.count_documents({}) == 0


async def test_a_bulk_insert_refused_midway_publishes_only_what_it_wrote(
    settings: ServiceSettings, runtime: ServiceRuntime
) -> None:
    things = runtime.databases.network["things"]
    staged = runtime.databases.network[staged_collection("things")]
    await things.insert_one({"_id": 5, "n": "already there"})
    events = [_joined(n) for n in range(10)]
    with pytest.raises(BulkWriteError):
        await runtime.outbox.insert_many(things, [({"_id": n}, [e]) for n, e in enumerate(events)])
    assert await _published_ids(settings, expect=5) == [str(e.id) for e in events[:5]]
    [batch] = await staged.find({}).to_list()
    assert [p.event_id for p in pending_from_batch("db", "things", batch)] == [
        str(e.id) for e in events[:5]
    ]


async def test_the_sweep_settles_a_batch_whose_writer_died(
    settings: ServiceSettings, runtime: ServiceRuntime
) -> None:
    """As a writer killed mid-insert leaves it: its batch, and only some of its documents
    written. A document of the same id written by someone else does not count."""
    things = runtime.databases.network["things"]
    staged = runtime.databases.network[staged_collection("things")]
    events = [_joined(n) for n in range(4)]
    batch, documents, _ = staged_batch(
        things.database.name,
        "things",
        [({"_id": f"t{n}"}, [e]) for n, e in enumerate(events)],
        settings.topic_prefix,
    )
    await staged.insert_one({**batch, "at": datetime.now(UTC) - timedelta(minutes=1)})
    await things.insert_many(documents[:2])
    await things.insert_one({"_id": "t2", "written": "by another writer"})

    runtime.relay.staged_grace = timedelta(minutes=5)
    assert await runtime.sweep_outbox() == 0, "a young batch's writer may still be at work"

    runtime.relay.staged_grace = timedelta(seconds=30)
    assert await runtime.sweep_outbox() == 2
    kept = [str(e.id) for e in events[:2]]
    assert await _published_ids(settings, expect=2) == kept
    [left] = await staged.find({}).to_list()
    assert [p.event_id for p in pending_from_batch("db", "things", left)] == kept

    await _marked(runtime, kept)
    assert await runtime.sweep_outbox() == 0
    assert await staged.count_documents({}) == 0
