"""bench/events: events through the whole pipeline, beside raw aiokafka on the same broker.

outbox write (MongoDB-wire) → relay → Kafka → consumer group → read-model write. Prints
sustained events/s for a burst of N events, end-to-end p50/p99 latency at a steady rate, and
the raw aiokafka produce→consume rate measured in the same run (the ceiling). The last line is
one JSON object of the figures.

Run it with `./mentornet bench events [--events N] [--rate R] [--seconds S]`; it needs the
servers that command starts (or MENTORNET_KAFKA_BOOTSTRAP / MENTORNET_MONGO_URL).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import statistics
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from shared.contracts.registry import OrganisationJoined
from shared.events.catalogue import InboundEvent, new_event
from shared.events.envelope import Envelope
from shared.events.topics import DOMAIN_RETENTION_MS, TopicSpec
from shared.kafka.security import kafka_client_options
from shared.kafka.topics import ensure_topics
from shared.logging import configure_logging
from shared.mongo.effects import insert_once
from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings

SOURCE_COLLECTION = "bench_sources"


def _event(n: int) -> Envelope:
    organisation = f"org_{n % 64:012d}"  # 64 organisations: spread over the partitions
    data = OrganisationJoined(
        organisation_id=organisation, name=f"Org {n}", joined_at=datetime.now(UTC)
    )
    return new_event(data, organisation=organisation)


class LatencyProjection:
    """A read model that stores each event once and notes how long it took to get here."""

    def __init__(self, runtime: ServiceRuntime) -> None:
        self._collection = runtime.databases.network["bench_read_model"]
        self.latencies_ms: list[float] = []
        # When each steady event was due (by event id): a writer that falls behind the
        # offered rate shows up as latency, as in bench/api, rather than hiding it.
        self.due: dict[str, datetime] = {}
        self.stored = 0
        self.last_stored_at = 0.0

    async def __call__(self, events: Sequence[InboundEvent[OrganisationJoined]]) -> None:
        self.stored += await insert_once(
            self._collection, [{"_id": str(e.envelope.id), "n": e.data.name} for e in events]
        )
        now = datetime.now(UTC)
        self.last_stored_at = time.monotonic()
        self.latencies_ms.extend(
            (now - self.due.pop(str(e.envelope.id), e.envelope.time)).total_seconds() * 1000
            for e in events
        )


def _percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=1000)[int(q * 1000) - 1] if len(values) > 1 else 0.0


async def _wait_stored(projection: LatencyProjection, target: int, label: str) -> None:
    last_print = 0.0
    while projection.stored < target:
        await asyncio.sleep(0.05)
        if time.monotonic() - last_print > 1:
            print(f"  {label}: {projection.stored}/{target} stored", flush=True)
            last_print = time.monotonic()


async def pipeline_burst(
    writer: ServiceRuntime, projection: LatencyProjection, n: int, chunk: int, phase: str
) -> float:
    """Write n events as fast as the outbox takes them; events/s until the last is stored.
    The projection's latencies are this burst's alone afterwards."""
    collection = writer.databases.network[SOURCE_COLLECTION]
    projection.latencies_ms.clear()
    base = projection.stored
    started = time.monotonic()
    for start in range(0, n, chunk):
        items = [({"_id": f"{phase}{i}"}, [_event(i)]) for i in range(start, min(n, start + chunk))]
        await writer.outbox.insert_many(collection, items)
    await _wait_stored(projection, base + n, "burst")
    return n / (projection.last_stored_at - started)


async def pipeline_steady(
    writer: ServiceRuntime, projection: LatencyProjection, rate: float, seconds: float
) -> tuple[list[float], float]:
    """One insert per event (the request path) at a steady rate; per-event latencies, each
    from when its event was due."""
    collection = writer.databases.network[SOURCE_COLLECTION]
    projection.latencies_ms.clear()
    base = projection.stored
    total = int(rate * seconds)
    started, wall_started = time.monotonic(), datetime.now(UTC)
    for i in range(total):
        # Pace by the clock, so a slow write does not lower the offered rate afterwards.
        delay = started + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        event = _event(i)
        projection.due[str(event.id)] = wall_started + timedelta(seconds=i / rate)
        await writer.outbox.insert(collection, {"_id": f"s{i}"}, [event])
        if i and i % int(rate * 2) == 0:
            print(f"  steady: {i}/{total} written, {projection.stored - base} stored", flush=True)
    achieved = total / (time.monotonic() - started)
    await _wait_stored(projection, base + total, "steady")
    return list(projection.latencies_ms), achieved


async def raw_ceiling(bootstrap: str, topic: str, n: int) -> tuple[float, float]:
    """Raw aiokafka on the same broker: produced/s and consumed/s for n ~400-byte records."""
    value = _event(0).to_bytes()
    await ensure_topics(bootstrap, [TopicSpec(topic, 6, DOMAIN_RETENTION_MS)], 1)
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        **kafka_client_options(),
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
    )
    await producer.start()
    started = time.monotonic()
    futures = [await producer.send(topic, value, key=str(i % 64).encode()) for i in range(n)]
    await asyncio.gather(*futures)
    produced = n / (time.monotonic() - started)
    await producer.stop()

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        **kafka_client_options(),
        auto_offset_reset="earliest",
        group_id=f"raw-{secrets.token_hex(4)}",
        enable_auto_commit=False,
    )
    await consumer.start()
    got = 0
    started = time.monotonic()
    while got < n:
        for records in (await consumer.getmany(timeout_ms=500, max_records=5000)).values():
            got += len(records)
    consumed = n / (time.monotonic() - started)
    await consumer.stop()
    return produced, consumed


async def run(args: argparse.Namespace) -> dict[str, float | int]:
    """All three measurements, in one run, on one broker."""
    tag = secrets.token_hex(4)
    settings = ServiceSettings(
        db_prefix=f"b{tag}",
        topic_prefix=f"bench{tag}",
        log_level="WARNING",
        outbox_sweep_seconds=3600,
    )
    configure_logging("bench", "WARNING")
    writer = ServiceRuntime("registry", settings, outbox_collections=[SOURCE_COLLECTION])
    reader = ServiceRuntime("evaluation", settings, consumes_from=["registry"])
    projection = LatencyProjection(reader)
    reader.subscribe(OrganisationJoined, projection)
    await writer.start()
    await reader.start()
    try:
        print(f"raw aiokafka ceiling: {args.events} records ...", flush=True)
        produced, consumed = await raw_ceiling(
            settings.kafka_bootstrap, f"bench{tag}.raw", args.events
        )
        print(f"  produced {produced:,.0f}/s, consumed {consumed:,.0f}/s", flush=True)

        print("warm-up ...", flush=True)
        await pipeline_burst(writer, projection, 500, args.chunk, "warm")

        print(f"pipeline burst: {args.events} events ...", flush=True)
        burst_rate = await pipeline_burst(writer, projection, args.events, args.chunk, "burst")
        burst_latencies = list(projection.latencies_ms)
        print(f"  {burst_rate:,.0f} events/s sustained", flush=True)

        print(f"pipeline steady: {args.rate:.0f} events/s for {args.seconds:.0f}s ...", flush=True)
        latencies, achieved = await pipeline_steady(writer, projection, args.rate, args.seconds)
        p50, p99 = _percentile(latencies, 0.5), _percentile(latencies, 0.99)
        print(f"  offered {achieved:,.0f}/s: p50 {p50:.1f} ms, p99 {p99:.1f} ms", flush=True)
    finally:
        await reader.stop()
        await writer.stop()
    return {
        "events": args.events,
        "pipeline_events_per_s": round(burst_rate),
        "pipeline_burst_p50_ms": round(_percentile(burst_latencies, 0.5), 1),
        "pipeline_burst_p99_ms": round(_percentile(burst_latencies, 0.99), 1),
        "raw_produce_per_s": round(produced),
        "raw_consume_per_s": round(consumed),
        "pipeline_share_of_raw_produce": round(burst_rate / produced, 3),
        "steady_rate_per_s": round(achieved),
        "steady_p50_ms": round(p50, 1),
        "steady_p99_ms": round(p99, 1),
        "steady_max_ms": round(max(latencies), 1),
    }


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, run, and print the figures."""
    parser = argparse.ArgumentParser(prog="bench/events", description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20_000, help="burst size (default 20000)")
    parser.add_argument("--chunk", type=int, default=250, help="documents per outbox write")
    parser.add_argument("--rate", type=float, default=200.0, help="steady events/s (default 200)")
    parser.add_argument("--seconds", type=float, default=15.0, help="steady phase length")
    figures = asyncio.run(run(parser.parse_args(argv)))
    print("targets: the pipeline at >= 50% of the raw produce rate; p99 < 50 ms at 200 events/s")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
