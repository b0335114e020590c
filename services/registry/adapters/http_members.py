"""Routes for members and their roles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from services.registry.adapters.components import Components
from services.registry.adapters.http_audit import record
from services.registry.adapters.http_organisations import OrganisationId
from services.registry.domain.audit import AuditAction
from services.registry.domain.member import Member, check_may_change_role
from services.registry.domain.programme import can_coordinate
from shared.auth.http import Caller, require
from shared.auth.principal import Principal, Role, Scope
from shared.contracts.registry import RoleGranted, RoleRevoked
from shared.errors import DomainError
from shared.events.catalogue import new_event
from shared.http.errors import AUTH_REFUSALS

router = APIRouter(tags=["members"])

MemberId = Annotated[str, Path(pattern=r"^mem_[a-z0-9]{16}$", examples=["mem_4b1f0c9e2d7a6b35"])]
MemberReader = Annotated[
    Principal, Depends(require(Role.ORGANISATION_ADMIN, scopes=(Scope.MEMBERS_READ,)))
]
RoleChanger = Annotated[
    Principal, Depends(require(Role.ORGANISATION_ADMIN, Role.NETWORK_COORDINATOR))
]


class RoleRefusedError(DomainError):
    """The caller may not change that role."""

    status = 403
    error = "forbidden"


@router.get("/me", summary="Who I am", responses=AUTH_REFUSALS)
async def me(caller: Caller, components: Components) -> Member:
    """The signed-in member's own record."""
    return await components.members.me(caller)


@router.get(
    "/organisations/{organisation_id}/members",
    summary="An organisation's members (its admins, or its clients with members:read)",
    responses=AUTH_REFUSALS,
)
async def list_members(
    organisation_id: OrganisationId, caller: MemberReader, components: Components
) -> list[Member]:
    """Everyone who has signed in through the organisation's provider."""
    return await components.members.in_organisation(caller, organisation_id)


async def _change_role(
    organisation_id: str,
    member_id: str,
    role: Role,
    caller: Principal,
    components: Components,
    *,
    grant: bool,
) -> Member:
    member = await components.members.get(
        caller, organisation_id, member_id, network_coordinators=True
    )
    try:
        check_may_change_role(caller, member, role, grant=grant)
    except PermissionError as exc:
        raise RoleRefusedError(str(exc)) from exc
    roles = set(member.roles)
    if (role in roles) == grant:
        return member  # already so: nothing to change, nothing to announce
    roles = roles | {role} if grant else roles - {role}
    data = (
        RoleGranted(
            member_id=member.id,
            organisation_id=organisation_id,
            role=role.value,
            granted_by=caller.subject,
        )
        if grant
        else RoleRevoked(
            member_id=member.id,
            organisation_id=organisation_id,
            role=role.value,
            revoked_by=caller.subject,
        )
    )
    event = new_event(data, organisation=organisation_id, subject=member.id)
    action = AuditAction.ROLE_GRANTED if grant else AuditAction.ROLE_REVOKED
    await record(components, caller, organisation_id, action, member.id, role.value)
    if not grant and not can_coordinate(roles):
        # First out of every programme they co-ordinate, then the role: a crash between the
        # two leaves them with less access, never with a programme's records and no role.
        await components.coordinators.withdraw_everywhere(member.id)
    return await components.members.set_roles(caller, member, sorted(roles), [event])


@router.put(
    "/organisations/{organisation_id}/members/{member_id}/roles/{role}",
    summary="Grant a role",
    responses=AUTH_REFUSALS,
)
async def grant_role(
    organisation_id: OrganisationId,
    member_id: MemberId,
    role: Role,
    caller: RoleChanger,
    components: Components,
) -> Member:
    """Admins grant programme_coordinator and organisation_admin in their organisation; network
    co-ordinators also network_coordinator. Emits `member.role_granted`."""
    return await _change_role(organisation_id, member_id, role, caller, components, grant=True)


@router.delete(
    "/organisations/{organisation_id}/members/{member_id}/roles/{role}",
    summary="Revoke a role",
    responses=AUTH_REFUSALS,
)
async def revoke_role(
    organisation_id: OrganisationId,
    member_id: MemberId,
    role: Role,
    caller: RoleChanger,
    components: Components,
) -> Member:
    """The reverse of granting. Emits `member.role_revoked`."""
    return await _change_role(organisation_id, member_id, role, caller, components, grant=False)
