"""Sends queued mails over a few SMTP sessions, at most once each.

Mails come a batch at a time: first those this process has just decided (kept in hand by the
queue, known to be queued), then — every `RESCAN_SECONDS`, at start, and while a read comes
back full — those the queue's due-read finds (retries fallen due, what a stop left behind),
whose statuses and claims are read first. The recipients' addresses and choices are read for
the whole batch at once, just before it is sent (an erasure or an unsubscribe since the mail
was decided wins); the next batch's are read while this one is sent. Then, `CLAIM` mails at a
time: record the mails before them sent, claim these (one insert: `MailQueue.claim`; so at most
`CLAIM` mails are ever claimed and unrecorded), render, hand them to the SMTP relay over the
`SESSIONS` sessions the batch keeps open, side by side; the sent mails leave the queue together
while the next batch is sent.

A relay failure that may pass is retried with doubling delays (`smtp_retry_seconds`, 2x,
4x ...); after `smtp_attempts` tries, or at once for a refusal that will not pass (5xx), the
mail is dead-lettered: its delivery is marked failed with the reason, and a record goes to
`<prefix>.deadletter.notifications` carrying the delivery id, kind, person and reason (never
the address or the text).

A mail found claimed but never recorded as sent was interrupted by a stop (SIGKILL, a crash)
somewhere between the claim and the relay's answer: whether the relay took it nobody knows, so
it is marked unconfirmed and never sent again — at most once, as promised.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import Message

from services.notifications.adapters.contact_book import Contact, ContactBook
from services.notifications.adapters.mail_queue import NO_ADDRESS, MailQueue, QueuedMail, Status
from services.notifications.adapters.mail_renderer import MailRenderer
from services.notifications.adapters.preference_store import PreferenceStore
from services.notifications.adapters.smtp import (
    PermanentSmtpError,
    SmtpRelay,
    SmtpSession,
    TransientSmtpError,
)
from services.notifications.domain.mails import Mail
from shared.kafka.producer import EventProducer, OutgoingRecord
from shared.logging import get_logger

log = get_logger(__name__)

# How often the sender looks when nothing wakes it.
IDLE_SECONDS = 1.0
# How often the queue's due-read (a scan on FerretDB) runs for retries and leftovers.
RESCAN_SECONDS = 5.0
# Mails taken at once: their lookups are read together, and an address read for the batch is
# at most this many sends old when its mail goes.
BATCH = 50
# Mails claimed in one write: the most a SIGKILL can leave unconfirmed (never sent again).
CLAIM = 10
# SMTP sessions a claim's mails are shared over, so the relay's round trips overlap.
SESSIONS = 4

# A batch taken into hand: its mails, those to send with their contacts, those finished.
_Batch = tuple[list[QueuedMail], list[tuple[QueuedMail, Contact]], list[Mail]]


class MailSender:
    """The one loop that hands mail to the relay."""

    def __init__(
        self,
        queue: MailQueue,
        contacts: ContactBook,
        preferences: PreferenceStore,
        renderer: MailRenderer,
        relay: SmtpRelay,
        producer: EventProducer,
        deadletter_topic: str,
        clock: Callable[[], datetime],
        *,
        attempts: int,
        retry_seconds: float,
    ) -> None:
        self._queue = queue
        self._contacts = contacts
        self._preferences = preferences
        self._renderer = renderer
        self._relay = relay
        self._producer = producer
        self._deadletter_topic = deadletter_topic
        self._clock = clock
        self._attempts = attempts
        self._retry_seconds = retry_seconds
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._scan_at = 0.0  # when the queue's due-read may next run (loop time)
        # Delivery ids taken into hand and not yet out of the queue: no due-read takes them.
        self._in_hand: set[str] = set()
        self.name = "mail-sender"
        self.healthy = True
        self.sent = 0
        self.failed = 0

    def wake(self) -> None:
        """Something was queued: look now rather than at the next tick."""
        self._wake.set()

    async def start(self) -> None:
        """Nothing to connect: an SMTP session opens when a run of mails is due."""

    async def stop(self) -> None:
        """Finish the mail in hand, then stop (a graceful stop leaves nothing unconfirmed)."""
        self._stopping.set()
        self._wake.set()

    async def run(self) -> None:
        """Send until stopped."""
        while not self._stopping.is_set():
            try:
                await self.send_due()
                self.healthy = True
            except Exception:
                self.healthy = False
                log.warning("sending failed; trying again shortly", exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=IDLE_SECONDS)
            self._wake.clear()

    async def send_due(self) -> int:
        """Send every mail due now; returns how many went."""
        sent = 0
        sessions = [self._relay.session() for _ in range(SESSIONS)]
        removing: asyncio.Task[None] | None = None
        try:
            # A batch's lookups (the next batch's, read while this one is sent) and its leaving
            # the queue (while the next is sent) overlap the sending: the relay, not the
            # database's round trips, sets the pace.
            prepared = await self._prepare()
            while prepared is not None and not self._stopping.is_set():
                due, ready, done = await prepared
                prepared = None
                settled: list[str] = []
                try:
                    prepared = await self._prepare()
                    sent += await self._send_batch(ready, done, settled, sessions)
                finally:
                    if removing is not None:
                        await removing
                    removing = asyncio.ensure_future(self._leave_queue(due, done, settled))
        finally:
            if prepared is not None:
                prepared.cancel()  # taken but not sent: the queue still holds them
                await asyncio.gather(prepared, return_exceptions=True)
            if removing is not None:
                await removing
            await asyncio.gather(*(s.close() for s in sessions))
        return sent

    async def _prepare(self) -> asyncio.Future[_Batch] | None:
        """The next batch taken into hand, its lookups started; None when nothing is due."""
        due = await self._next_batch()
        if not due:
            return None
        self._in_hand.update(q.mail.delivery_id for q in due)

        async def ready() -> _Batch:
            try:
                return (due, *await self._ready(due))
            except BaseException:
                self._in_hand.difference_update(q.mail.delivery_id for q in due)
                raise

        return asyncio.ensure_future(ready())

    async def _leave_queue(
        self, due: list[QueuedMail], done: list[Mail], settled: list[str]
    ) -> None:
        """The batch's finished mails leave the queue and its settled claims go; the batch
        leaves hand (those put back for a retry are found by the due-read again)."""
        try:
            await asyncio.gather(self._queue.remove_many(done), self._queue.release(settled))
        finally:
            self._in_hand.difference_update(q.mail.delivery_id for q in due)

    async def _next_batch(self) -> list[QueuedMail]:
        """Mails in hand first; then, when a rescan is due, what the queue's due-read finds —
        while mails are in hand, only once the rescan is a period late (they never wait for a
        scan more than that allows)."""
        due = self._queue.take_fresh(BATCH)
        loop = asyncio.get_running_loop()
        late = RESCAN_SECONDS if due else 0.0
        if len(due) < BATCH and loop.time() >= self._scan_at + late:
            taken = self._in_hand | {q.mail.delivery_id for q in due}
            found = await self._queue.due(self._clock(), BATCH - len(due), exclude=taken)
            # A full read may have left more behind: read again next time.
            full = len(found) == BATCH - len(due)
            self._scan_at = loop.time() + (0.0 if full else RESCAN_SECONDS)
            due += found
        return due

    async def _ready(
        self, due: list[QueuedMail]
    ) -> tuple[list[tuple[QueuedMail, Contact]], list[Mail]]:
        """Sort out a batch: the mails to send now with their recipients' contact details,
        and those that leave the queue unsent (recorded so: interrupted, gone, turned off)."""
        now = self._clock()
        found = [q for q in due if not q.fresh]
        statuses = await self._queue.statuses([q.mail for q in found])
        claimed, spent = await self._queue.interrupted(found, now) if found else (set(), [])
        changes: list[tuple[Mail, Status, datetime, str]] = []
        done: list[Mail] = []
        queued: list[QueuedMail] = []
        for q in due:
            status = Status.QUEUED if q.fresh else statuses[q.mail.delivery_id]
            if status is Status.QUEUED and q.mail.delivery_id in claimed:
                status = Status.SENDING
            if status is Status.SENDING:
                changes.append((q.mail, Status.UNCONFIRMED, now, "interrupted while sending"))
                log.warning(
                    "mail interrupted while sending; not sent again", delivery=q.mail.delivery_id
                )
            if status is Status.QUEUED:
                queued.append(q)
            else:  # sent, failed, skipped, erased, or interrupted: nothing to send
                done.append(q.mail)
        contacts = await self._contacts.of(
            {q.mail.person_id for q in queued},
            homes={q.mail.person_id: q.mail.organisation_id for q in queued},
        )
        wanted: dict[str, list[str]] = {}
        for q in queued:
            wanted.setdefault(q.mail.organisation_id, []).append(q.mail.person_id)
        choices = {
            (organisation_id, person_id): p
            for organisation_id, people in wanted.items()
            for person_id, p in (await self._preferences.of(organisation_id, people)).items()
        }
        ready: list[tuple[QueuedMail, Contact]] = []
        for q in queued:
            mail = q.mail
            contact = contacts.get(mail.person_id)
            if contact is None or not contact.email:
                changes.append((mail, Status.SKIPPED, now, NO_ADDRESS))
                done.append(mail)
            elif not choices[(mail.organisation_id, mail.person_id)].wants(mail.kind):
                changes.append((mail, Status.SKIPPED, now, "turned off"))
                done.append(mail)
            else:
                ready.append((q, contact))
        await self._queue.record_many(changes)
        await self._queue.release(spent)  # what they claimed is recorded now
        return ready, done

    async def _send_batch(
        self,
        ready: list[tuple[QueuedMail, Contact]],
        done: list[Mail],
        settled: list[str],
        sessions: list[SmtpSession],
    ) -> int:
        """Claim, render and hand over a batch's ready mails; `done` gathers what is finished,
        `settled` the claims whose mails are all recorded."""
        sent = 0
        # Mails the relay took, not yet recorded: recorded before the next claim, or at the end.
        unrecorded: list[tuple[Mail, datetime]] = []
        claim: str | None = None  # theirs
        try:
            for start in range(0, len(ready), CLAIM):
                if self._stopping.is_set():
                    break
                now = self._clock()
                claimed: list[tuple[QueuedMail, Message]] = []
                for queued, contact in ready[start : start + CLAIM]:
                    try:
                        claimed.append((queued, self._renderer.message(queued.mail, contact, now)))
                    except Exception as exc:  # our bug, and it will not pass by retrying
                        await self._dead(
                            queued.mail, queued.attempts + 1, f"could not render: {exc!r}"
                        )
                await self._queue.record_many([(m, Status.SENT, at, "") for m, at in unrecorded])
                sent += sum(self._was_sent(m, done) for m, _ in unrecorded)
                unrecorded = []
                if claim is not None:
                    settled.append(claim)
                claim = await self._queue.claim([q for q, _ in claimed], now) if claimed else None
                # A graceful stop finishes what is claimed, so it leaves nothing unconfirmed.
                shares = await asyncio.gather(
                    *(
                        self._hand_over_all(claimed[n :: len(sessions)], session, now)
                        for n, session in enumerate(sessions)
                    )
                )
                unrecorded = [taken for share in shares for taken in share]
        finally:
            if unrecorded:
                await self._queue.record_many([(m, Status.SENT, at, "") for m, at in unrecorded])
                sent += sum(self._was_sent(m, done) for m, _ in unrecorded)
            if claim is not None:
                settled.append(claim)
        return sent

    async def _hand_over_all(
        self, claimed: list[tuple[QueuedMail, Message]], session: SmtpSession, now: datetime
    ) -> list[tuple[Mail, datetime]]:
        """Hand claimed mails to the relay one after another over one session; those it took."""
        taken: list[tuple[Mail, datetime]] = []
        for queued, message in claimed:
            if await self._hand_over(queued, message, session, now):
                taken.append((queued.mail, self._clock()))
        return taken

    def _was_sent(self, mail: Mail, done: list[Mail]) -> int:
        done.append(mail)
        self.sent += 1
        log.info("mail sent", kind=mail.kind.value, delivery=mail.delivery_id)
        return 1

    async def _hand_over(
        self, queued: QueuedMail, message: Message, session: SmtpSession, now: datetime
    ) -> bool:
        """Hand a claimed mail to the relay; True if it took it. A refusal that will not pass
        dead-letters the mail; one that may pass puts it back for a later try, or
        dead-letters it once its tries are spent."""
        mail = queued.mail
        try:
            await session.send(message)
        except PermanentSmtpError as exc:
            await self._dead(mail, queued.attempts + 1, str(exc))
            return False
        except TransientSmtpError as exc:
            attempts = queued.attempts + 1
            if attempts >= self._attempts:
                await self._dead(mail, attempts, str(exc))
                return False
            delay = self._retry_seconds * 2 ** (attempts - 1)
            await self._queue.record(mail, Status.QUEUED, now, str(exc))
            await self._queue.retry_later(mail, attempts, now + timedelta(seconds=delay))
            # Read the queue again when this retry falls due, not a rescan later.
            self._scan_at = min(self._scan_at, asyncio.get_running_loop().time() + delay)
            log.warning(
                "mail not taken; will retry",
                delivery=mail.delivery_id,
                attempt=attempts,
                retry_in=delay,
                error=str(exc),
            )
            return False
        return True

    async def _dead(self, mail: Mail, attempts: int, reason: str) -> None:
        """Dead-letter a mail: the reason recorded, a record on the dead-letter topic."""
        now = self._clock()
        body = {
            "delivery_id": mail.delivery_id,
            "kind": mail.kind.value,
            "organisation_id": mail.organisation_id,
            "person_id": mail.person_id,
            "attempts": attempts,
            "reason": reason[:1000],
            "failed_at": now.isoformat(),
        }
        await self._producer.send_batch(
            [
                OutgoingRecord(
                    topic=self._deadletter_topic,
                    key=mail.person_id.encode(),
                    value=json.dumps(body).encode(),
                    headers=(
                        ("dlq.error", reason[:2000].encode()),
                        ("dlq.delivery_id", mail.delivery_id.encode()),
                        ("dlq.attempts", str(attempts).encode()),
                        ("dlq.time", now.isoformat().encode()),
                    ),
                )
            ]
        )
        await self._queue.record(mail, Status.FAILED, now, reason)
        await self._queue.remove(mail)
        self.failed += 1
        log.error("mail dead-lettered", delivery=mail.delivery_id, error=reason)
