"""Relationships, their lifecycle and their agreements over HTTP (parties act; the
programme's co-ordinators also read and move the phase)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from services.sessions.adapters.relationship_store import RelationshipStore
from services.sessions.domain.relationships import (
    AgreementTerms,
    AgreementVersion,
    EndReason,
    MemberRelationshipStatus,
    Phase,
    Relationship,
)
from shared.auth.http import Caller
from shared.errors import NotFoundError
from shared.http.errors import AUTH_REFUSALS, Problem

router = APIRouter(tags=["relationships"])


async def _store(request: Request) -> RelationshipStore:
    store: RelationshipStore = request.app.state.relationships
    return store


Relationships = Annotated[RelationshipStore, Depends(_store)]
# Lenient on purpose: an id that is not one is answered like an unknown one (404), never 422.
RelationshipId = Annotated[str, Path(max_length=200, examples=["rel_5d2c7a9e1b3f4a6c"])]

REFUSALS = {
    **AUTH_REFUSALS,
    409: {
        "model": Problem,
        "description": "the relationship or agreement is not in a state for this",
    },
}
MOVE_REFUSALS = {
    **REFUSALS,
    422: {"model": Problem, "description": "the phase would move backwards"},
}


class PhaseRequest(BaseModel):
    """The phase to move to (forwards only)."""

    model_config = ConfigDict(extra="forbid")

    phase: Phase = Field(examples=["setting_direction"])


class EndRequest(BaseModel):
    """Ending is no-blame: a reason code, never free text, and an optional rematch request."""

    model_config = ConfigDict(extra="forbid")

    reason: EndReason = Field(examples=["not_a_good_fit"])
    rematch_requested: bool = False


class SignRequest(BaseModel):
    """The version being signed (the latest; naming it proves which text was read)."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1, examples=[1])


MemberId = Annotated[str, Path(max_length=200, examples=["me"])]


@router.get(
    "/members/{member_id}/relationships",
    summary="A member's own relationships (`me`, or the caller's own member id)",
    responses=AUTH_REFUSALS,
)
async def my_relationships(
    member_id: MemberId, caller: Caller, store: Relationships
) -> list[Relationship]:
    """Relationships the caller is a party to, oldest first. Anyone else's list is a 404
    (an organisation admin's view of their members' relationship status comes later)."""
    if member_id not in ("me", caller.subject):
        raise NotFoundError(f"no member {member_id!r} whose relationships you can see")
    return await store.mine(caller)


ProgrammeId = Annotated[str, Path(max_length=200, examples=["prg_7c1d2e3f4a5b"])]
OrganisationId = Annotated[str, Path(max_length=200, examples=["org_0a1b2c3d4e5f"])]


@router.get(
    "/organisations/{organisation_id}/relationship-status",
    summary="Where each of an organisation's members stands in their relationships (admins)",
    responses=AUTH_REFUSALS,
)
async def relationship_statuses(
    organisation_id: OrganisationId, caller: Caller, store: Relationships
) -> list[MemberRelationshipStatus]:
    """Side, programme, phase and status per member and relationship — not the other
    party, not what was written. Anyone but the organisation's admins gets 404."""
    return await store.statuses(caller, organisation_id)


@router.get(
    "/programmes/{programme_id}/relationships",
    summary="Every relationship of a programme (its co-ordinators)",
    responses=AUTH_REFUSALS,
)
async def programme_relationships(
    programme_id: ProgrammeId, caller: Caller, store: Relationships
) -> list[Relationship]:
    """For the programme's co-ordinators, oldest first; everyone else gets 404."""
    return await store.of_programme(caller, programme_id)


@router.get(
    "/relationships/{relationship_id}",
    summary="One relationship (its parties and its programme's co-ordinators)",
    responses=AUTH_REFUSALS,
)
async def relationship(
    relationship_id: RelationshipId, caller: Caller, store: Relationships
) -> Relationship:
    """Anyone else gets 404."""
    return await store.for_oversight(caller, relationship_id)


@router.post(
    "/relationships/{relationship_id}/phase",
    summary="Move the relationship forwards in its lifecycle (a party or a co-ordinator)",
    responses=MOVE_REFUSALS,
)
async def move_phase(
    relationship_id: RelationshipId, body: PhaseRequest, caller: Caller, store: Relationships
) -> Relationship:
    """building_rapport → setting_direction → progression → winding_up → moving_on
    (`relationship.phase_changed`)."""
    return await store.move(caller, relationship_id, body.phase)


@router.post(
    "/relationships/{relationship_id}/end",
    summary="End the relationship, without blame (either party)",
    responses=REFUSALS,
)
async def end_relationship(
    relationship_id: RelationshipId, body: EndRequest, caller: Caller, store: Relationships
) -> Relationship:
    """Publishes `relationship.ended` with the reason code and any rematch request."""
    return await store.end(caller, relationship_id, body.reason, body.rematch_requested)


@router.get(
    "/relationships/{relationship_id}/agreement",
    summary="The latest version of the agreement",
    responses=AUTH_REFUSALS,
)
async def agreement(
    relationship_id: RelationshipId, caller: Caller, store: Relationships
) -> AgreementVersion:
    """With its signatures and whether it is in force."""
    return await store.agreement(caller, relationship_id)


@router.put(
    "/relationships/{relationship_id}/agreement",
    summary="Draft or change the agreement (either party): a new, unsigned version",
    responses=REFUSALS,
)
async def draft_agreement(
    relationship_id: RelationshipId, body: AgreementTerms, caller: Caller, store: Relationships
) -> AgreementVersion:
    """Changing a signed agreement makes a new version that needs every signature again."""
    return await store.draft(caller, relationship_id, body)


@router.get(
    "/relationships/{relationship_id}/agreement/versions",
    summary="Every version of the agreement, oldest first",
    responses=AUTH_REFUSALS,
)
async def agreement_versions(
    relationship_id: RelationshipId, caller: Caller, store: Relationships
) -> list[AgreementVersion]:
    """Old versions stay readable."""
    return await store.versions(caller, relationship_id)


@router.post(
    "/relationships/{relationship_id}/agreement/signatures",
    summary="Sign the latest version of the agreement (each party, once)",
    responses=REFUSALS,
)
async def sign_agreement(
    relationship_id: RelationshipId, body: SignRequest, caller: Caller, store: Relationships
) -> AgreementVersion:
    """In force once every party has signed (`agreement.signed`, published once)."""
    return await store.sign(caller, relationship_id, body.version)
