"""Routes for an organisation's integration clients."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status

from services.registry.adapters.components import Components
from services.registry.adapters.http_audit import record
from services.registry.adapters.http_organisations import OrganisationId
from services.registry.domain.audit import AuditAction
from services.registry.domain.integration_client import (
    ClientRegistration,
    IntegrationClient,
    IssuedClient,
    new_client_id,
)
from shared import clock
from shared.auth.http import require
from shared.auth.principal import Principal, Role
from shared.errors import NotFoundError
from shared.http.errors import AUTH_REFUSALS
from shared.secrets import new_token

router = APIRouter(prefix="/organisations/{organisation_id}/clients", tags=["integration clients"])

OrgAdmin = Annotated[Principal, Depends(require(Role.ORGANISATION_ADMIN))]
ClientId = Annotated[str, Path(pattern=r"^org_[a-z0-9]{12}\.cl_[a-z0-9]{16}$")]


@router.post(
    "", status_code=status.HTTP_201_CREATED, summary="Register a client", responses=AUTH_REFUSALS
)
async def register_client(
    organisation_id: OrganisationId,
    registration: ClientRegistration,
    caller: OrgAdmin,
    components: Components,
) -> IssuedClient:
    """Returns the client secret once; only its hash is stored."""
    client = IntegrationClient(
        client_id=new_client_id(organisation_id),
        organisation_id=organisation_id,
        name=registration.name,
        scopes=registration.scopes,
        created_at=clock.now(),
    )
    secret = new_token("mns_")
    _own(caller, organisation_id)
    await record(
        components,
        caller,
        organisation_id,
        AuditAction.CLIENT_REGISTERED,
        client.client_id,
        " ".join(sorted(client.scopes)),
    )
    await components.clients.add(caller, client, secret)
    return IssuedClient(**client.model_dump(), client_secret=secret)


@router.get("", summary="The organisation's clients", responses=AUTH_REFUSALS)
async def list_clients(
    organisation_id: OrganisationId, caller: OrgAdmin, components: Components
) -> list[IntegrationClient]:
    """Registered clients, without secrets."""
    return await components.clients.in_organisation(caller, organisation_id)


@router.delete(
    "/{client_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a client",
    responses=AUTH_REFUSALS,
)
async def remove_client(
    organisation_id: OrganisationId,
    client_id: ClientId,
    caller: OrgAdmin,
    components: Components,
) -> Response:
    """Its secret stops working at once (tokens already issued expire on their own)."""
    _own(caller, organisation_id)
    await record(components, caller, organisation_id, AuditAction.CLIENT_DELETED, client_id)
    await components.clients.remove(caller, organisation_id, client_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _own(caller: Principal, organisation_id: str) -> None:
    """Only the organisation's own admins manage its clients (404, like the store's door)."""
    if not caller.is_admin_of(organisation_id):
        raise NotFoundError(f"no organisation {organisation_id!r} that you administer")
