"""Imports as jobs at the registry's start-up, on the real MongoDB-wire server: an import a
stopped registry left running, in any organisation's own database, is marked failed once; a
finished one is left alone."""

from __future__ import annotations

import secrets
from datetime import timedelta

from pymongo import AsyncMongoClient

from services.registry.adapters.member_import import JOBS, ImportJobs
from services.registry.adapters.member_store import MemberStore
from shared import clock
from shared.mongo.databases import Document, ServiceDatabases
from shared.mongo.jobs import Jobs
from shared.tenancy import TenantData


async def test_imports_left_running_by_a_stopped_registry_are_marked_failed_at_start_up(
    mongo: AsyncMongoClient[Document],
) -> None:
    databases = ServiceDatabases(mongo, f"t{secrets.token_hex(4)}", "registry")
    data = TenantData(databases)
    imports = ImportJobs(data, MemberStore(data, None), Jobs())  # type: ignore[arg-type]
    earlier = clock.now() - timedelta(minutes=5)
    organisations = [f"org_{secrets.token_hex(6)}" for _ in range(3)]
    for n, organisation_id in enumerate(organisations):
        await data.system_organisation(organisation_id, JOBS).insert_one(
            {
                "_id": f"job_{n}",
                "kind": "member_import",
                "owner": "mem_admin",
                "state": "running" if n < 2 else "done",
                "done": 10,
                "total": 100,
                "step": "adding new members",
                "started_at": earlier,
            }
        )

    assert await imports.abandon_unfinished(organisations, clock.now()) == 2
    assert await imports.abandon_unfinished(organisations, clock.now()) == 0, "once"
    states = [
        await data.system_organisation(o, JOBS).find_one({"_id": f"job_{n}"})
        for n, o in enumerate(organisations)
    ]
    assert [s["state"] for s in states if s] == ["failed", "failed", "done"]
    assert states[0] is not None and "run it again" in states[0]["error"]
