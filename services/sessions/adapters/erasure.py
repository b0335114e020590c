"""`member.erased` in the sessions service: every store that keeps what a member wrote
removes it (seed 002), each through its own `erase_member`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from shared.contracts.registry import MemberErased
from shared.events.catalogue import InboundEvent
from shared.logging import get_logger

log = get_logger(__name__)

FORMER_MEMBER = "former member"  # how an erased author is shown beside records that stay


class ErasesMembers(Protocol):
    """A store that removes what an erased member wrote; idempotent (Kafka redelivers)."""

    async def erase_member(self, member_id: str, organisation_id: str) -> None:
        """Remove the member's own records; others' records stay, with the erased author
        shown as FORMER_MEMBER."""
        ...


class MemberErasure:
    """Runs every store's erasure for each `member.erased`."""

    def __init__(self, stores: Sequence[ErasesMembers]) -> None:
        self._stores = list(stores)

    async def on_erased(self, events: Sequence[InboundEvent[MemberErased]]) -> None:
        """Erase each member from every store (a redelivery finds nothing left to remove)."""
        for event in events:
            for store in self._stores:
                await store.erase_member(event.data.member_id, event.data.organisation_id)
            log.info("member erased from sessions", stores=len(self._stores))
