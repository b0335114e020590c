"""Keeps the contacts topic compacting when nothing else is written to it.

Kafka compacts only segments that are no longer active, and rolls the active segment only when
a record is appended after `segment.ms`. An erased member's address could otherwise sit in a
quiet partition's active segment indefinitely, so this appends a tombstone of a placeholder
key (`shared.contracts.contacts.ROLL_KEY`, which consumers ignore) to every partition every
`CONTACTS_ROLL_SECONDS`: the bound on how long an address outlives its erasure holds whether
or not anyone else writes (docs/decisions.md 23).
"""

from __future__ import annotations

from shared.contracts.contacts import ROLL_KEY
from shared.events.topics import contacts_topic, member_keys_topic
from shared.kafka.producer import EventProducer, OutgoingRecord


class ContactTopic:
    """Appends the roll marker to every partition of the contacts and keys topics."""

    def __init__(self, producer: EventProducer, topic_prefix: str) -> None:
        self._producer = producer
        self._topics = (contacts_topic(topic_prefix), member_keys_topic(topic_prefix))

    async def roll(self) -> None:
        """One tombstone of the placeholder key per partition (the runtime's timer)."""
        records = []
        for topic in self._topics:
            partitions = await self._producer.partitions(topic)
            records += [
                OutgoingRecord(topic, ROLL_KEY.encode(), None, partition=p)
                for p in sorted(partitions)
            ]
        await self._producer.send_batch(records)
