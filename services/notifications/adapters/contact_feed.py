"""Reads the registry's compacted contacts topic into the contact book.

Its own consumer group (`<prefix>.notifications.contacts`), from the earliest offset, offsets
committed only after the batch is stored: keyed state, so applying a record twice changes
nothing. Infrastructure failures are retried with doubling delays for as long as they last. A
record that is not a contact record is logged and dead-lettered WITHOUT its value — the bytes
may hold an address, and the dead-letter topic keeps 30 days while this topic forgets an
erased address within minutes — with its key, topic, partition, offset and the error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer
from pydantic import ValidationError

from services.notifications.adapters.contact_book import ContactBook
from shared.contracts import contacts
from shared.contracts.contacts import AdminInvitation, MemberContact
from shared.kafka.producer import EventProducer, OutgoingRecord
from shared.kafka.security import kafka_client_options
from shared.logging import get_logger
from shared.retry import Backoff, is_transient

log = get_logger(__name__)

MAX_BATCH = 500


class ContactFeed:
    """The consumer of the contacts topic."""

    def __init__(
        self,
        *,
        bootstrap: str,
        group_id: str,
        topic: str,
        book: ContactBook,
        producer: EventProducer,
        deadletter_topic: str,
        on_invitation: Callable[[AdminInvitation], Awaitable[None]],
    ) -> None:
        self._bootstrap = bootstrap
        self._group_id = group_id
        self._topic = topic
        self._book = book
        self._producer = producer
        self._deadletter_topic = deadletter_topic
        self._on_invitation = on_invitation
        self._consumer: AIOKafkaConsumer | None = None
        self._stopping = asyncio.Event()
        self.name = "contacts-consumer"
        self.healthy = False
        self.applied = 0

    async def start(self) -> None:
        """Join the group."""
        consumer = AIOKafkaConsumer(
            self._topic,
            bootstrap_servers=self._bootstrap,
            **kafka_client_options(),
            group_id=self._group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=MAX_BATCH,
        )
        await consumer.start()
        self._consumer = consumer
        self.healthy = True

    async def run(self) -> None:
        """Apply and commit until stopped."""
        consumer = self._consumer
        assert consumer is not None, "start() first"
        while not self._stopping.is_set():
            try:
                batches = await consumer.getmany(timeout_ms=200, max_records=MAX_BATCH)
            except Exception:
                if self._stopping.is_set():
                    break
                self.healthy = False
                log.warning("contacts poll failed; retrying", exc_info=True)
                await asyncio.sleep(1)
                continue
            self.healthy = True
            if not batches:
                continue
            backoff = Backoff()
            while True:
                try:
                    for records in batches.values():
                        for record in records:
                            await self._apply(record)
                    await consumer.commit(
                        {tp: records[-1].offset + 1 for tp, records in batches.items()}
                    )
                    break
                except Exception as exc:
                    if not is_transient(exc) or self._stopping.is_set():
                        log.error("contacts batch failed", exc_info=True)
                        if self._stopping.is_set():
                            return
                    self.healthy = False
                    await asyncio.sleep(backoff.next_delay())

    async def _apply(self, record: object) -> None:
        key = (getattr(record, "key", None) or b"").decode(errors="replace")
        value: bytes | None = getattr(record, "value", None)
        kind, _, person = key.partition(":")
        if key == contacts.ROLL_KEY:
            return
        if value is None:
            if kind in ("member", "invitation") and person:
                await self._book.forget(person)
            return
        try:
            parsed = contacts.parse(value)
        except ValidationError as exc:
            await self._deadletter(record, key, f"not a contact record: {exc.error_count()} errors")
            return
        if isinstance(parsed, MemberContact):
            await self._book.keep_member(parsed)
        elif await self._book.keep_invitation(parsed):
            await self._on_invitation(parsed)
        self.applied += 1

    async def _deadletter(self, record: object, key: str, error: str) -> None:
        log.warning("contact record refused", key=key, error=error)
        await self._producer.send_batch(
            [
                OutgoingRecord(
                    topic=self._deadletter_topic,
                    key=key.encode(),
                    value=b"",  # never the value: it may hold an address
                    headers=(
                        ("dlq.error", error.encode()),
                        ("dlq.topic", str(getattr(record, "topic", "")).encode()),
                        ("dlq.partition", str(getattr(record, "partition", "")).encode()),
                        ("dlq.offset", str(getattr(record, "offset", "")).encode()),
                        ("dlq.group", self._group_id.encode()),
                        ("dlq.time", datetime.now(UTC).isoformat().encode()),
                    ),
                )
            ]
        )

    async def stop(self) -> None:
        """Leave the group (the batch in hand is committed or redelivered: harmless)."""
        self._stopping.set()
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            await consumer.stop()
        self.healthy = False
