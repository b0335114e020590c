"""Who is in each organisation, as evaluation learns it from `member.registered`: kept in that
organisation's own database (docs/security.md, "Tenancy"), never in a shared one.

`member.erased` turns the member's entry into a bare tombstone (the id and when it was erased,
nothing else), which the counts leave out; because the id stays taken, a late or replayed
`member.registered` cannot count an erased member again."""

from __future__ import annotations

from collections.abc import Sequence

from shared.auth.principal import Principal
from shared.contracts.registry import MemberErased, MemberRegistered
from shared.events.catalogue import InboundEvent
from shared.mongo.effects import insert_once
from shared.tenancy import TenantData

COLLECTION = "members"
LIVE = {"erased_at": {"$exists": False}}


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

    async def on_erased(self, events: Sequence[InboundEvent[MemberErased]]) -> None:
        """Replace each erased member's entry with a tombstone (a redelivery is a no-op)."""
        for event in events:
            collection = self._data.system_organisation(event.data.organisation_id, COLLECTION)
            await collection.replace_one(
                {"_id": event.data.member_id},
                {"_id": event.data.member_id, "erased_at": event.data.erased_at},
                upsert=True,
            )

    async def count(self, caller: Principal, organisation_id: str) -> int:
        """Members of an organisation, for its admins (erased ones not counted)."""
        collection = self._data.of(caller, organisation_id, COLLECTION, admins_only=True)
        return await collection.count_documents(LIVE)
