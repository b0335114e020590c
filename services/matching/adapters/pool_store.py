"""Reading a programme's candidate pool for one of its co-ordinators, through the data door.

Only the programme's co-ordinators (member ids in its `programme.published`) may read it;
anyone else learns nothing, not even that the programme exists. Profiles of the co-ordinator's
own organisation are read in full; another organisation's only where their members consented
to share across organisations (the `consented` door, and every query filters on consent).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from services.matching.adapters.read_model import CANDIDATES, ENROLMENTS, PROGRAMMES
from services.matching.domain.candidate import (
    Candidate,
    Enrolment,
    MatchingProfile,
    ProgrammeTerms,
    Readiness,
    Withheld,
)
from services.matching.domain.pool import ProfileState, candidate_pool
from shared.auth.principal import CallerKind, Principal
from shared.errors import NotFoundError
from shared.mongo.databases import Document
from shared.tenancy import TenantData


@dataclass(frozen=True)
class ProgrammePool:
    """A programme's terms and every enrolled member assessed against the pool rule."""

    programme: ProgrammeTerms
    candidates: list[Candidate]


class PoolStore:
    """Candidate pools as their co-ordinators see them."""

    def __init__(self, data: TenantData) -> None:
        self._data = data

    async def programme_for(self, caller: Principal, programme_id: str) -> ProgrammeTerms:
        """The programme, if the caller co-ordinates it; otherwise NotFoundError."""
        document = await self._data.network(PROGRAMMES).find_one({"_id": programme_id})
        terms = (document or {}).get("terms")
        # `programme.coordinators_changed` (its own versioned part) overrides the list the
        # programme was published with.
        coordinators = (document or {}).get("coordinators", (terms or {}).get("coordinators", []))
        if (
            document is None
            or terms is None
            or caller.kind is not CallerKind.MEMBER
            or caller.subject not in coordinators
        ):
            raise NotFoundError(f"no programme {programme_id!r} that you co-ordinate")
        return ProgrammeTerms.model_validate(
            {**terms, "coordinators": coordinators, "status": document.get("status", "open")}
        )

    async def pool(self, caller: Principal, programme_id: str) -> ProgrammePool:
        """Every enrolled member of the programme, eligible or not and why."""
        programme = await self.programme_for(caller, programme_id)
        return ProgrammePool(programme, await self.assess(caller, programme))

    async def assess(self, caller: Principal, programme: ProgrammeTerms) -> list[Candidate]:
        """Every enrolled member assessed by the pool rule, with the profiles the caller may
        see (others' only with consent; the rest withheld)."""
        enrolments_of = self._data.network(ENROLMENTS)
        enrolled = await enrolments_of.find({"programme_id": programme.programme_id}).to_list()
        enrolments = [Enrolment.model_validate(d) for d in enrolled]
        members: dict[str, set[str]] = defaultdict(set)
        for enrolment in enrolments:
            members[enrolment.organisation_id].add(enrolment.member_id)
        profiles: dict[str, ProfileState] = {}
        readiness: dict[str, Readiness] = {}
        for organisation_id, ids in members.items():
            documents, withheld = await self._candidates(caller, organisation_id, sorted(ids))
            for document in documents:
                if document.get("profile") is not None:
                    profiles[document["_id"]] = MatchingProfile.model_validate(document["profile"])
                if document.get("readiness") is not None:
                    readiness[document["_id"]] = Readiness.model_validate(document["readiness"])
            profiles.update(dict.fromkeys(withheld, Withheld()))
        return candidate_pool(programme, enrolments, profiles, readiness)

    async def _candidates(
        self, caller: Principal, organisation_id: str, ids: list[str]
    ) -> tuple[list[Document], list[str]]:
        """Readable candidate documents of one organisation, and the ids withheld from the
        caller (a profile exists but its member keeps it inside their organisation)."""
        if caller.belongs_to(organisation_id):
            own = self._data.of(caller, organisation_id, CANDIDATES)
            return await own.find({"_id": {"$in": ids}}).to_list(), []
        other = self._data.consented(caller, organisation_id, CANDIDATES)
        shared = await other.find(
            {"_id": {"$in": ids}, "share_across_organisations": True}
        ).to_list()
        kept = await other.find(
            {"_id": {"$in": ids}, "share_across_organisations": False}, projection={"_id": 1}
        ).to_list()
        return shared, [d["_id"] for d in kept]
