"""The outbox against real Kafka and the real MongoDB-wire server."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from pymongo import AsyncMongoClient
from pymongo.errors import DuplicateKeyError

from shared.contracts.registry import OrganisationJoined
from shared.events.catalogue import catalogue, new_event
from shared.events.envelope import Envelope
from shared.events.topics import domain_topic
from shared.mongo import outbox
from shared.mongo.databases import Document
from shared.mongo.outbox import marked_events, published_collection
from shared.mongo.outbox_staging import OUTBOX_FIELD, pending_from, stage
from shared.mongo.pacing import Pace
from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings
from tests.integration.conftest import read_topic
from tests.integration.crash_writer import COLLECTION


async def test_a_process_killed_between_write_and_publish_loses_nothing(
    settings: ServiceSettings, mongo: AsyncMongoClient[Document]
) -> None:
    env = {
        **os.environ,
        "MENTORNET_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
        "MENTORNET_MONGO_URL": settings.mongo_url,
        "MENTORNET_DB_PREFIX": settings.db_prefix,
        "MENTORNET_TOPIC_PREFIX": settings.topic_prefix,
        "MENTORNET_LOG_LEVEL": "WARNING",
    }
    crashed = subprocess.run(  # noqa: ASYNC221 - a child process must die, on purpose
        [sys.executable, "-m", "tests.integration.crash_writer", "org_c0ffee000001"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert crashed.returncode == -9, crashed.stderr
    event_id = crashed.stdout.strip().splitlines()[-1].removeprefix("event ")

    network = mongo[f"{settings.db_prefix}_registry_network"][COLLECTION]
    stored = await network.find_one({"_id": "org_c0ffee000001"})
    assert stored is not None
    staged = [p.event_id for p in pending_from("db", COLLECTION, stored)]
    assert staged == [event_id], "the event must survive the crash"

    # A restarted service sweeps its outboxes at start-up and publishes what it finds.
    runtime = ServiceRuntime("registry", settings, outbox_collections=[COLLECTION])
    await runtime.start()
    try:
        records = await read_topic(domain_topic(settings.topic_prefix, "registry"), expect=1)
        ids = [str(catalogue.parse(r.value).envelope.id) for r in records]  # type: ignore[attr-defined]
        assert ids == [event_id]
        await _until_published(runtime, [event_id])
        # The next sweep tidies up: the event leaves the document, nothing is sent again.
        assert await runtime.sweep_outbox() == 0
        stored = await network.find_one({"_id": "org_c0ffee000001"})
        assert stored is not None
        assert stored[OUTBOX_FIELD] == {}
    finally:
        await runtime.stop()


async def test_events_are_published_in_write_order_and_marked_sent(
    settings: ServiceSettings, mongo: AsyncMongoClient[Document]
) -> None:
    runtime = ServiceRuntime("registry", settings, outbox_collections=["things"])
    await runtime.start()
    collection = runtime.databases.network["things"]
    try:
        written = []
        for n in range(30):
            data = OrganisationJoined(
                organisation_id="org_same", name=f"Org {n}", joined_at=datetime.now(UTC)
            )
            event = new_event(data, organisation="org_same")
            written.append(str(event.id))
            await runtime.outbox.insert(collection, {"_id": n}, [event])
        records = await read_topic(domain_topic(settings.topic_prefix, "registry"), expect=30)
        # One key, one partition: Kafka keeps the order the relay sent.
        assert [str(catalogue.parse(r.value).envelope.id) for r in records] == written  # type: ignore[attr-defined]
        await _until_published(runtime, written, "things")
        assert await runtime.sweep_outbox() == 0
        assert [d async for d in collection.find({}) if d.get(OUTBOX_FIELD)] == []
        markers = runtime.databases.network[published_collection("things")]
        assert await markers.count_documents({}) == 0
    finally:
        await runtime.stop()


async def test_updates_written_together_publish_one_event_per_document_written(
    settings: ServiceSettings,
) -> None:
    """A bulk import's changes (`update_each`): every live document read is written with its
    event, one changed by someone else since the read too (alone, read afresh); the one the
    guard refuses as read is not written and its event never leaves."""
    runtime = ServiceRuntime("registry", settings, outbox_collections=["things"])
    await runtime.start()
    collection = runtime.databases.network["things"]
    try:
        await collection.insert_many([{"_id": n, "status": "live"} for n in range(30)])
        await collection.insert_one({"_id": "gone", "status": "erased"})
        read = await collection.find({}).to_list()
        await runtime.outbox.update(collection, 7, {"$set": {"other": 1}}, [], {"status": "live"})
        events = {
            d["_id"]: new_event(
                OrganisationJoined(
                    organisation_id="org_bulk", name=f"Org {d['_id']}", joined_at=datetime.now(UTC)
                ),
                organisation="org_bulk",
            )
            for d in read
        }
        changes = [(d, {"$set": {"n": 1}}, [events[d["_id"]]]) for d in read]
        written = await runtime.outbox.update_each(collection, changes, {"status": "live"})
        assert sorted(written) == list(range(30))
        expected = sorted(str(events[n].id) for n in range(30))
        records = await read_topic(domain_topic(settings.topic_prefix, "registry"), expect=30)
        assert sorted(str(catalogue.parse(r.value).envelope.id) for r in records) == expected  # type: ignore[attr-defined]
        async with asyncio.timeout(10):
            await runtime.relay.wait_idle()
        assert runtime.relay.published == 30
        stored = {d["_id"]: d async for d in collection.find({})}
        assert all(stored[n]["n"] == 1 for n in range(30)) and stored[7]["other"] == 1
        assert "n" not in stored["gone"]
    finally:
        await runtime.stop()


async def test_an_update_that_matches_nothing_publishes_nothing(
    settings: ServiceSettings,
) -> None:
    runtime = ServiceRuntime("registry", settings, outbox_collections=["things"])
    await runtime.start()
    try:
        data = OrganisationJoined(
            organisation_id="org_x", name="X Org", joined_at=datetime.now(UTC)
        )
        result = await runtime.outbox.update(
            runtime.databases.network["things"],
            "missing",
            {"$set": {"a": 1}},
            [new_event(data, organisation="org_x")],
        )
        assert result.matched_count == 0
        # An event staged would have been handed to the relay by now (the write hands it
        # over before returning): once the relay is idle, it would have been published. And
        # a sweep finds nothing in the outbox that was left out.
        async with asyncio.timeout(10):
            await runtime.relay.wait_idle()
        assert runtime.relay.published == 0
        assert await runtime.relay.sweep(await runtime.databases.names(), ["things"]) == 0
    finally:
        await runtime.stop()


async def _until_published(
    runtime: ServiceRuntime, event_ids: list[str], collection: str = COLLECTION
) -> None:
    markers = runtime.databases.network[published_collection(collection)]
    async with asyncio.timeout(10):
        while not set(event_ids) <= {e async for m in markers.find({}) for e in marked_events(m)}:
            await asyncio.sleep(0.05)


async def test_an_update_refused_by_a_unique_index_is_a_duplicate_key_on_any_server(
    settings: ServiceSettings,
) -> None:
    """FerretDB refuses such an update with code 1 (InternalError); stores catch
    DuplicateKeyError to answer 409, so the outbox says it the way MongoDB does."""
    runtime = ServiceRuntime("registry", settings, outbox_collections=["things"])
    await runtime.start()
    try:
        things = runtime.databases.network["things"]
        await things.create_index("name", unique=True)
        await things.insert_many([{"_id": "a", "name": "Alder"}, {"_id": "b", "name": "Birch"}])
        with pytest.raises(DuplicateKeyError):
            await runtime.outbox.update(things, "b", {"$set": {"name": "Alder"}}, [])
        with pytest.raises(DuplicateKeyError):
            await runtime.outbox.update(
                things, "b", {"$set": {"name": "Alder"}}, [], condition={"name": "Birch"}
            )
        assert (await things.find_one({"_id": "b"}) or {}).get("name") == "Birch"
    finally:
        await runtime.stop()


async def test_a_marker_goes_once_none_of_its_events_is_left_in_a_document(
    settings: ServiceSettings,
) -> None:
    """The sweep tidies published events out of their documents and then deletes their
    marker (one per published batch, or per event as written by earlier versions); it
    publishes nothing a marker names again, and only what no marker names."""
    runtime = ServiceRuntime("registry", settings, outbox_collections=["things"])
    await runtime.start()
    things = runtime.databases.network["things"]
    markers = runtime.databases.network[published_collection("things")]
    try:
        events = _joined("org_swept", 7)
        ids = [str(e.id) for e in events]
        # As a stopped relay left them: documents still holding their events, published
        # under an old per-event marker or a batch marker, or not at all; one document in
        # the form written before packs; one pack half published (it stays whole until its
        # other half is out).
        await runtime.relay.wait_idle()
        await things.insert_many(
            [{"_id": n, OUTBOX_FIELD: stage([events[n]], settings.topic_prefix)} for n in range(4)]
            + [
                {"_id": "before-packs", OUTBOX_FIELD: _unpacked_form(events[4], settings)},
                {"_id": "pair", OUTBOX_FIELD: stage(events[5:], settings.topic_prefix)},
            ]
        )
        await markers.insert_many(
            [
                {"_id": ids[0], "at": datetime.now(UTC)},
                {"_id": "batch", "events": [ids[1], ids[2], ids[4]], "at": datetime.now(UTC)},
                {"_id": "half", "events": [ids[5]], "at": datetime.now(UTC)},
            ]
        )
        await asyncio.sleep(0.01)
        assert await runtime.relay.sweep(await runtime.databases.names(), ["things"]) == 2
        assert (await things.find_one({"_id": "before-packs"}) or {}).get(OUTBOX_FIELD) == {}
        assert (await things.find_one({"_id": "pair"}) or {}).get(OUTBOX_FIELD)
        records = await read_topic(domain_topic(settings.topic_prefix, "registry"), expect=2)
        published = sorted(str(catalogue.parse(r.value).envelope.id) for r in records)  # type: ignore[attr-defined]
        assert published == sorted([ids[3], ids[6]])
        await _until_published(runtime, [ids[3], ids[6]], "things")
        assert await runtime.relay.sweep(await runtime.databases.names(), ["things"]) == 0
        assert [d async for d in things.find({}) if d.get(OUTBOX_FIELD)] == []
        assert await markers.count_documents({}) == 0
    finally:
        await runtime.stop()


def _joined(organisation: str, count: int) -> list[Envelope]:
    """`count` events of `organisation` joining (under as many names)."""
    return [
        new_event(
            OrganisationJoined(
                organisation_id=organisation, name=f"Org {n}", joined_at=datetime.now(UTC)
            ),
            organisation=organisation,
        )
        for n in range(count)
    ]


class CountedPace(Pace):
    """A pace that counts its steps."""

    def __init__(self, share: float) -> None:
        super().__init__(share)
        self.steps = 0

    async def step(self) -> None:
        self.steps += 1
        await super().step()


async def test_the_timers_sweep_tidies_the_same_paced_out(
    settings: ServiceSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Paced, the sweep reads the collection a batch at a time and pauses after each batch
    and each document it tidies, for as long as the work took (share 0.5), and does all of
    the work an unpaced sweep does."""
    monkeypatch.setattr(outbox, "SCAN_BATCH", 20)
    runtime = ServiceRuntime("registry", settings, outbox_collections=["paced"])
    await runtime.start()
    paced = runtime.databases.network["paced"]
    try:
        events = _joined("org_paced", 50)
        for n, event in enumerate(events):
            await runtime.outbox.insert(paced, {"_id": f"p{n}"}, [event])
        await _until_published(runtime, [str(e.id) for e in events], "paced")
        pace = CountedPace(share=0.5)
        started = asyncio.get_running_loop().time()
        names = await runtime.databases.names()
        assert await runtime.relay.sweep(names, ["paced"], pace=pace) == 0
        elapsed = asyncio.get_running_loop().time() - started
        assert [d async for d in paced.find({}) if d.get(OUTBOX_FIELD)] == []
        assert pace.steps >= 50 + 50 // 20  # each update, each batch read
        assert elapsed >= 1.8 * pace.worked  # as long paused as worked
    finally:
        await runtime.stop()


def _unpacked_form(event: Envelope, settings: ServiceSettings) -> Document:
    """An event staged as versions before packs did: one entry per event, plain text."""
    return {
        str(event.id): {
            "seq": 0,
            "at": datetime.now(UTC),
            "topic": domain_topic(settings.topic_prefix, event.source),
            "key": event.key.decode(),
            "value": event.to_bytes().decode(),
        }
    }
