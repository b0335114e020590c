"""Routes for peer circles inside a programme (seeds 001 and 004)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from services.registry.adapters.components import Components
from services.registry.adapters.http_programmes import (
    ForbiddenError,
    ProgrammeId,
    ProgrammeReader,
)
from services.registry.domain.circle import (
    Circle,
    CircleMember,
    CircleRequest,
    Joining,
    as_seen_by,
    check_joining,
    new_circle_id,
)
from services.registry.domain.programme import ParticipantRole, ProgrammeStatus
from shared import clock
from shared.auth.http import Caller
from shared.auth.principal import CallerKind
from shared.contracts.registry import CircleJoined
from shared.errors import DomainError, NotFoundError
from shared.events.catalogue import new_event
from shared.http.errors import AUTH_REFUSALS, Problem

router = APIRouter(tags=["circles"])

CircleId = Annotated[str, Path(pattern=r"^cir_[a-z0-9]{12}$", examples=["cir_1a2b3c4d5e6f"])]


@router.post(
    "/programmes/{programme_id}/circles",
    status_code=status.HTTP_201_CREATED,
    summary="Start a circle (co-ordinators, or an enrolled peer who facilitates)",
    responses={**AUTH_REFUSALS, 422: {"model": Problem}},
)
async def create_circle(
    programme_id: ProgrammeId, request: CircleRequest, caller: Caller, components: Components
) -> Circle:
    """A circle of a peer-circle or X-market programme that is open or running."""
    programme = await components.programmes.get(caller, programme_id)
    if not programme.design.model.is_circle:
        raise DomainError("this programme pairs mentors and mentees; it has no circles")
    if programme.status not in (ProgrammeStatus.OPEN, ProgrammeStatus.RUNNING):
        raise DomainError(f"the programme is {programme.status}; circles start once it is open")
    enrolment = await components.programmes.enrolment(programme.id, caller.subject)
    is_peer = enrolment is not None and enrolment["role"] == ParticipantRole.PEER
    if caller.subject not in programme.coordinators and not is_peer:
        raise ForbiddenError("circles are started by the co-ordinators or an enrolled peer")
    circle = Circle(
        id=new_circle_id(),
        programme_id=programme.id,
        name=request.name,
        facilitator_id=caller.subject,
        members=[],
        created_at=clock.now(),
    )
    await components.programmes.add_circle(circle, programme)
    return as_seen_by(circle, caller.subject, programme.coordinators)


@router.get(
    "/programmes/{programme_id}/circles", summary="A programme's circles", responses=AUTH_REFUSALS
)
async def list_circles(
    programme_id: ProgrammeId, caller: ProgrammeReader, components: Components
) -> list[Circle]:
    """For the people of the organisations taking part: each circle's members only to its
    own members and the programme's co-ordinators (everyone else: its size)."""
    programme = await components.programmes.get(caller, programme_id)
    circles = await components.programmes.circles(programme)
    return [as_seen_by(c, caller.subject, programme.coordinators) for c in circles]


@router.get("/circles/{circle_id}", summary="One circle", responses=AUTH_REFUSALS)
async def get_circle(
    circle_id: CircleId, caller: ProgrammeReader, components: Components
) -> Circle:
    """Its contract, and its members for its own members and the programme's co-ordinators
    (everyone else of the programme's organisations: its size only)."""
    circle = await components.programmes.circle(caller, circle_id)
    programme = await components.programmes.get(caller, circle.programme_id)
    return as_seen_by(circle, caller.subject, programme.coordinators)


@router.post(
    "/circles/{circle_id}/members",
    summary="Join a circle",
    responses={**AUTH_REFUSALS, 409: {"model": Problem}, 422: {"model": Problem}},
)
async def join_circle(
    circle_id: CircleId, joining: Joining, caller: Caller, components: Components
) -> Circle:
    """With consent and the circle's contract accepted; 4-8 members; an X-market circle takes
    one member per organisation (and per sector, when its programme says so)."""
    if caller.kind is not CallerKind.MEMBER:
        raise ForbiddenError("members join circles themselves")
    circle = await components.programmes.circle(caller, circle_id)
    programme = await components.programmes.get(caller, circle.programme_id)
    enrolment = await components.programmes.enrolment(programme.id, caller.subject)
    if enrolment is None or enrolment["role"] != ParticipantRole.PEER:
        raise DomainError("enrol in the programme as a peer first")
    try:
        profile = await components.members.profile(caller, caller.organisation, caller.subject)
    except NotFoundError as exc:
        raise DomainError("write your profile first (PUT /me/profile)") from exc
    newcomer = CircleMember(
        member_id=caller.subject,
        organisation_id=caller.organisation,
        sector=profile.sector,
        joined_at=clock.now(),
    )
    try:
        check_joining(circle, programme, newcomer, joining)
    except ValueError as exc:
        raise DomainError(str(exc)) from exc
    event = new_event(
        CircleJoined(
            circle_id=circle.id,
            programme_id=programme.id,
            member_id=caller.subject,
            organisation_id=caller.organisation,
            size=len(circle.members) + 1,
        ),
        organisation=caller.organisation,
        subject=circle.id,
    )
    await components.programmes.join(circle, newcomer, programme, [event])
    joined = await components.programmes.circle(caller, circle_id)
    return as_seen_by(joined, caller.subject, programme.coordinators)
