"""The organisation admin's webhooks: its endpoints, one endpoint with its delivery log, and the
changes to them. Every call is the admin's own to the notifications service, which answers
404 to anyone but the organisation's admins (another organisation's endpoint is not found)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from services.portal.adapters.network_api import Service
from services.portal.adapters.signed_in import Member
from services.portal.domain.webhooks import (
    Deliveries,
    Delivery,
    Endpoint,
    Endpoints,
    EventType,
    IssuedEndpoint,
    RotatedSecret,
)

LOG_PAGE = 20


def _webhooks(member: Member) -> str:
    return f"/organisations/{member.organisation_id}/webhooks"


async def event_types(member: Member) -> list[EventType]:
    """The kinds of event an endpoint may subscribe to, with what each means."""
    found: list[EventType] = await member.api.get(
        Service.NOTIFICATIONS, "/webhooks/event-types", list[EventType]
    )
    return found


@dataclass(frozen=True)
class EndpointsPage:
    """The organisation's endpoints and the catalogue for the form that adds one."""

    endpoints: list[Endpoint]
    catalogue: list[EventType]


async def endpoints_page(member: Member) -> EndpointsPage:
    """The endpoints, newest first, and the catalogue, side by side."""
    found, catalogue = await asyncio.gather(
        member.api.get(Service.NOTIFICATIONS, _webhooks(member), Endpoints),
        event_types(member),
    )
    ordered = sorted(
        found.endpoints,
        key=lambda e: e.created_at.isoformat() if e.created_at else "",
        reverse=True,
    )
    return EndpointsPage(ordered, catalogue)


async def add(member: Member, body: dict[str, Any]) -> IssuedEndpoint:
    """A new endpoint and its signing secret (the only time the secret is known)."""
    issued: IssuedEndpoint = await member.api.send(
        Service.NOTIFICATIONS, "POST", _webhooks(member), json=body, model=IssuedEndpoint
    )
    return issued


@dataclass(frozen=True)
class EndpointPage:
    """One endpoint, the catalogue for its edit form, and a page of its delivery log."""

    endpoint: Endpoint
    catalogue: list[EventType]
    log: Deliveries


async def endpoint(member: Member, endpoint_id: str) -> Endpoint:
    """One of the organisation's endpoints (another's, or none: not found)."""
    found: Endpoint = await member.api.get(
        Service.NOTIFICATIONS, f"{_webhooks(member)}/{endpoint_id}", Endpoint
    )
    return found


async def endpoint_page(member: Member, endpoint_id: str, before: str | None) -> EndpointPage:
    """The endpoint, the catalogue and the deliveries (newest first, from `before`)."""
    params: dict[str, str | int] = {"limit": LOG_PAGE}
    if before:
        params["before"] = before
    found, catalogue, log = await asyncio.gather(
        endpoint(member, endpoint_id),
        event_types(member),
        member.api.get(
            Service.NOTIFICATIONS,
            f"{_webhooks(member)}/{endpoint_id}/deliveries",
            Deliveries,
            params=params,
        ),
    )
    return EndpointPage(found, catalogue, log)


async def change(member: Member, endpoint_id: str, body: dict[str, Any]) -> Endpoint:
    """Change the endpoint (event types, description, or turned on or off)."""
    changed: Endpoint = await member.api.send(
        Service.NOTIFICATIONS,
        "PATCH",
        f"{_webhooks(member)}/{endpoint_id}",
        json=body,
        model=Endpoint,
    )
    return changed


async def rotate(member: Member, endpoint_id: str) -> RotatedSecret:
    """A new signing secret; the old one still signs until the answer says."""
    rotated: RotatedSecret = await member.api.send(
        Service.NOTIFICATIONS,
        "POST",
        f"{_webhooks(member)}/{endpoint_id}/secret/rotate",
        model=RotatedSecret,
    )
    return rotated


async def delete(member: Member, endpoint_id: str) -> None:
    """Nothing more is sent to it."""
    await member.api.send(Service.NOTIFICATIONS, "DELETE", f"{_webhooks(member)}/{endpoint_id}")


async def redeliver(member: Member, endpoint_id: str, delivery_id: str) -> Delivery:
    """Send the same message again (same webhook-id, new signature)."""
    again: Delivery = await member.api.send(
        Service.NOTIFICATIONS,
        "POST",
        f"{_webhooks(member)}/{endpoint_id}/deliveries/{delivery_id}/redeliver",
        model=Delivery,
    )
    return again
