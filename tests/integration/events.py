"""Producing test events onto a real topic."""

from __future__ import annotations

from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer

from shared.contracts.registry import OrganisationJoined
from shared.events.catalogue import new_event
from shared.events.envelope import Envelope


def joined(n: int, name: str | None = None) -> Envelope:
    """A valid `organisation.joined` for organisation number n."""
    data = OrganisationJoined(
        organisation_id=f"org_{n:012d}", name=name or f"Org {n}", joined_at=datetime.now(UTC)
    )
    return new_event(data, organisation=f"org_{n:012d}")


async def produce(
    producer: AIOKafkaProducer, topic: str, values: list[bytes], key: bytes = b"k"
) -> None:
    """Send raw values and wait for the broker to acknowledge them all."""
    futures = [await producer.send(topic, v, key=key) for v in values]
    for f in futures:
        await f
