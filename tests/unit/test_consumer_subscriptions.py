"""Two read models of one service may subscribe to the same event type: both are called."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from shared.contracts.registry import OrganisationJoined
from shared.events.catalogue import InboundEvent, catalogue, new_event
from shared.kafka.consumer import EventConsumer


class _NoProducer:
    """The consumer is never started here; it only needs something in the producer's place."""


async def test_a_second_subscription_is_called_after_the_first_not_instead() -> None:
    consumer = EventConsumer(
        bootstrap="127.0.0.1:1",
        group_id="g",
        topics=["t"],
        catalogue=catalogue,
        producer=_NoProducer(),  # type: ignore[arg-type]
        deadletter_topic="d",
    )
    calls: list[tuple[str, int]] = []

    async def first(events: Sequence[InboundEvent[Any]]) -> None:
        calls.append(("first", len(events)))

    async def second(events: Sequence[InboundEvent[Any]]) -> None:
        calls.append(("second", len(events)))

    consumer.subscribe(OrganisationJoined, first)
    consumer.subscribe(OrganisationJoined, second)
    data = OrganisationJoined(
        organisation_id="org_000000000001", name="A", joined_at=datetime.now(UTC)
    )
    event = InboundEvent(envelope=new_event(data, organisation="org_000000000001"), data=data)
    handler = consumer._handlers[("organisation.joined", 1)]
    await handler([event, event])
    assert calls == [("first", 2), ("second", 2)]
