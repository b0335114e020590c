"""Records webhook attempts' outcomes together (a group commit): whatever attempts end while
one write is under way go into the next, as one batch of updates by `_id` per organisation
for the deliveries and one write for the queue, instead of two round trips each (FerretDB
charges per round trip). An attempt returns only once its own outcome is stored, so what it
promises is unchanged: the delivery's record first, then its queue entry — a stop between the
two leaves it queued and recorded, and the sender then drops the entry without sending again
(if delivered) or tries again with the same id (at least once)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from services.notifications.adapters.webhook_delivery_store import WebhookDeliveryStore
from services.notifications.adapters.webhook_queue import WebhookQueue
from shared.mongo.databases import Document


@dataclass(frozen=True)
class Outcome:
    """One attempt's record, and where its delivery goes next: out of the queue
    (`next_attempt_at` None) or back into it for attempt number `attempts` + 1."""

    organisation_id: str
    delivery_id: str
    attempt: Document
    status: str
    next_attempt_at: datetime | None
    attempts: int


class WebhookOutcomes:
    """Attempts' outcomes, written in batches."""

    def __init__(self, deliveries: WebhookDeliveryStore, queue: WebhookQueue) -> None:
        self._deliveries = deliveries
        self._queue = queue
        self._waiting: list[tuple[Outcome, asyncio.Future[None]]] = []
        self._writing = asyncio.Lock()

    async def record(self, outcome: Outcome) -> None:
        """Store an attempt's outcome (with whatever else is waiting); returns once stored."""
        stored: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((outcome, stored))
        async with self._writing:
            if not stored.done():  # not written by the batch before: write all that waits
                batch, self._waiting = self._waiting, []
                try:
                    await self._write([o for o, _ in batch])
                except Exception as exc:
                    for _, f in batch:
                        f.set_exception(exc)
                else:
                    for _, f in batch:
                        f.set_result(None)
        await stored

    async def _write(self, outcomes: list[Outcome]) -> None:
        by_organisation: dict[str, list[Outcome]] = defaultdict(list)
        for o in outcomes:
            by_organisation[o.organisation_id].append(o)
        await asyncio.gather(
            *(
                self._deliveries.attempted_many(
                    organisation_id,
                    [(o.delivery_id, o.attempt, o.status, o.next_attempt_at) for o in group],
                )
                for organisation_id, group in by_organisation.items()
            )
        )
        await self._queue.remove_many([o.delivery_id for o in outcomes if not o.next_attempt_at])
        await self._queue.later_many(
            [(o.delivery_id, o.attempts, o.next_attempt_at) for o in outcomes if o.next_attempt_at]
        )
