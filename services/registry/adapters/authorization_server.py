"""The network's authorization server for its first-party web app: the order of each step of
the authorization-code flow, between the routes and the stores.

authorize → (the organisation's own provider) → callback → code to the app → token endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.registry.adapters.authorization_codes import AuthorizationCodes
from services.registry.adapters.member_store import MemberStore
from services.registry.adapters.network_tokens import NetworkTokens, TokenResponse
from services.registry.adapters.organisation_store import OrganisationStore
from services.registry.adapters.sign_in import SignInError, SignInFlow, TrialSignIn
from services.registry.domain.authorization import (
    AuthorizationError,
    AuthorizationRequest,
    WebClient,
    check_client,
    check_request,
    email_domain,
    organisation_for,
    pkce_matches,
    provider_refusal,
    redirect_with,
)
from shared.errors import NotFoundError


@dataclass(frozen=True)
class AuthorizeParameters:
    """The query of an authorization request, as it came."""

    response_type: str | None
    client_id: str | None
    redirect_uri: str | None
    state: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    login_hint: str | None
    organisation: str | None


class OAuthError(Exception):
    """An RFC 6749 §5.2 token-endpoint error."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


class AuthorizationServer:
    """Authorization requests, the callback's hand-back, and the app's token calls."""

    def __init__(
        self,
        client: WebClient | None,
        organisations: OrganisationStore,
        members: MemberStore,
        sign_in: SignInFlow,
        codes: AuthorizationCodes,
        tokens: NetworkTokens,
        *,
        issuer: str,
    ) -> None:
        self._client = client
        self._organisations = organisations
        self._members = members
        self._sign_in = sign_in
        self._codes = codes
        self._tokens = tokens
        self._issuer = issuer

    @property
    def enabled(self) -> bool:
        """Whether a web app is registered (else the authorization endpoint is off)."""
        return self._client is not None

    async def authorize(self, query: AuthorizeParameters) -> str:
        """Where to send the browser: the organisation's provider, or back to the app with an
        error. UnknownClientError (never a redirect) for an unregistered app or redirect URI."""
        client = check_client(self._client, query.client_id or "", query.redirect_uri or "")
        try:
            check_request(
                response_type=query.response_type,
                state=query.state,
                code_challenge=query.code_challenge,
                code_challenge_method=query.code_challenge_method,
            )
            organisation = organisation_for(
                await self._organisations.directory(),
                domain=email_domain(query.login_hint),
                organisation_id=query.organisation,
            )
            request = AuthorizationRequest(
                client_id=client.client_id,
                redirect_uri=client.redirect_uri,
                state=query.state or "",
                code_challenge=query.code_challenge or "",
                login_hint=query.login_hint.strip() if query.login_hint else None,
            )
            try:
                return await self._sign_in.begin(organisation.id, request)
            except NotFoundError as exc:
                raise AuthorizationError("organisation_not_ready", exc.detail) from exc
        except AuthorizationError as exc:
            return self._back(
                client.redirect_uri,
                {"error": exc.error, "error_description": exc.description},
                query.state,
            )

    @property
    def web_client(self) -> WebClient | None:
        """The registered web app (the portal), if there is one."""
        return self._client

    async def callback(
        self,
        code: str | None,
        state: str | None,
        error: str | None,
        error_description: str | None = None,
        iss: str | None = None,
    ) -> str | TokenResponse | TrialSignIn:
        """The provider sent the person back: for the app, a redirect with a code (or with
        `access_denied`); for a plain sign-in, the tokens; for a provider trial, the trial
        (its outcome recorded). SignInError when none applies."""
        if error or not code or not state:
            reason = provider_refusal(error, error_description)
            abandoned = await self._sign_in.abandon(state, reason) if state else None
            if isinstance(abandoned, TrialSignIn):
                return abandoned
            if abandoned is None:
                raise SignInError(reason)
            return self._denied(abandoned, reason)
        try:
            signed_in = await self._sign_in.complete(code, state, iss)
        except SignInError as exc:
            if exc.downstream is None:
                raise
            return self._denied(exc.downstream, exc.detail)
        if isinstance(signed_in, TrialSignIn):
            return signed_in
        member, downstream = signed_in.member, signed_in.downstream
        if downstream is None:
            return await self._tokens.for_member(member)
        issued = await self._codes.issue(downstream, member.organisation_id, member.id)
        return self._back(downstream.redirect_uri, {"code": issued}, downstream.state)

    def authenticate(self, client_id: str | None, secret: str | None) -> WebClient | None:
        """The web app, if these are its credentials."""
        client = self._client
        if client is None or not client.authenticates(client_id or "", secret or ""):
            return None
        return client

    async def exchange(
        self, client: WebClient, code: str, redirect_uri: str, verifier: str
    ) -> TokenResponse:
        """RFC 6749 §4.1.3 with RFC 7636 §4.6: a code for tokens, once; OAuthError otherwise."""
        issued = await self._codes.redeem(code)
        if issued is None or issued.request.client_id != client.client_id:
            raise OAuthError("invalid_grant", "the code is unknown, used or expired")
        if redirect_uri != issued.request.redirect_uri:
            raise OAuthError("invalid_grant", "redirect_uri differs from the authorization request")
        if not pkce_matches(verifier, issued.request.code_challenge):
            raise OAuthError("invalid_grant", "the code_verifier does not match the challenge")
        member = await self._members.by_id_for_system(issued.organisation_id, issued.member_id)
        if member is None:
            raise OAuthError("invalid_grant", "the member is no longer in the network")
        return await self._tokens.for_member(member, client.client_id)

    def _back(self, redirect_uri: str, parameters: dict[str, str], state: str | None) -> str:
        # RFC 9207: `iss` on every response, so the app knows which server answered.
        answer = {**parameters, "iss": self._issuer}
        if state:
            answer["state"] = state
        return redirect_with(redirect_uri, answer)

    def _denied(self, downstream: AuthorizationRequest, reason: str) -> str:
        return self._back(
            downstream.redirect_uri,
            {"error": "access_denied", "error_description": reason},
            downstream.state,
        )
