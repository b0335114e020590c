"""The outcome read models on real Kafka and a real MongoDB-wire server: built live by the
service's consumer from events on the real topics (some delivered twice), then rebuilt by the
replay command while the consumer keeps running — the same figures, for every audience, and
events arriving after the switch land in the new generation."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from services.evaluation.adapters.outcome_changes import OutcomeChanges
from services.evaluation.adapters.outcome_projection import OutcomeProjection
from services.evaluation.adapters.outcome_reader import OutcomeReader
from services.evaluation.adapters.outcome_store import OutcomeStore
from services.evaluation.domain.figures import FigureTable, Scope
from services.evaluation.domain.outcome_facts import FactKind, OutcomeState
from services.evaluation.domain.outcome_figures import RowDimension, figure_tables
from services.evaluation.domain.outcome_fold import FOLDED, apply
from services.evaluation.domain.suppression import suppress
from services.evaluation.replay import SOURCES, rebuild
from shared.auth.principal import CallerKind, Principal, Role
from shared.contracts.sessions import MeetingHeld
from shared.events.catalogue import InboundEvent
from shared.events.topics import domain_topic
from shared.kafka.security import kafka_client_options
from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings
from shared.tenancy import TenantData
from tests.unit.outcome_story import COORDINATOR, A, P, at, event, story

TODAY = date(2027, 6, 1)
NETWORK = Principal(
    "mem_n0000000000000n",
    "org_office000000",
    CallerKind.MEMBER,
    frozenset({Role.NETWORK_COORDINATOR}),
)
ADMIN_A = Principal(
    "mem_a0000000000000a", A, CallerKind.MEMBER, frozenset({Role.ORGANISATION_ADMIN})
)
PROGRAMME = Principal(COORDINATOR, A, CallerKind.MEMBER, frozenset({Role.PROGRAMME_COORDINATOR}))


async def produce(settings: ServiceSettings, events: list[InboundEvent[Any]]) -> None:
    """Onto each event's source topic, keyed as the outbox keys them."""
    producer = AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap, **kafka_client_options(), acks="all"
    )
    await producer.start()
    try:
        for e in events:
            topic = domain_topic(settings.topic_prefix, e.envelope.source)
            await producer.send_and_wait(topic, e.envelope.to_bytes(), key=e.envelope.key)
    finally:
        await producer.stop()


@dataclass
class Live:
    runtime: ServiceRuntime
    store: OutcomeStore
    reader: OutcomeReader
    changes: OutcomeChanges


@pytest.fixture
async def live(settings: ServiceSettings, topics: None) -> AsyncIterator[Live]:
    """The evaluation consumer with the outcome projection and the figures' records in
    memory, wired as the service wires them."""
    runtime = ServiceRuntime("evaluation", settings, consumes_from=SOURCES)
    store = OutcomeStore(TenantData(runtime.databases))
    changes = OutcomeChanges(TenantData(runtime.databases))
    reader = OutcomeReader(store, changes)
    projection = OutcomeProjection(store, changes)
    handler = projection.on_events
    for model in FOLDED:
        runtime.subscribe(model, handler)
    await runtime.start()
    yield Live(runtime, store, reader, changes)
    await runtime.stop()


async def handled(runtime: ServiceRuntime, count: int) -> None:
    assert runtime.consumer is not None
    async with asyncio.timeout(60):
        while runtime.consumer.processed < count:
            await asyncio.sleep(0.1)


async def every_view(reader: OutcomeReader) -> dict[str, list[FigureTable]]:
    return {
        "network": await reader.for_network(NETWORK, Scope(), TODAY),
        "network, A in March": await reader.for_network(
            NETWORK,
            Scope(organisation_id=A, since=date(2027, 3, 1), until=date(2027, 3, 31)),
            TODAY,
        ),
        "organisation A": await reader.for_organisation(ADMIN_A, A, Scope(), TODAY),
        "programme": await reader.for_programme(PROGRAMME, P, Scope(), TODAY),
    }


def in_memory(events: list[InboundEvent[Any]]) -> list[FigureTable]:
    state = OutcomeState()
    for e in events:
        apply(state, e)
    return [suppress(t) for t in figure_tables(state, RowDimension.ORGANISATION, Scope(), TODAY)]


async def test_replay_rebuilds_the_figures_the_live_consumer_built(
    settings: ServiceSettings, live: Live
) -> None:
    runtime, store = live.runtime, live.store
    events = story()
    redelivered = events[5:25]
    await produce(settings, events + redelivered)
    await handled(runtime, len(events) + len(redelivered))
    reader = live.reader
    built_live = await every_view(reader)
    assert built_live["network"] == in_memory(events)
    relationships = next(t for t in built_live["network"] if t.id == "relationships")
    assert relationships.total is not None and relationships.total.cells[0].value == 7
    assert await store.generation() == 0
    # The records kept in memory are the records stored: a reader loading afresh agrees.
    assert await every_view(OutcomeReader(store, live.changes)) == built_live

    lines: list[str] = []
    report = await rebuild(settings, say=lines.append, grace_seconds=0.5)
    assert report.generation == 1 and await store.generation() == 1
    assert report.events_folded == len(events) + len(redelivered)
    assert any("read and folded" in line for line in lines), lines
    assert await every_view(reader) == built_live
    # The old generation is gone; the new one holds every record.
    assert await store.system(FactKind.RELATIONSHIPS, None, 0).count_documents({}) == 0
    assert await store.system(FactKind.RELATIONSHIPS, None, 1).count_documents({}) == 6

    # The consumer kept running: what arrives now lands in the generation that is live.
    later = [
        event(
            MeetingHeld(
                meeting_id=f"mtg_late{n:012d}",
                relationship_id=f"rel_{n:016d}",
                programme_id=P,
                held_at=at(100),
                minutes=45,
                method="telephone",
            ),
            None,
            at(100),
            network=True,
        )
        for n in range(6)
    ]
    await produce(settings, later)
    await handled(runtime, len(events) + len(redelivered) + len(later))
    assert (await reader.for_network(NETWORK, Scope(), TODAY)) == in_memory(events + later)
    assert (await reader.for_network(NETWORK, Scope(), TODAY)) != built_live["network"]
    assert await every_view(OutcomeReader(store, live.changes)) == await every_view(reader)
