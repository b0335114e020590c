"""Routes for organisations: registration, the directory, profiles, identity providers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, status

from services.registry.adapters.components import Components
from services.registry.domain.audit import AuditAction, new_entry
from services.registry.domain.identity_provider import (
    ConnectedProvider,
    IdentityProviderRequest,
    ProviderChange,
    provider_change,
)
from services.registry.domain.organisation import (
    Organisation,
    OrganisationProfile,
    OrganisationRegistration,
    join,
    new_organisation_id,
)
from shared import clock
from shared.auth.http import Caller, require
from shared.auth.principal import Principal, Role
from shared.contracts.registry import OrganisationProfileUpdated
from shared.errors import DomainError, NotFoundError
from shared.events.catalogue import new_event
from shared.events.envelope import Audience
from shared.http.errors import AUTH_REFUSALS, Problem

router = APIRouter(prefix="/organisations", tags=["organisations"])

OrganisationId = Annotated[str, Path(pattern=r"^org_[a-z0-9]{12}$", examples=["org_3f9a1c2b7d4e"])]
NetworkCoordinator = Annotated[Principal, Depends(require(Role.NETWORK_COORDINATOR))]
Admin = Annotated[Principal, Depends(require(Role.ORGANISATION_ADMIN, Role.NETWORK_COORDINATOR))]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Register a partner organisation (network co-ordinators)",
    responses={
        **AUTH_REFUSALS,
        409: {"model": Problem, "description": "the name is taken"},
        422: {"model": Problem, "description": "the profile is not valid"},
    },
)
async def register_organisation(
    registration: OrganisationRegistration, caller: NetworkCoordinator, components: Components
) -> Organisation:
    """The organisation joins; the network hears `organisation.joined`; the named admins become
    admins when they first sign in through the organisation's provider."""
    organisation, joined = join(
        registration.profile(), now=clock.now(), organisation_id=new_organisation_id()
    )
    event = new_event(
        joined, organisation=organisation.id, subject=organisation.id, audience=Audience.NETWORK
    )
    await components.organisations.add(
        organisation, [event], {e: [Role.ORGANISATION_ADMIN] for e in registration.admin_emails}
    )
    return organisation


@router.get("", summary="The network's organisations (public profiles)", responses=AUTH_REFUSALS)
async def directory(caller: Caller, components: Components) -> list[Organisation]:
    """Every partner organisation's public profile, oldest first (any signed-in caller)."""
    return await components.organisations.directory()


@router.get("/{organisation_id}", summary="One organisation", responses=AUTH_REFUSALS)
async def get_organisation(
    organisation_id: OrganisationId, caller: Caller, components: Components
) -> Organisation:
    """An organisation, for its own people and network co-ordinators."""
    return await components.organisations.get(caller, organisation_id)


@router.put(
    "/{organisation_id}/profile",
    summary="Complete or change the profile (its admins)",
    responses={**AUTH_REFUSALS, 409: {"model": Problem}, 422: {"model": Problem}},
)
async def update_profile(
    organisation_id: OrganisationId,
    profile: OrganisationProfile,
    caller: Admin,
    components: Components,
) -> Organisation:
    """Name, sector, size, country and e-mail domains; the network hears
    `organisation.profile_updated`."""
    event = new_event(
        OrganisationProfileUpdated(
            organisation_id=organisation_id,
            name=profile.name,
            sector=profile.sector,
            country=profile.country,
        ),
        organisation=organisation_id,
        subject=organisation_id,
        audience=Audience.NETWORK,
    )
    return await components.organisations.update_profile(caller, organisation_id, profile, [event])


@router.put(
    "/{organisation_id}/identity-provider",
    summary="Connect the organisation's OIDC provider (its admins)",
    responses={
        **AUTH_REFUSALS,
        409: {"model": Problem, "description": "a network co-ordinator: a provider is connected"},
        422: {"model": Problem, "description": "the provider was refused"},
    },
)
async def connect_provider(
    organisation_id: OrganisationId,
    request: IdentityProviderRequest,
    caller: Admin,
    components: Components,
) -> ConnectedProvider:
    """Reads the provider's discovery document and keys, and refuses one it cannot verify.
    The client secret is encrypted at rest and never shown again. Only the organisation's own
    admins replace a provider; a network co-ordinator connects only the first one, while
    setting the organisation up (403 once it has one). The audit trail records every change."""
    await components.organisations.get(caller, organisation_id)
    await may_change_provider(caller, organisation_id, components)
    settings = await checked_provider(organisation_id, request, components)
    return await save_provider(caller, organisation_id, settings, components)


async def checked_provider(
    organisation_id: str, request: IdentityProviderRequest, components: Components
) -> dict[str, Any]:
    """The provider's settings once its discovery document and keys are checked
    (ProviderError otherwise), the client secret sealed for the organisation."""
    metadata = await components.providers.discover(request.issuer)
    return {
        "issuer": metadata.issuer.rstrip("/"),
        "client_id": request.client_id,
        "authorization_endpoint": metadata.authorization_endpoint,
        "token_endpoint": metadata.token_endpoint,
        "jwks_uri": metadata.jwks_uri,
        "iss_in_answer": metadata.authorization_response_iss_parameter_supported,
        "client_secret_sealed": components.box.seal(
            request.client_secret.get_secret_value(), context=organisation_id
        ),
    }


async def save_provider(
    caller: Principal, organisation_id: str, settings: Mapping[str, Any], components: Components
) -> ConnectedProvider:
    """Store a checked provider's settings (its secret sealed for the organisation), as the
    caller may (`provider_change`), recorded in the audit trail first."""
    change = await may_change_provider(caller, organisation_id, components)
    connected = ConnectedProvider.model_validate(settings)
    sealed = settings["client_secret_sealed"]
    await components.audit.record(
        organisation_id,
        new_entry(
            caller,
            AuditAction.PROVIDER_CONNECTED,
            connected.issuer,
            f"client id {connected.client_id}",
            clock.now(),
        ),
    )
    await components.organisations.save_provider(
        caller,
        organisation_id,
        {**connected.model_dump(), "client_secret_sealed": sealed},
        first_only=change is ProviderChange.FIRST_ONLY,
    )
    return connected


class ProviderChangeRefusedError(DomainError):
    """The caller may not change this organisation's provider."""

    status = 403
    error = "forbidden"


async def may_change_provider(
    caller: Principal, organisation_id: str, components: Components
) -> ProviderChange:
    """How the caller may connect the organisation's provider: 403 if not at all, or if
    they may only connect the first one and one is connected (checked again by the write)."""
    try:
        change = provider_change(caller, organisation_id)
    except PermissionError as exc:
        raise ProviderChangeRefusedError(str(exc)) from exc
    if change is ProviderChange.FIRST_ONLY and (
        await components.organisations.provider(caller, organisation_id) is not None
    ):
        raise ProviderChangeRefusedError(
            "this organisation has connected its provider; only its own admins can change it"
        )
    return change


@router.get(
    "/{organisation_id}/identity-provider",
    summary="The connected provider (its admins; never the secret)",
    responses=AUTH_REFUSALS,
)
async def get_provider(
    organisation_id: OrganisationId, caller: Admin, components: Components
) -> ConnectedProvider:
    """Which provider the organisation's people sign in through."""
    settings = await components.organisations.provider(caller, organisation_id)
    if settings is None:
        raise NotFoundError("no provider connected yet")
    return ConnectedProvider.model_validate(settings)
