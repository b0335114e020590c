"""The candidate-pool read model, built from the registry's events alone (no call to it).

Where each record lives (the network's segregation rules: docs/security.md, "Tenancy"):
- a member's profile and readiness: one `candidates` document per member in THAT MEMBER'S
  ORGANISATION's matching database, with the member's consent copied to the top for filtering;
- the members erased from an organisation: `erasures` in that organisation's database (a bare
  member id), so a late or replayed event cannot bring an erased member back;
- programmes (terms and status) and enrolments — cross-organisation records whose participants
  come from several organisations — in the matching network database.

Every handler takes a batch and is idempotent: profiles, readiness, terms and status keep the
newest version by event time (`latest.write_latest`); enrolments and erasures are inserts
keyed by natural ids; erasure deletes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import TypeVar

from services.matching.adapters.data_keys import DataKeys
from services.matching.adapters.latest import Versioned, version_of, write_latest
from shared.contracts.registry import (
    MemberEnrolled,
    MemberErased,
    MemberProfileUpdated,
    MemberReadinessChanged,
    ProgrammeCoordinatorsChanged,
    ProgrammePublished,
    ProgrammeStatusChanged,
)
from shared.events.catalogue import InboundEvent
from shared.events.envelope import EventData
from shared.mongo.databases import Document
from shared.mongo.effects import insert_once
from shared.tenancy import TenantData

CANDIDATES = "candidates"  # per organisation: profile + readiness, one document per member
ERASURES = "erasures"  # per organisation: ids of erased members
PROGRAMMES = "programmes"  # network: terms + status, one document per programme
ENROLMENTS = "enrolments"  # network: one document per programme, member and role

D = TypeVar("D", bound=EventData)


def _by_organisation(
    events: Sequence[InboundEvent[D]], organisation: Callable[[D], str]
) -> dict[str, list[InboundEvent[D]]]:
    grouped: dict[str, list[InboundEvent[D]]] = defaultdict(list)
    for event in events:
        grouped[organisation(event.data)].append(event)
    return grouped


class CandidateReadModel:
    """Event handlers that keep matching's own copy of who can be matched in which programme."""

    def __init__(self, data: TenantData, keys: DataKeys) -> None:
        self._data = data
        self._keys = keys

    async def _erased(self, organisation_id: str, member_ids: list[str]) -> set[str]:
        erasures = self._data.system_organisation(organisation_id, ERASURES)
        found = await erasures.find({"_id": {"$in": member_ids}}, projection={"_id": 1}).to_list()
        return {d["_id"] for d in found}

    async def on_profile_updated(
        self, events: Sequence[InboundEvent[MemberProfileUpdated]]
    ) -> None:
        """Keep each member's newest profile in their organisation's database, opened with
        the member's data key; a member whose key was destroyed reads as a former member (a
        replay meets their events before `member.erased`, which then removes them)."""
        for org, group in _by_organisation(events, lambda d: d.organisation_id).items():
            erased = await self._erased(org, [e.data.member_id for e in group])
            items = []
            for e in group:
                if e.data.member_id in erased:
                    continue
                profile = e.data.opened(await self._keys.key_for(e.data.member_id))
                items.append(
                    Versioned(
                        e.data.member_id,
                        version_of(e.envelope.time),
                        {
                            "profile": profile.model_dump(mode="json"),
                            "share_across_organisations": profile.share_across_organisations,
                        },
                    )
                )
            await write_latest(self._data.system_organisation(org, CANDIDATES), "profile", items)

    async def on_readiness_changed(
        self, events: Sequence[InboundEvent[MemberReadinessChanged]]
    ) -> None:
        """Keep each member's newest readiness beside their profile."""
        for org, group in _by_organisation(events, lambda d: d.organisation_id).items():
            erased = await self._erased(org, [e.data.member_id for e in group])
            items = [
                Versioned(
                    e.data.member_id,
                    version_of(e.envelope.time),
                    {
                        "readiness": {
                            "ready_as_mentor": e.data.ready_as_mentor,
                            "ready_as_mentee": e.data.ready_as_mentee,
                        }
                    },
                )
                for e in group
                if e.data.member_id not in erased
            ]
            await write_latest(self._data.system_organisation(org, CANDIDATES), "readiness", items)

    async def on_enrolled(self, events: Sequence[InboundEvent[MemberEnrolled]]) -> None:
        """Record enrolments in the network database, one per programme, member and role."""
        documents: list[Document] = []
        for org, group in _by_organisation(events, lambda d: d.organisation_id).items():
            erased = await self._erased(org, [e.data.member_id for e in group])
            documents.extend(
                {
                    "_id": f"{e.data.programme_id}:{e.data.member_id}:{e.data.role}",
                    "programme_id": e.data.programme_id,
                    "member_id": e.data.member_id,
                    "organisation_id": e.data.organisation_id,
                    "role": e.data.role,
                    "enrolled_at": e.envelope.time,
                }
                for e in group
                if e.data.member_id not in erased
            )
        await insert_once(self._data.network(ENROLMENTS), documents)

    async def on_programme_published(
        self, events: Sequence[InboundEvent[ProgrammePublished]]
    ) -> None:
        """Keep each programme's newest terms (a republication replaces them)."""
        items = [
            Versioned(
                e.data.programme_id,
                version_of(e.envelope.time),
                {"terms": e.data.model_dump(mode="json")},
            )
            for e in events
        ]
        await write_latest(self._data.network(PROGRAMMES), "terms", items)

    async def on_programme_coordinators_changed(
        self, events: Sequence[InboundEvent[ProgrammeCoordinatorsChanged]]
    ) -> None:
        """Keep each programme's co-ordinators at their highest revision: a removed one stops
        reading its pool at once."""
        items = [
            Versioned(e.data.programme_id, e.data.revision, {"coordinators": e.data.coordinators})
            for e in events
        ]
        await write_latest(self._data.network(PROGRAMMES), "coordinators", items)

    async def on_programme_status_changed(
        self, events: Sequence[InboundEvent[ProgrammeStatusChanged]]
    ) -> None:
        """Keep each programme's newest status (it may arrive before its terms)."""
        items = [
            Versioned(e.data.programme_id, version_of(e.envelope.time), {"status": e.data.status})
            for e in events
        ]
        await write_latest(self._data.network(PROGRAMMES), "status", items)

    async def on_erased(self, events: Sequence[InboundEvent[MemberErased]]) -> None:
        """Remove the members' profiles, readiness and enrolments everywhere in matching;
        remember the bare ids so no later or replayed event brings them back."""
        erased: list[str] = []
        for org, group in _by_organisation(events, lambda d: d.organisation_id).items():
            ids = sorted({e.data.member_id for e in group})
            await insert_once(
                self._data.system_organisation(org, ERASURES),
                [{"_id": e.data.member_id, "erased_at": e.data.erased_at} for e in group],
            )
            await self._data.system_organisation(org, CANDIDATES).delete_many({"_id": {"$in": ids}})
            erased.extend(ids)
        if erased:
            await self._data.network(ENROLMENTS).delete_many({"member_id": {"$in": erased}})
