"""In-memory clients, authorization codes and access tokens, shaped as authlib expects.

authlib calls methods on these objects (`ClientMixin`, `AuthorizationCodeMixin`,
`TokenMixin`): the method names here follow those protocols.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from deploy.example_idp.config import ClientConfig, IdpConfig, UserConfig

SCOPES = ("openid", "email", "profile")
TOKEN_AUTH_METHODS = ("client_secret_basic", "client_secret_post")
CODE_LIFETIME = 60  # seconds an authorization code can be exchanged
ACCESS_TOKEN_LIFETIME = 300  # seconds


@dataclass(frozen=True)
class Client:
    """A registered relying party (authlib's ClientMixin protocol)."""

    config: ClientConfig

    @property
    def client_id(self) -> str:
        return self.config.client_id

    @property
    def client_metadata(self) -> dict[str, Any]:
        """Read by authlib's UserInfoEndpoint (no signed userinfo here)."""
        return {}

    def get_client_id(self) -> str:
        return self.config.client_id

    def get_default_redirect_uri(self) -> str | None:
        # No default: every authorization request must name its redirect_uri.
        return None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        """The requested scopes this client may have; None (refused) without `openid`."""
        requested = (scope or "").split()
        if "openid" not in requested:
            return None
        return " ".join(s for s in requested if s in SCOPES)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.config.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(client_secret.encode(), self.config.client_secret.encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint == "token" and method in TOKEN_AUTH_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass(frozen=True)
class AuthorizationCode:
    """An issued code and what it was issued for (authlib's OIDC AuthorizationCodeMixin)."""

    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user_sub: str
    nonce: str | None
    code_challenge: str
    code_challenge_method: str
    auth_time: int
    expires_at: float

    def is_expired(self) -> bool:
        return time.time() >= self.expires_at

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> str | None:
        return None

    def get_amr(self) -> list[str] | None:
        return ["pwd"]


@dataclass(frozen=True)
class AccessToken:
    """An issued bearer token (authlib's TokenMixin protocol)."""

    access_token: str
    client: Client
    user: UserConfig
    scope: str
    expires_at: float

    def check_client(self, client: Client) -> bool:
        return client.client_id == self.client.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return max(0, int(self.expires_at - time.time()))

    def is_expired(self) -> bool:
        return time.time() >= self.expires_at

    def is_revoked(self) -> bool:
        return False

    def get_user(self) -> UserConfig:
        return self.user

    def get_client(self) -> Client:
        return self.client


@dataclass
class Store:
    """Everything the provider remembers, in memory, safe across request threads."""

    config: IdpConfig
    _codes: dict[str, AuthorizationCode] = field(default_factory=dict)
    _tokens: dict[str, AccessToken] = field(default_factory=dict)
    _nonces: set[tuple[str, str]] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def client(self, client_id: str | None) -> Client | None:
        for c in self.config.clients:
            if client_id is not None and c.client_id == client_id:
                return Client(c)
        return None

    def user_by_username(self, username: str) -> UserConfig | None:
        return next((u for u in self.config.users if u.username == username), None)

    def user_by_sub(self, sub: str) -> UserConfig | None:
        return next((u for u in self.config.users if u.sub == sub), None)

    def check_password(self, username: str, password: str) -> UserConfig | None:
        """The user, if the password is theirs; None otherwise (same cost either way)."""
        user = self.user_by_username(username)
        expected = user.password if user is not None else secrets.token_hex(16)
        ok = hmac.compare_digest(password.encode(), expected.encode())
        return user if ok and user is not None else None

    def save_code(self, code: AuthorizationCode) -> None:
        with self._lock:
            self._codes[code.code] = code
            if code.nonce:
                self._nonces.add((code.client_id, code.nonce))

    def nonce_used(self, client_id: str, nonce: str) -> bool:
        """Has this client used this nonce before (kept after the code is spent)?"""
        with self._lock:
            return (client_id, nonce) in self._nonces

    def code(self, code: str, client_id: str) -> AuthorizationCode | None:
        with self._lock:
            item = self._codes.get(code)
        if item is None or item.client_id != client_id or item.is_expired():
            return None
        return item

    def spend_code(self, code: str) -> bool:
        """Remove a code; False if another request spent it first (single use)."""
        with self._lock:
            return self._codes.pop(code, None) is not None

    def save_token(self, token: AccessToken) -> None:
        with self._lock:
            self._tokens[token.access_token] = token

    def token(self, access_token: str) -> AccessToken | None:
        with self._lock:
            return self._tokens.get(access_token)
