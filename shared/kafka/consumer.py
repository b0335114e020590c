"""The one event consumer every service runs: one group per service, at-least-once delivery,
effects deduplicated by the handlers' single-document writes (see shared.mongo.effects).

Per batch: parse every record (poison → dead-letter topic, with the error and original bytes);
hand consecutive events of one type to their handler; retry transient failures with doubling
backoff for as long as they last; isolate and dead-letter an event that keeps failing; commit
offsets only after every effect of the batch is stored.

A rebalance (another instance joining or leaving) does not wait for the whole batch: the
consumer finishes the handler call in hand, commits what it has handled and hands the
partitions back. Waiting for a long batch instead outlasted the rebalance timeout under load;
the member was dropped, its commit refused and the batch redelivered to the next member, which
was dropped in turn: a group that never caught up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.errors import CommitFailedError, IllegalStateError

from shared.events.catalogue import EventCatalogue, InboundEvent, PoisonEventError
from shared.events.envelope import EventData
from shared.events.topics import publisher_of
from shared.kafka.producer import EventProducer, OutgoingRecord
from shared.kafka.security import kafka_client_options
from shared.logging import causation_id_var, correlation_id_var, get_logger
from shared.retry import Backoff, is_transient

log = get_logger(__name__)

D = TypeVar("D", bound=EventData)
Handler = Callable[[Sequence[InboundEvent[Any]]], Awaitable[None]]


class Record(Protocol):
    """The parts of an aiokafka ConsumerRecord the consumer uses."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


# A handler failing on one event for a reason other than infrastructure gets this many tries.
MAX_ATTEMPTS = 3

# The most events one handler call gets: the call in hand is what a rebalance waits for.
MAX_RUN = 100

# How long the group waits for a member to rejoin a rebalance: the handler call in hand must
# end within it (aiokafka's default is the 10 s session timeout, which a slow call outlasted).
REBALANCE_TIMEOUT_MS = 60_000


@dataclass
class HandlerRun:
    """Consecutive events of one type from one partition: one handler call."""

    handler: Handler
    records: list[Record] = field(default_factory=list)
    events: list[InboundEvent[Any]] = field(default_factory=list)


def plan_runs(
    records: Sequence[Record],
    catalogue: EventCatalogue,
    handlers: dict[tuple[str, int], Handler],
    max_run: int = MAX_RUN,
) -> tuple[list[HandlerRun], list[tuple[Record, PoisonEventError]]]:
    """Split one partition's records into handler calls, keeping their order.

    Consecutive events of one type go to their handler together, at most `max_run` to a call;
    a change of type starts a new call, so an update is never applied before the creation it
    follows. Events no handler wants are skipped; records that are not valid events, or not
    events of the service whose topic they are on, are returned as poison.
    """
    runs: list[HandlerRun] = []
    poison: list[tuple[Record, PoisonEventError]] = []
    for record in records:
        try:
            event = catalogue.parse(record.value, published_by=publisher_of(record.topic))
        except PoisonEventError as exc:
            poison.append((record, exc))
            continue
        handler = handlers.get((event.envelope.type, event.envelope.version))
        if handler is None:
            continue
        if not runs or runs[-1].handler is not handler or len(runs[-1].events) >= max_run:
            runs.append(HandlerRun(handler))
        runs[-1].records.append(record)
        runs[-1].events.append(event)
    return runs, poison


K = TypeVar("K")


def merge_runs(
    runs: dict[K, list[HandlerRun]], max_run: int = MAX_RUN
) -> list[list[tuple[K, HandlerRun]]]:
    """The handler calls of a batch across its partitions: the next run of every partition
    that wants the same handler goes into one call (at most `max_run` events), so a batch
    spread over six partitions costs one call where it cost six. Each partition's runs stay in
    their order; a call holds at most one run of each."""
    at = dict.fromkeys(runs, 0)
    calls: list[list[tuple[K, HandlerRun]]] = []
    while heads := [(k, runs[k][at[k]]) for k in runs if at[k] < len(runs[k])]:
        handler = heads[0][1].handler
        call: list[tuple[K, HandlerRun]] = []
        size = 0
        for key, run in heads:
            if run.handler is handler and (not call or size + len(run.events) <= max_run):
                call.append((key, run))
                size += len(run.events)
                at[key] += 1
        calls.append(call)
    return calls


def in_turn(*handlers: Handler) -> Handler:
    """One handler that calls `handlers` one after the other with the same batch."""

    async def each(events: Sequence[InboundEvent[Any]]) -> None:
        for handler in handlers:
            await handler(events)

    return each


class _StoppingError(Exception):
    """The consumer is stopping while a batch is unfinished: do not commit it."""


class EventConsumer:
    """Consumes the network's topics for one service's consumer group."""

    def __init__(
        self,
        *,
        bootstrap: str,
        group_id: str,
        topics: Sequence[str],
        catalogue: EventCatalogue,
        producer: EventProducer,
        deadletter_topic: str,
        max_batch: int = 500,
    ) -> None:
        self._bootstrap = bootstrap
        self._group_id = group_id
        self._topics = list(topics)
        self._catalogue = catalogue
        self._producer = producer
        self._deadletter_topic = deadletter_topic
        self._max_batch = max_batch
        self._handlers: dict[tuple[str, int], Handler] = {}
        self._consumer: AIOKafkaConsumer | None = None
        self._stopping = asyncio.Event()
        self._batch_lock = asyncio.Lock()
        # Set while a rebalance or stop() waits for the batch in hand: finish the handler call
        # in progress, commit what is handled and let the partitions go.
        self._hand_back = asyncio.Event()
        self.healthy = False
        self.processed = 0
        self.deadlettered = 0

    def subscribe(
        self, model: type[D], handler: Callable[[Sequence[InboundEvent[D]]], Awaitable[None]]
    ) -> None:
        """Route events of `model`'s type and version to `handler` (called with a batch).

        Several read models of one service may need the same event (evaluation's outcome
        figures and its monitoring both follow `relationship.started`): a second subscription
        is called after the first, with the same batch, instead of silently replacing it.
        Handlers are idempotent, so a retry that repeats an earlier handler is harmless."""
        key = (model.event_type, model.event_version)
        earlier = self._handlers.get(key)
        self._handlers[key] = handler if earlier is None else in_turn(earlier, handler)

    async def start(self) -> None:
        """Join the group; partitions are assigned on the first poll."""
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap,
            **kafka_client_options(),
            group_id=self._group_id,
            enable_auto_commit=False,
            # A new service builds its read models from the whole history.
            auto_offset_reset="earliest",
            max_poll_records=self._max_batch,
            rebalance_timeout_ms=REBALANCE_TIMEOUT_MS,
        )
        await consumer.start()
        consumer.subscribe(self._topics, listener=_HandBack(self._batch_lock, self._hand_back))
        self._consumer = consumer
        self.healthy = True

    async def run(self) -> None:
        """Poll, process and commit until `stop()` is called."""
        consumer = self._consumer
        assert consumer is not None, "start() first"
        while not self._stopping.is_set():
            try:
                batches = await consumer.getmany(timeout_ms=200, max_records=self._max_batch)
            except Exception:
                if self._stopping.is_set():
                    break
                self.healthy = False
                log.warning("poll failed; retrying", exc_info=True)
                await asyncio.sleep(1)
                continue
            self.healthy = True
            if not batches:
                continue
            async with self._batch_lock:
                try:
                    handled = await self._process(batches)
                except _StoppingError:
                    log.info("stopping mid-batch; it will be redelivered")
                    return
                await self._commit(consumer, handled)

    async def stop(self) -> None:
        """Finish the handler call in hand, commit what is handled, and leave the group."""
        self._stopping.set()
        self._hand_back.set()
        async with self._batch_lock:
            consumer, self._consumer = self._consumer, None
            if consumer is not None:
                await consumer.stop()
        self.healthy = False

    async def _process(
        self, batches: dict[TopicPartition, list[Record]]
    ) -> dict[TopicPartition, int]:
        """Handle a batch; returns the offsets to commit: the whole batch's, or when the
        partitions are wanted back, each partition's up to its first run not yet handled."""
        planned = {
            tp: plan_runs(records, self._catalogue, self._handlers)
            for tp, records in batches.items()
            if records
        }
        runs = {tp: plan[0] for tp, plan in planned.items()}
        handled = {tp: batches[tp][-1].offset + 1 for tp in planned}
        done = dict.fromkeys(runs, 0)
        failed: list[OutgoingRecord] = []
        for call in merge_runs(runs):
            if self._hand_back.is_set():
                for tp, left in runs.items():
                    if done[tp] < len(left):
                        handled[tp] = left[done[tp]].records[0].offset
                log.info(
                    "handing partitions back mid-batch",
                    handled_up_to={f"{tp.topic}:{tp.partition}": o for tp, o in handled.items()},
                )
                break
            merged = HandlerRun(call[0][1].handler)
            for tp, run in call:
                merged.records.extend(run.records)
                merged.events.extend(run.events)
                done[tp] += 1
            failed.extend(await self._handle_run(merged))
        dead: list[OutgoingRecord] = []
        for tp, (_, poison) in planned.items():
            for record, exc in poison:
                if record.offset < handled[tp]:  # poison beyond the cut comes back later
                    log.warning(
                        "poison event", topic=record.topic, offset=record.offset, error=str(exc)
                    )
                    dead.append(self._deadletter(record, exc))
        dead.extend(failed)
        if dead:
            await self._retry_until_done(lambda: self._producer.send_batch(dead), "dead-letter")
            self.deadlettered += len(dead)
        return handled

    async def _handle_run(self, run: HandlerRun) -> list[OutgoingRecord]:
        """Apply a run; returns dead-letter records for events that can never be applied."""
        try:
            await self._call(run.handler, run.events)
        except _StoppingError:
            raise
        except Exception:
            if len(run.events) == 1:
                return await self._handle_single(run.handler, run.records[0], run.events[0])
            # Find the event that fails by giving each its own call.
            dead: list[OutgoingRecord] = []
            for record, event in zip(run.records, run.events, strict=True):
                dead.extend(await self._handle_single(run.handler, record, event))
            return dead
        self.processed += len(run.events)
        return []

    async def _handle_single(
        self, handler: Handler, record: Record, event: InboundEvent[Any]
    ) -> list[OutgoingRecord]:
        backoff = Backoff()
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                await self._call(handler, [event])
            except _StoppingError:
                raise
            except Exception as exc:
                if attempt == MAX_ATTEMPTS:
                    log.error(
                        "event failed; dead-lettered",
                        event_id=str(event.envelope.id),
                        event_type=event.envelope.type,
                        exc_info=True,
                    )
                    return [self._deadletter(record, exc, str(event.envelope.id))]
                await asyncio.sleep(backoff.next_delay())
            else:
                self.processed += 1
                return []
        return []  # unreachable: the loop returns on success or on the last attempt

    async def _call(self, handler: Handler, events: list[InboundEvent[Any]]) -> None:
        """Call a handler, retrying infrastructure failures for as long as they last."""
        first = events[0].envelope
        correlation = correlation_id_var.set(first.correlation_id)
        causation = causation_id_var.set(str(first.id) if len(events) == 1 else None)
        try:
            await self._retry_until_done(lambda: handler(events), first.type, transient_only=True)
            log.info("events handled", event_type=first.type, count=len(events))
        finally:
            correlation_id_var.reset(correlation)
            causation_id_var.reset(causation)

    async def _retry_until_done(
        self, action: Callable[[], Awaitable[None]], what: str, *, transient_only: bool = False
    ) -> None:
        backoff = Backoff()
        while True:
            try:
                await action()
            except Exception as exc:
                if transient_only and not is_transient(exc):
                    raise
                self.healthy = False
                if self._stopping.is_set():
                    raise _StoppingError from exc
                delay = backoff.next_delay()
                log.warning(
                    "transient failure; retrying", what=what, retry_in=delay, error=repr(exc)
                )
                await asyncio.sleep(delay)
            else:
                self.healthy = True
                return

    def _deadletter(
        self, record: Record, exc: BaseException, event_id: str | None = None
    ) -> OutgoingRecord:
        headers = [
            ("dlq.error", f"{type(exc).__name__}: {exc}"[:2000].encode()),
            ("dlq.topic", record.topic.encode()),
            ("dlq.partition", str(record.partition).encode()),
            ("dlq.offset", str(record.offset).encode()),
            ("dlq.group", self._group_id.encode()),
            ("dlq.time", datetime.now(UTC).isoformat().encode()),
        ]
        if event_id is not None:
            headers.append(("dlq.event_id", event_id.encode()))
        return OutgoingRecord(
            topic=self._deadletter_topic,
            key=record.key or b"",
            value=record.value or b"",
            headers=tuple(headers),
        )

    async def _commit(self, consumer: AIOKafkaConsumer, offsets: dict[TopicPartition, int]) -> None:
        if not offsets:
            return
        try:
            await consumer.commit(offsets)
        except (CommitFailedError, IllegalStateError):
            # The group rebalanced under us; the new owner gets these again and the effects
            # deduplicate by event id.
            log.warning("commit refused after a rebalance; batch will be redelivered")


class _HandBack(ConsumerRebalanceListener):  # type: ignore[misc]
    """Let a rebalance take partitions away only after the commit of what is handled: ask the
    batch in hand to stop after its current handler call, and wait for that."""

    def __init__(self, lock: asyncio.Lock, hand_back: asyncio.Event) -> None:
        self._lock = lock
        self._hand_back = hand_back

    async def on_partitions_revoked(self, revoked: Any) -> None:
        self._hand_back.set()
        try:
            async with self._lock:
                return
        finally:
            self._hand_back.clear()

    async def on_partitions_assigned(self, assigned: Any) -> None:
        return
