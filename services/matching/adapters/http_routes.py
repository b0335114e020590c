"""`GET /programmes/{programme_id}/candidate-pool`: a programme's pool for its co-ordinators."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from services.matching.adapters.pool_store import PoolStore
from services.matching.domain.candidate import Availability, Candidate, Readiness
from shared.auth.http import Caller
from shared.http.errors import AUTH_REFUSALS

router = APIRouter(tags=["candidate pools"])


async def _pools(request: Request) -> PoolStore:
    store: PoolStore = request.app.state.pools
    return store


Pools = Annotated[PoolStore, Depends(_pools)]
# Lenient on purpose: an id that is not a programme's is answered like an unknown one (404).
ProgrammeId = Annotated[str, Path(min_length=1, max_length=64, examples=["prg_7c1d2e3f4a5b"])]


class CandidateView(BaseModel):
    """An enrolled member as the pool shows them. Profile fields are empty when the member
    has no profile yet, or belongs to another organisation and keeps their profile in it."""

    member_id: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])
    organisation_id: str = Field(examples=["org_3f9a1c2b7d4e"])
    role: str = Field(examples=["mentor"])
    eligible: bool = Field(examples=[True])
    exclusions: list[str] = Field(examples=[["mentor training not complete"]])
    display_name: str | None = Field(examples=["Alice Smith"])
    skills: list[str] = Field(examples=[["service design"]])
    sector: str | None = Field(examples=["social care"])
    languages: list[str] = Field(examples=[["en"]])
    meeting_modes: list[str] = Field(examples=[["video"]])
    availability: list[Availability]
    capacity: int | None = Field(
        examples=[2], description="mentors: mentees they can still take in this programme"
    )
    readiness: Readiness | None


class CandidatePoolView(BaseModel):
    """A programme's candidate pool."""

    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    model: str = Field(examples=["group"])
    status: str = Field(examples=["open"])
    organisations: list[str] = Field(examples=[["org_3f9a1c2b7d4e", "org_0a1b2c3d4e5f"]])
    crosses_organisations: bool = Field(examples=[True])
    eligible: int = Field(examples=[12], description="how many can be matched")
    excluded: int = Field(examples=[3], description="how many are enrolled but left out")
    candidates: list[CandidateView]


def _view(candidate: Candidate) -> CandidateView:
    profile = candidate.profile
    return CandidateView(
        member_id=candidate.member_id,
        organisation_id=candidate.organisation_id,
        role=candidate.role.value,
        eligible=candidate.eligible,
        exclusions=candidate.exclusions,
        display_name=profile.display_name if profile else None,
        skills=profile.skills if profile else [],
        sector=profile.sector if profile else None,
        languages=profile.languages if profile else [],
        meeting_modes=profile.meeting_modes if profile else [],
        availability=profile.availability if profile else [],
        capacity=candidate.capacity,
        readiness=candidate.readiness,
    )


@router.get(
    "/programmes/{programme_id}/candidate-pool",
    summary="A programme's candidate pool (its co-ordinators)",
    responses=AUTH_REFUSALS,
)
async def candidate_pool(
    programme_id: ProgrammeId,
    caller: Caller,
    pools: Pools,
    include_excluded: Annotated[
        bool,
        Query(description="also list enrolled members who are left out, each with the reasons"),
    ] = False,
) -> CandidatePoolView:
    """Enrolled members who are ready for their role, consenting where the programme crosses
    organisations, and (mentors) with capacity left. Anyone but the programme's co-ordinators
    gets 404, as for a programme that does not exist."""
    found = await pools.pool(caller, programme_id)
    programme = found.programme
    eligible = [c for c in found.candidates if c.eligible]
    shown = found.candidates if include_excluded else eligible
    return CandidatePoolView(
        programme_id=programme.programme_id,
        model=programme.model,
        status=programme.status,
        organisations=programme.organisations,
        crosses_organisations=programme.crosses_organisations,
        eligible=len(eligible),
        excluded=len(found.candidates) - len(eligible),
        candidates=[_view(c) for c in shown],
    )
