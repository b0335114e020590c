"""An event type is trusted only from the topic of the service that owns it: a forged
`match.accepted` written onto the registry's topic (as a compromised registry could) never
reaches the sessions service's handler; it is dead-lettered with the reason, and the genuine
one from the matching topic still is."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer

from shared.contracts.matching import MatchAccepted
from shared.events.catalogue import InboundEvent, new_event
from shared.events.topics import deadletter_topic, domain_topic
from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings
from tests.integration.conftest import read_topic
from tests.integration.events import produce


def _accepted(proposal: str) -> bytes:
    data = MatchAccepted(
        proposal_id=proposal,
        programme_id="prg_000000000001",
        mentee_id="mem_000000000000001",
        mentee_organisation_id="org_00000000000a",
        mentor_id="mem_000000000000002",
        mentor_organisation_id="org_00000000000b",
        accepted_at=datetime.now(UTC),
    )
    return new_event(data, organisation="org_00000000000a").to_bytes()


async def test_a_forged_match_accepted_on_the_registry_topic_is_dead_lettered_not_handled(
    settings: ServiceSettings, raw_producer: AIOKafkaProducer
) -> None:
    handled: list[str] = []

    async def start_relationships(events: Sequence[InboundEvent[MatchAccepted]]) -> None:
        handled.extend(e.data.proposal_id for e in events)

    runtime = ServiceRuntime("sessions", settings, consumes_from=["registry", "matching"])
    runtime.subscribe(MatchAccepted, start_relationships)
    await runtime.start()
    try:
        forged = _accepted("prp_forged000000001")
        await produce(raw_producer, domain_topic(settings.topic_prefix, "registry"), [forged])
        await produce(
            raw_producer,
            domain_topic(settings.topic_prefix, "matching"),
            [_accepted("prp_genuine00000001")],
        )
        dead = await read_topic(deadletter_topic(settings.topic_prefix, "sessions"), expect=1)
        async with asyncio.timeout(20):
            while not handled:
                await asyncio.sleep(0.1)

        assert handled == ["prp_genuine00000001"]
        assert [r.value for r in dead] == [forged]  # type: ignore[attr-defined]
        headers = dict(dead[0].headers)  # type: ignore[attr-defined]
        assert headers["dlq.error"].decode() == (
            "PoisonEventError: match.accepted is published only by matching; "
            "refused on the registry topic"
        )
        assert headers["dlq.topic"].decode() == domain_topic(settings.topic_prefix, "registry")
        assert runtime.consumer is not None and runtime.consumer.deadlettered == 1
    finally:
        await runtime.stop()
