"""The deployment's provisioning job: every topic and index, made once, harmless when repeated."""

from __future__ import annotations

from aiokafka.admin import AIOKafkaAdminClient
from pymongo import AsyncMongoClient

from services.provision import SERVICES, provision
from services.registry.adapters.organisation_store import COLLECTION
from shared.kafka.security import kafka_client_options
from shared.mongo.databases import Document
from shared.settings import ServiceSettings
from tests.servers import kafka_bootstrap


async def test_provisioning_creates_every_topic_and_index_and_a_rerun_changes_nothing(
    settings: ServiceSettings, mongo: AsyncMongoClient[Document]
) -> None:
    settings = settings.model_copy(update={"kafka_partitions": 3})
    first = await provision(settings)
    second = await provision(settings)  # the hook runs before every upgrade
    assert first == second

    prefix = settings.topic_prefix
    expected = {f"{prefix}.{s}" for s in ("registry", "matching", "sessions", "evaluation")}
    expected |= {f"{prefix}.registry.contacts", f"{prefix}.registry.keys"}
    expected |= {f"{prefix}.deadletter.{s}" for s in SERVICES}
    assert set(first) == expected

    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap(), **kafka_client_options())
    await admin.start()
    try:
        described = await admin.describe_topics(sorted(expected))
    finally:
        await admin.close()
    partitions = {t["topic"]: len(t["partitions"]) for t in described}
    assert partitions == {n: 1 if ".deadletter." in n else 3 for n in expected}

    directory = mongo[f"{settings.db_prefix}_registry_network"][COLLECTION]
    indexes = {i["name"]: i for i in await (await directory.list_indexes()).to_list()}
    assert indexes["name_key_1"].get("unique") is True
