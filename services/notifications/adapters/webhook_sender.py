"""Attempts webhook deliveries when due, each endpoint on its own.

A dispatcher starts an attempt as a task of its own for each delivery in hand, at most
`concurrency` requests at an endpoint at once (an attempt's slot is free as soon as its answer
is in; recording it follows); it never waits for an attempt, so a slow or dead endpoint
(each request bounded by the poster's timeout) never delays another's deliveries. Deliveries
decided in this process are handed over as stored (`decided`) and go straight into hand, so
their first attempt reads nothing. The queue's due-read (a scan on FerretDB) runs only every
`READ_SECONDS`, at start and when an admin changes an endpoint: it brings retries fallen due
and what a stop left behind, and skips the endpoints whose every slot is taken, so one
endpoint's backlog never hides another's deliveries. The endpoints an attempt needs are kept
(read with the queue, or on first need) until an admin changes one: the change wakes the
dispatcher, which forgets them all and reads them anew. The read runs in the background: what
is in hand never waits for a scan. Attempts' outcomes are written together
(`webhook_outcomes`).

An attempt signs the stored message anew (same `webhook-id`, a new timestamp; both secrets
while a rotated one is still honoured), POSTs it, and records the attempt. 2xx: delivered,
and the endpoint's failing streak ends. Anything else: the next attempt is scheduled by the
retry schedule, or the delivery has failed once the schedule is spent (a manual redelivery is
one attempt); the endpoint's streak starts if it had none, and an endpoint failing for
`disable_after` with no success is turned off and its organisation's admins are e-mailed.
A crash during an attempt leaves the delivery queued: it is tried again with the same id (at
least once; receivers drop a `webhook-id` they have seen).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter, deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from services.notifications.adapters.admin_book import AdminBook
from services.notifications.adapters.mail_queue import MailQueue
from services.notifications.adapters.webhook_connections import WebhookPoster
from services.notifications.adapters.webhook_delivery_store import WebhookDeliveryStore
from services.notifications.adapters.webhook_endpoint_store import WebhookEndpointStore
from services.notifications.adapters.webhook_outcomes import Outcome, WebhookOutcomes
from services.notifications.adapters.webhook_queue import Due, WebhookQueue
from services.notifications.adapters.webhook_subscriptions import secret_context
from services.notifications.domain import mails
from services.notifications.domain.mails import Recipient
from services.notifications.domain.webhook_endpoints import DeliveryStatus
from services.notifications.domain.webhook_messages import signed_headers
from services.notifications.domain.webhook_retries import (
    delivered,
    next_attempt_at,
    should_disable,
)
from shared.logging import get_logger
from shared.mongo.databases import Document
from shared.secrets import SecretBox

log = get_logger(__name__)

IDLE_SECONDS = 0.5
# How often the queue's due-read runs when nothing else asks for it.
READ_SECONDS = 2.0
# Messages decided in this process kept for their first attempt, so it need not read them.
FRESH_KEPT = 20000
# Deliveries held per endpoint at most (a slow one's backlog waits in the queue instead).
IN_HAND_MAX = 2000
# After an attempt broke on our side (the database, a bug), wait before trying it again.
TROUBLE_SECONDS = 5.0


@dataclass(frozen=True)
class Pace:
    """The sender's settings."""

    schedule: tuple[float, ...]
    disable_after: timedelta
    concurrency: int


class WebhookSender:
    """The dispatcher and its attempts."""

    def __init__(
        self,
        endpoints: WebhookEndpointStore,
        deliveries: WebhookDeliveryStore,
        queue: WebhookQueue,
        admins: AdminBook,
        mail: MailQueue,
        wake_mail: Callable[[], None],
        box: SecretBox,
        poster: WebhookPoster,
        clock: Callable[[], datetime],
        pace: Pace,
    ) -> None:
        self._endpoints = endpoints
        self._deliveries = deliveries
        self._queue = queue
        self._admins = admins
        self._mail = mail
        self._wake_mail = wake_mail
        self._box = box
        self._poster = poster
        self._clock = clock
        self._pace = pace
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._in_flight: set[str] = set()
        self._busy: Counter[str] = Counter()
        # What the last read found, per endpoint, not yet started; and the endpoints then.
        self._in_hand: dict[str, deque[Due]] = {}
        self._in_hand_ids: set[str] = set()
        self._endpoint_of: dict[tuple[str, str], Document] = {}
        self._read_wanted = True
        self._read_at = 0.0  # when the next timed read is due (loop time)
        # Attempts that ended while a read was under way: that read may still list them.
        self._reading = False
        self._ended_while_reading: set[str] = set()
        self._fresh: dict[str, Document] = {}
        self._outcomes = WebhookOutcomes(deliveries, queue)
        self._tasks: set[asyncio.Task[None]] = set()
        self.name = "webhook-sender"
        self.healthy = True

    def wake(self) -> None:
        """Something was queued, or an endpoint changed: forget the endpoints in hand, and
        read the queue and endpoints now."""
        self._endpoint_of = {}
        self._read_wanted = True
        self._wake.set()

    def decided(self, organisation_id: str, documents: list[Document]) -> None:
        """Deliveries were decided (`documents`: those decided now, as stored): into hand for
        their first attempt, as stored (past `FRESH_KEPT`, an attempt reads its delivery)."""
        for d in documents:
            delivery_id, endpoint_id = str(d["_id"]), str(d["endpoint_id"])
            due = Due(delivery_id, organisation_id, endpoint_id, 0, False)
            if self._keep(due) and len(self._fresh) < FRESH_KEPT:
                self._fresh[delivery_id] = d
        self._wake.set()

    def _keep(self, due: Due) -> bool:
        """Hold a delivery for its endpoint's next free slot (once); False if it is in hand
        or in flight already, or the endpoint's line is full (it waits in the queue)."""
        waiting = self._in_hand.setdefault(due.endpoint_id, deque())
        if (
            due.delivery_id in self._in_flight
            or due.delivery_id in self._in_hand_ids
            or len(waiting) >= IN_HAND_MAX
        ):
            return False
        self._in_hand_ids.add(due.delivery_id)
        waiting.append(due)
        return True

    async def start(self) -> None:
        """Nothing to connect: connections open per endpoint as needed."""

    async def stop(self) -> None:
        """Start nothing new; the attempts in flight finish (each within its timeout)."""
        self._stopping.set()
        self._wake.set()

    async def run(self) -> None:
        """Dispatch until stopped, then let the attempts in flight finish."""
        while not self._stopping.is_set():
            try:
                await self.dispatch()
                self.healthy = True
            except Exception:
                self.healthy = False
                log.warning("webhook dispatch failed; trying again shortly", exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=IDLE_SECONDS)
            self._wake.clear()
        if self._tasks:
            await asyncio.wait(set(self._tasks))
        await self._poster.close()

    async def dispatch(self) -> int:
        """Start an attempt for each delivery in hand with a free slot, and a read of the
        queue when one is due (in the background: what is in hand never waits for a scan);
        returns how many attempts started."""
        read_due = self._read_wanted or asyncio.get_running_loop().time() >= self._read_at
        if read_due and not self._reading:
            self._reading = True  # now, so the next dispatch does not start another
            self._spawn(self._read_in_background(), "webhook queue read")
        started = 0
        for endpoint_id, waiting in self._in_hand.items():
            while waiting and self._busy[endpoint_id] < self._pace.concurrency:
                due = waiting.popleft()
                self._in_hand_ids.discard(due.delivery_id)
                if due.delivery_id in self._in_flight:
                    continue
                self._in_flight.add(due.delivery_id)
                self._busy[due.endpoint_id] += 1
                self._spawn(self._attempt(due), f"webhook {due.delivery_id}")
                started += 1
        return started

    def _spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _read_in_background(self) -> None:
        try:
            await self._read()
            self.healthy = True
        except Exception:
            self.healthy = False
            log.warning("reading the webhook queue failed; trying again shortly", exc_info=True)
        finally:
            self._reading = False
            self._wake.set()

    async def _read(self) -> None:
        """Read what is due (none of the endpoints whose every slot is taken), and the
        endpoints of the organisations it belongs to."""
        self._read_wanted = False
        self._read_at = asyncio.get_running_loop().time() + READ_SECONDS
        full = [e for e, n in self._busy.items() if n >= self._pace.concurrency]
        self._reading = True
        self._ended_while_reading.clear()
        try:
            found = await self._queue.due(self._clock(), exclude_endpoints=full)
            organisations = sorted({d.organisation_id for d in found})
            endpoints = await asyncio.gather(*(self._endpoints.all(o) for o in organisations))
        finally:
            self._reading = False
        self._endpoint_of.update(
            {
                (o, str(e["_id"])): e
                for o, some in zip(organisations, endpoints, strict=True)
                for e in some
            }
        )
        for due in found:
            if due.delivery_id not in self._ended_while_reading:
                self._keep(due)

    async def _attempt(self, due: Due) -> None:
        released = False

        def release_slot() -> None:
            """The endpoint's slot is free once its answer is in (or the attempt ends): the
            bound is on requests at the endpoint, not on our writes that follow."""
            nonlocal released
            if released:
                return
            released = True
            self._busy[due.endpoint_id] -= 1
            if self._busy[due.endpoint_id] <= 0:
                del self._busy[due.endpoint_id]
            self._wake.set()

        try:
            await self._try(due, release_slot)
        except Exception:
            log.warning(
                "webhook attempt broke; trying later", delivery=due.delivery_id, exc_info=True
            )
            with contextlib.suppress(Exception):
                later = self._clock() + timedelta(seconds=TROUBLE_SECONDS)
                await self._queue.later(due.delivery_id, due.attempts, later)
        finally:
            self._in_flight.discard(due.delivery_id)
            if self._reading:
                self._ended_while_reading.add(due.delivery_id)
            release_slot()
            self._wake.set()

    async def _endpoint(self, org: str, endpoint_id: str) -> Document | None:
        """The endpoint as the last read found it (read now if that read did not)."""
        found = self._endpoint_of.get((org, endpoint_id))
        if found is None:
            found = await self._endpoints.one(org, endpoint_id)
            if found is not None:
                self._endpoint_of[(org, endpoint_id)] = found
        return found

    def _secrets(self, endpoint: Document, now: datetime) -> list[str]:
        context = secret_context(str(endpoint["_id"]))
        found = [self._box.open(str(endpoint["secret"]), context)]
        until = endpoint.get("previous_secret_valid_until")
        if endpoint.get("previous_secret") and until is not None and until > now:
            found.append(self._box.open(str(endpoint["previous_secret"]), context))
        return found

    async def _try(self, due: Due, release_slot: Callable[[], None]) -> None:
        org, delivery_id = due.organisation_id, due.delivery_id
        delivery = self._fresh.pop(delivery_id, None)
        if delivery is None or due.attempts or due.manual:  # only a first attempt: as stored
            delivery = await self._deliveries.one(org, delivery_id)
        if delivery is None or (
            delivery.get("status") == DeliveryStatus.DELIVERED and not due.manual
        ):  # gone, or delivered and its queue entry left behind by a stop: nothing to send
            await self._queue.remove(delivery_id)
            return
        endpoint = await self._endpoint(org, due.endpoint_id)
        now = self._clock()
        if endpoint is None or not endpoint.get("enabled"):
            why = "not sent: the endpoint was " + ("deleted" if endpoint is None else "turned off")
            attempt = {"at": now, "response_code": None, "duration_ms": 0, "error": why}
            await self._outcomes.record(
                Outcome(org, delivery_id, attempt, DeliveryStatus.FAILED, None, due.attempts)
            )
            return
        text = str(delivery["body"])
        headers = signed_headers(delivery_id, now, text, self._secrets(endpoint, now))
        answer = await self._poster.post(str(endpoint["url"]), headers, text)
        release_slot()
        attempt = {
            "at": now,
            "response_code": answer.response_code,
            "duration_ms": answer.duration_ms,
            "error": answer.error,
        }
        if delivered(answer.response_code):
            await self._outcomes.record(
                Outcome(org, delivery_id, attempt, DeliveryStatus.DELIVERED, None, due.attempts)
            )
            # Only this sender starts a streak (an admin's re-enabling ends it and wakes us to
            # read the endpoint anew), so the endpoint in hand says whether one is running.
            if endpoint.get("failing_since") is not None:
                await self._endpoints.succeeded(org, due.endpoint_id)
                endpoint["failing_since"] = None
            log.info("webhook delivered", delivery=delivery_id, ms=answer.duration_ms)
            return
        made = due.attempts + 1
        after = self._clock()
        next_at = None if due.manual else next_attempt_at(self._pace.schedule, made, after)
        status = DeliveryStatus.RETRYING if next_at else DeliveryStatus.FAILED
        await self._outcomes.record(Outcome(org, delivery_id, attempt, status, next_at, made))
        if next_at is not None:  # read the queue again when this retry falls due
            wait = max(0.0, (next_at - self._clock()).total_seconds())
            self._read_at = min(self._read_at, asyncio.get_running_loop().time() + wait)
        log.warning(
            "webhook attempt failed",
            delivery=delivery_id,
            attempt=made,
            code=answer.response_code,
            ms=answer.duration_ms,
            error=answer.error,
            retry_at=next_at.isoformat() if next_at else None,
        )
        await self._endpoints.failing(org, due.endpoint_id, now)
        endpoint["failing_since"] = endpoint.get("failing_since") or now
        await self._maybe_disable(org, due.endpoint_id, answer.error or "failed")

    async def _maybe_disable(self, org: str, endpoint_id: str, error: str) -> None:
        """Turn the endpoint off once it has failed long enough, and tell the admins."""
        endpoint = await self._endpoints.one(org, endpoint_id)
        now = self._clock()
        if endpoint is None or not endpoint.get("enabled"):
            return
        since: datetime | None = endpoint.get("failing_since")
        if since is None or not should_disable(since, now, self._pace.disable_after):
            return
        reason = f"failing since {since:%Y-%m-%d %H:%M} UTC with no success; last: {error}"
        if not await self._endpoints.disable(org, endpoint_id, reason[:300]):
            return  # another attempt turned it off first
        self._endpoint_of[(org, endpoint_id)] = {**endpoint, "enabled": False}
        host = urlsplit(str(endpoint["url"])).hostname or "?"
        decided = [
            mails.webhook_disabled(
                Recipient(organisation_id=org, person_id=admin), endpoint_id, host, since, reason
            )
            for admin in await self._admins.of(org)
        ]
        if decided and await self._mail.decide(decided, now):
            self._wake_mail()
        log.warning("webhook endpoint turned off", endpoint=endpoint_id, admins=len(decided))
