"""Routes for programmes: design, acceptance across organisations, lifecycle, enrolment."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, status
from pydantic import BaseModel, Field

from services.registry.adapters.components import Components
from services.registry.domain import programme as rules
from services.registry.domain.programme import (
    ParticipantRole,
    Programme,
    ProgrammeDesign,
    ProgrammeStatus,
    new_programme_id,
)
from shared import clock
from shared.auth.http import Caller, person_or_client_with, require
from shared.auth.principal import CallerKind, Principal, Role, Scope
from shared.contracts.registry import MemberEnrolled, ProgrammePublished, ProgrammeStatusChanged
from shared.errors import DomainError, NotFoundError
from shared.events.catalogue import new_event
from shared.events.envelope import Audience, Envelope
from shared.http.errors import AUTH_REFUSALS, Problem

router = APIRouter(prefix="/programmes", tags=["programmes"])

ProgrammeId = Annotated[str, Path(pattern=r"^prg_[a-z0-9]{12}$", examples=["prg_7c1d2e3f4a5b"])]
Designer = Annotated[
    Principal, Depends(require(Role.PROGRAMME_COORDINATOR, Role.ORGANISATION_ADMIN))
]
# People, and the organisation's integration clients granted programmes:read.
ProgrammeReader = Annotated[Principal, Depends(person_or_client_with(Scope.PROGRAMMES_READ))]
_RULES: dict[int | str, dict[str, Any]] = {
    **AUTH_REFUSALS,
    409: {"model": Problem},
    422: {"model": Problem},
}


class ForbiddenError(DomainError):
    """The caller's part in the programme does not allow this."""

    status = 403
    error = "forbidden"


class StatusChange(BaseModel):
    """The status to move a programme to (the next one: open, running, closed)."""

    status: ProgrammeStatus = Field(examples=["open"])


class Enrolment(BaseModel):
    """How the caller takes part."""

    role: ParticipantRole = Field(examples=["mentee"])


class EnrolmentView(BaseModel):
    """An enrolment as a programme's co-ordinators (and the member) see it."""

    member_id: str
    organisation_id: str
    role: ParticipantRole
    enrolled_at: Any


class MyEnrolment(EnrolmentView):
    """One of the caller's own enrolments."""

    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])


me_router = APIRouter(tags=["programmes"])


@me_router.get("/me/enrolments", summary="My enrolments", responses=AUTH_REFUSALS)
async def my_enrolments(caller: Caller, components: Components) -> list[MyEnrolment]:
    """The programmes the caller is enrolled in, and as what."""
    documents = await components.programmes.enrolments_of(caller)
    return [MyEnrolment.model_validate(d) for d in documents]


@router.post(
    "", status_code=status.HTTP_201_CREATED, summary="Design a programme", responses=_RULES
)
async def create_programme(
    design: ProgrammeDesign, caller: Designer, components: Components
) -> Programme:
    """A draft owned by the caller's organisation, with the caller as its co-ordinator. Other
    participating organisations must accept before it opens."""
    known = {o.id for o in await components.organisations.directory()}
    unknown = [o for o in design.participating_organisations if o not in known]
    if unknown:
        raise DomainError(f"no such organisations: {', '.join(unknown)}")
    try:
        rules.check_organisation_pairs(design, caller.organisation)
    except ValueError as exc:
        raise DomainError(str(exc)) from exc
    programme = Programme(
        id=new_programme_id(),
        owner_organisation_id=caller.organisation,
        design=design,
        status=ProgrammeStatus.DRAFT,
        coordinators=[caller.subject],
        accepted_by=[caller.organisation],
        created_at=clock.now(),
    )
    await components.programmes.add(programme)
    return programme


@router.get("", summary="Programmes my organisation takes part in", responses=AUTH_REFUSALS)
async def list_programmes(caller: ProgrammeReader, components: Components) -> list[Programme]:
    """Newest first, including invitations not accepted yet."""
    return await components.programmes.visible(caller)


@router.get("/{programme_id}", summary="One programme", responses=AUTH_REFUSALS)
async def get_programme(
    programme_id: ProgrammeId, caller: ProgrammeReader, components: Components
) -> Programme:
    """For the people of the organisations taking part."""
    return await components.programmes.get(caller, programme_id)


@router.post(
    "/{programme_id}/acceptance", summary="Accept on behalf of my organisation", responses=_RULES
)
async def accept_programme(
    programme_id: ProgrammeId,
    caller: Annotated[Principal, Depends(require(Role.ORGANISATION_ADMIN))],
    components: Components,
) -> Programme:
    """An admin of an invited organisation agrees that it takes part."""
    programme = await components.programmes.get(caller, programme_id)
    await components.programmes.accept(programme, caller.organisation)
    return await components.programmes.get(caller, programme_id)


@router.post(
    "/{programme_id}/status", summary="Move the programme on (its co-ordinators)", responses=_RULES
)
async def change_status(
    programme_id: ProgrammeId, change: StatusChange, caller: Caller, components: Components
) -> Programme:
    """draft → open (all organisations accepted; matching hears `programme.published`) →
    running → closed, forwards only."""
    programme = await components.programmes.get(caller, programme_id)
    _require_coordinator(programme, caller)
    try:
        new_status = rules.advance(programme, change.status)
    except ValueError as exc:
        raise DomainError(str(exc)) from exc
    await components.programmes.set_status(
        programme, new_status, [_status_event(programme, new_status)]
    )
    return await components.programmes.get(caller, programme_id)


@router.post(
    "/{programme_id}/enrolments",
    status_code=status.HTTP_201_CREATED,
    summary="Enrol as mentor, mentee or peer",
    responses=_RULES,
)
async def enrol(
    programme_id: ProgrammeId, enrolment: Enrolment, caller: Caller, components: Components
) -> EnrolmentView:
    """Seed 002: a mentor must have completed mentor training, a mentee the induction."""
    if caller.kind is not CallerKind.MEMBER:
        raise ForbiddenError("members enrol themselves")
    programme = await components.programmes.get(caller, programme_id)
    if caller.organisation not in programme.accepted_by:
        raise DomainError("your organisation has not accepted this programme yet")
    try:
        profile = await components.members.profile(caller, caller.organisation, caller.subject)
    except NotFoundError as exc:
        raise DomainError("write your profile first (PUT /me/profile)") from exc
    try:
        rules.check_enrolment(
            programme,
            enrolment.role,
            ready_as_mentor=profile.ready_as_mentor,
            ready_as_mentee=profile.ready_as_mentee,
        )
    except ValueError as exc:
        raise DomainError(str(exc)) from exc
    view = EnrolmentView(
        member_id=caller.subject,
        organisation_id=caller.organisation,
        role=enrolment.role,
        enrolled_at=clock.now(),
    )
    event = new_event(
        MemberEnrolled(
            programme_id=programme.id,
            member_id=caller.subject,
            organisation_id=caller.organisation,
            role=enrolment.role.value,
        ),
        organisation=caller.organisation,
        subject=caller.subject,
    )
    await components.programmes.enrol(
        {
            "_id": f"{programme.id}:{caller.subject}",
            "programme_id": programme.id,
            **view.model_dump(mode="python"),
        },
        [event],
    )
    return view


@router.get(
    "/{programme_id}/enrolments",
    summary="Who is enrolled (its co-ordinators)",
    responses=AUTH_REFUSALS,
)
async def list_enrolments(
    programme_id: ProgrammeId, caller: Caller, components: Components
) -> list[EnrolmentView]:
    """Members of every participating organisation enrolled in the programme."""
    programme = await components.programmes.get(caller, programme_id)
    _require_coordinator(programme, caller)
    return [
        EnrolmentView.model_validate(d) for d in await components.programmes.enrolments(programme)
    ]


def _require_coordinator(programme: Programme, caller: Principal) -> None:
    if caller.subject not in programme.coordinators or not rules.can_coordinate(caller.roles):
        raise ForbiddenError("only the programme's co-ordinators can do this")


def _status_event(programme: Programme, new_status: ProgrammeStatus) -> Envelope:
    design = programme.design
    data = (
        ProgrammePublished(
            programme_id=programme.id,
            owner_organisation_id=programme.owner_organisation_id,
            organisations=programme.organisations,
            coordinators=programme.coordinators,
            model=design.model.value,
            starts_on=design.starts_on,
            ends_on=design.ends_on,
            meeting_every_days=design.meeting_every_days,
            min_meeting_minutes=design.min_meeting_minutes,
            max_meeting_minutes=design.max_meeting_minutes,
            max_mentees_per_mentor=design.max_mentees_per_mentor,
            require_different_sectors=design.require_different_sectors,
            self_match=design.self_match,
            direction=design.direction.value,
            reverse_topics=design.reverse_topics,
            organisation_pairs=design.organisation_pairs,
        )
        if new_status is ProgrammeStatus.OPEN
        else ProgrammeStatusChanged(programme_id=programme.id, status=new_status.value)
    )
    return new_event(
        data,
        organisation=programme.owner_organisation_id,
        subject=programme.id,
        audience=Audience.NETWORK,
    )
