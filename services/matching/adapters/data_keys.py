"""Matching's copy of members' data keys, read from the registry's compacted keys topic.

Kept in memory only, never stored: at every start it reads the topic from its beginning (no
consumer group, no committed offsets), so a key destroyed on the topic is gone from here the
moment its `KeyDestroyed` is read, and gone from every copy once the process restarts.

Order: a `member.profile_updated` may be read before its key (two topics, two readers).
`key_for` then waits until this reader has read the keys topic up to the end it has now —
the key was written no later than the event, in the registry's outbox — and again until
`WAIT_SECONDS` pass. A destroyed key (its `KeyDestroyed` stays on the topic for good) answers
None at once: the event reads as a former member's. A key still unknown after the wait raises
`MissingDataKeyError`; the consumer retries the event and then dead-letters it (sealed).
"""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaConsumer, TopicPartition
from pydantic import ValidationError

from shared.contracts import member_keys
from shared.contracts.contacts import ROLL_KEY
from shared.contracts.member_keys import KeyDestroyed
from shared.events.sealing import SealError, key_from_text
from shared.kafka.assigned_reader import assigned_reader
from shared.logging import get_logger

log = get_logger(__name__)

MAX_BATCH = 1000
# How long an event waits for its member's key to be read before it is retried.
WAIT_SECONDS = 30.0
POLL_SECONDS = 0.2


class MissingDataKeyError(LookupError):
    """An event's member has no key on the keys topic, destroyed or not."""


class DataKeys:
    """Members' data keys by member id, and which members' keys were destroyed."""

    def __init__(self, *, bootstrap: str, topic: str) -> None:
        self._bootstrap = bootstrap
        self._topic = topic
        self._keys: dict[str, bytes] = {}
        self._destroyed: set[str] = set()
        self._consumer: AIOKafkaConsumer | None = None
        self._partitions: list[TopicPartition] = []
        self._started = asyncio.Event()
        self._stopping = asyncio.Event()
        self.name = "data-keys"
        self.healthy = False

    async def start(self) -> None:
        """Connect and seek to the topic's beginning."""
        consumer, self._partitions = await assigned_reader(self._bootstrap, self._topic)
        await consumer.seek_to_beginning(*self._partitions)
        self._consumer = consumer
        self._started.set()
        self.healthy = True

    async def run(self) -> None:
        """Read records until stopped."""
        consumer = self._consumer
        assert consumer is not None, "start() first"
        while not self._stopping.is_set():
            try:
                batches = await consumer.getmany(timeout_ms=200, max_records=MAX_BATCH)
            except Exception:
                if self._stopping.is_set():
                    break
                self.healthy = False
                log.warning("keys poll failed; retrying", exc_info=True)
                await asyncio.sleep(1)
                continue
            self.healthy = True
            for records in batches.values():
                for record in records:
                    self._apply(record.key, record.value)

    def _apply(self, key: bytes | None, value: bytes | None) -> None:
        name = (key or b"").decode(errors="replace")
        kind, _, member_id = name.partition(":")
        if name == ROLL_KEY or kind != "member" or not member_id:
            return
        if value is None:  # not written by the registry; a deletion all the same
            self._keys.pop(member_id, None)
            return
        try:
            record = member_keys.parse(value)
            if isinstance(record, KeyDestroyed):
                self._keys.pop(member_id, None)
                self._destroyed.add(member_id)
            elif member_id not in self._destroyed:  # destroyed is final
                self._keys[member_id] = key_from_text(record.key)
        except (ValidationError, SealError):
            # Never logged with its value: it may hold a key.
            log.warning("not a key record; ignored", key=name)

    async def key_for(self, member_id: str) -> bytes | None:
        """The member's data key; None if it was destroyed (they were erased)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT_SECONDS
        while True:
            if member_id in self._destroyed:
                return None
            key = self._keys.get(member_id)
            if key is not None:
                return key
            if loop.time() >= deadline:
                raise MissingDataKeyError(f"no data key for {member_id} on {self._topic}")
            await self._read_to_end(deadline)
            if member_id not in self._destroyed and member_id not in self._keys:
                await asyncio.sleep(POLL_SECONDS)

    async def _read_to_end(self, deadline: float) -> None:
        """Wait until every record the topic has now was read (or the deadline)."""
        loop = asyncio.get_running_loop()
        async with asyncio.timeout_at(deadline):
            await self._started.wait()
        consumer = self._consumer
        if consumer is None:
            return
        ends = await consumer.end_offsets(self._partitions)
        while loop.time() < deadline:
            if all([await consumer.position(tp) >= end for tp, end in ends.items()]):
                return
            await asyncio.sleep(POLL_SECONDS / 4)

    async def stop(self) -> None:
        """Stop reading and forget every key."""
        self._stopping.set()
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            await consumer.stop()
        self._keys.clear()
        self.healthy = False
