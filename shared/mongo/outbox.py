"""The transactional outbox, made of single-document writes (FerretDB v1 has no transactions).

A state change and the events it causes are written together: the events ride inside the
changed document, under `_outbox` (a bulk insert stages them in one batch beside the
collection instead, written just before its documents: `outbox_staging`). Right after the write
the relay publishes them (idempotent producer, acks=all) and records the acknowledged event ids
in a marker collection beside the documents (`<collection>__published`): one marker per
published batch and collection, listing its events. Markers are inserts, the only cheap write
on FerretDB, where every update is a scan of its collection, and one per batch rather than one
per event (each row costs FerretDB nearly what a bigger one does); removing published events
from their documents is left to the sweep.

The sweep runs at start-up and on a slow timer. It queues every outbox event without a marker
(what a process killed between write and publish left behind), and tidies up: published events
leave their documents, wholly published batches are deleted, then a marker goes once none of
its events is left in a document or batch. A crash anywhere leads at worst to a second publish
of an event, which consumers drop by its id.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure
from pymongo.results import UpdateResult

from shared.errors import ConflictError
from shared.kafka.producer import EventProducer
from shared.logging import get_logger
from shared.mongo.claims import REVISION, claimed_update, claimed_updates
from shared.mongo.databases import Document
from shared.mongo.outbox_staging import (
    BATCH_FIELD,
    OUTBOX_FIELD,
    Outgoing,
    PendingEvent,
    pending_from,
    pending_from_batch,
    restaged,
    stage,
    staged_batch,
    staged_collection,
)
from shared.mongo.pacing import Pace
from shared.mongo.server import is_ferretdb
from shared.randomness import random_uuid
from shared.retry import Backoff

log = get_logger(__name__)

# Tidying is an update per document, by `_id` alone (on FerretDB any other filter scans the
# collection). After a bulk import that is thousands of updates, so each sweep tidies for at
# most this long per collection and the backlog drains over successive sweeps. Pending events
# are found by their missing marker, so an untidied document costs only a little reading.
CLEAN_SECONDS = 1.0
# A staged batch whose events are not all out may still be waiting for its documents (a bulk
# insert under way); past this age its writer is taken to be gone, and the sweep publishes the
# events of the documents that were written.
STAGED_GRACE = timedelta(minutes=5)
# Events per publish, and so per marker: a bulk import hands over tens of thousands at once,
# and each marker waits its turn for the database's one writer behind the import's inserts.
PUBLISH_BATCH = 5000
# Documents the sweep reads between two pauses of its pace.
SCAN_BATCH = 200
_DUPLICATE_KEY = 11000


class OutboxRelay:
    """Publishes outbox events in write order and marks them sent, in batches."""

    def __init__(
        self,
        client: AsyncMongoClient[Document],
        producer: EventProducer,
        batch_size: int = PUBLISH_BATCH,
    ) -> None:
        self._client = client
        self._producer = producer
        self._batch_size = batch_size
        self._queue: asyncio.Queue[PendingEvent] = asyncio.Queue()
        self._in_flight: set[str] = set()
        self.staged_grace = STAGED_GRACE
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
        """Publish until cancelled; a failing broker is retried with doubling backoff.

        A batch's marker is written before the next batch is published: events arriving
        meanwhile wait, and go together in the next batch under one marker. (Marking beside
        publishing made a marker per event at a steady rate, and every marker waits its turn
        for the database's one writer with the writes being published: the pipeline's steady
        p50 rose from 18 to 26 ms.)"""
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self._batch_size and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            await self._publish(batch)
            await self._mark_published(batch)
            self._in_flight.difference_update(p.event_id for p in batch)
            self.published += len(batch)
            if not self._in_flight:
                self._idle.set()

    async def wait_idle(self) -> None:
        """Wait until everything handed over is published (bound it with asyncio.timeout)."""
        await self._idle.wait()

    async def sweep(
        self,
        databases: Iterable[str],
        collections: Iterable[str],
        *,
        clean: bool = True,
        pace: Pace | None = None,
    ) -> int:
        """Queue the outbox events that no marker says were published; returns how many.

        With `clean`, also tidies up: removes published events from their documents (for at
        most CLEAN_SECONDS of work per collection per sweep) and then their markers, and
        deletes markers no outbox refers to any more. `pace` spreads the reading and the
        tidying out (default: all at once).
        """
        pace = pace or Pace()
        queued = 0
        names = list(collections)
        for db_name in databases:
            existing = set(await self._client[db_name].list_collection_names())
            for coll_name in names:
                if {coll_name, staged_collection(coll_name)} & existing:
                    queued += await self._sweep_collection(db_name, coll_name, clean, pace)
        if queued:
            log.info("outbox sweep queued unpublished events", count=queued)
        return queued

    async def _sweep_collection(self, db_name: str, coll_name: str, clean: bool, pace: Pace) -> int:
        started = datetime.now(UTC)
        # Taken before reading: the relay inserts an event's marker before it lets go of the
        # event, so an event being published is in this snapshot or has a visible marker.
        flying = set(self._in_flight)
        db = self._client[db_name]
        documents = []
        # On FerretDB this filter reads the whole collection (only `_id` is indexed there): a
        # batch at a time, each followed by its pause.
        async for document in db[coll_name].find(
            {OUTBOX_FIELD: {"$gt": {}}},
            projection={OUTBOX_FIELD: 1, REVISION: 1},
            batch_size=SCAN_BATCH,
        ):
            documents.append(document)
            if len(documents) % SCAN_BATCH == 0:
                await pace.step()
        await pace.step()
        pending = [p for doc in documents for p in pending_from(db_name, coll_name, doc)]
        # Documents changed under guards: tidying them claims a revision too, so it cannot
        # undo a guarded change written between its read and its write (FerretDB rewrites
        # the whole document).
        revised = {repr(doc["_id"]) for doc in documents if REVISION in doc}
        markers = {
            m["_id"]: (m["at"], marked_events(m))
            async for m in db[published_collection(coll_name)].find({})
        }
        published = {e for _, events in markers.values() for e in events}
        skip = flying | published
        fresh = [p for p in pending if p.event_id not in skip and p.event_id not in self._in_flight]
        settled, held = await self._settle_batches(db_name, coll_name, published, flying, started)
        fresh += settled
        self.enqueue(fresh)
        if clean:
            tidied = await self._clean(db_name, coll_name, pending, published, revised, pace)
            left = ({p.event_id for p in pending} - tidied) | held
            # A marker younger than this sweep may belong to a document written after we read.
            spent = [
                i for i, (at, events) in markers.items() if at < started and left.isdisjoint(events)
            ]
            # Markers go only after their events left the documents: a crash in between
            # leaves markers of events no document holds, which the next sweep deletes.
            if spent:
                await db[published_collection(coll_name)].delete_many({"_id": {"$in": spent}})
        return len(fresh)

    async def _settle_batches(
        self, db_name: str, coll_name: str, published: set[str], flying: set[str], started: datetime
    ) -> tuple[list[PendingEvent], set[str]]:
        """The collection's staged batches: deletes those wholly published; for one past its
        grace with events neither published nor handed over, keeps only the events of the
        documents that were written (naming the batch). Returns those events, to publish, and
        the ids of the events the batches left still hold."""
        db = self._client[db_name]
        staged = db[staged_collection(coll_name)]
        settled: list[PendingEvent] = []
        held: set[str] = set()
        spent = []
        handed_over = flying | self._in_flight
        async for batch in staged.find({}):
            events = pending_from_batch(db_name, coll_name, batch)
            waiting = [p for p in events if p.event_id not in published]
            if not waiting:
                spent.append(batch["_id"])
                continue
            held.update(p.event_id for p in events)
            young = batch["at"] > started - self.staged_grace
            if young or handed_over.intersection(p.event_id for p in waiting):
                continue
            # Rare (a writer died mid-insert): a scan on FerretDB, which indexes `_id` alone.
            ids = list({p.document_id for p in waiting})
            written = await _written_by(db[coll_name], batch["_id"], ids)
            settled += await _keep_only(staged, batch, waiting, written)
        # Before their markers (deleted after this): a batch outliving its markers would be
        # published again.
        if spent:
            await staged.delete_many({"_id": {"$in": spent}})
        return settled, held

    async def _clean(
        self,
        db_name: str,
        coll_name: str,
        pending: list[PendingEvent],
        published: set[str],
        revised: set[str],
        pace: Pace,
    ) -> set[str]:
        """Remove the outbox entries whose every event was published from their documents,
        for at most CLEAN_SECONDS of work; the ids of the events removed."""
        collection = self._client[db_name][coll_name]
        budget = pace.worked + CLEAN_SECONDS
        tidied: set[str] = set()
        entries: dict[str, dict[str, list[PendingEvent]]] = defaultdict(lambda: defaultdict(list))
        for p in pending:
            entries[repr(p.document_id)][p.entry].append(p)
        for key, by_entry in entries.items():
            done = {
                entry: events
                for entry, events in by_entry.items()
                if all(p.event_id in published for p in events)
            }
            if not done:
                continue
            if pace.worked > budget:
                break
            document_id = next(iter(done.values()))[0].document_id
            # By `_id` alone: the only filter FerretDB answers from an index.
            unset = {"$unset": {f"{OUTBOX_FIELD}.{entry}": "" for entry in done}}
            if key in revised and await is_ferretdb(self._client):
                try:
                    await claimed_update(collection, document_id, unset, {}, patience=0)
                except ConflictError:
                    continue  # being changed right now: the next sweep tidies it
            else:
                await collection.update_one({"_id": document_id}, unset)
            tidied.update(p.event_id for events in done.values() for p in events)
            await pace.step()
        return tidied

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
        now = datetime.now(UTC)
        for (db_name, coll_name), items in groups.items():
            markers = self._client[db_name][published_collection(coll_name)]
            marker = {"_id": random_uuid().hex, "events": [p.event_id for p in items], "at": now}
            try:
                await markers.insert_one(marker)
            except Exception:
                # Not fatal: the events are out; the sweep will publish them again and
                # consumers deduplicate by event id.
                log.warning("could not record outbox events as published", exc_info=True)


def published_collection(collection: str) -> str:
    """Where the relay records which of a collection's outbox events Kafka acknowledged."""
    return f"{collection}__published"


def marked_events(marker: Document) -> list[str]:
    """The event ids a marker says were published (a batch's list; a marker written before
    markers were batched is its one event's id)."""
    events = marker.get("events")
    return [str(e) for e in events] if isinstance(events, list) else [str(marker["_id"])]


class OutboxWriter:
    """The only way a service changes state that other services must hear about."""

    def __init__(self, relay: OutboxRelay, topic_prefix: str) -> None:
        self._relay = relay
        self._topic_prefix = topic_prefix

    async def insert(
        self, collection: AsyncCollection[Document], document: Document, events: Sequence[Outgoing]
    ) -> None:
        """Insert a document together with the events its creation causes."""
        doc = {**document, OUTBOX_FIELD: stage(events, self._topic_prefix)}
        await collection.insert_one(doc)
        self._hand_over(collection, [doc])

    async def insert_many(
        self,
        collection: AsyncCollection[Document],
        items: Sequence[tuple[Document, Sequence[Outgoing]]],
    ) -> None:
        """Insert documents, each with the events its creation causes, in one insert; the
        events are staged together just before, in one batch (`outbox_staging`). Raises
        PartlyInsertedError, naming the documents written, if the database refused some."""
        if not items:
            return
        db = collection.database
        batch, documents, pending = staged_batch(
            db.name, collection.name, items, self._topic_prefix
        )
        staged = db[staged_collection(collection.name)]
        await staged.insert_one(batch)
        try:
            await collection.insert_many(documents, ordered=True)
        except BulkWriteError as exc:
            # Which documents are in is read back, not inferred: FerretDB inserts an ordered
            # batch 100 at a time and goes on past a refusal to the next hundred. Only their
            # events go. (Should this fail too, the sweep settles the batch after its grace.)
            written = await _written_by(collection, batch["_id"], [d["_id"] for d in documents])
            self._relay.enqueue(await _keep_only(staged, batch, pending, written))
            raise PartlyInsertedError(exc, written) from exc
        self._relay.enqueue(pending)

    async def insert_new(
        self,
        collection: AsyncCollection[Document],
        items: Sequence[tuple[Document, Sequence[Outgoing]]],
    ) -> int:
        """Insert documents whose `_id` decides that they happen once (derived from what
        caused them), each with its events: a document already there is skipped, and so are
        its events. Returns how many were new."""
        docs = [{**doc, OUTBOX_FIELD: stage(events, self._topic_prefix)} for doc, events in items]
        if not docs:
            return 0
        try:
            await collection.insert_many(docs, ordered=False)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(e.get("code") != _DUPLICATE_KEY for e in errors):
                await self._relay.sweep([collection.database.name], [collection.name], clean=False)
                raise
            refused = {int(e["index"]) for e in errors}
            docs = [d for i, d in enumerate(docs) if i not in refused]
        self._hand_over(collection, docs)
        return len(docs)

    async def update(
        self,
        collection: AsyncCollection[Document],
        document_id: Any,
        update: Document,
        events: Sequence[Outgoing],
        condition: Document | None = None,
    ) -> UpdateResult:
        """Update one document (by id, plus an optional condition) and record its events.

        If nothing matched, nothing was written and no event is published.
        """
        merged, staged = self._staged(update, events)
        try:
            if condition and await is_ferretdb(collection.database.client):
                # FerretDB: the guard is checked in Python after a read by `_id` (the only
                # filter it answers from an index), and made atomic by claiming the
                # document's next revision (`shared.mongo.claims`).
                result = await claimed_update(collection, document_id, merged, condition)
            else:
                filter_ = {**(condition or {}), "_id": document_id}
                result = await collection.update_one(filter_, merged)
        except OperationFailure as exc:
            raise as_duplicate_key(exc) from exc
        if result.matched_count:
            self._hand_over(collection, [{"_id": document_id, OUTBOX_FIELD: staged}])
        return result

    async def update_each(
        self,
        collection: AsyncCollection[Document],
        changes: Sequence[tuple[Document, Document, Sequence[Outgoing]]],
        condition: Document,
    ) -> list[Any]:
        """`update` of many documents, each `(current, update, events)`, with `condition`
        checked against `current`: the document as the caller read it, all in one query just
        before (its `_id`, `_rev` and the fields `condition` names). On FerretDB the changes
        are claimed together (`claimed_updates`: two commands per MAX_UPDATE_BATCH documents
        instead of four round trips each); a document changed by a claimed change since it
        was read is updated alone, read afresh. Returns the ids written."""
        if not await is_ferretdb(collection.database.client):
            written = []
            for current, update, events in changes:
                result = await self.update(collection, current["_id"], update, events, condition)
                if result.matched_count:
                    written.append(current["_id"])
            return written
        staged = {current["_id"]: self._staged(u, events) for current, u, events in changes}
        try:
            written, contested = await claimed_updates(
                collection,
                [(current, staged[current["_id"]][0]) for current, _, _ in changes],
                condition,
            )
            for document_id in contested:
                result = await claimed_update(
                    collection, document_id, staged[document_id][0], condition
                )
                if result.matched_count:
                    written.append(document_id)
        except Exception:
            # Some documents may be written: publish exactly their events now, found the way
            # the crash sweep finds them.
            await self._relay.sweep([collection.database.name], [collection.name], clean=False)
            raise
        self._hand_over(collection, [{"_id": i, OUTBOX_FIELD: staged[i][1]} for i in written])
        return written

    def _staged(
        self, update: Document, events: Sequence[Outgoing]
    ) -> tuple[Document, dict[str, Document]]:
        """`update` with `events` staged in the document's outbox; and the staged entries."""
        staged = stage(events, self._topic_prefix)
        merged = {k: dict(v) for k, v in update.items()}
        merged.setdefault("$set", {}).update(
            {f"{OUTBOX_FIELD}.{event_id}": entry for event_id, entry in staged.items()}
        )
        return merged, staged

    def _hand_over(self, collection: AsyncCollection[Document], docs: list[Document]) -> None:
        db_name = collection.database.name
        for doc in docs:
            self._relay.enqueue(pending_from(db_name, collection.name, doc))


async def _written_by(
    collection: AsyncCollection[Document], batch_id: str, ids: list[Any]
) -> list[Any]:
    """Which of the documents `ids` a bulk insert staging `batch_id` wrote (they name it)."""
    found = collection.find({"_id": {"$in": ids}}, projection={BATCH_FIELD: 1})
    return [d["_id"] async for d in found if d.get(BATCH_FIELD) == batch_id]


async def _keep_only(
    staged: AsyncCollection[Document],
    batch: Document,
    events: list[PendingEvent],
    written: list[Any],
) -> list[PendingEvent]:
    """The `events` of the documents `written`, and the staged `batch` rewritten to hold only
    those (deleted if none): the others' documents never came, so neither may their events."""
    inserted = {repr(i) for i in written}
    kept = [p for p in events if repr(p.document_id) in inserted]
    if kept:
        await staged.replace_one({"_id": batch["_id"]}, restaged(batch, kept))
    else:
        await staged.delete_one({"_id": batch["_id"]})
    return kept


class PartlyInsertedError(BulkWriteError):
    """A bulk insert the database refused in part; `written` holds the ids of the documents
    that are in (with their events on their way)."""

    def __init__(self, cause: BulkWriteError, written: list[Any]) -> None:
        super().__init__(cause.details)
        self.written = written


def as_duplicate_key(exc: OperationFailure) -> OperationFailure:
    """A unique index refusing a write, as the DuplicateKeyError stores catch: MongoDB says so
    itself (code 11000); FerretDB refuses an update with code 1 and SQLite's words."""
    if isinstance(exc, DuplicateKeyError):
        return exc
    if exc.code == 1 and "UNIQUE constraint failed" in str((exc.details or {}).get("errmsg", "")):
        return DuplicateKeyError(str(exc), 11000, exc.details)
    return exc
