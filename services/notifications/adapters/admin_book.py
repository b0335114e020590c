"""Who each organisation's admins are, learnt from the registry's events (ids only, in the
organisation's own database, `admins`): a member registered with the role or granted it is
one, until it is revoked or they are erased. The mail that an endpoint was turned off goes
to them."""

from __future__ import annotations

from collections.abc import Sequence

from shared.auth.principal import Role
from shared.contracts.registry import MemberErased, MemberRegistered, RoleGranted, RoleRevoked
from shared.events.catalogue import InboundEvent
from shared.tenancy import TenantData

ADMINS = "admins"
ADMIN = Role.ORGANISATION_ADMIN.value


class AdminBook:
    """Organisation admins by organisation."""

    def __init__(self, data: TenantData) -> None:
        self._data = data

    async def _keep(self, organisation_id: str, member_id: str) -> None:
        await self._data.system_organisation(organisation_id, ADMINS).replace_one(
            {"_id": member_id}, {"_id": member_id}, upsert=True
        )

    async def _drop(self, organisation_id: str, member_id: str) -> None:
        await self._data.system_organisation(organisation_id, ADMINS).delete_one({"_id": member_id})

    async def on_registered(self, events: Sequence[InboundEvent[MemberRegistered]]) -> None:
        """A member registered as an admin (an organisation's first admins are)."""
        for e in events:
            if ADMIN in e.data.roles:
                await self._keep(e.data.organisation_id, e.data.member_id)

    async def on_granted(self, events: Sequence[InboundEvent[RoleGranted]]) -> None:
        """A member made an admin."""
        for e in events:
            if e.data.role == ADMIN:
                await self._keep(e.data.organisation_id, e.data.member_id)

    async def on_revoked(self, events: Sequence[InboundEvent[RoleRevoked]]) -> None:
        """A member no longer an admin (the organisation's events arrive in order)."""
        for e in events:
            if e.data.role == ADMIN:
                await self._drop(e.data.organisation_id, e.data.member_id)

    async def on_erased(self, events: Sequence[InboundEvent[MemberErased]]) -> None:
        """An erased member is nobody's admin."""
        for e in events:
            await self._drop(e.data.organisation_id, e.data.member_id)

    async def of(self, organisation_id: str) -> list[str]:
        """An organisation's admins' member ids."""
        cursor = self._data.system_organisation(organisation_id, ADMINS).find({})
        return sorted([str(d["_id"]) async for d in cursor])
