"""The indexes declared for MongoDB proper are accepted by a real server and creating them
again changes nothing (a service creates them at every start)."""

from __future__ import annotations

from pymongo import AsyncMongoClient

from services.evaluation.adapters.indexes import EVALUATION_INDEXES
from services.matching.adapters.indexes import MATCHING_INDEXES
from services.notifications.adapters.indexes import NOTIFICATIONS_INDEXES
from services.registry.adapters.indexes import REGISTRY_INDEXES
from services.sessions.adapters.indexes import SESSIONS_INDEXES
from shared.mongo.databases import Document
from shared.mongo.indexes import Index, Indexes, Kept, outbox_indexes
from shared.settings import ServiceSettings


async def test_declared_indexes_are_created_where_their_collections_live_and_idempotently(
    settings: ServiceSettings, mongo: AsyncMongoClient[Document]
) -> None:
    for service, declared in (
        ("sessions", SESSIONS_INDEXES),
        ("registry", REGISTRY_INDEXES),
        ("matching", [*MATCHING_INDEXES, *outbox_indexes(["proposals", "circles"])]),
        ("evaluation", EVALUATION_INDEXES),
        ("notifications", NOTIFICATIONS_INDEXES),
    ):
        network = f"{settings.db_prefix}_{service}_network"
        organisation = f"{settings.db_prefix}_{service}_o_org_aaaaaaaaaaa1"
        indexes = Indexes(mongo, declared)
        for database in (network, organisation):
            first = await indexes.create_in(database)
            again = await indexes.create_in(database)
            assert sorted(first) == sorted(again)
            wanted = {(i.collection, i.model().document["name"]) for i in _in(declared, database)}
            present = {
                (name, index["name"])
                for name in await mongo[database].list_collection_names()
                async for index in await mongo[database][name].list_indexes()
            }
            assert wanted and wanted <= present, (service, database, wanted - present)
            # Nothing declared for the other kind of database is created here.
            assert {c for c, _ in present} == {c for c, _ in wanted}


def _in(declared: list[Index], database: str) -> list[Index]:
    return [i for i in declared if i.in_database(database)]


async def test_each_database_is_indexed_once_per_process(
    settings: ServiceSettings, mongo: AsyncMongoClient[Document]
) -> None:
    indexes = Indexes(mongo, [Index("things", ("a",), Kept.BOTH, "a test")])
    network, first, second = (
        f"{settings.db_prefix}_x_{name}" for name in ("network", "o_org_1", "o_org_2")
    )
    assert await indexes.ensure([network, first]) == 2
    assert await indexes.ensure([network, first, second]) == 1
    for database in (network, first, second):
        names = [i["name"] async for i in await mongo[database]["things"].list_indexes()]
        assert "by_a" in names
