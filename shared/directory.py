"""The network's organisation directory as every consuming service keeps it.

Matching, sessions and evaluation each hold their own copy, in their own network database,
built only from `organisation.joined` (no service reads another's database).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, Field

from shared.contracts.registry import OrganisationJoined
from shared.events.catalogue import InboundEvent
from shared.mongo.effects import insert_once
from shared.tenancy import TenantData

COLLECTION = "organisations"


class KnownOrganisation(BaseModel):
    """An organisation as a consuming service knows it."""

    id: str = Field(examples=["org_3f9a1c2b7d4e"])
    name: str = Field(examples=["Northshore Care Trust"])
    sector: str | None = Field(default=None, examples=["social care"])
    country: str | None = Field(default=None, examples=["GB"])
    joined_at: datetime


class OrganisationDirectory:
    """A read model of the network's organisations."""

    def __init__(self, data: TenantData) -> None:
        self._collection = data.network(COLLECTION)

    async def on_joined(self, events: Sequence[InboundEvent[OrganisationJoined]]) -> None:
        """Record joined organisations; keyed by organisation id, so a redelivery is a no-op."""
        await insert_once(
            self._collection,
            [
                {
                    "_id": e.data.organisation_id,
                    "name": e.data.name,
                    "sector": e.data.sector,
                    "country": e.data.country,
                    "joined_at": e.data.joined_at,
                }
                for e in events
            ],
        )

    async def list(self) -> list[KnownOrganisation]:
        """Every known organisation, oldest first."""
        documents = await self._collection.find({}).to_list()
        known = [KnownOrganisation(id=d.pop("_id"), **d) for d in documents]
        return sorted(known, key=lambda o: o.joined_at)

    async def count(self) -> int:
        """How many organisations the network has."""
        return await self._collection.count_documents({})
