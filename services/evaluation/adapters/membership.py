"""Who is in each organisation, as evaluation learns it from `member.registered`: kept in that
organisation's own database (BRIEF §4), never in a shared one."""

from __future__ import annotations

from collections.abc import Sequence

from shared.auth.principal import Principal
from shared.contracts.registry import MemberRegistered
from shared.events.catalogue import InboundEvent
from shared.mongo.effects import insert_once
from shared.tenancy import TenantData

COLLECTION = "members"


class Membership:
    """Per-organisation member read model."""

    def __init__(self, data: TenantData) -> None:
        self._data = data

    async def on_registered(self, events: Sequence[InboundEvent[MemberRegistered]]) -> None:
        """Store each new member in its organisation's database (a redelivery is a no-op)."""
        for event in events:
            collection = self._data.system_organisation(event.data.organisation_id, COLLECTION)
            await insert_once(
                collection,
                [{"_id": event.data.member_id, "registered_at": event.data.registered_at}],
            )

    async def count(self, caller: Principal, organisation_id: str) -> int:
        """Members of an organisation, for its admins."""
        collection = self._data.of(caller, organisation_id, COLLECTION, admins_only=True)
        return await collection.count_documents({})
