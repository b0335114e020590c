"""The registry's adapters, built once by the composition root and handed to routes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from services.registry.adapters.audit_trail import AuditTrail
from services.registry.adapters.authorization_server import AuthorizationServer
from services.registry.adapters.client_store import ClientStore
from services.registry.adapters.identity_providers import IdentityProviders
from services.registry.adapters.member_import import ImportJobs
from services.registry.adapters.member_store import MemberStore
from services.registry.adapters.network_tokens import NetworkTokens
from services.registry.adapters.organisation_store import OrganisationStore
from services.registry.adapters.programme_coordinators import ProgrammeCoordinators
from services.registry.adapters.programme_store import ProgrammeStore
from services.registry.adapters.provider_trials import ProviderTrialStore
from services.registry.adapters.sign_in import SignInFlow
from services.registry.adapters.signing_keys import SigningKeys
from shared.secrets import SecretBox


@dataclass(frozen=True)
class RegistryComponents:
    """Everything the registry's routes use."""

    organisations: OrganisationStore
    members: MemberStore
    clients: ClientStore
    programmes: ProgrammeStore
    keys: SigningKeys
    tokens: NetworkTokens
    sign_in: SignInFlow
    authorization: AuthorizationServer
    providers: IdentityProviders
    box: SecretBox
    public_url: str
    trials: ProviderTrialStore
    imports: ImportJobs
    audit: AuditTrail
    coordinators: ProgrammeCoordinators


async def _components(request: Request) -> RegistryComponents:
    components: RegistryComponents = request.app.state.components
    return components


Components = Annotated[RegistryComponents, Depends(_components)]
