"""Create the network's topics at start-up, idempotently."""

from __future__ import annotations

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from shared.events.topics import TopicSpec
from shared.kafka.security import kafka_client_options
from shared.logging import get_logger

log = get_logger(__name__)

_TOPIC_ALREADY_EXISTS = 36


async def ensure_topics(bootstrap: str, specs: list[TopicSpec], replication_factor: int) -> None:
    """Create whichever of `specs` are missing; topics that exist are left as they are."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap, request_timeout_ms=15000, **kafka_client_options()
    )
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [s for s in specs if s.name not in existing]
        if not missing:
            return
        response = await admin.create_topics(
            [
                NewTopic(
                    name=s.name,
                    num_partitions=s.partitions,
                    replication_factor=replication_factor,
                    topic_configs=s.configs,
                )
                for s in missing
            ]
        )
        for error in response.topic_errors:
            name, code = error[0], error[1]
            # Another service may have created it between our list and our create.
            if code not in (0, _TOPIC_ALREADY_EXISTS):
                message = error[2] if len(error) > 2 else ""
                raise RuntimeError(f"could not create topic {name}: error {code} {message}")
        log.info("topics created", topics=[s.name for s in missing])
    finally:
        await admin.close()
