"""Who co-ordinates a programme: adding and removing co-ordinators, and withdrawing someone
from every programme when they lose the role that lets them co-ordinate. Each change is one
conditional write of the programme with its `programme.coordinators_changed` event; the
services that let co-ordinators oversee relationships, alerts and pools follow the event."""

from __future__ import annotations

from collections.abc import Sequence

from services.registry.adapters.programme_store import ProgrammeStore
from services.registry.domain.programme import Programme
from shared.contracts.registry import ProgrammeCoordinatorsChanged
from shared.events.catalogue import new_event
from shared.events.envelope import Audience


class ProgrammeCoordinators:
    """The use cases of a programme's co-ordinators list (rules: domain/programme.py)."""

    def __init__(self, programmes: ProgrammeStore) -> None:
        self._programmes = programmes

    async def replace(
        self,
        programme: Programme,
        coordinators: list[str],
        *,
        added: Sequence[str] = (),
        removed: Sequence[str] = (),
    ) -> list[str]:
        """Store the new list with its event (nothing if nothing changes); the list."""
        if coordinators == programme.coordinators:
            return coordinators
        revision = await self._programmes.coordinators_revision(programme.id) + 1
        event = new_event(
            ProgrammeCoordinatorsChanged(
                programme_id=programme.id,
                coordinators=coordinators,
                added=list(added),
                removed=list(removed),
                revision=revision,
            ),
            organisation=programme.owner_organisation_id,
            subject=programme.id,
            audience=Audience.NETWORK,
        )
        await self._programmes.set_coordinators(programme.id, coordinators, revision, [event])
        return coordinators

    async def withdraw_everywhere(self, member_id: str) -> int:
        """Remove `member_id` from every programme they co-ordinate (they lost the role);
        how many programmes. A programme left with none waits for its owner's admin."""
        programmes = await self._programmes.coordinated_by(member_id)
        for programme in programmes:
            remaining = [c for c in programme.coordinators if c != member_id]
            await self.replace(programme, remaining, removed=[member_id])
        return len(programmes)
