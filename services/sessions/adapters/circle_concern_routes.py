"""When a peer group goes wrong (seed 001, "What can go wrong?"), over HTTP: a member raises a
concern in confidence with a session's facilitator or the programme's co-ordinators; whoever
may read it reads it; a session's facilitator reads their brief (ground rules, warning signs,
concerns raised with them).

A concern is never the circle's: the rest of the circle, admins, the network co-ordinator,
other organisations and integration clients get 404 for it, as for one that does not exist.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, status
from pydantic import BaseModel, ConfigDict, Field

from services.sessions.adapters.circle_concern_store import CircleConcernStore
from services.sessions.domain.circle_concerns import (
    MAX_CONCERN_CHARS,
    Concern,
    RaisedWith,
    SignGuide,
    WarningSign,
)
from services.sessions.domain.circles import CONTRACT
from shared.auth.http import Caller
from shared.http.errors import AUTH_REFUSALS, Problem

router = APIRouter(tags=["circles"])


async def _concerns(request: Request) -> CircleConcernStore:
    store: CircleConcernStore = request.app.state.circle_concerns
    return store


Concerns = Annotated[CircleConcernStore, Depends(_concerns)]
# Lenient on purpose: an id that is not one is answered like an unknown one (404), never 422.
CircleId = Annotated[str, Path(max_length=200, examples=["cir_1a2b3c4d5e6f7a8b"])]
SessionId = Annotated[
    str, Path(max_length=200, examples=["circle-session:cir_3f2e1d0c9b8a:0000000002"])
]
ConcernId = Annotated[str, Path(max_length=200, examples=["con_9f8e7d6c5b4a3f2e"])]

RAISE_REFUSALS = {
    **AUTH_REFUSALS,
    409: {"model": Problem, "description": "you have raised the most concerns a circle keeps"},
    422: {
        "model": Problem,
        "description": "nobody to raise it with that way: no session named for its "
        "facilitator, you facilitate it yourself, or its facilitator left the circle",
    },
}


class ConcernRequest(BaseModel):
    """A concern, raised in confidence: never shown to the circle."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    raised_with: RaisedWith = Field(
        examples=["coordinator"],
        description="facilitator: the named session's facilitator only; coordinator: the "
        "programme's co-ordinators, whose monitoring alerts then show that one was raised",
    )
    session_id: str | None = Field(
        default=None,
        max_length=200,
        examples=["circle-session:cir_3f2e1d0c9b8a:0000000002"],
        description="the session it is about; required when raised with its facilitator",
    )
    signs: list[WarningSign] = Field(
        default_factory=list,
        max_length=len(WarningSign),
        examples=[["dominant_personalities", "one_person_all_the_time"]],
        description="what seed 001 says can go wrong that you saw (optional)",
    )
    text: str = Field(
        min_length=1,
        max_length=MAX_CONCERN_CHARS,
        examples=["One of us takes most of the peer feedback time every session."],
    )


class FacilitatorBrief(BaseModel):
    """What a session's facilitator keeps in view (seed 001): the ground rules, the warning
    signs with what helps, and the concerns raised with them about this session."""

    ground_rules: list[str] = Field(examples=[list(CONTRACT)])
    warning_signs: list[SignGuide]
    concerns: list[Concern]


@router.post(
    "/circles/{circle_id}/concerns",
    summary="Raise a concern in confidence with a session's facilitator or the programme's "
    "co-ordinators (a member)",
    status_code=status.HTTP_201_CREATED,
    responses=RAISE_REFUSALS,
)
async def raise_concern(
    circle_id: CircleId, body: ConcernRequest, caller: Caller, concerns: Concerns
) -> Concern:
    """Raised with the co-ordinators, it publishes `circle.concern_raised` (no text, no
    author, no signs) and becomes their monitoring alert; raised with a facilitator, nothing
    leaves the service."""
    return await concerns.raise_concern(
        caller, circle_id, body.raised_with, body.session_id, body.signs, body.text
    )


@router.get(
    "/circles/{circle_id}/concerns",
    summary="The circle's concerns you may read: raised by you, with you as facilitator, or "
    "(co-ordinators) with the co-ordinators",
    responses=AUTH_REFUSALS,
)
async def circle_concerns(circle_id: CircleId, caller: Caller, concerns: Concerns) -> list[Concern]:
    """Oldest first. Other members of the circle see none of anyone else's."""
    return await concerns.readable(caller, circle_id)


@router.get(
    "/circles/{circle_id}/concerns/{concern_id}",
    summary="One concern (whoever raised it, and whom it was raised with)",
    responses=AUTH_REFUSALS,
)
async def circle_concern(
    circle_id: CircleId, concern_id: ConcernId, caller: Caller, concerns: Concerns
) -> Concern:
    """Anyone else gets 404."""
    return await concerns.one(caller, circle_id, concern_id)


@router.get(
    "/circles/{circle_id}/sessions/{session_id}/facilitation",
    summary="The facilitator's brief for a session: ground rules, warning signs, concerns "
    "raised with them (its facilitator only)",
    responses=AUTH_REFUSALS,
)
async def facilitation(
    circle_id: CircleId, session_id: SessionId, caller: Caller, concerns: Concerns
) -> FacilitatorBrief:
    """Anyone but the session's facilitator gets 404."""
    signs, raised = await concerns.brief(caller, circle_id, session_id)
    return FacilitatorBrief(ground_rules=list(CONTRACT), warning_signs=signs, concerns=raised)
