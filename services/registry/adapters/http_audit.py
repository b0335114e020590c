"""The organisation's audit trail over HTTP: its admins and the network co-ordinators."""

from __future__ import annotations

from fastapi import APIRouter

from services.registry.adapters.components import Components
from services.registry.adapters.http_organisations import Admin, OrganisationId
from services.registry.domain.audit import AuditAction, AuditEntry, new_entry
from shared import clock
from shared.auth.principal import Principal
from shared.http.errors import AUTH_REFUSALS

router = APIRouter(tags=["organisations"])


@router.get(
    "/organisations/{organisation_id}/audit-trail",
    summary="Who changed the provider, roles, clients; exports and erasures (its admins, "
    "network co-ordinators)",
    responses=AUTH_REFUSALS,
)
async def audit_trail(
    organisation_id: OrganisationId, caller: Admin, components: Components
) -> list[AuditEntry]:
    """The newest 500 entries first: provider connections, roles granted and revoked,
    invitations used, integration clients registered and deleted, exports and erasures, each
    with who acted (their member id and organisation) and when. Another organisation's admins
    get 404."""
    return await components.audit.read(caller, organisation_id)


async def record(
    components: Components,
    caller: Principal,
    organisation_id: str,
    action: AuditAction,
    subject: str,
    detail: str = "",
) -> None:
    """Append to `organisation_id`'s audit trail, before the change (the route has checked
    that the caller may make it: nobody writes into another organisation's trail by asking
    for something they may not do)."""
    await components.audit.record(
        organisation_id, new_entry(caller, action, subject, detail, clock.now())
    )
