"""The consumer against real Kafka and the real MongoDB-wire server: redelivery, poison,
transient failures and restarts."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from pymongo.errors import AutoReconnect

from shared.contracts.registry import OrganisationJoined
from shared.events.catalogue import InboundEvent
from shared.events.topics import deadletter_topic, domain_topic
from shared.kafka.consumer import MAX_RUN
from shared.kafka.security import kafka_client_options
from shared.mongo.effects import apply_once
from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings
from tests.integration.conftest import read_topic
from tests.integration.events import joined, produce
from tests.servers import kafka_bootstrap

Handler = Callable[[Sequence[InboundEvent[OrganisationJoined]]], Awaitable[None]]


class CountingProjection:
    """A read model that counts events with `apply_once`, and records every handler call."""

    def __init__(self, runtime: ServiceRuntime) -> None:
        self.collection = runtime.databases.network["counts"]
        self.seen: list[str] = []

    async def __call__(self, events: Sequence[InboundEvent[OrganisationJoined]]) -> None:
        for event in events:
            await apply_once(self.collection, "total", {"$inc": {"n": 1}}, str(event.envelope.id))
            self.seen.append(event.data.organisation_id)

    async def total(self) -> int:
        doc = await self.collection.find_one({"_id": "total"})
        return int(doc["n"]) if doc else 0


async def _started(
    settings: ServiceSettings, handler: Callable[[ServiceRuntime], Handler]
) -> tuple[ServiceRuntime, Handler]:
    runtime = ServiceRuntime("evaluation", settings, consumes_from=["registry"])
    h = handler(runtime)
    runtime.subscribe(OrganisationJoined, h)
    await runtime.start()
    return runtime, h


async def _until(check: Callable[[], Awaitable[bool]], timeout: float = 30.0) -> None:
    async with asyncio.timeout(timeout):
        while not await check():
            await asyncio.sleep(0.1)


async def _rewind_group(settings: ServiceSettings) -> None:
    """Commit offset 0 everywhere for the service's group: Kafka will redeliver it all."""
    topic = domain_topic(settings.topic_prefix, "registry")
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka_bootstrap(),
        **kafka_client_options(),
        group_id=f"{settings.topic_prefix}.evaluation",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(settings.kafka_partitions)]
        consumer.assign(partitions)
        await consumer.commit(dict.fromkeys(partitions, 0))
    finally:
        await consumer.stop()


async def test_a_redelivered_batch_has_its_effects_applied_once(
    settings: ServiceSettings, raw_producer: AIOKafkaProducer, topics: None
) -> None:
    topic = domain_topic(settings.topic_prefix, "registry")
    runtime, projection = await _started(settings, CountingProjection)
    assert isinstance(projection, CountingProjection)
    await produce(raw_producer, topic, [joined(n).to_bytes() for n in range(50)])
    await _until(lambda: _equals(projection.total(), 50))
    await runtime.stop()

    await _rewind_group(settings)
    runtime, again = await _started(settings, CountingProjection)
    assert isinstance(again, CountingProjection)
    try:
        await _until(lambda: _true(len(again.seen) >= 50))
        assert sorted(again.seen) == sorted(projection.seen), "all 50 were redelivered"
        assert await again.total() == 50, "but none had a second effect"
    finally:
        await runtime.stop()


async def _equals(value: Awaitable[int], expected: int) -> bool:
    return await value == expected


async def _true(value: bool) -> bool:
    return value


async def test_poison_is_dead_lettered_and_the_consumer_goes_on(
    settings: ServiceSettings, raw_producer: AIOKafkaProducer, topics: None
) -> None:
    topic = domain_topic(settings.topic_prefix, "registry")

    class ExplodingProjection(CountingProjection):
        async def __call__(self, events: Sequence[InboundEvent[OrganisationJoined]]) -> None:
            if any(e.data.name == "Explodes" for e in events):
                raise ValueError("this organisation breaks the handler")
            await super().__call__(events)

    unknown = json.loads(joined(1).to_bytes()) | {"type": "organisation.vanished"}
    invalid = json.loads(joined(2).to_bytes())
    invalid["data"].pop("name")
    poison = [
        b"\x00not json",
        json.dumps(unknown).encode(),
        json.dumps(invalid).encode(),
        joined(3, name="Explodes").to_bytes(),
    ]
    good = [joined(n).to_bytes() for n in range(10, 20)]
    # One key: one partition, so the poison sits between the good events.
    await produce(raw_producer, topic, [good[0], *poison, *good[1:]])

    runtime, projection = await _started(settings, ExplodingProjection)
    assert isinstance(projection, ExplodingProjection)
    try:
        await _until(lambda: _equals(projection.total(), 10))
        dead = await read_topic(deadletter_topic(settings.topic_prefix, "evaluation"), expect=4)
        assert [r.value for r in dead] == poison  # type: ignore[attr-defined]
        errors = [dict(r.headers)["dlq.error"].decode() for r in dead]  # type: ignore[attr-defined]
        assert "not a valid envelope" in errors[0]
        assert "unknown event type organisation.vanished" in errors[1]
        assert "invalid data" in errors[2] and "name" in errors[2]
        assert "this organisation breaks the handler" in errors[3]
        assert dict(dead[3].headers)["dlq.event_id"]  # type: ignore[attr-defined]
        assert runtime.consumer is not None and runtime.consumer.deadlettered == 4

        # ... and it keeps going.
        await produce(raw_producer, topic, [joined(99).to_bytes()])
        await _until(lambda: _equals(projection.total(), 11))
    finally:
        await runtime.stop()


async def test_transient_failures_are_retried_not_dead_lettered(
    settings: ServiceSettings, raw_producer: AIOKafkaProducer, topics: None
) -> None:
    topic = domain_topic(settings.topic_prefix, "registry")

    class FlakyProjection(CountingProjection):
        failures = 3

        async def __call__(self, events: Sequence[InboundEvent[OrganisationJoined]]) -> None:
            if self.failures:
                self.failures -= 1
                raise AutoReconnect("the database blinked")
            await super().__call__(events)

    await produce(raw_producer, topic, [joined(n).to_bytes() for n in range(5)])
    runtime, projection = await _started(settings, FlakyProjection)
    assert isinstance(projection, FlakyProjection)
    try:
        await _until(lambda: _equals(projection.total(), 5))
        assert projection.failures == 0
        assert runtime.consumer is not None and runtime.consumer.deadlettered == 0
    finally:
        await runtime.stop()


async def test_a_restarted_service_resumes_from_its_committed_offset(
    settings: ServiceSettings, raw_producer: AIOKafkaProducer, topics: None
) -> None:
    settings = settings.model_copy(update={"consumer_max_batch": 10})
    topic = domain_topic(settings.topic_prefix, "registry")

    class SlowProjection(CountingProjection):
        async def __call__(self, events: Sequence[InboundEvent[OrganisationJoined]]) -> None:
            await asyncio.sleep(0.05)
            await super().__call__(events)

    await produce(
        raw_producer, topic, [joined(n).to_bytes() for n in range(150)], key=b"one-partition"
    )
    runtime, first = await _started(settings, SlowProjection)
    assert isinstance(first, SlowProjection)
    await _until(lambda: _true(len(first.seen) >= 30))
    await runtime.stop()  # mid-stream: graceful, so the batch in hand is finished and committed
    assert 30 <= len(first.seen) < 150

    await produce(
        raw_producer, topic, [joined(n).to_bytes() for n in range(150, 200)], key=b"one-partition"
    )
    runtime, second = await _started(settings, SlowProjection)
    assert isinstance(second, SlowProjection)
    try:
        await _until(lambda: _true(len(first.seen) + len(second.seen) >= 200))
        assert not set(first.seen) & set(second.seen), "nothing already handled came back"
        assert len(set(first.seen) | set(second.seen)) == 200
        assert await second.total() == 200
    finally:
        await runtime.stop()


async def test_a_rebalance_waits_for_the_call_in_hand_not_the_whole_batch(
    settings: ServiceSettings, raw_producer: AIOKafkaProducer, topics: None
) -> None:
    """A second instance joining while the first works through a long batch gets its share
    within about one handler call, and what the first handled is committed, not handed out
    again (1,500 events, 37.5 s of work: the second joins well before the first is done).
    Waiting for the whole batch (500 events, 12.5 s) outlasted the rebalance
    timeout under load: the first member was dropped, its commit refused, its batch redelivered
    to the next member, and so on: a group that never caught up."""
    topic = domain_topic(settings.topic_prefix, "registry")

    class SlowTally:
        """25 ms an event, kept in memory: the time is what matters here, not the store."""

        def __init__(self, runtime: ServiceRuntime) -> None:
            self.seen: list[str] = []

        async def __call__(self, events: Sequence[InboundEvent[OrganisationJoined]]) -> None:
            await asyncio.sleep(0.025 * len(events))
            self.seen.extend(e.data.organisation_id for e in events)

    futures = [
        await raw_producer.send(topic, joined(n).to_bytes(), partition=n % 3) for n in range(1500)
    ]
    for future in futures:
        await future
    first_runtime, first = await _started(settings, SlowTally)
    assert isinstance(first, SlowTally)
    second_runtime: ServiceRuntime | None = None
    try:
        await _until(lambda: _true(len(first.seen) >= 1))
        joined_at = asyncio.get_running_loop().time()
        second_runtime, second = await _started(settings, SlowTally)
        assert isinstance(second, SlowTally)
        await _until(lambda: _true(len(second.seen) >= 1))
        waited = asyncio.get_running_loop().time() - joined_at
        # Before: at least the 10 s rebalance timeout, after which the first member was dropped.
        assert waited < 9, f"the second instance got its first event {waited:.1f} s after joining"

        await _until(lambda: _true(len(set(first.seen) | set(second.seen)) == 1500), timeout=90)
        handed_twice = len(first.seen) + len(second.seen) - 1500
        assert handed_twice < MAX_RUN, f"{handed_twice} events were handled twice"
    finally:
        await first_runtime.stop()
        if second_runtime is not None:
            await second_runtime.stop()
