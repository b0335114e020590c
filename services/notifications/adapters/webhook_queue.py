"""Webhook deliveries waiting for their next attempt: the network database's small
`webhook_queue` (ids and times only; the message stays in its organisation's database). An
entry leaves once its delivery is delivered or has failed for good."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pymongo import DeleteOne, UpdateOne

from shared.mongo.effects import bulk_update, insert_once
from shared.tenancy import TenantData

QUEUE = "webhook_queue"


@dataclass(frozen=True)
class Due:
    """A delivery whose attempt is due: where it lives, and how many attempts it has had in
    its current schedule (a manual redelivery is one attempt, not a new schedule)."""

    delivery_id: str
    organisation_id: str
    endpoint_id: str
    attempts: int
    manual: bool


class WebhookQueue:
    """Deliveries waiting, by delivery id."""

    def __init__(self, data: TenantData) -> None:
        self._data = data

    async def put(self, entries: Sequence[Due], at: datetime) -> None:
        """Queue deliveries for an attempt at `at` (one entry per delivery, however often)."""
        await insert_once(
            self._data.network(QUEUE),
            [
                {
                    "_id": e.delivery_id,
                    "organisation_id": e.organisation_id,
                    "endpoint_id": e.endpoint_id,
                    "attempts": e.attempts,
                    "manual": e.manual,
                    "next_at": at,
                }
                for e in entries
            ],
        )

    async def due(
        self, now: datetime, exclude_endpoints: Sequence[str] = (), limit: int = 200
    ) -> list[Due]:
        """Deliveries whose attempt is due, oldest first, but none of endpoints excluded
        (those with every slot taken: their backlog must not hide others' deliveries)."""
        query: dict[str, object] = {"next_at": {"$lte": now}}
        if exclude_endpoints:
            query["endpoint_id"] = {"$nin": list(exclude_endpoints)}
        cursor = self._data.network(QUEUE).find(query).limit(limit)
        found = sorted([d async for d in cursor], key=lambda d: d["next_at"])
        return [
            Due(
                str(d["_id"]),
                str(d["organisation_id"]),
                str(d["endpoint_id"]),
                int(d.get("attempts", 0)),
                bool(d.get("manual", False)),
            )
            for d in found
        ]

    async def later(self, delivery_id: str, attempts: int, at: datetime) -> None:
        """Put a delivery back for its next attempt."""
        await self._data.network(QUEUE).update_one(
            {"_id": delivery_id}, {"$set": {"attempts": attempts, "next_at": at}}
        )

    async def now(self, delivery_id: str, at: datetime) -> None:
        """Make a waiting delivery due at once (a redelivery of one still retrying)."""
        await self._data.network(QUEUE).update_one({"_id": delivery_id}, {"$set": {"next_at": at}})

    async def remove(self, delivery_id: str) -> None:
        """A delivery leaves the queue (delivered, or failed for good)."""
        await self._data.network(QUEUE).delete_one({"_id": delivery_id})

    async def remove_many(self, delivery_ids: Sequence[str]) -> None:
        """Several deliveries leave the queue at once: batches of deletes by `_id` (FerretDB's
        one indexed filter: a `$in` would decode the whole queue)."""
        await bulk_update(self._data.network(QUEUE), [DeleteOne({"_id": i}) for i in delivery_ids])

    async def later_many(self, entries: Sequence[tuple[str, int, datetime]]) -> None:
        """Put several deliveries back (delivery id, attempts so far, next attempt)."""
        await bulk_update(
            self._data.network(QUEUE),
            [
                UpdateOne({"_id": i}, {"$set": {"attempts": attempts, "next_at": at}})
                for i, attempts, at in entries
            ],
        )
