"""Guarded changes made atomic on FerretDB: each change claims the document's next revision.

Why: FerretDB v1 runs an update as a read and then a write of the whole document, with no
transaction between them. A guard (in the filter, or checked in Python after a read by `_id`)
is only checked at read time, so two writers can both pass it, and the later write can undo
the earlier one. The one write it decides atomically is an insert refused by a unique `_id`.

How: a document changed under a guard carries a revision (`_rev`, 0 when absent). A change
reads the document by `_id`, checks the guard (`shared.mongo.conditions`), then inserts the
claim `<collection>:<document id>:<revision + 1>` into its database's `guard_claims`. One
insert per revision succeeds, and only its writer writes, moving `_rev` on (by `$max`, so a
late write never moves it back). A writer refused the claim reads again (waiting, briefly,
for the winner's write) and checks the guard against what the winner wrote — so of twenty
writers racing for "still planned", one passes.

A claim whose write never came (its process died in between) would block the document: after
STALE its revision is passed by one `…:passed` claim, which moves `_rev` on and changes
nothing else. On MongoDB none of this is used: the guard stays in the update's filter, which
the server checks in the same atomic write. Claims older than a day are deleted (hourly, by
the service runtime): by then no writer can still be between its read and its claim.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError, PyMongoError
from pymongo.results import UpdateResult

from shared.errors import ConflictError
from shared.mongo.conditions import matches
from shared.mongo.databases import Document
from shared.mongo.effects import MAX_UPDATE_BATCH
from shared.mongo.server import is_ferretdb

REVISION = "_rev"
CLAIMS = "guard_claims"  # per database, beside the documents it guards
STALE = timedelta(seconds=30)  # a claim this old with no write after it was abandoned
# A claim this old refuses no writer any more: a change claims right after its read (a bulk
# change within its own request), never a day later. Older claims are deleted.
KEPT = timedelta(days=1)
PATIENCE_SECONDS = 40.0  # how long a writer keeps reading again before asking for a retry
FIRST_WAIT, LONGEST_WAIT = 0.005, 0.2
_DUPLICATE_KEY = 11000

NOT_MATCHED = UpdateResult({"n": 0, "nModified": 0, "ok": 1.0}, acknowledged=True)


async def prune_claims(database: AsyncDatabase[Document], now: datetime) -> int:
    """Delete the database's claims older than KEPT; how many went. (A scan of the claims
    on FerretDB: run it rarely.)"""
    result = await database[CLAIMS].delete_many({"at": {"$lt": now - KEPT}})
    return result.deleted_count


def claim_id(collection: AsyncCollection[Document], document_id: Any, revision: int) -> str:
    """The claim that lets one writer move `document_id` to `revision`."""
    return f"{collection.name}:{document_id}:{revision}"


async def claimed_update(
    collection: AsyncCollection[Document],
    document_id: Any,
    update: Document,
    condition: Document,
    *,
    patience: float = PATIENCE_SECONDS,
) -> UpdateResult:
    """Apply `update` to one document if it still satisfies `condition` (an empty one
    always does), atomically with every other claimed change of it. Nothing matched when
    the guard fails (as read after any racing change). Raises ConflictError if a racing
    writer's change does not arrive within `patience` seconds."""
    claims = collection.database[CLAIMS]
    shown = {path.split(".")[0]: 1 for path in condition} | {REVISION: 1}
    deadline = time.monotonic() + patience
    wait = FIRST_WAIT
    while True:
        current = await collection.find_one({"_id": document_id}, projection=shown)
        if current is None or not matches(current, condition):
            return NOT_MATCHED
        revision = int(current.get(REVISION, 0)) + 1
        claim = claim_id(collection, document_id, revision)
        try:
            await claims.insert_one({"_id": claim, "at": datetime.now(UTC)})
        except DuplicateKeyError:
            await _pass_if_abandoned(collection, document_id, claim, revision)
            if time.monotonic() >= deadline:
                raise ConflictError("this record is changing right now; send it again") from None
            await asyncio.sleep(wait)
            wait = min(wait * 2, LONGEST_WAIT)
            continue
        try:
            return await collection.update_one(
                {"_id": document_id}, _with_revision(update, revision)
            )
        except Exception:
            # Refused (a unique index, say): nothing was written, so pass the revision now
            # rather than leave the document blocked until the claim looks abandoned.
            with contextlib.suppress(PyMongoError):
                await _pass(collection, document_id, claim, revision)
            raise


def _with_revision(update: Document, revision: int) -> Document:
    # The revision is this module's alone: a change that names it (an erasure unsetting
    # every field it read) would conflict with moving it on.
    merged = {k: {f: v for f, v in fields.items() if f != REVISION} for k, fields in update.items()}
    merged = {k: fields for k, fields in merged.items() if fields}
    merged.setdefault("$max", {})[REVISION] = revision
    return merged


async def claimed_updates(
    collection: AsyncCollection[Document],
    changes: Sequence[tuple[Document, Document]],
    condition: Document,
) -> tuple[list[Any], list[Any]]:
    """Many claimed changes at once, each `(current, update)` checked against `current`, the
    document as the caller read it (its `_id`, `_rev` and the fields `condition` names, all
    read in one query just before): one insert of every claim, then updates of at most
    MAX_UPDATE_BATCH statements per command, where `claimed_update` takes four round trips
    per document. Returns (ids written, ids contested): a document another claimed change
    reached since it was read is not written, and the caller changes it alone
    (`claimed_update` reads it afresh). A document failing `condition` as read is in
    neither list."""
    now = datetime.now(UTC)
    wanted = [
        (current["_id"], int(current.get(REVISION, 0)) + 1, update)
        for current, update in changes
        if matches(current, condition)
    ]
    if not wanted:
        return [], []
    claims = [{"_id": claim_id(collection, i, r), "at": now} for i, r, _ in wanted]
    try:
        await collection.database[CLAIMS].insert_many(claims, ordered=False)
        refused: set[int] = set()
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        if any(e.get("code") != _DUPLICATE_KEY for e in errors):
            raise
        refused = {int(e["index"]) for e in errors}
    contested = [wanted[n][0] for n in sorted(refused)]
    claimed = [w for n, w in enumerate(wanted) if n not in refused]
    written: list[Any] = []
    for start in range(0, len(claimed), MAX_UPDATE_BATCH):
        chunk = claimed[start : start + MAX_UPDATE_BATCH]
        operations = [UpdateOne({"_id": i}, _with_revision(u, r)) for i, r, u in chunk]
        try:
            await collection.bulk_write(operations, ordered=True)
        except Exception as exc:
            # Ordered: the statements before the first refused one were written. Pass the
            # revisions of the rest now (harmless if one was written after all: `$max`) rather
            # than leave them blocked until they look abandoned, as `claimed_update` does.
            errors = exc.details.get("writeErrors", []) if isinstance(exc, BulkWriteError) else []
            failed = min((int(e["index"]) for e in errors), default=0)
            for i, r, _ in claimed[start + failed :]:
                with contextlib.suppress(PyMongoError):
                    await _pass(collection, i, claim_id(collection, i, r), r)
            raise
        written.extend(i for i, _, _ in chunk)
    return written, contested


async def _pass_if_abandoned(
    collection: AsyncCollection[Document], document_id: Any, claim: str, revision: int
) -> None:
    """Move the document past a claim whose write never came (one writer does it)."""
    found = await collection.database[CLAIMS].find_one({"_id": claim})
    if found is None:
        return
    at: datetime = found["at"]
    if (at if at.tzinfo else at.replace(tzinfo=UTC)) > datetime.now(UTC) - STALE:
        return
    await _pass(collection, document_id, claim, revision)


async def _pass(
    collection: AsyncCollection[Document], document_id: Any, claim: str, revision: int
) -> None:
    """Move the document to `revision` with no other change (once, whoever asks)."""
    try:
        await collection.database[CLAIMS].insert_one(
            {"_id": f"{claim}:passed", "at": datetime.now(UTC)}
        )
    except DuplicateKeyError:
        return
    await collection.update_one({"_id": document_id}, {"$max": {REVISION: revision}})


async def guarded_update(
    collection: AsyncCollection[Document], document_id: Any, update: Document, condition: Document
) -> UpdateResult:
    """One guarded update of one document, atomic on either server: on FerretDB by claiming
    its next revision, on MongoDB with the guard in the filter. (For a change with events,
    `OutboxWriter.update` does the same.)"""
    if await is_ferretdb(collection.database.client):
        return await claimed_update(collection, document_id, update, condition)
    return await collection.update_one({**condition, "_id": document_id}, update)
