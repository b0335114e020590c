"""Routes for a programme's co-ordinators: add one, remove one."""

from __future__ import annotations

from fastapi import APIRouter

from services.registry.adapters.components import Components
from services.registry.adapters.http_members import MemberId
from services.registry.adapters.http_programmes import ForbiddenError, ProgrammeId
from services.registry.domain import programme as rules
from services.registry.domain.programme import Programme
from shared.auth.http import Caller
from shared.errors import DomainError
from shared.http.errors import AUTH_REFUSALS, Problem

router = APIRouter(prefix="/programmes/{programme_id}/coordinators", tags=["programmes"])
_REFUSALS = {**AUTH_REFUSALS, 409: {"model": Problem}, 422: {"model": Problem}}


async def _managed(programme_id: str, caller: Caller, components: Components) -> Programme:
    programme = await components.programmes.get(caller, programme_id)
    try:
        rules.check_may_manage_coordinators(caller, programme)
    except PermissionError as exc:
        raise ForbiddenError(str(exc)) from exc
    return programme


@router.put("/{member_id}", summary="Add a co-ordinator (its co-ordinators)", responses=_REFUSALS)
async def add_coordinator(
    programme_id: ProgrammeId, member_id: MemberId, caller: Caller, components: Components
) -> Programme:
    """A member of the caller's organisation holding `programme_coordinator` (or
    `organisation_admin`) co-ordinates the programme too: they oversee its relationships,
    alerts and surveys. Emits `programme.coordinators_changed`."""
    programme = await _managed(programme_id, caller, components)
    member = await components.members.get(caller, caller.organisation, member_id)
    if not rules.can_coordinate(member.roles):
        raise DomainError("grant them the programme_coordinator role first")
    if member_id not in programme.coordinators:
        await components.coordinators.replace(
            programme, [*programme.coordinators, member_id], added=[member_id]
        )
    return await components.programmes.get(caller, programme_id)


@router.delete(
    "/{member_id}", summary="Remove a co-ordinator (its co-ordinators)", responses=_REFUSALS
)
async def remove_coordinator(
    programme_id: ProgrammeId, member_id: MemberId, caller: Caller, components: Components
) -> Programme:
    """They stop overseeing the programme at once (every service follows
    `programme.coordinators_changed`). The last co-ordinator stays unless the owner's admin
    removes them."""
    programme = await _managed(programme_id, caller, components)
    try:
        remaining = rules.coordinators_without(
            programme, member_id, by_admin=caller.is_admin_of(programme.owner_organisation_id)
        )
    except ValueError as exc:
        raise DomainError(str(exc)) from exc
    await components.coordinators.replace(programme, remaining, removed=[member_id])
    return await components.programmes.get(caller, programme_id)
