"""Each instance's own reader of sessions' topic: what another instance changed in a
relationship is forgotten from this instance's recent copies as soon as its event is read.

Every change to a relationship document (started, a mentee joining a group, a phase moved,
ended) is written with its `relationship.*` event in the outbox, the event's subject being the
relationship. This reader has no consumer group (every instance reads every partition) and
begins at the topic's end when the instance starts: its copies are empty then. While it reads,
the copies are trusted for long (`RecentRelationships.watch`); when it cannot read, briefly
again, and the long-kept ones are dropped; partitions added to the topic meanwhile are read
from then on, after every copy is dropped. It only forgets: a record it cannot parse is
skipped (the service's grouped consumer is where poison events are dead-lettered).

Writes never use the copies (a write reads its relationship afresh), so what this reader
shortens is only how long a read may show another instance's change late: from the copies'
5 seconds to the time the event takes to arrive.
"""

from __future__ import annotations

import asyncio
import json

from aiokafka import AIOKafkaConsumer, TopicPartition

from services.sessions.adapters.relationship_cache import RecentRelationships
from shared.kafka.assigned_reader import assigned_reader
from shared.logging import get_logger

log = get_logger(__name__)

MAX_BATCH = 1000
RELATIONSHIP_EVENTS = "relationship."


def changed_relationship(value: bytes | None) -> str | None:
    """The relationship a record of sessions' topic says changed (None: not such a record)."""
    try:
        envelope = json.loads(value or b"")
    except ValueError:
        return None
    if not isinstance(envelope, dict):
        return None
    kind, subject = envelope.get("type"), envelope.get("subject")
    if isinstance(kind, str) and kind.startswith(RELATIONSHIP_EVENTS) and isinstance(subject, str):
        return subject
    return None


class RelationshipChanges:
    """Forgets relationships from `recent` as their change events arrive."""

    def __init__(self, *, bootstrap: str, topic: str, recent: RecentRelationships) -> None:
        self._bootstrap = bootstrap
        self._topic = topic
        self._recent = recent
        self._consumer: AIOKafkaConsumer | None = None
        self._partitions: list[TopicPartition] = []
        self._stopping = asyncio.Event()
        self.name = "relationship-changes"
        self.healthy = False

    async def start(self) -> None:
        """Connect, and begin at the topic's end."""
        consumer, partitions = await assigned_reader(self._bootstrap, self._topic)
        await self._watch_from_end(consumer, partitions)
        self._consumer = consumer
        self.healthy = True

    async def _watch_from_end(
        self, consumer: AIOKafkaConsumer, partitions: list[TopicPartition]
    ) -> None:
        """Read `partitions` from their ends on; copies loaded from now are trusted long (the
        positions are resolved first, so no change after this moment goes unread)."""
        consumer.assign(partitions)
        await consumer.seek_to_end(*partitions)
        for tp in partitions:
            await consumer.position(tp)
        self._partitions = partitions
        self._recent.watch()

    async def _follow_new_partitions(self, consumer: AIOKafkaConsumer) -> None:
        """Partitions added to the topic while this runs (the broker's metadata, refreshed
        every few minutes, names them): read those too, from the end, after dropping every copy
        (changes there went unread until now)."""
        known = consumer.partitions_for_topic(self._topic) or set()
        if len(known) > len(self._partitions):
            self._recent.stop_watching()
            partitions = [TopicPartition(self._topic, p) for p in sorted(known)]
            await self._watch_from_end(consumer, partitions)

    async def run(self) -> None:
        """Read records until stopped."""
        consumer = self._consumer
        assert consumer is not None, "start() first"
        while True:
            try:
                batches = await consumer.getmany(timeout_ms=500, max_records=MAX_BATCH)
            except Exception:
                if self._stopping.is_set():
                    break
                if self.healthy:
                    self._recent.stop_watching()
                    self.healthy = False
                log.warning(
                    "relationship changes unread; recent copies kept briefly", exc_info=True
                )
                await asyncio.sleep(1)
                continue
            if self._stopping.is_set():
                break
            if not self.healthy:
                # The consumer kept its positions, so nothing was skipped while it failed;
                # copies loaded from now on are trusted for long again.
                self._recent.watch()
                self.healthy = True
            for records in batches.values():
                for record in records:
                    changed = changed_relationship(record.value)
                    if changed is not None:
                        self._recent.forget(changed)
            await self._follow_new_partitions(consumer)

    async def stop(self) -> None:
        """Stop reading; copies are kept briefly from now on."""
        self._stopping.set()
        self._recent.stop_watching()
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            await consumer.stop()
        self.healthy = False
