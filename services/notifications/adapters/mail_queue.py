"""Mails decided and waiting to go, and the record of each one's fate.

The decision that a mail happens is one insert of its delivery id (kind, occasion, person)
into `deliveries`, in the recipient's organisation's database: a redelivered event, a second
sweep or a restart tries the same insert and is refused, so each mail is decided once. The
mail itself waits in the network database's small `mail_queue` (ids and wording only: no
address — the sender looks that up at the last moment), and leaves it once sent, turned off,
dead-lettered or found interrupted. A delivery's status goes queued → sending → sent, or
→ failed (with the reason, after the last try), skipped (turned off, no address), or
unconfirmed: a process stopped between claiming a mail and recording it sent, so nobody knows
whether the SMTP server took it — it is never sent again (at most once).

A crash between the two inserts leaves a delivery queued with no queue entry; the next
attempt to decide it (a redelivered event, the next sweep) finds it queued and puts it back.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from services.notifications.domain.mails import Mail
from shared.mongo.effects import insert_once
from shared.tenancy import TenantData

DELIVERIES = "deliveries"
QUEUE = "mail_queue"


class Status(StrEnum):
    """Where a delivery stands."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"
    UNCONFIRMED = "unconfirmed"


class QueuedMail:
    """A mail waiting in the queue, with its tries so far."""

    def __init__(self, mail: Mail, attempts: int, next_at: datetime) -> None:
        self.mail = mail
        self.attempts = attempts
        self.next_at = next_at


class MailQueue:
    """Deciding, queueing and recording mails."""

    def __init__(self, data: TenantData) -> None:
        self._data = data

    async def decide(self, mails: Sequence[Mail], now: datetime) -> int:
        """Queue the mails not decided before; returns how many were new."""
        by_organisation: dict[str, list[Mail]] = defaultdict(list)
        for mail in mails:
            by_organisation[mail.organisation_id].append(mail)
        new = 0
        for organisation_id, group in by_organisation.items():
            deliveries = self._data.system_organisation(organisation_id, DELIVERIES)
            new += await insert_once(
                deliveries,
                [
                    {
                        "_id": m.delivery_id,
                        "person_id": m.person_id,
                        "kind": m.kind.value,
                        "status": Status.QUEUED.value,
                        "decided_at": now,
                    }
                    for m in group
                ],
            )
            # Those still queued (new ones, and any a crash left out of the queue) go in.
            ids = [m.delivery_id for m in group]
            queued = {
                str(d["_id"])
                async for d in deliveries.find({"_id": {"$in": ids}}, projection={"status": 1})
                if d.get("status") == Status.QUEUED.value
            }
            await insert_once(
                self._data.network(QUEUE),
                [
                    {
                        "_id": m.delivery_id,
                        "mail": m.model_dump(mode="json"),
                        "attempts": 0,
                        "next_at": now,
                    }
                    for m in group
                    if m.delivery_id in queued
                ],
            )
        return new

    async def due(self, now: datetime, limit: int = 100) -> list[QueuedMail]:
        """Mails whose next try is due, oldest first."""
        cursor = self._data.network(QUEUE).find({"next_at": {"$lte": now}}).limit(limit)
        found = [
            QueuedMail(Mail.model_validate(d["mail"]), int(d.get("attempts", 0)), d["next_at"])
            async for d in cursor
        ]
        return sorted(found, key=lambda q: q.next_at)

    async def status(self, mail: Mail) -> Status | None:
        """A delivery's status (None if it was never decided, or was erased)."""
        d = await self._data.system_organisation(mail.organisation_id, DELIVERIES).find_one(
            {"_id": mail.delivery_id}, projection={"status": 1}
        )
        return None if d is None else Status(d["status"])

    async def record(self, mail: Mail, status: Status, at: datetime, reason: str = "") -> None:
        """Record a delivery's new status (by `_id`, the one cheap filter on FerretDB)."""
        update: dict[str, object] = {"status": status.value, f"{status.value}_at": at}
        if reason:
            update["reason"] = reason[:500]
        await self._data.system_organisation(mail.organisation_id, DELIVERIES).update_one(
            {"_id": mail.delivery_id}, {"$set": update}
        )

    async def retry_later(self, mail: Mail, attempts: int, next_at: datetime) -> None:
        """Put a mail back for another try."""
        await self._data.network(QUEUE).update_one(
            {"_id": mail.delivery_id}, {"$set": {"attempts": attempts, "next_at": next_at}}
        )

    async def remove(self, mail: Mail) -> None:
        """A mail leaves the queue (sent, failed, skipped or unconfirmed)."""
        await self._data.network(QUEUE).delete_one({"_id": mail.delivery_id})

    async def forget(self, organisation_id: str, person_id: str) -> None:
        """An erased member's deliveries and queued mails go."""
        await self._data.system_organisation(organisation_id, DELIVERIES).delete_many(
            {"person_id": person_id}
        )
        await self._data.network(QUEUE).delete_many({"mail.person_id": person_id})
