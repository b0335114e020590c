"""Webhook deliveries and their attempts, in the organisation's own database
(`webhook_deliveries`): data access only.

A delivery is decided once by inserting its id (the message id, fixed by endpoint and event):
a redelivered event tries the same insert and is refused (`insert_new`), so it is never
delivered twice. Each document holds the exact body that is signed and sent, so a retry or a
redelivery sends the same message."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import UpdateOne

from shared.mongo.databases import Document
from shared.mongo.effects import bulk_update, insert_new
from shared.tenancy import TenantData

DELIVERIES = "webhook_deliveries"


class WebhookDeliveryStore:
    """Deliveries by organisation and id."""

    def __init__(self, data: TenantData) -> None:
        self._data = data

    def _deliveries(self, organisation_id: str) -> Any:
        return self._data.system_organisation(organisation_id, DELIVERIES)

    async def decide(
        self, organisation_id: str, documents: Sequence[Document]
    ) -> tuple[list[str], list[str]]:
        """Insert deliveries not decided before, in one batch; returns the ids inserted now,
        and those decided before that still wait for their first attempt (a crash left them
        out of the queue). Only those decided before are read back, each by `_id` (FerretDB's
        one indexed lookup)."""
        if not documents:
            return [], []
        collection = self._deliveries(organisation_id)
        new, before = await insert_new(collection, documents)
        found = await asyncio.gather(
            *(
                collection.find_one({"_id": i}, projection={"status": 1, "attempts": 1})
                for i in before
            )
        )
        left = [
            str(d["_id"])
            for d in found
            if d is not None and d.get("status") == "pending" and not d.get("attempts")
        ]
        return [str(i) for i in new], left

    async def one(self, organisation_id: str, delivery_id: str) -> Document | None:
        """One delivery (None if there is none of that id)."""
        found: Document | None = await self._deliveries(organisation_id).find_one(
            {"_id": delivery_id}
        )
        return found

    async def page(
        self, organisation_id: str, endpoint_id: str, limit: int, before: Document | None
    ) -> list[Document]:
        """An endpoint's deliveries, newest first, older than `before` if given."""
        query: Document = {"endpoint_id": endpoint_id}
        if before is not None:
            at, last = before["created_at"], before["_id"]
            query["$or"] = [{"created_at": {"$lt": at}}, {"created_at": at, "_id": {"$lt": last}}]
        cursor = (
            self._deliveries(organisation_id)
            .find(query, projection={"body": 0})
            .sort([("created_at", -1), ("_id", -1)])
            .limit(limit)
        )
        return [d async for d in cursor]

    async def attempted_many(
        self,
        organisation_id: str,
        outcomes: Sequence[tuple[str, Document, str, datetime | None]],
    ) -> None:
        """Record several attempts (delivery id, attempt, status, next attempt) in one batch
        of updates by `_id`."""
        await bulk_update(
            self._deliveries(organisation_id),
            [
                UpdateOne(
                    {"_id": delivery_id},
                    {
                        "$push": {"attempts": attempt},
                        "$set": {"status": status, "next_attempt_at": next_attempt_at},
                    },
                )
                for delivery_id, attempt, status, next_attempt_at in outcomes
            ],
        )

    async def reopen(self, organisation_id: str, delivery_id: str, at: datetime) -> None:
        """A redelivery asked for: pending again, due now."""
        await self._deliveries(organisation_id).update_one(
            {"_id": delivery_id}, {"$set": {"status": "pending", "next_attempt_at": at}}
        )
