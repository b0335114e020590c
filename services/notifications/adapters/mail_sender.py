"""Sends queued mails, one at a time, at most once each.

For each due mail: claim its delivery (queued → sending), look up the recipient's address and
choices at this last moment (an erasure or an unsubscribe since the mail was decided wins),
render, hand it to the SMTP relay, record it sent. A relay failure that may pass is retried
with doubling delays (`smtp_retry_seconds`, 2x, 4x ...); after `smtp_attempts` tries, or at
once for a refusal that will not pass (5xx), the mail is dead-lettered: its delivery is marked
failed with the reason, and a record goes to `<prefix>.deadletter.notifications` carrying the
delivery id, kind, person and reason (never the address or the text).

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

from services.notifications.adapters.contact_book import ContactBook
from services.notifications.adapters.mail_queue import MailQueue, QueuedMail, Status
from services.notifications.adapters.mail_renderer import MailRenderer
from services.notifications.adapters.preference_store import PreferenceStore
from services.notifications.adapters.smtp import (
    PermanentSmtpError,
    SmtpRelay,
    TransientSmtpError,
)
from services.notifications.domain.mails import Mail
from shared.kafka.producer import EventProducer, OutgoingRecord
from shared.logging import get_logger

log = get_logger(__name__)

# How often the queue is looked at when nothing wakes the sender (retries fall due).
IDLE_SECONDS = 1.0


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
        self.name = "mail-sender"
        self.healthy = True
        self.sent = 0
        self.failed = 0

    def wake(self) -> None:
        """Something was queued: look now rather than at the next tick."""
        self._wake.set()

    async def start(self) -> None:
        """Nothing to connect: each mail opens its own SMTP session."""

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
        while not self._stopping.is_set():
            due = await self._queue.due(self._clock())
            if not due:
                break
            for queued in due:
                if self._stopping.is_set():
                    break
                sent += await self._send(queued)
        return sent

    async def _send(self, queued: QueuedMail) -> int:
        mail = queued.mail
        now = self._clock()
        status = await self._queue.status(mail)
        if status is Status.SENDING:
            await self._queue.record(mail, Status.UNCONFIRMED, now, "interrupted while sending")
            await self._queue.remove(mail)
            log.warning("mail interrupted while sending; not sent again", delivery=mail.delivery_id)
            return 0
        if status is not Status.QUEUED:  # sent, failed, skipped, erased: nothing to do
            await self._queue.remove(mail)
            return 0
        contact = (await self._contacts.of([mail.person_id])).get(mail.person_id)
        if contact is None or not contact.email:
            return await self._skip(mail, "no address known", now)
        choices = await self._preferences.of(mail.organisation_id, [mail.person_id])
        if not choices[mail.person_id].wants(mail.kind):
            return await self._skip(mail, "turned off", now)
        try:
            message = self._renderer.message(mail, contact, now)
        except Exception as exc:  # our bug, and it will not pass by retrying
            await self._dead(mail, queued.attempts + 1, f"could not render: {exc!r}")
            return 0
        await self._queue.record(mail, Status.SENDING, now)
        try:
            await self._relay.send(message)
        except PermanentSmtpError as exc:
            await self._dead(mail, queued.attempts + 1, str(exc))
            return 0
        except TransientSmtpError as exc:
            attempts = queued.attempts + 1
            if attempts >= self._attempts:
                await self._dead(mail, attempts, str(exc))
                return 0
            delay = self._retry_seconds * 2 ** (attempts - 1)
            await self._queue.record(mail, Status.QUEUED, now, str(exc))
            await self._queue.retry_later(mail, attempts, now + timedelta(seconds=delay))
            log.warning(
                "mail not taken; will retry",
                delivery=mail.delivery_id,
                attempt=attempts,
                retry_in=delay,
                error=str(exc),
            )
            return 0
        await self._queue.record(mail, Status.SENT, self._clock())
        await self._queue.remove(mail)
        self.sent += 1
        log.info("mail sent", kind=mail.kind.value, delivery=mail.delivery_id)
        return 1

    async def _skip(self, mail: Mail, reason: str, now: datetime) -> int:
        await self._queue.record(mail, Status.SKIPPED, now, reason)
        await self._queue.remove(mail)
        return 0

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
