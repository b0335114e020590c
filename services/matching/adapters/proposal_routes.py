"""Matching rounds, proposals, acceptances and self-match suggestions over HTTP."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, status
from pydantic import BaseModel, ConfigDict, Field

from services.matching.adapters.proposal_store import ProposalStore
from services.matching.adapters.round_jobs import RoundJobs
from services.matching.domain.proposals import DeclineReason, Proposal
from services.matching.domain.scoring import Suggestion, Weights
from shared.auth.http import Caller
from shared.http.errors import AUTH_REFUSALS, Problem
from shared.mongo.jobs import Job

router = APIRouter(tags=["proposals"])


async def _store(request: Request) -> ProposalStore:
    store: ProposalStore = request.app.state.proposals
    return store


Proposals = Annotated[ProposalStore, Depends(_store)]


async def _round_jobs(request: Request) -> RoundJobs:
    jobs: RoundJobs = request.app.state.round_jobs
    return jobs


Rounds = Annotated[RoundJobs, Depends(_round_jobs)]
JobId = Annotated[str, Path(max_length=200, examples=["job_5d2c7a9e1b3f4a6c"])]
# Lenient on purpose: an id that is not one is answered like an unknown one (404), never 422.
ProgrammeId = Annotated[str, Path(max_length=200, examples=["prg_7c1d2e3f4a5b"])]
ProposalId = Annotated[str, Path(max_length=200, examples=["prp_9a8b7c6d5e4f3a2b"])]

REFUSALS = {
    **AUTH_REFUSALS,
    409: {"model": Problem, "description": "the proposal or programme is not in a state for this"},
}
PAIR_REFUSALS = {
    **REFUSALS,
    422: {"model": Problem, "description": "the pair breaks hard constraints (listed)"},
}


class RoundView(BaseModel):
    """What a round proposed, and the mentees it could not match."""

    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    proposals: list[Proposal]
    unmatched: list[str] = Field(examples=[["mem_4b1f0c9e2d7a6b35"]])
    total_score: float = Field(examples=[3.42])


class ProposalsView(BaseModel):
    """A programme's proposals as the caller may see them."""

    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    proposals: list[Proposal]


class PairRequest(BaseModel):
    """A pair a co-ordinator proposes (e.g. to swap after rejecting one)."""

    model_config = ConfigDict(extra="forbid")

    mentee_id: str = Field(max_length=200, examples=["mem_4b1f0c9e2d7a6b35"])
    mentor_id: str = Field(max_length=200, examples=["mem_0c1d2e3f4a5b6c7d"])


class MentorRequest(BaseModel):
    """The mentor a self-match mentee asks for."""

    model_config = ConfigDict(extra="forbid")

    mentor_id: str = Field(max_length=200, examples=["mem_0c1d2e3f4a5b6c7d"])


class DeclineRequest(BaseModel):
    """Declining is no-blame; a reason code may be given, never free text."""

    model_config = ConfigDict(extra="forbid")

    reason: DeclineReason | None = Field(default=None, examples=["no_time"])


class SuggestionsView(BaseModel):
    """A self-match mentee's best possible mentors, best first, each with its reasons."""

    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    suggestions: list[Suggestion]


@router.post(
    "/programmes/{programme_id}/rounds",
    summary="Run a matching round (the programme's co-ordinators)",
    status_code=status.HTTP_201_CREATED,
    responses=REFUSALS,
)
async def run_round(programme_id: ProgrammeId, caller: Caller, store: Proposals) -> RoundView:
    """The optimal assignment of the pool's mentees to mentors (capacities respected, hard
    constraints never broken), one proposal per pair, each awaiting the co-ordinators'
    review. Mentees with an open or accepted proposal are left out; declined and rejected
    pairs are never proposed again."""
    result = await store.run_round(caller, programme_id)
    return RoundView(
        programme_id=programme_id,
        proposals=result.proposals,
        unmatched=result.unmatched,
        total_score=result.total_score,
    )


@router.post(
    "/programmes/{programme_id}/rounds/jobs",
    summary="Start a matching round as a job (the programme's co-ordinators)",
    status_code=status.HTTP_202_ACCEPTED,
    responses=REFUSALS,
)
async def start_round(programme_id: ProgrammeId, caller: Caller, rounds: Rounds) -> Job:
    """The same round as `POST .../rounds`, answered at once: the job reports its steps
    (scoring pairs, assigning, writing proposals) as it goes, and its result names the
    proposals made and the mentees left unmatched. Read it with `GET .../rounds/jobs/{id}`."""
    return await rounds.start(caller, programme_id)


@router.get(
    "/programmes/{programme_id}/rounds/jobs/{job_id}",
    summary="How far a round started as a job has got (the co-ordinator who started it)",
    responses=AUTH_REFUSALS,
)
async def round_job(
    programme_id: ProgrammeId, job_id: JobId, caller: Caller, rounds: Rounds
) -> Job:
    """`running` with its step, then `done` with the result, or `failed` with why in words
    (e.g. the service restarted: run it again). Anyone else gets 404."""
    return await rounds.get(caller, programme_id, job_id)


@router.get(
    "/programmes/{programme_id}/proposals",
    summary="A programme's proposals (co-ordinators: all; a member: their own)",
    responses=AUTH_REFUSALS,
)
async def list_proposals(
    programme_id: ProgrammeId, caller: Caller, store: Proposals
) -> ProposalsView:
    """Each proposal with its criterion scores and reasons and where it stands."""
    found = await store.proposals(caller, programme_id)
    return ProposalsView(programme_id=programme_id, proposals=found)


@router.post(
    "/programmes/{programme_id}/proposals",
    summary="Propose a pair (the programme's co-ordinators)",
    status_code=status.HTTP_201_CREATED,
    responses=PAIR_REFUSALS,
)
async def propose(
    programme_id: ProgrammeId, body: PairRequest, caller: Caller, store: Proposals
) -> Proposal:
    """A pair of the co-ordinator's choosing, checked against every hard constraint."""
    return await store.propose(caller, programme_id, body.mentee_id, body.mentor_id)


@router.post(
    "/proposals/{proposal_id}/approve",
    summary="Approve a proposed pair (the programme's co-ordinators)",
    responses=REFUSALS,
)
async def approve(proposal_id: ProposalId, caller: Caller, store: Proposals) -> Proposal:
    """Approved pairs go to both parties to accept."""
    return await store.approve(caller, proposal_id)


@router.post(
    "/proposals/{proposal_id}/reject",
    summary="Reject a pair (the programme's co-ordinators)",
    responses=REFUSALS,
)
async def reject(proposal_id: ProposalId, caller: Caller, store: Proposals) -> Proposal:
    """The pair is never proposed again; the mentee goes back to the pool."""
    return await store.reject(caller, proposal_id)


@router.post(
    "/proposals/{proposal_id}/accept",
    summary="Accept your side of a proposal (its mentee or mentor)",
    responses=REFUSALS,
)
async def accept(proposal_id: ProposalId, caller: Caller, store: Proposals) -> Proposal:
    """When the proposal is approved and both have accepted, `match.accepted` is published."""
    return await store.accept(caller, proposal_id)


@router.post(
    "/proposals/{proposal_id}/decline",
    summary="Decline a proposal (its mentee or mentor; no blame)",
    responses=REFUSALS,
)
async def decline(
    proposal_id: ProposalId,
    caller: Caller,
    store: Proposals,
    body: DeclineRequest | None = None,
) -> Proposal:
    """`match.declined` is published; the pair is never proposed again and the mentee goes
    back to the pool for the next round."""
    return await store.decline(caller, proposal_id, body.reason if body else None)


@router.get(
    "/programmes/{programme_id}/suggestions",
    summary="Your best possible mentors (self-match programmes, enrolled mentees)",
    responses=REFUSALS,
)
async def suggestions(
    programme_id: ProgrammeId, caller: Caller, store: Proposals
) -> SuggestionsView:
    """Your top 5 possible mentors with their criterion scores and reasons."""
    found = await store.suggestions(caller, programme_id)
    return SuggestionsView(programme_id=programme_id, suggestions=found)


@router.post(
    "/programmes/{programme_id}/requests",
    summary="Ask for a mentor (self-match programmes, enrolled mentees)",
    status_code=status.HTTP_201_CREATED,
    responses=PAIR_REFUSALS,
)
async def request_mentor(
    programme_id: ProgrammeId, body: MentorRequest, caller: Caller, store: Proposals
) -> Proposal:
    """Creates a proposal that needs no co-ordinator's approval, only both acceptances."""
    return await store.request(caller, programme_id, body.mentor_id)


@router.get(
    "/programmes/{programme_id}/weights",
    summary="How much each criterion counts (co-ordinators)",
    responses=AUTH_REFUSALS,
)
async def get_weights(programme_id: ProgrammeId, caller: Caller, store: Proposals) -> Weights:
    """The programme's weights: set by its co-ordinators, else the defaults (contrast counts
    double when the programme crosses organisations)."""
    return (await store.coordinated(caller, programme_id)).weights


@router.put(
    "/programmes/{programme_id}/weights",
    summary="Set how much each criterion counts (co-ordinators)",
    responses={**AUTH_REFUSALS, 422: {"model": Problem}},
)
async def set_weights(
    programme_id: ProgrammeId, weights: Weights, caller: Caller, store: Proposals
) -> Weights:
    """Used by the programme's next rounds and suggestions."""
    return await store.set_weights(caller, programme_id, weights)
