"""Circle rounds and circles over HTTP (peer and X-market circle programmes)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, status
from pydantic import BaseModel, Field

from services.matching.adapters.circle_store import Circle, CircleStore
from services.matching.domain.circle_grouping import Diversity
from shared.auth.http import Caller
from shared.contracts.matching import CircleMember
from shared.http.errors import AUTH_REFUSALS, Problem

router = APIRouter(tags=["circles"])


async def _store(request: Request) -> CircleStore:
    store: CircleStore = request.app.state.circles
    return store


Circles = Annotated[CircleStore, Depends(_store)]
ProgrammeId = Annotated[str, Path(max_length=200, examples=["prg_7c1d2e3f4a5b"])]


class CircleView(BaseModel):
    """A circle and its members."""

    id: str = Field(examples=["cir_1a2b3c4d5e6f7a8b"])
    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    members: list[CircleMember]
    formed_at: datetime


class UnplacedView(BaseModel):
    """A peer a round could not place, and why."""

    member_id: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])
    reason: str = Field(examples=["fewer peers than the smallest circle can hold"])


class CircleRoundView(BaseModel):
    """What a circle round formed, who it left out, and the diversity achieved."""

    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    circles: list[CircleView]
    unplaced: list[UnplacedView]
    diversity: Diversity


class CirclesView(BaseModel):
    """A programme's circles as the caller may see them."""

    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    circles: list[CircleView]


def _view(circle: Circle) -> CircleView:
    return CircleView(
        id=circle.id,
        programme_id=circle.programme_id,
        members=circle.members,
        formed_at=circle.formed_at,
    )


@router.post(
    "/programmes/{programme_id}/circle-rounds",
    summary="Group the programme's peers into circles (its co-ordinators)",
    status_code=status.HTTP_201_CREATED,
    responses={
        **AUTH_REFUSALS,
        409: {"model": Problem, "description": "not a circle programme"},
    },
)
async def run_circle_round(
    programme_id: ProgrammeId, caller: Caller, store: Circles
) -> CircleRoundView:
    """Peers in no circle yet are grouped into circles of 4-8 with the most spread across
    organisations and sectors and shared challenges; `circle.formed` for each."""
    result = await store.run_round(caller, programme_id)
    return CircleRoundView(
        programme_id=programme_id,
        circles=[_view(c) for c in result.circles],
        unplaced=[UnplacedView(member_id=u.member_id, reason=u.reason) for u in result.unplaced],
        diversity=result.diversity,
    )


@router.get(
    "/programmes/{programme_id}/circles",
    summary="A programme's circles (co-ordinators: all; a peer: their own)",
    responses=AUTH_REFUSALS,
)
async def list_circles(programme_id: ProgrammeId, caller: Caller, store: Circles) -> CirclesView:
    """Each circle with its members and their organisations."""
    found = await store.circles(caller, programme_id)
    return CirclesView(programme_id=programme_id, circles=[_view(c) for c in found])
