"""Where the outcome read models' fact records are kept, in generations.

Each kind of record is one collection per home — the organisation's own database for its
members, survey answers and organisation-internal relationships, the network database for the
rest (docs/security.md, "Tenancy") — named `outcome_g<N>_<kind>`. The network database's
`outcome_generation` document says which generation is live. A replay builds generation N+1 in
fresh collections and then switches that one document, so readers never see a half-built model;
the live path reads the pointer for every batch and writes to whichever generation is live.

Writes on the live path are one `insert` (new record) or one `replace` (changed record) per
record a batch touches; a replace is conditioned on the record's version (`_v`), so two writers
(the consumer and a replay's catch-up, or two service instances) never lose each other's
change: the loser reloads and applies its events again, which the fold makes harmless.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError

from services.evaluation.domain.outcome_facts import (
    FactKind,
    FactRef,
    OutcomeState,
    document,
    from_document,
)
from services.evaluation.domain.outcome_fold import Needs
from shared.auth.principal import Principal
from shared.mongo.databases import Document
from shared.mongo.indexes import Index, Kept
from shared.mongo.server import is_ferretdb
from shared.tenancy import TenantData

POINTER = "outcome_generation"
POINTER_ID = "current"
VERSION = "_v"
INSERT_CHUNK = 2000

# Kinds kept in an organisation's own database; the others live in the network database.
ORGANISATION_KINDS = (FactKind.MEMBERS, FactKind.RELATIONSHIPS, FactKind.SURVEYS)
NETWORK_KINDS = tuple(FactKind)


class ConcurrentChangeError(Exception):
    """Another writer changed a record between this writer's read and write."""


def collection_name(kind: FactKind, generation: int) -> str:
    """The collection holding one kind of record in one generation."""
    return f"outcome_g{generation}_{kind.value}"


# Records that name people carry their ids here, for the live path's "every record that
# mentions this member" (erasure, a member's changes).
MENTIONS = "party_ids"
MENTIONED_KINDS = {
    FactKind.RELATIONSHIPS: Kept.BOTH,
    FactKind.MATCHES: Kept.NETWORK,
    FactKind.CIRCLES: Kept.NETWORK,
}


def mention_indexes(generation: int) -> list[Index]:
    """The index each generation's collections need on MongoDB proper: records by a member
    they mention. Generation 0 is declared with the service's indexes; the replay creates a
    new generation's as it writes it."""
    return [
        Index(collection_name(kind, generation), (MENTIONS,), kept, "records mentioning a member")
        for kind, kept in MENTIONED_KINDS.items()
    ]


Loaded = dict[FactRef, Document]


class OutcomeStore:
    """The fact records, through the data door; consumers and the replay (no caller)."""

    def __init__(self, data: TenantData) -> None:
        self._data = data

    # --- the doors -----------------------------------------------------------------------

    def system(
        self, kind: FactKind, home: str | None, generation: int
    ) -> AsyncCollection[Document]:
        """A record collection for code acting with no caller (consumers, replay) or after
        the caller's right to the figures was checked."""
        name = collection_name(kind, generation)
        return (
            self._data.network(name) if home is None else self._data.system_organisation(home, name)
        )

    def for_caller(
        self, caller: Principal, kind: FactKind, home: str | None, generation: int
    ) -> AsyncCollection[Document]:
        """A record collection as a caller may read it: an organisation's own records to its
        admins and to network co-ordinators (anyone else: NotFoundError), network records to
        a store that filters them by what the caller may see."""
        name = collection_name(kind, generation)
        if home is None:
            return self._data.network(name)
        return self._data.of(caller, home, name, admins_only=True, network_coordinators=True)

    # --- the generation pointer ----------------------------------------------------------

    async def generation(self) -> int:
        """The live generation (0 until a replay has switched)."""
        pointer = await self._data.network(POINTER).find_one({"_id": POINTER_ID})
        return int(pointer["generation"]) if pointer else 0

    async def switch(self, generation: int, *, events: int, rebuilt_at: datetime) -> None:
        """Make `generation` the live one (one single-document write)."""
        await self._data.network(POINTER).replace_one(
            {"_id": POINTER_ID},
            {
                "_id": POINTER_ID,
                "generation": generation,
                "events": events,
                "rebuilt_at": rebuilt_at,
            },
            upsert=True,
        )

    # --- the live path -------------------------------------------------------------------

    async def load(self, generation: int, needs: Needs) -> tuple[OutcomeState, Loaded]:
        """The records `needs` names (one query per collection), as a state to fold into and
        the documents as read (to tell later what changed)."""
        places: dict[tuple[FactKind, str | None], set[str]] = {}
        for ref in needs.refs:
            places.setdefault((ref.kind, ref.home), set()).add(ref.id)
        queries: list[tuple[FactKind, str | None, Document]] = [
            (kind, home, {"_id": {"$in": sorted(ids)}}) for (kind, home), ids in places.items()
        ]
        for organisation_id, member_id in needs.mentions:
            mentions = {MENTIONS: member_id}
            queries += [
                (FactKind.RELATIONSHIPS, organisation_id, mentions),
                (FactKind.RELATIONSHIPS, None, mentions),
                (FactKind.MATCHES, None, mentions),
                (FactKind.CIRCLES, None, mentions),
            ]
        found = await asyncio.gather(
            *(
                self.system(kind, home, generation).find(query).to_list()
                for kind, home, query in queries
            )
        )
        state, loaded = OutcomeState(), {}
        for (kind, home, _), documents in zip(queries, found, strict=True):
            for body in documents:
                loaded[FactRef(kind, home, body["_id"])] = body
                state.add(kind, from_document(kind, body))
        return state, loaded

    async def save(
        self, generation: int, state: OutcomeState, loaded: Loaded
    ) -> list[tuple[FactKind, Document]]:
        """Write what the fold changed: an insert per new record, a replace (guarded by the
        version read) per changed one. Returns every record of `state` as now stored (with
        its version), changed or not; ConcurrentChangeError if another writer came between
        (nothing of ours is lost: apply again)."""
        inserts: dict[tuple[FactKind, str | None], list[Document]] = {}
        replaces: list[tuple[FactRef, Document, int]] = []
        stored: list[tuple[FactKind, Document]] = []
        for ref, record in state.refs():
            body = document(record)
            before = loaded.get(ref)
            version = int(before.get(VERSION, 0)) if before is not None else 0
            if before is None:
                inserts.setdefault((ref.kind, ref.home), []).append({**body, VERSION: 1})
                version = 1
            elif {k: v for k, v in before.items() if k != VERSION} != body:
                replaces.append((ref, body, version))
                version += 1
            stored.append((ref.kind, {**body, VERSION: version}))
        await asyncio.gather(
            *(
                self._insert_new(self.system(k, h, generation), docs)
                for (k, h), docs in inserts.items()
            ),
            *(self._replace(self.system(r.kind, r.home, generation), b, v) for r, b, v in replaces),
        )
        return stored

    @staticmethod
    async def _insert_new(collection: AsyncCollection[Document], documents: list[Document]) -> None:
        try:
            await collection.insert_many(documents, ordered=False)
        except BulkWriteError as exc:
            # Someone inserted one of them since we looked: theirs stays, ours is applied again.
            raise ConcurrentChangeError(str(exc.details.get("writeErrors", [])[:1])) from exc

    @staticmethod
    async def _replace(collection: AsyncCollection[Document], body: Document, version: int) -> None:
        guard: Document = {"_id": body["_id"]}
        guard[VERSION] = version if version else {"$exists": False}
        result = await collection.replace_one(guard, {**body, VERSION: version + 1})
        if result.matched_count == 0:
            raise ConcurrentChangeError(f"record {body['_id']!r} changed under us")

    # --- the replay ----------------------------------------------------------------------

    async def write_generation(self, generation: int, state: OutcomeState) -> int:
        """Write a whole state into fresh collections of `generation` (dropped first, so a
        crashed earlier attempt leaves nothing behind): insert_many only. Returns records."""
        places: dict[tuple[FactKind, str | None], list[Document]] = {}
        for ref, record in state.refs():
            places.setdefault((ref.kind, ref.home), []).append({**document(record), VERSION: 1})
        await self.drop_generation(generation, homes(state))
        semaphore = asyncio.Semaphore(8)

        async def write(kind: FactKind, home: str | None, documents: list[Document]) -> None:
            async with semaphore:
                collection = self.system(kind, home, generation)
                for start in range(0, len(documents), INSERT_CHUNK):
                    await collection.insert_many(documents[start : start + INSERT_CHUNK])

        await asyncio.gather(*(write(k, h, docs) for (k, h), docs in places.items()))
        await self._index_mentions(generation, {(k, h) for k, h in places if k in MENTIONED_KINDS})
        return sum(len(docs) for docs in places.values())

    async def _index_mentions(
        self, generation: int, written: set[tuple[FactKind, str | None]]
    ) -> None:
        """On MongoDB proper, the new generation's collections get the index of the live
        path's reads by member before it is switched in (FerretDB uses none, decision 18)."""
        if not written or await is_ferretdb(self._data.network(POINTER).database.client):
            return
        model = {i.collection: i.model() for i in mention_indexes(generation)}
        for kind, home in sorted(written, key=lambda w: (w[0].value, w[1] or "")):
            collection = self.system(kind, home, generation)
            await collection.create_indexes([model[collection.name]])

    async def drop_generation(self, generation: int, organisations: Iterable[str]) -> None:
        """Drop every collection of a generation, in the network database and in the
        databases of `organisations`."""
        targets = [self.system(kind, None, generation) for kind in NETWORK_KINDS] + [
            self.system(kind, organisation_id, generation)
            for organisation_id in sorted(set(organisations))
            for kind in ORGANISATION_KINDS
        ]
        semaphore = asyncio.Semaphore(8)

        async def drop(collection: AsyncCollection[Document]) -> None:
            async with semaphore:
                await collection.drop()

        await asyncio.gather(*(drop(c) for c in targets))

    async def organisations(self, generation: int) -> list[str]:
        """Every organisation a generation holds records of (each has a record of its own)."""
        collection = self.system(FactKind.ORGANISATIONS, None, generation)
        return [d["_id"] for d in await collection.find({}, projection={"_id": 1}).to_list()]


def homes(state: OutcomeState) -> set[str]:
    """The organisations whose databases hold records of `state`."""
    return set(state.organisations)
