"""Which MongoDB-wire server we talk to: FerretDB v1 or MongoDB proper (its `buildInfo`).

Two paths differ by server and nothing else: a guarded change (`shared.mongo.claims`) and the
walk of numbered records (`shared.mongo.numbered`). Asked once per client and remembered.
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

from pymongo import AsyncMongoClient

from shared.mongo.databases import Document

_KNOWN: WeakKeyDictionary[AsyncMongoClient[Document], bool] = WeakKeyDictionary()


async def is_ferretdb(client: AsyncMongoClient[Document]) -> bool:
    """Whether the server is FerretDB (it names its own version in `buildInfo`)."""
    known = _KNOWN.get(client)
    if known is None:
        info = await client.admin.command("buildInfo")
        known = _KNOWN[client] = "ferretdbVersion" in info
    return known
