"""The transactional outbox, made of single-document writes (FerretDB v1 has no transactions).

A state change and the events it causes are written together: the events ride inside the
changed document, under `_outbox`, keyed by event id. Right after the write the relay publishes
them and unsets those keys (one `update_many` per collection and batch, since every filter is a
scan on FerretDB). A process killed between the write and the publish loses nothing: the sweep
at start-up, and on a slow timer, publishes whatever is still in an `_outbox`. Consumers
deduplicate by event id, so the rare double publish after a crash has no second effect.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.results import UpdateResult

from shared.events.envelope import Envelope
from shared.events.topics import domain_topic
from shared.kafka.producer import EventProducer, OutgoingRecord
from shared.logging import get_logger
from shared.mongo.databases import Document
from shared.retry import Backoff

log = get_logger(__name__)

OUTBOX_FIELD = "_outbox"


@dataclass(frozen=True)
class PendingEvent:
    """An event stored in a document's outbox and not yet acknowledged by Kafka."""

    database: str
    collection: str
    document_id: Any
    event_id: str
    record: OutgoingRecord


def stage(events: Sequence[Envelope], topic_prefix: str) -> dict[str, Document]:
    """The `_outbox` entries for `events`: what a document stores until they are published."""
    now = datetime.now(UTC)
    return {
        str(e.id): {
            "seq": i,
            "at": now,
            "topic": domain_topic(topic_prefix, e.source),
            "key": e.key.decode(),
            "value": e.to_bytes().decode(),
        }
        for i, e in enumerate(events)
    }


def pending_from(database: str, collection: str, document: Document) -> list[PendingEvent]:
    """What a stored document still has to publish, in the order it was written."""
    entries = sorted(
        (document.get(OUTBOX_FIELD) or {}).items(), key=lambda kv: (kv[1]["at"], kv[1]["seq"])
    )
    return [
        PendingEvent(
            database=database,
            collection=collection,
            document_id=document["_id"],
            event_id=event_id,
            record=OutgoingRecord(
                topic=entry["topic"], key=entry["key"].encode(), value=entry["value"].encode()
            ),
        )
        for event_id, entry in entries
    ]


class OutboxRelay:
    """Publishes outbox events in write order and marks them sent, in batches."""

    def __init__(
        self, client: AsyncMongoClient[Document], producer: EventProducer, batch_size: int = 500
    ) -> None:
        self._client = client
        self._producer = producer
        self._batch_size = batch_size
        self._queue: asyncio.Queue[PendingEvent] = asyncio.Queue()
        self._in_flight: set[str] = set()
        self._idle = asyncio.Event()
        self._idle.set()
        self.healthy = True
        self.published = 0

    def enqueue(self, pending: Iterable[PendingEvent]) -> None:
        """Hand freshly written events to the relay (skipping any it already holds)."""
        for p in pending:
            if p.event_id not in self._in_flight:
                self._in_flight.add(p.event_id)
                self._idle.clear()
                self._queue.put_nowait(p)

    async def run(self) -> None:
        """Publish until cancelled; a failing broker is retried with doubling backoff."""
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self._batch_size and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            await self._publish(batch)
            await self._mark_published(batch)
            self._in_flight.difference_update(p.event_id for p in batch)
            self.published += len(batch)
            if self._queue.empty():
                self._idle.set()

    async def wait_idle(self) -> None:
        """Wait until everything handed over is published (bound it with asyncio.timeout)."""
        await self._idle.wait()

    async def sweep(self, databases: Iterable[str], collections: Iterable[str]) -> int:
        """Find events a crash left in outboxes and queue them; returns how many."""
        found: list[PendingEvent] = []
        names = list(collections)
        for db_name in databases:
            db = self._client[db_name]
            existing = set(await db.list_collection_names())
            for coll_name in names:
                if coll_name not in existing:
                    continue
                cursor = db[coll_name].find(
                    {OUTBOX_FIELD: {"$exists": True}}, projection={OUTBOX_FIELD: 1}
                )
                async for doc in cursor:
                    found.extend(pending_from(db_name, coll_name, doc))
        fresh = [p for p in found if p.event_id not in self._in_flight]
        self.enqueue(fresh)
        if fresh:
            log.info("outbox sweep queued unpublished events", count=len(fresh))
        return len(fresh)

    async def _publish(self, batch: list[PendingEvent]) -> None:
        backoff = Backoff()
        while True:
            try:
                await self._producer.send_batch([p.record for p in batch])
            except Exception:
                self.healthy = False
                delay = backoff.next_delay()
                log.warning("outbox publish failed; retrying", retry_in=delay, exc_info=True)
                await asyncio.sleep(delay)
            else:
                self.healthy = True
                return

    async def _mark_published(self, batch: list[PendingEvent]) -> None:
        groups: dict[tuple[str, str], list[PendingEvent]] = defaultdict(list)
        for p in batch:
            groups[(p.database, p.collection)].append(p)
        for (db_name, coll_name), items in groups.items():
            ids = list({repr(p.document_id): p.document_id for p in items}.values())
            unset = {f"{OUTBOX_FIELD}.{p.event_id}": "" for p in items}
            try:
                await self._client[db_name][coll_name].update_many(
                    {"_id": {"$in": ids}}, {"$unset": unset}
                )
            except Exception:
                # Not fatal: the events are out; the sweep will publish them again and
                # consumers deduplicate by event id.
                log.warning("could not mark outbox events published", exc_info=True)


class OutboxWriter:
    """The only way a service changes state that other services must hear about."""

    def __init__(self, relay: OutboxRelay, topic_prefix: str) -> None:
        self._relay = relay
        self._topic_prefix = topic_prefix

    async def insert(
        self, collection: AsyncCollection[Document], document: Document, events: Sequence[Envelope]
    ) -> None:
        """Insert a document together with the events its creation causes."""
        doc = {**document, OUTBOX_FIELD: stage(events, self._topic_prefix)}
        await collection.insert_one(doc)
        self._hand_over(collection, [doc])

    async def insert_many(
        self,
        collection: AsyncCollection[Document],
        items: Sequence[tuple[Document, Sequence[Envelope]]],
    ) -> None:
        """Insert documents, each carrying its own events; one round trip for all."""
        docs = [{**doc, OUTBOX_FIELD: stage(events, self._topic_prefix)} for doc, events in items]
        await collection.insert_many(docs, ordered=True)
        self._hand_over(collection, docs)

    async def update(
        self,
        collection: AsyncCollection[Document],
        document_id: Any,
        update: Document,
        events: Sequence[Envelope],
        condition: Document | None = None,
    ) -> UpdateResult:
        """Update one document (by id, plus an optional condition) and record its events.

        If nothing matched, nothing was written and no event is published.
        """
        staged = stage(events, self._topic_prefix)
        merged = {k: dict(v) for k, v in update.items()}
        merged.setdefault("$set", {}).update(
            {f"{OUTBOX_FIELD}.{event_id}": entry for event_id, entry in staged.items()}
        )
        result = await collection.update_one({**(condition or {}), "_id": document_id}, merged)
        if result.matched_count:
            self._hand_over(collection, [{"_id": document_id, OUTBOX_FIELD: staged}])
        return result

    def _hand_over(self, collection: AsyncCollection[Document], docs: list[Document]) -> None:
        db_name = collection.database.name
        for doc in docs:
            self._relay.enqueue(pending_from(db_name, collection.name, doc))
