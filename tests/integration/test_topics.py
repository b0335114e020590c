"""Topics are created at start-up with declared partitions and retention, idempotently."""

from __future__ import annotations

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from shared.events.topics import (
    CONTACTS_CONFIGS,
    DEADLETTER_RETENTION_MS,
    contacts_topic,
    member_keys_topic,
    topics_for,
)
from shared.kafka.security import kafka_client_options
from shared.kafka.topics import ensure_topics
from shared.settings import ServiceSettings
from tests.servers import kafka_bootstrap


async def test_topics_are_created_once_with_their_partitions_and_retention(
    settings: ServiceSettings,
) -> None:
    specs = topics_for(settings.topic_prefix, "matching", partitions=3)
    await ensure_topics(kafka_bootstrap(), specs, replication_factor=1)
    await ensure_topics(
        kafka_bootstrap(), specs, replication_factor=1
    )  # a second start changes nothing

    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap(), **kafka_client_options())
    await admin.start()
    try:
        described = await admin.describe_topics([s.name for s in specs])
        partitions = {t["topic"]: len(t["partitions"]) for t in described}
        assert partitions == {s.name: s.partitions for s in specs}
        dlq = f"{settings.topic_prefix}.deadletter.matching"
        responses = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, dlq)])
        configs = {
            entry[0]: entry[1]
            for response in responses
            for resource in response.resources
            for entry in resource[4]
        }
        assert configs["retention.ms"] == str(DEADLETTER_RETENTION_MS)
        # Contact details and members' data keys: compacted, with the same bound.
        prefix = settings.topic_prefix
        for topic in (contacts_topic(prefix), member_keys_topic(prefix)):
            responses = await admin.describe_configs(
                [ConfigResource(ConfigResourceType.TOPIC, topic)]
            )
            compacted = {
                entry[0]: entry[1]
                for response in responses
                for resource in response.resources
                for entry in resource[4]
            }
            for name, value in CONTACTS_CONFIGS.items():
                assert compacted[name] == value, (topic, name)
    finally:
        await admin.close()
