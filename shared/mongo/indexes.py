"""The indexes a service's queries need on MongoDB proper, declared once and created at start.

Why: every query other than by `_id` needs an index on MongoDB or it scans its collection.
FerretDB v1 (SQLite) uses no index but `_id`'s (decision 18), and each extra index costs its
writes, so there the declarations are not created (switched by the server's `buildInfo`);
unique ones, which change what a write may do, are created on every server by the stores that
rely on them. `docs/operations.md` lists every declaration.

Each service declares its indexes (`adapters/indexes.py`) and its runtime creates them in
every database it owns when it starts, and in a database it sees for the first time on each
outbox sweep (an organisation's database appears when its first record is written).
`create_indexes` with the same keys and options is a no-op, so starting again is harmless.

Shared code's queries are declared here for each service that uses them: the outbox sweep's
search for documents with events to publish (`outbox_indexes`, which the runtime adds for
every outbox collection it is given), the hourly deletion of old guard claims
(`CLAIMS_INDEXES`, added for every service) and the start-up search for jobs a stopped process
left running (`job_indexes`). tests/unit/test_declared_indexes.py fails when a query filters on
a field no declared index leads.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from pymongo import ASCENDING, AsyncMongoClient, IndexModel

from shared.mongo.claims import CLAIMS
from shared.mongo.databases import Document
from shared.mongo.outbox_staging import OUTBOX_FIELD


class Kept(StrEnum):
    """Which of a service's databases hold the collection."""

    NETWORK = "network"
    ORGANISATION = "organisation"
    BOTH = "both"


@dataclass(frozen=True)
class Index:
    """One index: the collection, its fields in order, and the query that needs it."""

    collection: str
    fields: tuple[str, ...]
    kept: Kept
    serves: str

    def model(self) -> IndexModel:
        """As `create_indexes` takes it (named by its fields, so the name is stable)."""
        keys = [(f, ASCENDING) for f in self.fields]
        return IndexModel(keys, name="by_" + "_".join(f.replace(".", "_") for f in self.fields))

    def in_database(self, database: str) -> bool:
        """Whether a database of this service (named as `ServiceDatabases` names them) holds
        this index's collection."""
        network = database.endswith("_network")
        return self.kept is Kept.BOTH or (self.kept is Kept.NETWORK) == network


def outbox_indexes(collections: Iterable[str]) -> list[Index]:
    """The outbox sweep's search (`{_outbox: {$gt: {}}}`): an index on the outbox itself,
    where a published document's empty `{}` sorts below every pending one."""
    return [
        Index(c, (OUTBOX_FIELD,), Kept.BOTH, "the outbox sweep: events still to publish")
        for c in collections
    ]


# Every service's guard claims, deleted by age (`shared.mongo.claims.prune_claims`).
CLAIMS_INDEXES = [Index(CLAIMS, ("at",), Kept.BOTH, "guard claims deleted once a day old")]


def job_indexes(collection: str, kept: Kept) -> list[Index]:
    """Jobs still running when a process stopped, found at start-up (`shared.mongo.jobs`)."""
    return [Index(collection, ("state", "started_at"), kept, "unfinished jobs at start-up")]


# The fields shared code's queries lead with (for tests/unit/test_declared_indexes.py).
SHARED_LEADING = frozenset({OUTBOX_FIELD, "state"})


class Indexes:
    """Creates a service's declared indexes, once per database per process."""

    def __init__(self, client: AsyncMongoClient[Document], declared: Sequence[Index]) -> None:
        self._client = client
        self._declared = list(declared)
        self._done: set[str] = set()

    async def ensure(self, databases: Iterable[str]) -> int:
        """Create the declared indexes in each database not yet seen; how many databases
        were new."""
        new = [d for d in databases if d not in self._done]
        for database in new:
            await self.create_in(database)
            self._done.add(database)
        return len(new)

    async def create_in(self, database: str) -> list[str]:
        """Create this database's declared indexes now (idempotent); their names."""
        created: list[str] = []
        for index in self._declared:
            if index.in_database(database):
                # One per command: FerretDB 1.24 closed the connection on a command creating
                # several at once (seen in our test); MongoDB takes either.
                collection = self._client[database][index.collection]
                created += await collection.create_indexes([index.model()])
        return created
