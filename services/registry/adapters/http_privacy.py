"""Routes for a member's own data: download it, erase it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from services.registry.adapters.components import Components
from services.registry.adapters.http_audit import record
from services.registry.adapters.http_members import MemberId
from services.registry.adapters.http_organisations import OrganisationId
from services.registry.adapters.privacy import MemberPrivacy
from services.registry.domain.audit import AuditAction
from services.registry.domain.export import ErasureReceipt, MemberExport
from shared.auth.http import Caller, require
from shared.auth.principal import CallerKind, Principal, Role
from shared.errors import DomainError, NotFoundError
from shared.http.errors import AUTH_REFUSALS

router = APIRouter(tags=["export and erasure"])

Admin = Annotated[Principal, Depends(require(Role.ORGANISATION_ADMIN))]

ERASURE_EFFECTS = (
    "Erasure cannot be undone. The member document becomes a tombstone (member id, "
    "organisation, joined and erased dates; no e-mail, name, provider identity, profile or "
    "roles), and `member.erased` is published in the same write, so every service removes "
    "what it holds. Refresh tokens, enrolments and circle places are deleted, so refreshing "
    "fails at once. Access tokens already issued are not revoked (every service verifies them "
    "locally) but name a member who no longer exists, and expire within their lifetime (15 "
    "minutes by default). Signing in again through the "
    "organisation's provider does NOT restore anything: the provider identity was removed, "
    "so it provisions a NEW, empty member with a new id. Erasing again is harmless and "
    "answers the same receipt while the caller's token lasts."
)


class NotAMemberError(DomainError):
    """Integration clients hold no personal data of their own."""

    status = 403
    error = "forbidden"


class ConfirmationError(DomainError):
    """Self-erasure must name the member being erased."""

    status = 403
    error = "confirmation_required"


async def _privacy(request: Request) -> MemberPrivacy:
    privacy: MemberPrivacy = request.app.state.privacy
    return privacy


Privacy = Annotated[MemberPrivacy, Depends(_privacy)]


def _member(caller: Principal) -> Principal:
    if caller.kind is not CallerKind.MEMBER:
        raise NotAMemberError("an integration client has no personal data to export or erase")
    return caller


@router.get(
    "/me/export",
    summary="Download everything the registry holds about me (JSON)",
    responses=AUTH_REFUSALS,
)
async def export_me(
    caller: Caller, privacy: Privacy, response: Response, components: Components
) -> MemberExport:
    """The member record, roles, profile, pending role invitations for my e-mail address,
    enrolments, circle places (the circle, its programme, when I joined — never the other
    members) and how many refresh tokens are live (never the tokens). Served as an attachment,
    `mentornet-export-<member id>.json`. Members only: an integration client gets 403; an
    erased member 404."""
    member = _member(caller)
    await record(
        components, member, member.organisation, AuditAction.MEMBER_EXPORTED, member.subject
    )
    export = await privacy.export(member)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="mentornet-export-{caller.subject}.json"'
    )
    response.headers["Cache-Control"] = "no-store"
    return export


@router.delete(
    "/me",
    summary="Erase me",
    description="Erase the signed-in member: `DELETE /me?confirm=<my member id>`; without that "
    f"confirmation, 403.\n\n{ERASURE_EFFECTS}",
    responses=AUTH_REFUSALS,
)
async def erase_me(
    caller: Caller,
    privacy: Privacy,
    components: Components,
    confirm: Annotated[
        str | None,
        Query(
            description="your own member id (from GET /me): erasure cannot be undone, so the "
            "request must say whom it erases",
            examples=["mem_4b1f0c9e2d7a6b35"],
        ),
    ] = None,
) -> ErasureReceipt:
    """Erase the signed-in member, once they confirmed whom."""
    member = _member(caller)
    if confirm != member.subject:
        raise ConfirmationError(
            "erasure cannot be undone: confirm it with ?confirm=<your member id> (GET /me)"
        )
    await record(components, member, member.organisation, AuditAction.MEMBER_ERASED, member.subject)
    return await privacy.erase_self(member)


@router.delete(
    "/organisations/{organisation_id}/members/{member_id}",
    summary="Erase a member of my organisation (its admins)",
    description="An organisation's admin erases one of its members (someone who left, or "
    "asked the organisation to). Another organisation's admin gets 404, as does a network "
    f"co-ordinator outside their own organisation.\n\n{ERASURE_EFFECTS}",
    responses=AUTH_REFUSALS,
)
async def erase_member(
    organisation_id: OrganisationId,
    member_id: MemberId,
    caller: Admin,
    privacy: Privacy,
    components: Components,
) -> ErasureReceipt:
    """Erase a member of the caller's own organisation."""
    if not caller.is_admin_of(organisation_id):
        raise NotFoundError(f"no member {member_id!r} in an organisation you administer")
    await record(components, caller, organisation_id, AuditAction.MEMBER_ERASED, member_id)
    return await privacy.erase_member(caller, organisation_id, member_id)
