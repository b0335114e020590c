"""Create the network's topics and indexes before the services start: a deployment's hook.

`python -m services.provision` (with the services' `MENTORNET_*` environment) creates every
topic each service touches (partitions, retention and compaction from
`shared/events/topics.py`; replication factor `MENTORNET_KAFKA_REPLICATION_FACTOR`) and the
indexes the services rely on. Both are idempotent: what exists is left as it is, so the Helm
chart runs it before every install and upgrade. The services still ensure their own topics at
start-up (a network on one machine has no hook); on a cluster they find them made.
"""

from __future__ import annotations

import argparse
import asyncio

from pymongo import AsyncMongoClient

from services.registry.app import create_indexes as create_registry_indexes
from shared.events.topics import TopicSpec, topics_for
from shared.kafka.topics import ensure_topics
from shared.logging import configure_logging, get_logger
from shared.mongo.databases import Document
from shared.settings import ServiceSettings

# Every service with topics of its own; the portal has none.
SERVICES = ("registry", "matching", "sessions", "evaluation", "notifications")

log = get_logger(__name__)


def network_topics(prefix: str, partitions: int) -> list[TopicSpec]:
    """Every topic of the network, once: the domain topics, contacts and each service's DLQ."""
    specs: dict[str, TopicSpec] = {}
    for service in SERVICES:
        for spec in topics_for(prefix, service, partitions):
            specs.setdefault(spec.name, spec)
    return sorted(specs.values(), key=lambda s: s.name)


async def provision(settings: ServiceSettings) -> list[str]:
    """Create what is missing; return the topic names the network has."""
    specs = network_topics(settings.topic_prefix, settings.kafka_partitions)
    await ensure_topics(settings.kafka_bootstrap, specs, settings.kafka_replication_factor)
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        settings.mongo_url, serverSelectionTimeoutMS=15000, tz_aware=True, appname="provision"
    )
    try:
        await create_registry_indexes(client, settings.db_prefix)
    finally:
        await client.close()
    return [s.name for s in specs]


def main() -> None:
    """Command line: provision and report, exit non-zero if Kafka or MongoDB refused."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    settings = ServiceSettings()
    configure_logging("provision", settings.log_level)
    topics = asyncio.run(provision(settings))
    log.info("provisioned", topics=topics, replication_factor=settings.kafka_replication_factor)


if __name__ == "__main__":
    main()
