"""An idempotent producer that survives the broker blips which wedge aiokafka's."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner
from aiokafka.producer.message_accumulator import BatchBuilder

from shared.kafka.security import kafka_client_options
from shared.logging import get_logger

log = get_logger(__name__)
MAX_BATCH_BYTES = 512 * 1024
_PARTITIONER = DefaultPartitioner()


@dataclass(frozen=True)
class OutgoingRecord:
    """One record to publish: already-serialised envelope bytes, or, on a compacted topic of
    keyed state, the key's latest value (None: a tombstone, the key's deletion)."""

    topic: str
    key: bytes
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()
    # Normally the key picks the partition; a record meant for one partition names it.
    partition: int | None = None


class EventProducer:
    """acks=all, idempotent; on any send failure the client is recreated.

    aiokafka's idempotent producer can stay wedged after a broker blip (aiokafka #1017), so a
    failed batch closes it and the next batch starts a fresh one. Callers retry: the outbox
    keeps every event until a send is acknowledged.
    """

    def __init__(self, bootstrap: str, client_id: str) -> None:
        self._bootstrap = bootstrap
        self._client_id = client_id
        self._producer: AIOKafkaProducer | None = None
        self._lock = asyncio.Lock()
        self._stopped = False

    async def start(self) -> None:
        """Connect; raises if the broker cannot be reached."""
        async with self._lock:
            if self._producer is None:
                producer = AIOKafkaProducer(
                    bootstrap_servers=self._bootstrap,
                    **kafka_client_options(),
                    client_id=self._client_id,
                    acks="all",
                    enable_idempotence=True,
                    linger_ms=5,
                    request_timeout_ms=15000,
                    # Bigger batches than the 16 KiB default: a burst of events goes out in a
                    # few requests (the broker takes up to 1 MiB).
                    max_batch_size=MAX_BATCH_BYTES,
                )
                try:
                    await producer.start()
                except BaseException:
                    await producer.stop()
                    raise
                self._producer = producer

    async def send_batch(self, records: Sequence[OutgoingRecord]) -> None:
        """Publish all records and return once the broker has acknowledged every one."""
        await self.start()
        producer = self._producer
        assert producer is not None
        try:
            await asyncio.gather(*await self._send_batches(producer, records))
        except Exception:
            log.warning("publish failed; recreating the producer", exc_info=True)
            await self._reset()
            raise

    async def _send_batches(
        self, producer: AIOKafkaProducer, records: Sequence[OutgoingRecord]
    ) -> list[asyncio.Future[object]]:
        """Hand `records` to the producer as whole batches, one partition's records in their
        order: about a tenth of the CPU of a `send` per record (its future, partitioning and
        accumulator lookup), which at thousands of events a second is the relay's main cost.
        The partition is the one `send` would pick (the default murmur2 partitioner)."""
        by_partition: dict[tuple[str, int], list[OutgoingRecord]] = defaultdict(list)
        partitions: dict[str, list[int]] = {}
        for r in records:
            partition = r.partition
            if partition is None:
                if r.topic not in partitions:
                    partitions[r.topic] = sorted(await producer.partitions_for(r.topic))
                known = partitions[r.topic]
                partition = _PARTITIONER(r.key, known, known)
            by_partition[(r.topic, partition)].append(r)
        futures = []
        for (topic, partition), items in by_partition.items():
            batch = producer.create_batch()
            for r in items:
                # A full batch refuses the record: send it, and start the next with it (an
                # empty batch takes any record).
                if not _appended(batch, r):
                    futures.append(await producer.send_batch(batch, topic, partition=partition))
                    batch = producer.create_batch()
                    _appended(batch, r)
            futures.append(await producer.send_batch(batch, topic, partition=partition))
        return futures

    async def partitions(self, topic: str) -> set[int]:
        """The partitions of `topic`, from the broker's metadata."""
        await self.start()
        producer = self._producer
        assert producer is not None
        return set(await producer.partitions_for(topic))

    async def is_connected(self) -> bool:
        """True when the broker answers a metadata request. A producer a failed send closed
        is started again here, so readiness comes back with the broker even when nothing is
        waiting to be published."""
        if self._stopped:
            return False
        try:
            async with asyncio.timeout(3):
                if self._producer is None:
                    await self.start()
                producer = self._producer
                if producer is None:
                    return False
                await producer.client.fetch_all_metadata()
        except Exception:
            return False
        return True

    async def stop(self) -> None:
        """Flush what is buffered and disconnect."""
        self._stopped = True
        await self._reset()

    async def _reset(self) -> None:
        async with self._lock:
            producer, self._producer = self._producer, None
        if producer is not None:
            try:
                await producer.stop()
            except Exception:
                log.warning("producer did not stop cleanly", exc_info=True)


def _appended(batch: BatchBuilder, record: OutgoingRecord) -> bool:
    metadata = batch.append(
        key=record.key, value=record.value, timestamp=None, headers=list(record.headers)
    )
    return metadata is not None
