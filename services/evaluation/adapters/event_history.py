"""Reading the network's domain topics from the beginning (or from given offsets) up to the
end they had when the reading began: the history a replay rebuilds the read models from.

No consumer group: the partitions are assigned directly, nothing is committed, and the live
service's group is left alone.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import ConsumerRecord

from shared.kafka.security import kafka_client_options

Offsets = dict[TopicPartition, int]
RecordsHandler = Callable[[list[ConsumerRecord[bytes, bytes]]], Awaitable[None]]
ProgressReport = Callable[["ReadProgress"], None]

FETCH_RECORDS = 5000
PROGRESS_EVERY_SECONDS = 1.0


@dataclass
class ReadProgress:
    """How far a reading has come."""

    read: int = 0
    total: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def seconds(self) -> float:
        """Seconds since the reading began."""
        return time.monotonic() - self.started

    @property
    def rate(self) -> float:
        """Records read per second so far."""
        return self.read / self.seconds if self.seconds > 0 else 0.0


async def read_history(
    bootstrap: str,
    topics: Sequence[str],
    on_records: RecordsHandler,
    *,
    start: Offsets | None = None,
    on_progress: ProgressReport | None = None,
) -> Offsets:
    """Hand every record of `topics` to `on_records`, partition batch by partition batch, from
    `start` (else each partition's beginning) up to the end offsets of when this call began;
    returns those end offsets (where a later reading can start)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        **kafka_client_options(),
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_partition_fetch_bytes=8 * 1024 * 1024,
        fetch_max_bytes=64 * 1024 * 1024,
    )
    partitions = await _partitions(bootstrap, topics)
    await consumer.start()
    try:
        if not partitions:
            return {}
        consumer.assign(partitions)
        ends: Offsets = await consumer.end_offsets(partitions)
        firsts: Offsets = await consumer.beginning_offsets(partitions)
        begins = {tp: max(firsts[tp], (start or {}).get(tp, firsts[tp])) for tp in partitions}
        for tp in partitions:
            consumer.seek(tp, begins[tp])
        progress = ReadProgress(total=sum(ends[tp] - begins[tp] for tp in partitions))
        remaining = {tp for tp in partitions if begins[tp] < ends[tp]}
        last_report = 0.0
        while remaining:
            batches = await consumer.getmany(*remaining, timeout_ms=500, max_records=FETCH_RECORDS)
            for tp, records in batches.items():
                wanted = [r for r in records if r.offset < ends[tp]]
                if wanted:
                    await on_records(wanted)
                    progress.read += len(wanted)
                if records and records[-1].offset + 1 >= ends[tp]:
                    remaining.discard(tp)
            for tp in [tp for tp in remaining if tp not in batches]:
                # The last offsets may hold no record we get (e.g. transaction markers).
                if await consumer.position(tp) >= ends[tp]:
                    remaining.discard(tp)
            if on_progress is not None and time.monotonic() - last_report > PROGRESS_EVERY_SECONDS:
                on_progress(progress)
                last_report = time.monotonic()
        if on_progress is not None:
            on_progress(progress)
        return ends
    finally:
        await consumer.stop()


async def _partitions(bootstrap: str, topics: Sequence[str]) -> list[TopicPartition]:
    """Every partition of those of `topics` that exist."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap, request_timeout_ms=15000, **kafka_client_options()
    )
    await admin.start()
    try:
        described = await admin.describe_topics(list(topics))
    finally:
        await admin.close()
    return sorted(
        TopicPartition(str(t["topic"]), int(p["partition"]))
        for t in described
        if t["error_code"] == 0
        for p in t["partitions"]
    )
