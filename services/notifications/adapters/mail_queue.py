"""Mails decided and waiting to go, and the record of each one's fate.

The decision that a mail happens is one insert of its delivery id (kind, occasion, person)
into `deliveries`, in the recipient's organisation's database: a redelivered event, a second
sweep or a restart tries the same insert and is refused, so each mail is decided once. The
mail itself waits in the network database's small `mail_queue` (ids and wording only: no
address — the sender looks that up at the last moment), and leaves it once sent, turned off,
dead-lettered or found interrupted. A delivery's status goes queued → sent, or → failed (with
the reason, after the last try), skipped (turned off, no address), or unconfirmed: a process
stopped between claiming a mail and recording it sent, so nobody knows whether the SMTP server
took it — it is never sent again (at most once).

A try is claimed before its mail goes to the relay, a few tries in one insert into
`mail_claims` (inserts are FerretDB's cheap write; an update per delivery cost twice what the
SMTP exchange did). A queued delivery whose current try is claimed was interrupted. A claim is
deleted once its mails are recorded; the keys in it are hashes of the delivery and try, so it
names nobody. (`sending`, the claim of earlier versions, still counts as interrupted.)

A crash between the two inserts leaves a delivery queued with no queue entry; the next
attempt to decide it (a redelivered event, the next sweep) finds it queued and puts it back.

The mails this process has just decided are also kept in hand (`take_fresh`), so the sender
need not read them back: the queue's due-read is a scan on FerretDB, so it runs only for what
time brings (retries) and what a stop left behind. Only mails inserted by this very decision
are kept so — nobody else can have claimed them — never ones found queued from before.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections import defaultdict, deque
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from enum import StrEnum

from pymongo import DeleteOne, UpdateOne

from services.notifications.domain.mails import Mail
from shared.mongo.effects import bulk_update, insert_new, insert_once
from shared.tenancy import TenantData

DELIVERIES = "deliveries"
QUEUE = "mail_queue"
CLAIMS = "mail_claims"
# A claim left behind by a stop is resolved at the next due-read, seconds later; one this old
# can only name mails since resolved or erased.
STALE_CLAIM = timedelta(hours=1)
NO_ADDRESS = "no address known"


class Status(StrEnum):
    """Where a delivery stands."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"
    UNCONFIRMED = "unconfirmed"


class QueuedMail:
    """A mail waiting in the queue, with its tries so far; `fresh` when this process has
    just decided it (so its delivery is known to be queued and claimed by nobody)."""

    def __init__(self, mail: Mail, attempts: int, next_at: datetime, fresh: bool = False) -> None:
        self.mail = mail
        self.attempts = attempts
        self.next_at = next_at
        self.fresh = fresh


# Mails kept in hand at most; past it, the sender finds the rest by reading the queue.
FRESH_KEPT = 5000


class MailQueue:
    """Deciding, queueing and recording mails."""

    def __init__(self, data: TenantData) -> None:
        self._data = data
        self._fresh: deque[QueuedMail] = deque()
        self._fresh_ids: set[str] = set()

    async def decide(
        self, mails: Sequence[Mail], now: datetime, unreachable: Collection[str] = ()
    ) -> int:
        """Queue the mails not decided before; returns how many were new. A mail to one of
        `unreachable` (people with no address known) is decided skipped in the same insert:
        it would only have waited in the queue for the sender to find no address."""
        by_organisation: dict[str, list[Mail]] = defaultdict(list)
        for mail in mails:
            by_organisation[mail.organisation_id].append(mail)
        new = 0
        for organisation_id, group in by_organisation.items():
            deliveries = self._data.system_organisation(organisation_id, DELIVERIES)
            inserted, before = await insert_new(
                deliveries, [_decision(m, now, m.person_id in unreachable) for m in group]
            )
            new += len(inserted)
            skipped = {m.delivery_id for m in group if m.person_id in unreachable}
            # Those still queued (new ones, and any a crash left out of the queue) go in; only
            # those decided before are read back, each by `_id` (the one indexed lookup).
            found = await asyncio.gather(
                *(deliveries.find_one({"_id": i}, projection={"status": 1}) for i in before)
            )
            queued = ({str(i) for i in inserted} - skipped) | {
                str(d["_id"]) for d in found if d and d.get("status") == Status.QUEUED.value
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
            fresh = {str(i) for i in inserted} - skipped
            for m in group:
                if m.delivery_id in fresh and len(self._fresh) < FRESH_KEPT:
                    self._fresh.append(QueuedMail(m, 0, now, fresh=True))
                    self._fresh_ids.add(m.delivery_id)
        return new

    def take_fresh(self, limit: int) -> list[QueuedMail]:
        """Up to `limit` of the mails this process decided, oldest first, out of hand."""
        taken: list[QueuedMail] = []
        while self._fresh and len(taken) < limit:
            q = self._fresh.popleft()
            self._fresh_ids.discard(q.mail.delivery_id)
            taken.append(q)
        return taken

    async def due(
        self, now: datetime, limit: int = 100, exclude: Collection[str] = ()
    ) -> list[QueuedMail]:
        """Mails whose next try is due, oldest first (none of those in hand or `exclude`)."""
        cursor = self._data.network(QUEUE).find({"next_at": {"$lte": now}})
        found = [
            QueuedMail(Mail.model_validate(d["mail"]), int(d.get("attempts", 0)), d["next_at"])
            async for d in cursor
            if d["_id"] not in self._fresh_ids and d["_id"] not in exclude
        ]
        return sorted(found, key=lambda q: q.next_at)[:limit]

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

    async def statuses(self, mails: Sequence[Mail]) -> dict[str, Status | None]:
        """Several deliveries' statuses by delivery id (each an indexed lookup, all at once)."""
        found = await asyncio.gather(*(self.status(m) for m in mails))
        return {m.delivery_id: s for m, s in zip(mails, found, strict=True)}

    async def record_many(self, changes: Sequence[tuple[Mail, Status, datetime, str]]) -> None:
        """Record several deliveries' new statuses: one batch of updates by `_id` per
        organisation (mail, status, when, reason)."""
        by_organisation: dict[str, list[UpdateOne]] = defaultdict(list)
        for mail, status, at, reason in changes:
            update: dict[str, object] = {"status": status.value, f"{status.value}_at": at}
            if reason:
                update["reason"] = reason[:500]
            by_organisation[mail.organisation_id].append(
                UpdateOne({"_id": mail.delivery_id}, {"$set": update})
            )
        # In the order given, so a mail recorded sent is so before the next one is claimed.
        for organisation_id, operations in by_organisation.items():
            await bulk_update(
                self._data.system_organisation(organisation_id, DELIVERIES), operations
            )

    async def claim(self, tries: Sequence[QueuedMail], now: datetime) -> str:
        """Claim the current try of each mail, in one insert; the claim's id."""
        claim_id = uuid.uuid4().hex
        await self._data.network(CLAIMS).insert_one(
            {"_id": claim_id, "tries": [_try_key(q) for q in tries], "claimed_at": now}
        )
        return claim_id

    async def interrupted(
        self, tries: Sequence[QueuedMail], now: datetime
    ) -> tuple[set[str], list[str]]:
        """The delivery ids of those whose current try was claimed and never recorded (a stop
        between the claim and the record), and the claims to release once they are recorded
        so (with any left long ago). One read of every claim: only those in flight and those
        a stop left exist."""
        keys = {_try_key(q): q.mail.delivery_id for q in tries}
        found: set[str] = set()
        spent: list[str] = []
        async for claim in self._data.network(CLAIMS).find({}):
            hits = [keys[k] for k in claim["tries"] if k in keys]
            if hits or claim["claimed_at"] < now - STALE_CLAIM:
                spent.append(str(claim["_id"]))
            found.update(hits)
        return found, spent

    async def release(self, claim_ids: Sequence[str]) -> None:
        """Claims whose mails are recorded go."""
        await bulk_update(self._data.network(CLAIMS), [DeleteOne({"_id": i}) for i in claim_ids])

    async def remove_many(self, mails: Sequence[Mail]) -> None:
        """Several mails leave the queue at once: batches of deletes by `_id` (FerretDB's one
        indexed filter: a `$in` would decode the whole queue)."""
        await bulk_update(
            self._data.network(QUEUE), [DeleteOne({"_id": m.delivery_id}) for m in mails]
        )

    async def forget(self, organisation_id: str, person_id: str) -> None:
        """An erased member's deliveries and queued mails go (those in hand too)."""
        kept = [q for q in self._fresh if q.mail.person_id != person_id]
        self._fresh = deque(kept)
        self._fresh_ids = {q.mail.delivery_id for q in kept}
        await self._data.system_organisation(organisation_id, DELIVERIES).delete_many(
            {"person_id": person_id}
        )
        await self._data.network(QUEUE).delete_many({"mail.person_id": person_id})


def _try_key(queued: QueuedMail) -> str:
    """A try's key in a claim: its delivery and try number, hashed (a delivery id names its
    person, and a claim a stop leaves must not)."""
    digest = hashlib.sha256(f"{queued.mail.delivery_id}#{queued.attempts}".encode())
    return digest.hexdigest()[:32]


def _decision(mail: Mail, now: datetime, unreachable: bool) -> dict[str, object]:
    """A delivery as decided: queued, or skipped for want of an address."""
    decision: dict[str, object] = {
        "_id": mail.delivery_id,
        "person_id": mail.person_id,
        "kind": mail.kind.value,
        "status": (Status.SKIPPED if unreachable else Status.QUEUED).value,
        "decided_at": now,
    }
    if unreachable:
        decision |= {"skipped_at": now, "reason": NO_ADDRESS}
    return decision
