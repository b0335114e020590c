"""Records listed per owner (a relationship, a thread), found by `_id` alone.

Why: FerretDB v1 (SQLite) uses an index only for a filter that is exactly `{_id: <string>}`
or `{_id: {$in: [<string>, ...]}}` (with our patches, deploy/local/ferretdb/patches); any other
filter decodes every document of the collection, so "the meetings of relationship R" costs in
proportion to every meeting of every relationship kept there. bench/api measured such scans as
most of the database's time.

How: an owner's records get `_id`s that can be computed, the owner's id and a number 1, 2, 3…
(`numbered_id`). Taking a number is an insert: the unique `_id` decides between two writers,
and the loser takes the next. A number is never given back — erasure blanks a record in place
instead of deleting it — so numbers 1..newest all exist, and listing an owner's records is a
walk of lookups by `_id`, a few in each query. Each instance remembers the newest number it saw
per owner only as a hint to start from: a lookup one past it decides (and one of the hint
itself: a hint above what exists is dropped). On MongoDB proper, whose `_id` index answers
ranges, a walk and the newest number are one `_id` range query instead (chosen by `buildInfo`).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import TypeVar

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from shared.errors import ConflictError
from shared.mongo.claims import REVISION, claimed_update
from shared.mongo.databases import Document
from shared.mongo.outbox_staging import OUTBOX_FIELD
from shared.mongo.server import is_ferretdb

NUMBER_WIDTH = 10  # zero-padded, so ids sort in number order
LAST_NUMBER = 10**NUMBER_WIDTH - 1
FIRST_BATCH = 4  # lookups sent at once when walking; doubles while every one is found
MAX_BATCH = 64
TAKE_ATTEMPTS = 8  # numbers tried in a row before asking the caller to send again
HINTS_KEPT = 50_000

Written = TypeVar("Written")
_ID_ONLY: Document = {"_id": 1}


def kept_by(field: str, value: str) -> Callable[[Document], bool]:
    """Whether a record found by its number is the owner's (its `field` is `value`, as a
    filter on that field would have said) and was not blanked by erasure."""
    return lambda document: document.get(field) == value and not document.get("removed")


def numbered_id(owner: str, number: int) -> str:
    """The `_id` of `owner`'s record number `number`."""
    return f"{owner}:{number:0{NUMBER_WIDTH}d}"


class NumberedRecords:
    """Numbers taken and walked per owner, in any collection; one per service instance."""

    def __init__(self, *, by_range: bool | None = None) -> None:
        self._newest: dict[str, int] = {}
        # How to walk: None decides by the server (MongoDB proper: one `_id` range query,
        # answered from its `_id` index; FerretDB: lookups by `_id`, the only filter it
        # answers from an index). Tests set it to compare the two on one server.
        self._by_range = by_range

    async def _walks_by_range(self, collection: AsyncCollection[Document]) -> bool:
        if self._by_range is None:
            return not await is_ferretdb(collection.database.client)
        return self._by_range

    @staticmethod
    def _owned(owner: str, low: int = 1, high: int = LAST_NUMBER) -> Document:
        """The filter for `owner`'s numbers low..high: an `_id` range, with an anchored
        pattern so another owner whose id starts with this one's is never included."""
        return {
            "$gte": numbered_id(owner, low),
            "$lte": numbered_id(owner, high),
            "$regex": f"^{re.escape(owner)}:[0-9]{{{NUMBER_WIDTH}}}$",
        }

    async def _run_by_range(
        self,
        collection: AsyncCollection[Document],
        owner: str,
        start: int,
        step: int,
        want: int | None,
        shown: Callable[[Document], bool],
    ) -> list[Document]:
        """`run`, as one range query: in number order from `start`, ending where lookups
        would (at the first number not taken)."""
        if start < 1:
            return []
        span = self._owned(owner, start) if step > 0 else self._owned(owner, 1, start)
        cursor = collection.find({"_id": span}).sort("_id", 1 if step > 0 else -1)
        found: list[Document] = []
        expected = start
        async for document in cursor.batch_size(MAX_BATCH):
            if document["_id"] != numbered_id(owner, expected):
                break  # a number not taken: the walk ends there, as a lookup's would
            expected += step
            if shown(document):
                found.append(document)
                if want is not None and len(found) == want:
                    break
        if step > 0:
            self._remember(self._key(collection, owner), expected - 1)
        return found

    @staticmethod
    def _key(collection: AsyncCollection[Document], owner: str) -> str:
        return f"{collection.database.name}.{collection.name}:{owner}"

    def _remember(self, key: str, number: int) -> None:
        if len(self._newest) >= HINTS_KEPT:
            self._newest.clear()
        if number > self._newest.get(key, -1):  # 0 too: "none yet" spares a walk its guesses
            self._newest[key] = number

    @staticmethod
    async def _lookup(
        collection: AsyncCollection[Document],
        owner: str,
        numbers: range | list[int],
        projection: Document | None = None,
    ) -> list[Document | None]:
        """The records numbered `numbers` (None where not taken), in one query: `_id` `$in`
        a list (our FerretDB answers it from the `_id` index, as MongoDB does)."""
        ids = [numbered_id(owner, n) for n in numbers]
        cursor = collection.find({"_id": {"$in": ids}}, projection, batch_size=len(ids) + 1)
        found = {document["_id"]: document async for document in cursor}
        return [found.get(i) for i in ids]

    async def walk(
        self,
        collection: AsyncCollection[Document],
        owner: str,
        after: int = 0,
        shown: Callable[[Document], bool] = lambda _: True,
    ) -> list[Document]:
        """Every record of `owner` numbered above `after` that `shown` accepts, in number
        order."""
        return await self.run(collection, owner, start=after + 1, step=1, shown=shown)

    async def run(
        self,
        collection: AsyncCollection[Document],
        owner: str,
        *,
        start: int,
        step: int,
        want: int | None = None,
        shown: Callable[[Document], bool] = lambda _: True,
    ) -> list[Document]:
        """`owner`'s records from number `start` onwards by `step` (1 up, -1 down): at most
        `want` of those `shown` accepts, stopping at number 0 or at the first number not
        taken. Lookups go a few at once, more while every one is found (on MongoDB proper,
        one range query)."""
        if await self._walks_by_range(collection):
            return await self._run_by_range(collection, owner, start, step, want, shown)
        found: list[Document] = []
        # The first lookups reach one past the newest number this instance knows of (those
        # all exist; the one past it tells whether another writer has added since).
        hint = self._newest.get(self._key(collection, owner)) if step > 0 else None
        size = FIRST_BATCH if hint is None else min(max(hint - start + 2, 1), MAX_BATCH)
        number = start
        while number >= 1 and (want is None or len(found) < want):
            numbers = range(number, max(number + step * size, 0), step)
            batch = await self._lookup(collection, owner, numbers)
            for n, document in zip(numbers, batch, strict=True):
                if document is None:
                    if step > 0:
                        self._remember(self._key(collection, owner), n - 1)
                    return found
                if shown(document):
                    found.append(document)
                    if want is not None and len(found) == want:
                        return found
            number += step * size
            size = min(size * 2, MAX_BATCH)
        return found

    async def newest(self, collection: AsyncCollection[Document], owner: str) -> int:
        """The highest number taken for `owner` (0 when none): from this instance's hint
        (checked to exist: one found too high is dropped), then doubling upwards and halving
        (numbers 1..newest all exist, so a lookup tells on which side of the newest a number
        lies)."""
        key = self._key(collection, owner)
        if await self._walks_by_range(collection):
            last = await collection.find_one(
                {"_id": self._owned(owner)}, projection={"_id": 1}, sort=[("_id", -1)]
            )
            newest = int(str(last["_id"])[-NUMBER_WIDTH:]) if last else 0
            self._remember(key, newest)
            return newest
        low = self._newest.get(key, 0)
        step = 1
        high = low + step
        # The hint is checked in the same query as the number after it.
        checked = await self._lookup(collection, owner, [low, high] if low else [high], _ID_ONLY)
        hinted, after = (checked[0] is not None if low else True), checked[-1] is not None
        if not hinted:
            # A hint above what exists (a database restored or replaced under a running
            # instance): taking the number after it would leave a gap that ends every walk.
            # Forget it and search from nothing.
            self._newest.pop(key, None)
            low, high = 0, 1
            after = await self._exists(collection, owner, high)
        while after:  # `low` exists (or is 0); `after` says whether `high` does
            low, step = high, step * 2
            high = low + step
            after = await self._exists(collection, owner, high)
        while high - low > 1:  # low exists (or is 0), high does not
            middle = (low + high) // 2
            if await self._exists(collection, owner, middle):
                low = middle
            else:
                high = middle
        self._remember(key, low)
        return low

    async def _exists(self, collection: AsyncCollection[Document], owner: str, number: int) -> bool:
        found = await collection.find_one({"_id": numbered_id(owner, number)}, _ID_ONLY)
        return found is not None

    async def take(
        self,
        collection: AsyncCollection[Document],
        owner: str,
        write: Callable[[str, int], Awaitable[Written]],
    ) -> Written:
        """Take `owner`'s next number: `write(record_id, number)` must insert the record
        with that `_id` (a DuplicateKeyError from it means another writer took the number
        first, and the next one is tried). Returns what `write` returned."""
        key = self._key(collection, owner)
        for _ in range(TAKE_ATTEMPTS):
            number = await self.newest(collection, owner) + 1
            try:
                written = await write(numbered_id(owner, number), number)
            except DuplicateKeyError:
                self._remember(key, number)
                continue
            self._remember(key, number)
            return written
        raise ConflictError("many records are being written here at once; send it again")


# Kept by every blanked record whatever the caller names: events it has still to publish
# (a record written a moment before its author was erased must still announce itself), and
# the revision guarded changes claim (`shared.mongo.claims`).
ALWAYS_KEPT = ("_id", OUTBOX_FIELD, REVISION)


async def blank(
    collection: AsyncCollection[Document], query: Document, keep: list[str]
) -> list[Document]:
    """Blank in place the records `query` finds (erasure): each keeps its `_id` (its number
    stays taken), its pending outbox events and the fields in `keep`, and is marked
    `removed`. Returns what is left of them (without the outbox). Never a delete: a missing
    number would end every walk there."""
    kept = {*keep, *ALWAYS_KEPT}
    left = []
    for document in await collection.find(query).to_list():
        gone = {field: "" for field in document if field not in kept and field != "removed"}
        change: Document = {"$set": {"removed": True}}
        if gone:
            change["$unset"] = gone
        if REVISION in document and await is_ferretdb(collection.database.client):
            await claimed_update(collection, document["_id"], change, {})
        else:
            await collection.update_one({"_id": document["_id"]}, change)
        left.append({k: v for k, v in document.items() if k in kept and k != OUTBOX_FIELD})
    return left
