"""What the live projection wrote, in order, so every evaluation instance's figures follow
every instance's writes.

Why: each instance keeps the live generation's records in memory for drawing figures
(`outcome_reader.py`), and the evaluation consumer group splits the topics' partitions between
instances, so an instance folds only part of the events. Without this log, figures drawn on
one instance missed what another had folded until its next full reload (minutes).

How: after each batch is saved, the projection inserts one change record holding every record
the batch touched, as stored (its version `_v` included). Change records are numbered per
generation (`shared.mongo.numbered`, owner `g<generation>`), so they are read by `_id` alone
and a number is taken only once every smaller one exists: "the changes after n" is exact. A
reader applies them in number order and keeps a record only if its version is higher than the
one it holds, so a change numbered after a later one (two writers) never moves a record back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from services.evaluation.domain.outcome_facts import FactKind
from shared.mongo.databases import Document
from shared.mongo.numbered import NumberedRecords
from shared.tenancy import TenantData

CHANGES = "outcome_changes"
# Records per change document: a batch touching more is written as several (each well under
# a document's 16 MB).
RECORDS_PER_CHANGE = 500


class OutcomeChanges:
    """The numbered log of records the live projection wrote, per generation."""

    def __init__(self, data: TenantData, numbered: NumberedRecords | None = None) -> None:
        self._collection = data.network(CHANGES)
        self._numbered = numbered or NumberedRecords()

    @staticmethod
    def _owner(generation: int) -> str:
        return f"g{generation}"

    async def record(self, generation: int, written: Sequence[tuple[FactKind, Document]]) -> None:
        """Append what a batch wrote (`(kind, document as stored)` each) to `generation`'s log."""
        for start in range(0, len(written), RECORDS_PER_CHANGE):
            chunk = [
                {"kind": kind.value, "body": body}
                for kind, body in written[start : start + RECORDS_PER_CHANGE]
            ]

            async def insert(change_id: str, _number: int, chunk: Any = chunk) -> None:
                await self._collection.insert_one({"_id": change_id, "records": chunk})

            await self._numbered.take(self._collection, self._owner(generation), insert)

    async def newest(self, generation: int) -> int:
        """The number of `generation`'s newest change (0 when none)."""
        return await self._numbered.newest(self._collection, self._owner(generation))

    async def since(
        self, generation: int, after: int
    ) -> tuple[int, list[tuple[FactKind, Document]]]:
        """The records changed after change `after`, in order, and the newest change's number
        (`after` when there is none)."""
        changes = await self._numbered.walk(self._collection, self._owner(generation), after)
        records = [
            (FactKind(record["kind"]), record["body"])
            for change in changes
            for record in change["records"]
        ]
        newest = int(str(changes[-1]["_id"]).rsplit(":", 1)[1]) if changes else after
        return newest, records
