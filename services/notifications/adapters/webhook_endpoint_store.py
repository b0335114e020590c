"""Webhook endpoints, in their organisation's own database (`webhook_endpoints`, one document
each, by `_id`): data access only; who may see them is decided before anything gets here.
Signing secrets are stored sealed (AES-GCM with the deployment's key), never in clear."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.mongo.databases import Document
from shared.tenancy import TenantData

ENDPOINTS = "webhook_endpoints"


class WebhookEndpointStore:
    """Endpoints by organisation and id."""

    def __init__(self, data: TenantData) -> None:
        self._data = data

    def _endpoints(self, organisation_id: str) -> Any:
        return self._data.system_organisation(organisation_id, ENDPOINTS)

    async def add(self, organisation_id: str, document: Document) -> None:
        """Store a new endpoint."""
        await self._endpoints(organisation_id).insert_one(document)

    async def all(self, organisation_id: str) -> list[Document]:
        """Every endpoint of an organisation, oldest first."""
        found = [d async for d in self._endpoints(organisation_id).find({})]
        return sorted(found, key=lambda d: (d["created_at"], d["_id"]))

    async def one(self, organisation_id: str, endpoint_id: str) -> Document | None:
        """One endpoint (None if there is none of that id)."""
        found: Document | None = await self._endpoints(organisation_id).find_one(
            {"_id": endpoint_id}
        )
        return found

    async def change(self, organisation_id: str, endpoint_id: str, fields: Document) -> None:
        """Set fields of an endpoint."""
        await self._endpoints(organisation_id).update_one({"_id": endpoint_id}, {"$set": fields})

    async def delete(self, organisation_id: str, endpoint_id: str) -> None:
        """An endpoint goes."""
        await self._endpoints(organisation_id).delete_one({"_id": endpoint_id})

    async def failing(self, organisation_id: str, endpoint_id: str, at: datetime) -> None:
        """A failed attempt: the endpoint's failing streak starts now, unless it has already."""
        await self._endpoints(organisation_id).update_one(
            {"_id": endpoint_id, "failing_since": None}, {"$set": {"failing_since": at}}
        )

    async def succeeded(self, organisation_id: str, endpoint_id: str) -> None:
        """A delivery got through: no failing streak."""
        await self._endpoints(organisation_id).update_one(
            {"_id": endpoint_id, "failing_since": {"$ne": None}}, {"$set": {"failing_since": None}}
        )

    async def disable(self, organisation_id: str, endpoint_id: str, reason: str) -> bool:
        """Turn an enabled endpoint off with the reason; True if this call turned it off."""
        result = await self._endpoints(organisation_id).update_one(
            {"_id": endpoint_id, "enabled": True},
            {"$set": {"enabled": False, "disabled_reason": reason}},
        )
        return bool(result.modified_count)
