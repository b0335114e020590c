"""Public routes of the token issuer: keys, discovery, sign-in, the token endpoint."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from pydantic import BaseModel, Field

from services.registry.adapters.authorization_server import OAuthError
from services.registry.adapters.components import Components
from services.registry.adapters.network_tokens import TokenResponse
from services.registry.adapters.provider_trials import view
from services.registry.adapters.sign_in import TrialSignIn
from services.registry.domain.authorization import redirect_with
from shared import clock
from shared.errors import NotFoundError
from shared.http.errors import Problem
from shared.http.rate_limits import TOO_OFTEN, per_address

router = APIRouter(tags=["sign-in and tokens"])
_basic = HTTPBasic(auto_error=False)


@router.get("/.well-known/jwks.json", summary="The keys that verify network tokens")
async def jwks(components: Components) -> dict[str, Any]:
    """Public keys (JWKS) of every token still alive; services cache them."""
    return await components.keys.jwks()


@router.get("/.well-known/openid-configuration", summary="Discovery for the network issuer")
async def discovery(components: Components) -> dict[str, Any]:
    """Where the issuer's keys and token endpoint are."""
    base = components.public_url
    return {
        "issuer": base,
        "authorization_endpoint": f"{base}/oauth/authorize",
        "jwks_uri": f"{base}/.well-known/jwks.json",
        "token_endpoint": f"{base}/oauth/token",
        "revocation_endpoint": f"{base}/oauth/revoke",
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": True,
        "grant_types_supported": ["authorization_code", "client_credentials", "refresh_token"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": [
            "members:read",
            "members:write",
            "programmes:read",
            "programmes:write",
        ],
    }


@router.get(
    "/auth/login/{organisation_id}",
    summary="Sign in through your organisation's provider",
    status_code=302,
    responses={
        302: {"description": "to the provider's sign-in page"},
        404: {"model": Problem, "description": "unknown organisation or no provider"},
        **TOO_OFTEN,
    },
    dependencies=[Depends(per_address("sign_in_limit"))],
)
async def login(
    organisation_id: Annotated[str, Path(pattern=r"^org_[a-z0-9]{12}$")], components: Components
) -> RedirectResponse:
    """Starts an authorization-code sign-in with PKCE, state and nonce."""
    return RedirectResponse(await components.sign_in.begin(organisation_id), status_code=302)


@router.get(
    "/auth/callback",
    response_model=TokenResponse,
    summary="Where the provider sends the person back",
    responses={
        302: {
            "description": "back to the web app that started the sign-in, with a code; or, "
            "for a provider trial, to the web app's page it named, with `trial`"
        },
        400: {"model": Problem},
        422: {"model": Problem},
    },
)
async def callback(
    components: Components,
    code: Annotated[str | None, Query(max_length=2000)] = None,
    state: Annotated[str | None, Query(max_length=200)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
    error_description: Annotated[str | None, Query(max_length=500)] = None,
    iss: Annotated[str | None, Query(max_length=300)] = None,
) -> Any:
    """Verifies the provider's answer. A sign-in the portal started goes back to the portal
    with a one-use code; a plain one (`/auth/login/…`) answers with network tokens. A provider
    trial's sign-in records whether the provider worked and goes back to the page the trial
    named (a page of the portal), or answers with the trial."""
    answer = await components.authorization.callback(code, state, error, error_description, iss)
    if isinstance(answer, str):
        return RedirectResponse(answer, status_code=302)
    if isinstance(answer, TrialSignIn):
        if answer.return_to:
            return RedirectResponse(
                redirect_with(answer.return_to, {"trial": answer.trial_id}), status_code=302
            )
        trial = await components.trials.for_sign_in(answer.organisation_id, answer.trial_id)
        if trial is None:
            raise NotFoundError("this provider trial is unknown")
        return JSONResponse(jsonable_encoder(view(trial, clock.now())))
    return answer


class OAuthErrorBody(BaseModel):
    """An RFC 6749 §5.2 error."""

    error: str = Field(examples=["invalid_grant"])
    error_description: str


def oauth_error(error: str, description: str, status: int = 400) -> JSONResponse:
    """An RFC 6749 §5.2 error body (401 with a Basic challenge for a bad client)."""
    headers = {"WWW-Authenticate": "Basic"} if status == 401 else None
    return JSONResponse({"error": error, "error_description": description}, status, headers)


@router.post(
    "/oauth/token",
    response_model=TokenResponse,
    summary="Token endpoint: authorization code, client credentials and refresh",
    responses={
        400: {"model": OAuthErrorBody, "description": "RFC 6749 error"},
        401: {"model": OAuthErrorBody, "description": "bad client"},
        **TOO_OFTEN,
    },
    dependencies=[Depends(per_address("token_limit"))],
)
async def token(
    components: Components,
    grant_type: Annotated[str, Form(examples=["client_credentials"])],
    client_id: Annotated[str | None, Form()] = None,
    client_secret: Annotated[str | None, Form()] = None,
    scope: Annotated[str | None, Form(examples=["members:read"])] = None,
    refresh_token: Annotated[str | None, Form()] = None,
    code: Annotated[str | None, Form(max_length=200)] = None,
    redirect_uri: Annotated[str | None, Form(max_length=2000)] = None,
    code_verifier: Annotated[str | None, Form(max_length=200)] = None,
    basic: Annotated[HTTPBasicCredentials | None, Depends(_basic)] = None,
) -> Any:
    """`authorization_code` for the network's web app (its secret, the code, the exact
    redirect URI and the PKCE verifier); `client_credentials` for an organisation's integration
    client (form or Basic auth); `refresh_token` for a member's refresh token (one use each; a
    web app's own tokens only with its secret)."""
    if basic is not None:
        client_id, client_secret = basic.username, basic.password
    authorization = components.authorization
    web_client = authorization.authenticate(client_id, client_secret)
    if grant_type == "authorization_code":
        if web_client is None:
            return oauth_error("invalid_client", "unknown client or wrong secret", 401)
        try:
            return await authorization.exchange(
                web_client, code or "", redirect_uri or "", code_verifier or ""
            )
        except OAuthError as exc:
            return oauth_error(exc.error, exc.description, exc.status)
    if grant_type == "refresh_token":
        if client_id is not None and web_client is None:
            return oauth_error("invalid_client", "unknown client or wrong secret", 401)
        answer = await components.tokens.refresh(
            refresh_token or "", web_client.client_id if web_client else None
        )
        if answer is None:
            return oauth_error("invalid_grant", "the refresh token is unknown, used or expired")
        return answer
    if grant_type != "client_credentials":
        return oauth_error("unsupported_grant_type", f"grant_type {grant_type!r}")
    client = await components.clients.authenticate(client_id or "", client_secret or "")
    if client is None:
        return oauth_error("invalid_client", "unknown client or wrong secret", 401)
    try:
        return await components.tokens.for_client(client, (scope or "").split())
    except ValueError as exc:
        return oauth_error("invalid_scope", str(exc))
