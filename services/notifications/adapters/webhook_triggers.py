"""Events in, webhook deliveries decided: for each subscribable event, each organisation's
own payload (`domain.webhook_events`) goes to each of that organisation's enabled endpoints
that chose the event's type and existed when it happened. A delivery is decided by inserting
its message id (endpoint and event), so a redelivered event decides nothing new. An event
older than `fresh_hours` when first read (a replay of history) decides nothing, as for mail.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from services.notifications.adapters.relationship_book import RelationshipBook
from services.notifications.adapters.webhook_delivery_store import WebhookDeliveryStore
from services.notifications.adapters.webhook_endpoint_store import WebhookEndpointStore
from services.notifications.adapters.webhook_queue import Due, WebhookQueue
from services.notifications.domain.webhook_events import CATALOGUE, Known, Party, WebhookEventType
from services.notifications.domain.webhook_messages import body, cloud_event, message_id
from shared.events.catalogue import InboundEvent
from shared.events.envelope import EventData
from shared.mongo.databases import Document

Handler = Callable[[Sequence[InboundEvent[Any]]], Awaitable[None]]


class WebhookTriggers:
    """The event handlers that decide webhook deliveries."""

    def __init__(
        self,
        endpoints: WebhookEndpointStore,
        deliveries: WebhookDeliveryStore,
        queue: WebhookQueue,
        relationships: RelationshipBook,
        decided: Callable[[str, list[Document]], None],
        fresh: timedelta,
        clock: Callable[[], datetime],
    ) -> None:
        self._endpoints = endpoints
        self._deliveries = deliveries
        self._queue = queue
        self._relationships = relationships
        self._decided = decided
        self._fresh = fresh
        self._clock = clock

    def handlers(self) -> list[tuple[type[EventData], Handler]]:
        """Every subscribable event type, with its handler."""
        return [(kind.model, self._handler(kind)) for kind in CATALOGUE]

    def _handler(self, kind: WebhookEventType) -> Handler:
        async def handle(events: Sequence[InboundEvent[Any]]) -> None:
            await self.decide(kind, events)

        return handle

    async def _known(self, kind: WebhookEventType, data: Any, seen: dict[str, Known]) -> Known:
        """What the event does not say itself, looked up once per batch for each
        relationship or programme (`seen` holds what this batch has looked up)."""
        key = getattr(data, "relationship_id", "") if kind.needs == "parties" else ""
        key = key or (getattr(data, "programme_id", "") if kind.needs == "programme" else "")
        if key and key in seen:
            return seen[key]
        found = await self._look_up(kind, data)
        if key:
            seen[key] = found
        return found

    async def _look_up(self, kind: WebhookEventType, data: Any) -> Known:
        if kind.needs == "parties":
            r = await self._relationships.relationship(data.relationship_id)
            if r is None:
                return Known()
            return Known(
                parties=tuple(
                    Party(m, r.organisations[m], r.sides.get(m, ""))
                    for m in r.participants
                    if m in r.organisations
                )
            )
        if kind.needs == "programme":
            organisations = await self._relationships.programme_organisations(data.programme_id)
            return Known(programme_organisations=tuple(organisations))
        return Known()

    async def decide(self, kind: WebhookEventType, events: Sequence[InboundEvent[Any]]) -> None:
        """Decide the deliveries of a batch of one event type: each organisation's endpoints
        are read once, and its deliveries decided by one batch insert and queued by another,
        however many events the batch holds (FerretDB charges per round trip)."""
        now = self._clock()
        endpoints: dict[str, list[Document]] = {}
        decided: dict[str, list[Document]] = {}
        known: dict[str, Known] = {}
        for e in events:
            happened = e.envelope.time
            if happened < now - self._fresh:
                continue
            for organisation_id, data in kind.payloads(
                e.data, await self._known(kind, e.data, known)
            ):
                if organisation_id not in endpoints:
                    endpoints[organisation_id] = await self._endpoints.all(organisation_id)
                chosen = [
                    ep
                    for ep in endpoints[organisation_id]
                    if ep.get("enabled")
                    and kind.type in ep.get("event_types", [])
                    and ep["created_at"] <= happened
                ]
                if not chosen:
                    continue
                text = body(
                    cloud_event(
                        event_id=str(e.envelope.id),
                        source=e.envelope.source,
                        event_type=kind.type,
                        time=happened,
                        data=data,
                    )
                )
                decided.setdefault(organisation_id, []).extend(
                    {
                        "_id": message_id(ep["_id"], str(e.envelope.id)),
                        "endpoint_id": ep["_id"],
                        "event_id": str(e.envelope.id),
                        "event_type": kind.type,
                        "body": text,
                        "status": "pending",
                        "created_at": now,
                        "next_attempt_at": now,
                        "attempts": [],
                    }
                    for ep in chosen
                )
        for organisation_id, documents in decided.items():
            # One event may be in a batch twice (a redelivery): decide its deliveries once.
            by_id = {d["_id"]: d for d in documents}
            new, left = await self._deliveries.decide(organisation_id, list(by_id.values()))
            await self._queue.put(
                [Due(i, organisation_id, by_id[i]["endpoint_id"], 0, False) for i in [*new, *left]],
                now,
            )
            if new or left:
                self._decided(organisation_id, [by_id[i] for i in new])
