"""The provider's HTTP routes (Flask): discovery, JWKS, sign-in form, token, userinfo."""

from __future__ import annotations

from typing import Any

from authlib.oauth2 import OAuth2Error
from authlib.oidc.discovery import OpenIDProviderMetadata
from flask import Flask, Response, jsonify, request
from flask.typing import ResponseReturnValue
from joserfc.jwk import RSAKey

from deploy.example_idp.config import IdpConfig
from deploy.example_idp.keys import SIGNING_ALG, public_jwks
from deploy.example_idp.login_form import error_page, login_page
from deploy.example_idp.models import SCOPES, TOKEN_AUTH_METHODS, Store
from deploy.example_idp.server import create_server


def discovery_document(issuer: str) -> dict[str, Any]:
    """OpenID Provider Metadata (OpenID Connect Discovery 1.0), checked by authlib."""
    metadata = OpenIDProviderMetadata(
        issuer=issuer,
        authorization_endpoint=f"{issuer}/authorize",
        token_endpoint=f"{issuer}/token",
        jwks_uri=f"{issuer}/jwks",
        userinfo_endpoint=f"{issuer}/userinfo",
        response_types_supported=["code"],
        response_modes_supported=["query"],
        grant_types_supported=["authorization_code"],
        subject_types_supported=["public"],
        id_token_signing_alg_values_supported=[SIGNING_ALG],
        code_challenge_methods_supported=["S256"],
        token_endpoint_auth_methods_supported=list(TOKEN_AUTH_METHODS),
        scopes_supported=list(SCOPES),
        claims_supported=[
            *("sub", "iss", "aud", "exp", "iat", "auth_time", "nonce"),
            *("email", "email_verified", "name"),
        ],
    )
    metadata.validate()
    return dict(metadata)


def create_app(config: IdpConfig, key: RSAKey) -> Flask:
    """The Flask app for one provider, its state in memory."""
    app = Flask(__name__)
    store = Store(config)
    server = create_server(app, store, key)
    discovery = discovery_document(config.issuer)
    jwks = public_jwks(key)

    def refuse(error: OAuth2Error) -> ResponseReturnValue:
        # With a redirect_uri authlib has checked against the client, the error goes back
        # to the relying party (RFC 6749 4.1.2.1); otherwise it is shown here, never sent.
        if error.redirect_uri:
            response: Response = server.handle_error_response(None, error)
            return response
        page = error_page(
            title=config.name, error=error.error, description=error.get_error_description()
        )
        return page, error.status_code or 400, {"Content-Type": "text/html; charset=utf-8"}

    def form(status: int, username: str = "", error: str | None = None) -> ResponseReturnValue:
        page = login_page(
            title=config.name,
            action="/authorize",
            request_params=[(k, v) for k in request.values for v in request.values.getlist(k)],
            username=username,
            error=error,
        )
        return page, status, {"Content-Type": "text/html; charset=utf-8"}

    @app.get("/.well-known/openid-configuration")
    def openid_configuration() -> ResponseReturnValue:
        return jsonify(discovery)

    @app.get("/jwks")
    def jwks_document() -> ResponseReturnValue:
        return jsonify(jwks)

    @app.route("/authorize", methods=["GET", "POST"])
    def authorize() -> ResponseReturnValue:
        # Both methods validate the authorization request first (GET: from the query;
        # POST: from the form's hidden fields): client, redirect_uri, scope, PKCE, nonce.
        try:
            grant = server.get_consent_grant(end_user=None)
        except OAuth2Error as error:
            return refuse(error)
        if request.method == "GET":
            return form(200)
        username = request.form.get("username", "")
        user = store.check_password(username, request.form.get("password", ""))
        if user is None:
            return form(401, username, "Wrong username or password.")
        response: Response = server.create_authorization_response(grant_user=user, grant=grant)
        return response

    @app.post("/token")
    def token() -> ResponseReturnValue:
        response: Response = server.create_token_response()
        return response

    @app.route("/userinfo", methods=["GET", "POST"])
    def userinfo() -> ResponseReturnValue:
        response: Response = server.create_endpoint_response("userinfo")
        return response

    return app
