"""A write a unique index refuses is a 409 naming the field, never a 500 — on the real
MongoDB-wire server, for inserts and for updates (FerretDB refuses an update with code 1,
`InternalError`, not 11000), even where no store turned it into a conflict itself."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection

from shared.http.errors import install_error_handlers
from shared.http.tracing import RequestTracing
from shared.mongo.databases import Document

pytestmark = pytest.mark.integration


@pytest.fixture
async def things(mongo: AsyncMongoClient[Document]) -> AsyncIterator[AsyncCollection[Document]]:
    name = f"t_unique_{secrets.token_hex(4)}"
    collection = mongo[name]["things"]
    await collection.create_index("name", unique=True)
    await collection.insert_many([{"_id": "a", "name": "Alder"}, {"_id": "b", "name": "Birch"}])
    yield collection
    await mongo.drop_database(name)


def _app(things: AsyncCollection[Document]) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(RequestTracing)

    @app.post("/things/{thing_id}")
    async def add(thing_id: str, name: str) -> dict[str, str]:
        await things.insert_one({"_id": thing_id, "name": name})
        return {"id": thing_id}

    @app.put("/things/{thing_id}")
    async def rename(thing_id: str, name: str) -> dict[str, str]:
        await things.update_one({"_id": thing_id}, {"$set": {"name": name}})
        return {"id": thing_id}

    @app.patch("/things/{thing_id}")
    async def rename_and_read(thing_id: str, name: str) -> dict[str, str]:
        await things.find_one_and_update({"_id": thing_id}, {"$set": {"name": name}})
        return {"id": thing_id}

    return app


async def test_a_unique_key_violation_is_a_conflict_naming_the_field(
    things: AsyncCollection[Document],
) -> None:
    transport = httpx.ASGITransport(app=_app(things), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        for method in ("PUT", "PATCH"):
            renamed = await client.request(method, "/things/b", params={"name": "Alder"})
            assert renamed.status_code == 409, renamed.text
            assert renamed.json()["error"] == "conflict"
            assert renamed.json()["fields"] == {"name": "already taken"}
        added = await client.post("/things/c", params={"name": "Alder"})
        assert added.status_code == 409, added.text
        assert added.json()["error"] == "conflict"
        # What the index allows still works, and nothing was changed by the refusals.
        assert (await client.put("/things/b", params={"name": "Beech"})).status_code == 200
    assert await things.find_one({"_id": "b"}) == {"_id": "b", "name": "Beech"}
    assert await things.find_one({"_id": "c"}) is None
