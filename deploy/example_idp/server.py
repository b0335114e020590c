"""authlib wiring: the authorization server, its grant and extensions, and userinfo.

- `AuthorizationCodeGrant` (RFC 6749) keeps codes in the in-memory `Store`.
- `S256CodeChallenge` (RFC 7636) makes PKCE mandatory for every client and S256 the only
  method: authlib's `CodeChallenge(required=True)` enforces PKCE for public clients only.
- `IdTokenExtension` (authlib's `OpenIDCode`) adds the RS256 ID token; nonce required.
- `StoreUserInfoEndpoint` serves `/userinfo` for a bearer access token with the `openid` scope.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2.rfc6749 import InvalidGrantError, InvalidRequestError, OAuth2Request
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant as _AuthorizationCodeGrant
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo, UserInfoEndpoint
from authlib.oidc.core.grants import OpenIDCode
from flask import Flask
from joserfc.jwk import KeySet, RSAKey

from deploy.example_idp.config import UserConfig
from deploy.example_idp.keys import SIGNING_ALG, key_id, private_key_set
from deploy.example_idp.models import (
    ACCESS_TOKEN_LIFETIME,
    CODE_LIFETIME,
    SCOPES,
    TOKEN_AUTH_METHODS,
    AccessToken,
    AuthorizationCode,
    Client,
    Store,
)

ID_TOKEN_LIFETIME = 300  # seconds


def user_claims(user: UserConfig, scope: str) -> UserInfo:
    """The standard claims of `user` that `scope` allows (sub always)."""
    claims = UserInfo(
        sub=user.sub, name=user.name, email=user.email, email_verified=user.email_verified
    )
    return claims.filter(scope)


class AuthorizationCodeGrant(_AuthorizationCodeGrant):  # type: ignore[misc]
    """Codes live in the store, bound to client, redirect_uri, user, nonce and challenge."""

    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = list(TOKEN_AUTH_METHODS)

    store: Store  # set on the subclass made by `create_server`

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        data = request.payload.data
        self.store.save_code(
            AuthorizationCode(
                code=code,
                client_id=request.client.client_id,
                redirect_uri=request.payload.redirect_uri,
                scope=request.scope,
                user_sub=request.user.sub,
                nonce=data.get("nonce"),
                code_challenge=data["code_challenge"],
                code_challenge_method=data["code_challenge_method"],
                # This runs in the request that checked the password: that is the auth time.
                auth_time=int(time.time()),
                expires_at=time.time() + CODE_LIFETIME,
            )
        )

    def query_authorization_code(self, code: str, client: Client) -> AuthorizationCode | None:
        return self.store.code(code, client.client_id)

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        # Called after the token is made, before it is sent: losing the race to a
        # concurrent exchange of the same code means this response is an error instead.
        if not self.store.spend_code(authorization_code.code):
            raise InvalidGrantError("The code was already used.")

    def authenticate_user(self, authorization_code: AuthorizationCode) -> UserConfig | None:
        return self.store.user_by_sub(authorization_code.user_sub)


class S256CodeChallenge(CodeChallenge):  # type: ignore[misc]
    """PKCE for every client, S256 only: no challenge, or `plain`, is refused."""

    SUPPORTED_CODE_CHALLENGE_METHOD: ClassVar[list[str]] = ["S256"]

    def __init__(self) -> None:
        super().__init__(required=True)

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: missing 'code_challenge'.")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("PKCE is required with code_challenge_method=S256.")
        super().validate_code_challenge(grant, redirect_uri)


class IdTokenExtension(OpenIDCode):  # type: ignore[misc]
    """The RS256 ID token: iss, sub, aud, exp, iat, auth_time, nonce, and user claims."""

    def __init__(self, issuer: str, key: RSAKey, store: Store) -> None:
        super().__init__(require_nonce=True)
        self.issuer = issuer
        self.key = key
        self.store = store

    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        return self.store.nonce_used(request.payload.client_id, nonce)

    def resolve_client_private_key(self, client: Client) -> KeySet:
        return private_key_set(self.key)

    def get_client_algorithm(self, client: Client) -> str:
        return SIGNING_ALG

    def get_encode_header(self, client: Client) -> dict[str, str]:
        return {"alg": SIGNING_ALG, "kid": key_id(self.key)}

    def get_client_claims(self, client: Client) -> dict[str, Any]:
        now = int(time.time())
        return {
            "iss": self.issuer,
            "aud": client.client_id,
            "iat": now,
            "exp": now + ID_TOKEN_LIFETIME,
        }

    def generate_user_info(self, user: UserConfig, scope: str) -> UserInfo:
        return user_claims(user, scope)


class StoreTokenValidator(BearerTokenValidator):  # type: ignore[misc]
    """Bearer access tokens looked up in the store."""

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store

    def authenticate_token(self, token_string: str) -> AccessToken | None:
        return self.store.token(token_string)


class StoreUserInfoEndpoint(UserInfoEndpoint):  # type: ignore[misc]
    """GET /userinfo: the claims the access token's scope allows."""

    def __init__(self, issuer: str, resource_protector: ResourceProtector) -> None:
        super().__init__(resource_protector=resource_protector)
        self.issuer = issuer

    def get_issuer(self) -> str:
        return self.issuer

    def generate_user_info(self, user: UserConfig, scope: str) -> UserInfo:
        return user_claims(user, scope)


def create_server(app: Flask, store: Store, key: RSAKey) -> AuthorizationServer:
    """An authlib authorization server for `app`, with its grant, extensions and userinfo."""
    issuer = store.config.issuer
    app.config["OAUTH2_SCOPES_SUPPORTED"] = list(SCOPES)
    app.config["OAUTH2_TOKEN_EXPIRES_IN"] = {"authorization_code": ACCESS_TOKEN_LIFETIME}

    def save_token(token: dict[str, Any], request: OAuth2Request) -> None:
        store.save_token(
            AccessToken(
                access_token=token["access_token"],
                client=request.client,
                user=request.user,
                scope=token.get("scope", ""),
                expires_at=time.time() + int(token["expires_in"]),
            )
        )

    server = AuthorizationServer(app, query_client=store.client, save_token=save_token)
    grant = type("StoreAuthorizationCodeGrant", (AuthorizationCodeGrant,), {"store": store})
    server.register_grant(grant, [S256CodeChallenge(), IdTokenExtension(issuer, key, store)])

    protector = ResourceProtector()
    protector.register_token_validator(StoreTokenValidator(store))
    server.register_endpoint(StoreUserInfoEndpoint(issuer, protector))
    return server
