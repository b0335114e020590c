"""A service's moving parts, started and stopped in the right order.

Start: Mongo → topics → producer → relay (+ start-up sweep) → consumer.
Stop:  consumer (finish and commit the batch) → relay (publish what is queued) → producer
(flush) → Mongo. HTTP stops accepting before any of this (uvicorn's own shutdown).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from pymongo import AsyncMongoClient

import shared.contracts  # noqa: F401 - registers every event model in the catalogue
from shared.events.catalogue import InboundEvent, catalogue
from shared.events.envelope import EventData
from shared.events.topics import deadletter_topic, domain_topic, topics_for
from shared.kafka.consumer import EventConsumer
from shared.kafka.producer import EventProducer
from shared.kafka.topics import ensure_topics
from shared.logging import get_logger
from shared.mongo.claims import prune_claims
from shared.mongo.client import connect
from shared.mongo.databases import Document, ServiceDatabases
from shared.mongo.indexes import CLAIMS_INDEXES, Index, Indexes, outbox_indexes
from shared.mongo.outbox import OutboxRelay, OutboxWriter
from shared.mongo.pacing import Pace
from shared.mongo.server import is_ferretdb
from shared.settings import ServiceSettings

log = get_logger(__name__)
# How often guard claims too old to matter are deleted (`shared.mongo.claims.KEPT`).
CLAIMS_PRUNE_SECONDS = 3600.0
# The timer's outbox sweep works at most this share of the time (the start-up sweep at once).
SWEEP_SHARE = 0.25

D = TypeVar("D", bound=EventData)


class ServiceRuntime:
    """Everything one service needs to talk to Kafka and MongoDB."""

    def __init__(
        self,
        service: str,
        settings: ServiceSettings,
        *,
        consumes_from: Sequence[str] = (),
        outbox_collections: Sequence[str] = (),
        indexes: Sequence[Index] = (),
    ) -> None:
        self.service = service
        self.settings = settings
        self.mongo: AsyncMongoClient[Document] = connect(settings.mongo_url, service)
        self.databases = ServiceDatabases(self.mongo, settings.db_prefix, service)
        self.producer = EventProducer(settings.kafka_bootstrap, client_id=service)
        self.relay = OutboxRelay(self.mongo, self.producer)
        self.outbox = OutboxWriter(self.relay, settings.topic_prefix)
        self._outbox_collections = list(outbox_collections)
        self.indexes = Indexes(
            self.mongo, [*indexes, *outbox_indexes(outbox_collections), *CLAIMS_INDEXES]
        )
        self._consumes_from = tuple(consumes_from)
        self.consumer: EventConsumer | None = None
        if consumes_from:
            self.consumer = EventConsumer(
                bootstrap=settings.kafka_bootstrap,
                group_id=f"{settings.topic_prefix}.{service}",
                topics=[domain_topic(settings.topic_prefix, s) for s in consumes_from],
                catalogue=catalogue,
                producer=self.producer,
                deadletter_topic=deadletter_topic(settings.topic_prefix, service),
                max_batch=settings.consumer_max_batch,
            )
        self._tasks: list[asyncio.Task[Any]] = []
        self._periodic: list[tuple[str, float, Callable[[], Awaitable[None]]]] = []
        self._companions: list[Companion] = []
        self._companion_tasks: list[asyncio.Task[Any]] = []

    def subscribe(
        self, model: type[D], handler: Callable[[Sequence[InboundEvent[D]]], Awaitable[None]]
    ) -> None:
        """Handle events of `model`'s type (the service must consume their source's topic)."""
        if self.consumer is None or model.source not in self._consumes_from:
            raise ValueError(f"{self.service} does not consume {model.source}'s topic")
        self.consumer.subscribe(model, handler)

    def every(self, seconds: float, name: str, job: Callable[[], Awaitable[None]]) -> None:
        """Run `job` every `seconds` while the service runs (register before start)."""
        self._periodic.append((name, seconds, job))

    def alongside(self, companion: Companion) -> None:
        """Run a long-lived loop of the service's own (a second consumer, a sender) with the
        runtime: started last, stopped first, and part of readiness (register before start)."""
        self._companions.append(companion)

    async def start(self) -> None:
        """Connect everything and start the relay, the sweep timer and the consumer."""
        await self.databases.ping()
        await self.ensure_indexes()
        await ensure_topics(
            self.settings.kafka_bootstrap,
            topics_for(self.settings.topic_prefix, self.service, self.settings.kafka_partitions),
            self.settings.kafka_replication_factor,
        )
        await self.producer.start()
        # Publish what a crash left before anything else; tidying is the timer's job, so a
        # backlog of published events does not slow the start.
        await self.sweep_outbox(clean=False)
        self._tasks.append(asyncio.create_task(self.relay.run(), name="outbox-relay"))
        self.every(self.settings.outbox_sweep_seconds, "outbox-sweep", self._sweep_job)
        self.every(CLAIMS_PRUNE_SECONDS, "guard-claims-prune", self._prune_job)
        for name, seconds, job in self._periodic:
            self._tasks.append(asyncio.create_task(_repeat(seconds, name, job), name=name))
        if self.consumer is not None:
            await self.consumer.start()
            self._tasks.append(asyncio.create_task(self.consumer.run(), name="consumer"))
        for companion in self._companions:
            await companion.start()
            self._companion_tasks.append(asyncio.create_task(companion.run(), name=companion.name))
        log.info("service started", service=self.service)

    async def sweep_outbox(self, *, clean: bool = True, pace: Pace | None = None) -> int:
        """Queue what a crash left unpublished in this service's outboxes (and, with `clean`,
        tidy what was published), spread out by `pace` (default: at once)."""
        if not self._outbox_collections:
            return 0
        return await self.relay.sweep(
            await self.databases.names(), self._outbox_collections, clean=clean, pace=pace
        )

    async def ensure_indexes(self) -> int:
        """Create the declared indexes in this service's databases not seen yet (MongoDB
        proper only: `shared.mongo.indexes`); how many databases were new."""
        if await is_ferretdb(self.mongo):
            return 0  # not even the list of databases, which is slow there with many
        return await self.indexes.ensure(await self.databases.names())

    async def _prune_job(self) -> None:
        """Delete guard claims too old to refuse any writer, in every database of this
        service."""
        now = datetime.now(UTC)
        pruned = 0
        for name in await self.databases.names():
            pruned += await prune_claims(self.mongo[name], now)
        if pruned:
            log.info("old guard claims deleted", count=pruned)

    async def _sweep_job(self) -> None:
        await self.ensure_indexes()  # an organisation's database may have appeared
        await self.sweep_outbox(pace=Pace(SWEEP_SHARE))

    async def ready(self) -> dict[str, bool]:
        """Which dependencies work right now (for /readyz)."""
        try:
            await asyncio.wait_for(self.databases.ping(), timeout=3)
            mongo = True
        except Exception:
            mongo = False
        kafka = await self.producer.is_connected() and self.relay.healthy
        checks = {"mongodb": mongo, "kafka": kafka}
        if self.consumer is not None:
            checks["consumer"] = self.consumer.healthy
        for companion in self._companions:
            checks[companion.name] = companion.healthy
        return checks

    async def stop(self) -> None:
        """Graceful: finish and commit the batch, publish what is queued, flush, disconnect."""
        for companion in self._companions:
            await companion.stop()
        for task in self._companion_tasks:
            try:
                async with asyncio.timeout(10):
                    await task
            except (TimeoutError, asyncio.CancelledError, Exception):
                task.cancel()
        self._companion_tasks.clear()
        if self.consumer is not None:
            await self.consumer.stop()
        try:
            async with asyncio.timeout(10):
                await self.relay.wait_idle()
        except TimeoutError:
            log.warning("stopping with events unpublished; the next start-up sweep sends them")
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        await self.producer.stop()
        await self.mongo.close()
        log.info("service stopped", service=self.service)


class Companion(Protocol):
    """A long-lived loop run alongside the runtime (see `ServiceRuntime.alongside`)."""

    name: str

    @property
    def healthy(self) -> bool:
        """Whether it works right now (for /readyz)."""
        ...

    async def start(self) -> None:
        """Connect (raise if it cannot)."""

    async def run(self) -> None:
        """Loop until stopped."""

    async def stop(self) -> None:
        """Ask the loop to finish what it has in hand and return."""


async def _repeat(seconds: float, name: str, job: Callable[[], Awaitable[None]]) -> None:
    while True:
        await asyncio.sleep(seconds)
        try:
            await job()
        except Exception:
            log.warning("periodic job failed", job=name, exc_info=True)
