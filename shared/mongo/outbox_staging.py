"""How the outbox stores events until they are published: inside the written document
(`_outbox`), or, for a bulk insert, in a staged batch beside the collection.

A document's `_outbox` maps an entry key to what one write staged: a lone event under its own
id, plain; several events as one compressed pack under a random key. FerretDB's cost of a
write and of every later read of a document grows with its size, and a new member's five
events are four fifths of its document as plain text, less than half packed.

A bulk insert (`OutboxWriter.insert_many`) stages its events apart, in one compressed batch in
`<collection>__staged`, written just before the documents, which each name their batch
(`_batch`): the documents stay as small as they would be without events, for the insert and
for every read until the sweep would have tidied them (minutes, for thousands). Whether a
batch's events may be published is decided by its documents: those written (naming the batch)
publish, those never written drop theirs.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import bson
from bson.binary import Binary
from bson.objectid import ObjectId

from shared.events.envelope import Envelope
from shared.events.keyed_state import KeyedState
from shared.events.topics import domain_topic
from shared.kafka.producer import OutgoingRecord
from shared.mongo.databases import Document
from shared.randomness import random_uuid

OUTBOX_FIELD = "_outbox"
# The staged batch a bulk-inserted document's events were written in.
BATCH_FIELD = "_batch"
# Where a pack keeps its events (zlib-compressed BSON) and how hard it is squeezed: level 1
# gets most of the gain (a new member's events 4.7 KB -> 2.1 KB) at a fraction of the CPU.
PACK = "packed"
PACK_LEVEL = 1


@dataclass(frozen=True)
class PendingEvent:
    """An event stored in a document's outbox and not yet acknowledged by Kafka."""

    database: str
    collection: str
    document_id: Any
    event_id: str
    record: OutgoingRecord
    # The `_outbox` key it is stored under: a write's pack of events, or a lone event's own
    # id. Tidying removes a whole entry.
    entry: str = ""


Outgoing = Envelope | KeyedState


def stage(events: Sequence[Outgoing], topic_prefix: str) -> dict[str, Document]:
    """The `_outbox` entries for `events` (events, or keyed state): what a document stores
    until they are published. (Packing a lone event would cost more than it saves.)"""
    now = datetime.now(UTC)
    if len(events) == 1:
        [event] = events
        topic, key, value = _record(event, topic_prefix)
        entry = {"at": now, "topic": topic, "key": key.decode(), "value": _text(value)}
        return {str(event.id): entry}
    if not events:
        return {}
    rows = [[str(e.id), *_record(e, topic_prefix)] for e in events]
    return {random_uuid().hex: {"at": now, PACK: _packed(rows)}}


def _record(outgoing: Outgoing, topic_prefix: str) -> tuple[str, bytes, bytes | None]:
    if isinstance(outgoing, KeyedState):
        return f"{topic_prefix}.{outgoing.channel}", outgoing.key.encode(), outgoing.value
    topic = domain_topic(topic_prefix, outgoing.source)
    return topic, outgoing.key, outgoing.to_bytes()


def _text(value: bytes | None) -> str | None:
    return None if value is None else value.decode()


def pending_from(database: str, collection: str, document: Document) -> list[PendingEvent]:
    """What a stored document still has to publish, in the order it was written."""
    entries = sorted(
        (document.get(OUTBOX_FIELD) or {}).items(),
        key=lambda kv: (kv[1]["at"], kv[1].get("seq", 0)),
    )
    return [
        PendingEvent(
            database=database,
            collection=collection,
            document_id=document["_id"],
            event_id=event_id,
            record=record,
            entry=key,
        )
        for key, entry in entries
        for event_id, record in _unpacked(key, entry)
    ]


def _unpacked(key: str, entry: Document) -> list[tuple[str, OutgoingRecord]]:
    if PACK in entry:
        rows = _unpack(entry[PACK])
        return [(i, OutgoingRecord(topic=t, key=k, value=v)) for i, t, k, v in rows]
    # One event, keyed by its id.
    value = entry["value"]
    record = OutgoingRecord(
        topic=entry["topic"],
        key=entry["key"].encode(),
        value=None if value is None else value.encode(),
    )
    return [(key, record)]


def _packed(rows: list[list[Any]]) -> Binary:
    return Binary(zlib.compress(bson.encode({"events": rows}), PACK_LEVEL))


def _unpack(packed: bytes) -> list[list[Any]]:
    rows: list[list[Any]] = bson.decode(zlib.decompress(packed))["events"]
    return rows


def staged_collection(collection: str) -> str:
    """Where bulk inserts into `collection` stage their events."""
    return f"{collection}__staged"


def staged_batch(
    database: str,
    collection: str,
    items: Sequence[tuple[Document, Sequence[Outgoing]]],
    topic_prefix: str,
) -> tuple[Document, list[Document], list[PendingEvent]]:
    """For a bulk insert of `items` (documents, each with the events its creation causes):
    the staged batch to write first, the documents to insert (naming the batch), and the
    events to hand to the relay once they are in."""
    batch_id = random_uuid().hex
    documents = [{"_id": ObjectId(), **document, BATCH_FIELD: batch_id} for document, _ in items]
    rows = [
        [str(e.id), document["_id"], *_record(e, topic_prefix)]
        for document, (_, events) in zip(documents, items, strict=True)
        for e in events
    ]
    batch = {"_id": batch_id, "at": datetime.now(UTC), PACK: _packed(rows)}
    return batch, documents, _pending_rows(database, collection, rows)


def pending_from_batch(database: str, collection: str, batch: Document) -> list[PendingEvent]:
    """A staged batch's events, in the order they were written."""
    return _pending_rows(database, collection, _unpack(batch[PACK]))


def restaged(batch: Document, kept: Sequence[PendingEvent]) -> Document:
    """`batch` holding only the events `kept` (those of the documents that were written)."""
    rows = [[p.event_id, p.document_id, p.record.topic, p.record.key, p.record.value] for p in kept]
    return {**batch, PACK: _packed(rows)}


def _pending_rows(database: str, collection: str, rows: list[list[Any]]) -> list[PendingEvent]:
    return [
        PendingEvent(
            database=database,
            collection=collection,
            document_id=document_id,
            event_id=event_id,
            record=OutgoingRecord(topic=topic, key=key, value=value),
        )
        for event_id, document_id, topic, key, value in rows
    ]
