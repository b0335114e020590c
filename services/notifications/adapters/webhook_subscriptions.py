"""What an organisation's admin does with its webhooks (the use cases between the routes and
the stores): register an endpoint and get its secret, list, read, change, delete, rotate the
secret, read the delivery log, redeliver. Every one checks first that the caller is an admin
of that organisation (`domain.webhook_access`); every URL is checked against the address rules
and resolved before it is stored."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from services.notifications.adapters.webhook_connections import check_url, new_signing_secret
from services.notifications.adapters.webhook_delivery_store import WebhookDeliveryStore
from services.notifications.adapters.webhook_endpoint_store import WebhookEndpointStore
from services.notifications.adapters.webhook_queue import Due, WebhookQueue
from services.notifications.domain.webhook_access import ensure_admin
from services.notifications.domain.webhook_addresses import RefusedAddressError
from services.notifications.domain.webhook_endpoints import (
    CreatedEndpoint,
    Deliveries,
    Delivery,
    Endpoint,
    EndpointChange,
    EndpointRegistration,
    RotatedSecret,
    unknown_event_types,
)
from services.notifications.domain.webhook_events import BY_TYPE
from shared.auth.principal import Principal
from shared.errors import DomainError, NotFoundError
from shared.mongo.databases import Document
from shared.secrets import SecretBox


def secret_context(endpoint_id: str) -> str:
    """What a sealed secret is bound to: its endpoint."""
    return f"webhook endpoint {endpoint_id}"


def endpoint_of(d: Document) -> Endpoint:
    """The API's view of a stored endpoint (never its secrets)."""
    return Endpoint.model_validate({**d, "id": d["_id"]})


def delivery_of(d: Document) -> Delivery:
    """The API's view of a stored delivery."""
    return Delivery.model_validate({**d, "id": d["_id"]})


class WebhookSubscriptions:
    """The admin's use cases."""

    def __init__(
        self,
        endpoints: WebhookEndpointStore,
        deliveries: WebhookDeliveryStore,
        queue: WebhookQueue,
        box: SecretBox,
        wake: Callable[[], None],
        clock: Callable[[], datetime],
        *,
        allow_loopback: bool,
        secret_overlap: timedelta,
    ) -> None:
        self._endpoints = endpoints
        self._deliveries = deliveries
        self._queue = queue
        self._box = box
        self._wake = wake
        self._clock = clock
        self._allow_loopback = allow_loopback
        self._overlap = secret_overlap

    async def _checked(self, url: str | None, event_types: list[str] | None) -> None:
        problems: dict[str, str] = {}
        if url is not None:
            try:
                await check_url(url, allow_loopback=self._allow_loopback)
            except RefusedAddressError as exc:
                problems["url"] = str(exc)
        unknown = unknown_event_types(event_types or [], set(BY_TYPE))
        if unknown:
            problems["event_types"] = "unknown event types: " + ", ".join(unknown[:5])
        if problems:
            raise DomainError("the endpoint cannot be registered as asked", problems)

    async def _own(self, caller: Principal, organisation_id: str, endpoint_id: str) -> Document:
        ensure_admin(caller, organisation_id)
        found = await self._endpoints.one(organisation_id, endpoint_id)
        if found is None:
            raise NotFoundError("no such endpoint")
        return found

    async def register(
        self, caller: Principal, organisation_id: str, asked: EndpointRegistration
    ) -> CreatedEndpoint:
        """A new endpoint, enabled, with a new secret (shown this once)."""
        ensure_admin(caller, organisation_id)
        await self._checked(asked.url, asked.event_types)
        endpoint_id = "whe_" + secrets.token_hex(8)
        secret = new_signing_secret()
        document: Document = {
            "_id": endpoint_id,
            "organisation_id": organisation_id,
            "url": asked.url.strip(),
            "description": asked.description,
            "event_types": list(dict.fromkeys(asked.event_types)),
            "enabled": True,
            "disabled_reason": None,
            "failing_since": None,
            "created_at": self._clock(),
            "secret_rotated_at": None,
            "secret": self._box.seal(secret, secret_context(endpoint_id)),
        }
        await self._endpoints.add(organisation_id, document)
        return CreatedEndpoint.model_validate({**document, "id": endpoint_id, "secret": secret})

    async def endpoints(self, caller: Principal, organisation_id: str) -> list[Endpoint]:
        """The organisation's endpoints."""
        ensure_admin(caller, organisation_id)
        return [endpoint_of(d) for d in await self._endpoints.all(organisation_id)]

    async def one(self, caller: Principal, organisation_id: str, endpoint_id: str) -> Endpoint:
        """One endpoint."""
        return endpoint_of(await self._own(caller, organisation_id, endpoint_id))

    async def change(
        self, caller: Principal, organisation_id: str, endpoint_id: str, asked: EndpointChange
    ) -> Endpoint:
        """Change what was asked; turning a disabled endpoint back on clears its streak."""
        current = await self._own(caller, organisation_id, endpoint_id)
        await self._checked(asked.url, asked.event_types)
        fields: dict[str, Any] = asked.model_dump(exclude_none=True)
        if "url" in fields:
            fields["url"] = fields["url"].strip()
        if asked.enabled and not current.get("enabled"):
            fields.update(disabled_reason=None, failing_since=None)
        elif asked.enabled is False and current.get("enabled"):
            fields["disabled_reason"] = "turned off by an admin"
        if fields:
            await self._endpoints.change(organisation_id, endpoint_id, fields)
            self._wake()  # the sender reads the endpoint anew
        return await self.one(caller, organisation_id, endpoint_id)

    async def delete(self, caller: Principal, organisation_id: str, endpoint_id: str) -> None:
        """The endpoint goes (its waiting deliveries fail when due)."""
        await self._own(caller, organisation_id, endpoint_id)
        await self._endpoints.delete(organisation_id, endpoint_id)
        self._wake()  # the sender reads the endpoint anew

    async def rotate(
        self, caller: Principal, organisation_id: str, endpoint_id: str
    ) -> RotatedSecret:
        """A new secret; the current one keeps signing too until the overlap ends."""
        current = await self._own(caller, organisation_id, endpoint_id)
        now = self._clock()
        secret = new_signing_secret()
        until = now + self._overlap
        await self._endpoints.change(
            organisation_id,
            endpoint_id,
            {
                "secret": self._box.seal(secret, secret_context(endpoint_id)),
                "previous_secret": current["secret"],
                "previous_secret_valid_until": until,
                "secret_rotated_at": now,
            },
        )
        self._wake()  # the sender signs with the new secret from its next read
        return RotatedSecret(secret=secret, previous_secret_valid_until=until)

    async def deliveries(
        self,
        caller: Principal,
        organisation_id: str,
        endpoint_id: str,
        limit: int,
        before: str | None,
    ) -> Deliveries:
        """A page of the endpoint's deliveries, newest first."""
        await self._own(caller, organisation_id, endpoint_id)
        after: Document | None = None
        if before:
            after = await self._deliveries.one(organisation_id, before)
            if after is None or after.get("endpoint_id") != endpoint_id:
                raise NotFoundError("no such delivery")
        found = await self._deliveries.page(organisation_id, endpoint_id, limit + 1, after)
        page = [delivery_of(d) for d in found[:limit]]
        return Deliveries(deliveries=page, next=page[-1].id if len(found) > limit else None)

    async def redeliver(
        self, caller: Principal, organisation_id: str, endpoint_id: str, delivery_id: str
    ) -> Delivery:
        """Send a delivery again: one new attempt of the same message, now."""
        endpoint = await self._own(caller, organisation_id, endpoint_id)
        found = await self._deliveries.one(organisation_id, delivery_id)
        if found is None or found.get("endpoint_id") != endpoint_id:
            raise NotFoundError("no such delivery")
        if not endpoint.get("enabled"):
            raise DomainError(
                "the endpoint is turned off: turn it on before redelivering",
                {"enabled": "turned off"},
            )
        now = self._clock()
        await self._deliveries.reopen(organisation_id, delivery_id, now)
        await self._queue.put([Due(delivery_id, organisation_id, endpoint_id, 0, manual=True)], now)
        await self._queue.now(delivery_id, now)  # one still retrying waits no longer
        self._wake()
        return delivery_of({**found, "status": "pending", "next_attempt_at": now})
