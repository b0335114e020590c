"""The authorization server's browser-facing routes for the network's web app (the portal):
the authorization endpoint, token revocation, and the organisations a person can pick."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from pydantic import BaseModel, Field

from services.registry.adapters.authorization_server import AuthorizeParameters
from services.registry.adapters.components import Components
from services.registry.adapters.http_auth import oauth_error
from services.registry.domain.authorization import UnknownClientError
from shared.http.errors import Problem
from shared.http.rate_limits import TOO_OFTEN, per_address

router = APIRouter(tags=["sign-in and tokens"])
_basic = HTTPBasic(auto_error=False)
_Text = Annotated[str | None, Query(max_length=200)]


class SignInOrganisation(BaseModel):
    """An organisation a person can sign in with (its public name only)."""

    id: str = Field(examples=["org_3f9a1c2b7d4e"])
    name: str = Field(examples=["Northshore Care Trust"])


@router.get(
    "/oauth/authorize",
    summary="Authorization endpoint for the network's web app (code + PKCE)",
    status_code=302,
    responses={
        302: {
            "description": "to the person's organisation's provider; or back to the app with "
            "`error` (e.g. `organisation_not_found`), `state` and `iss`"
        },
        400: {"model": Problem, "description": "unregistered app or redirect URI: no redirect"},
        404: {"model": Problem, "description": "no web app is registered with this network"},
        **TOO_OFTEN,
    },
    dependencies=[Depends(per_address("sign_in_limit"))],
)
async def authorize(
    components: Components,
    response_type: _Text = None,
    client_id: _Text = None,
    redirect_uri: Annotated[str | None, Query(max_length=2000)] = None,
    state: _Text = None,
    code_challenge: _Text = None,
    code_challenge_method: _Text = None,
    login_hint: Annotated[
        str | None, Query(max_length=320, examples=["aroha@northshore-care.example"])
    ] = None,
    organisation: Annotated[str | None, Query(max_length=40, examples=["org_3f9a1c2b7d4e"])] = None,
) -> Any:
    """RFC 6749 §4.1.1 with PKCE (S256, RFC 7636). The person's organisation is the one they
    picked (`organisation`), else the one whose e-mail domains hold `login_hint`'s; they sign
    in through that organisation's own provider and come back to the app's exact redirect URI
    with a one-use code, `state` and `iss` (RFC 9207)."""
    if not components.authorization.enabled:
        return JSONResponse(
            Problem(error="not_found", detail="no web app is registered").model_dump(), 404
        )
    query = AuthorizeParameters(
        response_type=response_type,
        client_id=client_id,
        redirect_uri=redirect_uri,
        state=state,
        code_challenge=code_challenge,
        code_challenge_method=code_challenge_method,
        login_hint=login_hint,
        organisation=organisation,
    )
    try:
        location = await components.authorization.authorize(query)
    except UnknownClientError as exc:
        return JSONResponse(Problem(error="invalid_client", detail=str(exc)).model_dump(), 400)
    return RedirectResponse(location, status_code=302)


@router.post(
    "/oauth/revoke",
    summary="Revoke a refresh token (the web app's sign-out; RFC 7009)",
    responses={200: {"description": "revoked, or unknown (no difference is shown)"}},
)
async def revoke(
    components: Components,
    token: Annotated[str, Form(max_length=500)],
    token_type_hint: Annotated[str | None, Form(max_length=40)] = None,
    client_id: Annotated[str | None, Form(max_length=200)] = None,
    client_secret: Annotated[str | None, Form(max_length=500)] = None,
    basic: Annotated[HTTPBasicCredentials | None, Depends(_basic)] = None,
) -> Any:
    """The app's own refresh token stops working at once. Access tokens live out their
    few minutes; the app never shows them to a browser."""
    del token_type_hint  # only refresh tokens can be revoked here
    if basic is not None:
        client_id, client_secret = basic.username, basic.password
    client = components.authorization.authenticate(client_id, client_secret)
    if client is None:
        return oauth_error("invalid_client", "unknown client or wrong secret", 401)
    await components.tokens.revoke(token, client.client_id)
    return JSONResponse({}, status_code=200)


@router.get("/auth/organisations", summary="Organisations a person can sign in with")
async def sign_in_organisations(components: Components) -> list[SignInOrganisation]:
    """Each partner organisation's id and name, A to Z, for a sign-in page's 'choose your
    organisation' (public: the network's partners are no secret; nothing else is shown)."""
    directory = await components.organisations.directory()
    return sorted(
        (SignInOrganisation(id=o.id, name=o.profile.name) for o in directory),
        key=lambda o: o.name.casefold(),
    )
