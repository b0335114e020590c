"""Routes for trying an organisation's OIDC provider before connecting it: start a trial (the
provider is checked as for connecting it), sign in through it once, then connect it from the
passed trial. `PUT /organisations/{id}/identity-provider` still connects one at once."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, status

from services.registry.adapters.components import Components
from services.registry.adapters.http_organisations import (
    Admin,
    OrganisationId,
    checked_provider,
    may_change_provider,
    save_provider,
)
from services.registry.adapters.identity_providers import ProviderError
from services.registry.adapters.provider_trials import view
from services.registry.domain.identity_provider import ConnectedProvider
from services.registry.domain.provider_trial import (
    ProviderTrial,
    ProviderTrialRequest,
    TrialStatus,
    check_may_save,
    check_return_to,
    expires,
    new_trial_id,
)
from shared import clock
from shared.errors import ConflictError, DomainError, NotFoundError
from shared.http.errors import AUTH_REFUSALS, Problem

router = APIRouter(
    prefix="/organisations/{organisation_id}/identity-provider", tags=["organisations"]
)

# Lenient on purpose: an id that is not one is answered like an unknown one (404), never 422.
TrialId = Annotated[str, Path(max_length=100, examples=["trl_5d2c7a9e1b3f4a6c8e0d"])]
_REFUSALS: dict[int | str, dict[str, Any]] = {
    **AUTH_REFUSALS,
    409: {"model": Problem, "description": "the trial cannot be saved (the reason says why)"},
    422: {"model": Problem, "description": "the provider was refused"},
}


@router.post(
    "/trials",
    status_code=status.HTTP_201_CREATED,
    summary="Try a provider before connecting it (its admins)",
    responses=_REFUSALS,
)
async def start_trial(
    organisation_id: OrganisationId,
    request: ProviderTrialRequest,
    caller: Admin,
    components: Components,
) -> ProviderTrial:
    """Checks the provider's discovery document and keys as connecting it does, keeps the
    settings for ten minutes (the secret encrypted), and answers with `sign_in_url`: send the
    admin's browser there. The provider sends it back to the registry's `/auth/callback`
    (register that as the redirect URI at the provider), which records whether the sign-in
    worked and goes on to `return_to` (a page of the network's web app) with `?trial=<id>`,
    or answers with the trial. Nothing changes for the organisation until the trial is saved."""
    await components.organisations.get(caller, organisation_id)
    await may_change_provider(caller, organisation_id, components)
    return_to = None
    if request.return_to is not None:
        web_client = components.authorization.web_client
        try:
            return_to = check_return_to(
                request.return_to, web_client.redirect_uri if web_client else None
            )
        except ValueError as exc:
            raise DomainError(str(exc), {"return_to": str(exc)}) from exc
    try:
        settings = await checked_provider(organisation_id, request, components)
    except ProviderError as exc:
        raise ProviderError(exc.detail, {"issuer": exc.detail}) from exc
    now, trial_id = clock.now(), new_trial_id()
    sign_in_url = await components.sign_in.begin_trial(organisation_id, trial_id, settings)
    document = {
        "_id": trial_id,
        "organisation_id": organisation_id,
        "started_by": caller.subject,
        **settings,
        "status": TrialStatus.STARTED.value,
        "started_at": now,
        "expires_at": expires(now),
        "return_to": return_to,
        "sign_in_url": sign_in_url,
    }
    await components.trials.add(caller, organisation_id, document)
    return view(document, now)


@router.get(
    "/trials/{trial_id}",
    summary="A provider trial (the admin who started it)",
    responses=AUTH_REFUSALS,
)
async def get_trial(
    organisation_id: OrganisationId, trial_id: TrialId, caller: Admin, components: Components
) -> ProviderTrial:
    """Whether the provider signed the admin in (and as whom), or why not. Anyone but the
    admin who started it gets 404."""
    document = await components.trials.get(caller, organisation_id, trial_id)
    if document is None:
        raise NotFoundError(f"no provider trial {trial_id!r} of yours")
    return view(document, clock.now())


@router.post(
    "/trials/{trial_id}/connect",
    summary="Connect the provider a passed trial signed in through (its admin)",
    responses=_REFUSALS,
)
async def connect_from_trial(
    organisation_id: OrganisationId, trial_id: TrialId, caller: Admin, components: Components
) -> ConnectedProvider:
    """The organisation's people sign in through the tried provider from now on. Only a
    trial that passed, within its ten minutes, by the admin who started it, and only once."""
    now = clock.now()
    document = await components.trials.take(caller, organisation_id, trial_id, now)
    if document is None:
        found = await components.trials.get(caller, organisation_id, trial_id)
        if found is None:
            raise NotFoundError(f"no provider trial {trial_id!r} of yours")
        try:
            check_may_save(TrialStatus(found["status"]), found["expires_at"], now)
        except ValueError as exc:
            raise ConflictError(str(exc)) from exc
        raise ConflictError("this trial cannot be saved now; try the provider again")
    return await save_provider(caller, organisation_id, document, components)
