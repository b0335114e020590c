"""Reading a service's real topic back from its beginning, as the end-to-end tests check what
left a service: the envelopes a test is about, and the raw bytes of every record (to look for
text that must never leave)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Collection
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from shared.events.topics import domain_topic
from shared.kafka.security import kafka_client_options
from tests.e2e.conftest import World

Envelopes = list[dict[str, Any]]

READ_SECONDS = 20  # the longest a read waits for `done`


def read_topic(
    world: World,
    source: str,
    keep: Callable[[dict[str, Any]], bool],
    done: Callable[[Envelopes], bool],
) -> tuple[Envelopes, list[bytes]]:
    """The envelopes `keep` wants on `source`'s real topic (from its beginning, in order) and
    the raw bytes of every record read: waits until `done` holds of the kept envelopes, then
    reads on to the end the topic had at that moment (so a test sees a duplicate published
    before it; to see one caused by the same events, wait for them to be handled and the
    outbox published first: tests/e2e/consumed.py), or at most READ_SECONDS."""
    topic = domain_topic(world.env["MENTORNET_TOPIC_PREFIX"], source)

    async def read() -> tuple[Envelopes, list[bytes]]:
        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=world.env["MENTORNET_KAFKA_BOOTSTRAP"],
            **kafka_client_options(),
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            group_id=None,
        )
        await consumer.start()
        found: Envelopes = []
        raw: list[bytes] = []
        loop = asyncio.get_running_loop()
        try:
            deadline = loop.time() + READ_SECONDS
            end: dict[TopicPartition, int] | None = None
            while loop.time() < deadline:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    for record in records:
                        raw.append(record.value)
                        envelope = json.loads(record.value)
                        if keep(envelope):
                            found.append(envelope)
                if end is None and done(found):
                    end = await consumer.end_offsets(list(consumer.assignment()))
                if end is not None:
                    read_to = [await consumer.position(tp) >= at for tp, at in end.items()]
                    if all(read_to):
                        break
        finally:
            await consumer.stop()
        return found, raw

    return asyncio.run(read())


def about(
    field: str, ids: Collection[str], kind: str | None = None
) -> Callable[[dict[str, Any]], bool]:
    """Keeps the envelopes whose data's `field` is one of `ids` (and, if given, of type `kind`)."""

    def wanted(envelope: dict[str, Any]) -> bool:
        return (kind is None or envelope["type"] == kind) and envelope["data"].get(field) in ids

    return wanted


def every(envelope: dict[str, Any]) -> bool:
    """Keeps every envelope."""
    return True


def of_type(events: Envelopes, kind: str, rel: str) -> Envelopes:
    """The envelopes of type `kind` about relationship `rel`."""
    return [e for e in events if e["type"] == kind and e["data"]["relationship_id"] == rel]


def relationship_events(
    world: World, relationships: Collection[str], done: Callable[[Envelopes], bool]
) -> tuple[Envelopes, list[bytes]]:
    """`read_topic` of the sessions topic, keeping the envelopes about `relationships`."""
    return read_topic(world, "sessions", about("relationship_id", relationships), done)
