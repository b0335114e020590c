"""Signing in through one's own organisation's provider: authorization code with PKCE, state
and nonce; the member is linked by (issuer, subject); on first sign-in, by the provider's
verified e-mail to a member the organisation imported (pre-provisioned), else provisioned.

An attempt started by a web app's authorization request (the portal) carries that request, so
the sign-in ends with a code for the app instead of tokens shown to the browser. An attempt
started by an admin's provider trial signs in through the provider being tried, with the same
checks, and ends by recording the trial's outcome instead of signing anyone in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from authlib.oauth2.rfc7636 import create_s256_code_challenge

from services.registry.adapters.audit_trail import AuditTrail
from services.registry.adapters.identity_providers import IdentityProviders, ProviderError
from services.registry.adapters.member_store import MemberStore
from services.registry.adapters.organisation_store import OrganisationStore
from services.registry.adapters.provider_trials import ProviderTrialStore
from services.registry.domain.audit import AuditAction, new_entry
from services.registry.domain.authorization import AuthorizationRequest
from services.registry.domain.member import Member, first_sign_in, verified_email
from services.registry.domain.provider_trial import TrialStatus, signed_in_as
from shared import clock
from shared.auth.principal import Role
from shared.contracts.registry import MemberRegistered, RoleGranted
from shared.errors import DomainError, NotFoundError
from shared.events.catalogue import new_event
from shared.secrets import SecretBox, new_token
from shared.tenancy import TenantData

ATTEMPTS = "sign_in_attempts"
ATTEMPT_LIFETIME = timedelta(minutes=10)
ATTEMPT_SWEEP_SECONDS = 300.0  # how often attempts past their lifetime are dropped


def check_answer_issuer(provider: Mapping[str, Any], iss: str | None) -> None:
    """RFC 9207: an authorization response naming another issuer than the provider the attempt
    went to is refused before its code goes anywhere (a mix-up: another provider, perhaps an
    attacker's, trying to have its code redeemed here); so is one without `iss` from a
    provider that says it always sends it."""
    if iss is not None and iss.rstrip("/") != str(provider["issuer"]).rstrip("/"):
        raise ProviderError("the answer came from another provider than the one asked (iss)")
    if iss is None and provider.get("iss_in_answer"):
        raise ProviderError("the provider's answer did not say who sent it (iss)")


class SignInError(DomainError):
    """The sign-in cannot go on; start again. `downstream` is the web app's request when the
    attempt came from one, so the app can be told instead of the browser seeing this."""

    status = 400
    error = "sign_in_failed"

    def __init__(self, detail: str, downstream: AuthorizationRequest | None = None) -> None:
        super().__init__(detail)
        self.downstream = downstream


@dataclass(frozen=True)
class SignedIn:
    """Who signed in, and the web app's request the attempt carried (if it came from one)."""

    member: Member
    downstream: AuthorizationRequest | None


@dataclass(frozen=True)
class TrialSignIn:
    """An admin's trial sign-in ended (passed or failed: the trial records which)."""

    organisation_id: str
    trial_id: str
    return_to: str | None


class SignInFlow:
    """The two halves of a sign-in: off to the provider, and back with a code."""

    def __init__(
        self,
        data: TenantData,
        organisations: OrganisationStore,
        members: MemberStore,
        providers: IdentityProviders,
        box: SecretBox,
        callback_url: str,
        trials: ProviderTrialStore,
        audit: AuditTrail,
    ) -> None:
        self._attempts = data.network(ATTEMPTS)
        self._organisations = organisations
        self._members = members
        self._providers = providers
        self._box = box
        self._callback_url = callback_url
        self._trials = trials
        self._audit = audit

    async def begin(
        self, organisation_id: str, downstream: AuthorizationRequest | None = None
    ) -> str:
        """The provider URL to send the person to; remembers state, nonce and PKCE verifier
        (and the web app's request, when one started this)."""
        await self._organisations.get_for_system(organisation_id)
        provider = await self._organisations.provider(None, organisation_id)
        if provider is None:
            raise NotFoundError("this organisation has not connected its sign-in provider yet")
        return await self._start(organisation_id, provider, downstream=downstream)

    async def begin_trial(
        self, organisation_id: str, trial_id: str, provider: Mapping[str, Any]
    ) -> str:
        """The URL of the provider being tried (`provider`: the trial's checked settings), for
        the admin who tries it; the callback records the trial's outcome."""
        return await self._start(organisation_id, provider, trial_id=trial_id)

    async def _start(
        self,
        organisation_id: str,
        provider: Mapping[str, Any],
        *,
        downstream: AuthorizationRequest | None = None,
        trial_id: str | None = None,
    ) -> str:
        state, nonce, verifier = new_token(), new_token(), new_token()
        await self._attempts.insert_one(
            {
                "_id": state,
                "organisation_id": organisation_id,
                "nonce": nonce,
                "code_verifier": verifier,
                "created_at": datetime.now(UTC),
                "downstream": downstream.model_dump() if downstream else None,
                "trial_id": trial_id,
            }
        )
        parameters = {
            "response_type": "code",
            "client_id": provider["client_id"],
            "redirect_uri": self._callback_url,
            "scope": "openid email profile",
            "state": state,
            "nonce": nonce,
            "code_challenge": create_s256_code_challenge(verifier),
            "code_challenge_method": "S256",
        }
        if downstream is not None and downstream.login_hint:
            parameters["login_hint"] = downstream.login_hint  # OIDC Core §3.1.2.1
        return f"{provider['authorization_endpoint']}?{urlencode(parameters)}"

    async def sweep_abandoned(self) -> None:
        """Drop attempts nobody came back to within their lifetime (the person closed the
        page): they could never complete, and each holds a PKCE verifier and a nonce."""
        cutoff = datetime.now(UTC) - ATTEMPT_LIFETIME
        await self._attempts.delete_many({"created_at": {"$lt": cutoff}})

    async def abandon(self, state: str, reason: str) -> AuthorizationRequest | TrialSignIn | None:
        """The provider refused or the person cancelled: drop the attempt, and give back the
        web app's request so the app can be told (None for a plain sign-in); a trial records
        `reason` as its failure."""
        attempt = await self._attempts.find_one_and_delete({"_id": state})
        if attempt is not None and attempt.get("trial_id"):
            return await self._trial_failed(attempt, reason)
        return _downstream(attempt)

    async def complete(
        self, code: str, state: str, iss: str | None = None
    ) -> SignedIn | TrialSignIn:
        """Check the provider's answer (`iss`: who it says sent it, RFC 9207) and link or
        provision the member (or, for a trial, record that the provider signed its admin in)."""
        attempt = await self._attempts.find_one_and_delete({"_id": state})
        if attempt is None:
            raise SignInError("this sign-in link is unknown or was already used; start again")
        if attempt.get("trial_id"):
            return await self._complete_trial(attempt, code, iss)
        downstream = _downstream(attempt)
        try:
            if datetime.now(UTC) - attempt["created_at"] > ATTEMPT_LIFETIME:
                raise SignInError("this sign-in took too long; start again")
            member = await self._member_for(attempt, code, iss)
        except DomainError as exc:
            if downstream is None:
                raise
            raise SignInError(exc.detail, downstream) from exc
        return SignedIn(member, downstream)

    async def _complete_trial(
        self, attempt: dict[str, Any], code: str, iss: str | None
    ) -> TrialSignIn:
        """The trial's one sign-in: the same exchange and ID-token checks as a real one."""
        organisation_id, trial_id = attempt["organisation_id"], attempt["trial_id"]
        trial = await self._trials.for_sign_in(organisation_id, trial_id)
        if trial is None:
            raise SignInError("this provider trial is unknown; start again")
        try:
            if datetime.now(UTC) - attempt["created_at"] > ATTEMPT_LIFETIME:
                raise SignInError("this sign-in took too long; try the provider again")
            claims = await self._claims(organisation_id, trial, attempt, code, iss)
        except DomainError as exc:
            return await self._trial_failed(attempt, exc.detail, trial)
        email, name = signed_in_as(claims)
        await self._trials.record(
            organisation_id,
            trial_id,
            {
                "status": TrialStatus.PASSED.value,
                "signed_in_email": email,
                "signed_in_name": name,
            },
        )
        return TrialSignIn(organisation_id, trial_id, trial.get("return_to"))

    async def _trial_failed(
        self, attempt: dict[str, Any], reason: str, trial: dict[str, Any] | None = None
    ) -> TrialSignIn:
        organisation_id, trial_id = attempt["organisation_id"], attempt["trial_id"]
        trial = trial or await self._trials.for_sign_in(organisation_id, trial_id)
        if trial is None:
            raise SignInError("this provider trial is unknown; start again")
        await self._trials.record(
            organisation_id, trial_id, {"status": TrialStatus.FAILED.value, "reason": reason}
        )
        return TrialSignIn(organisation_id, trial_id, trial.get("return_to"))

    async def _claims(
        self,
        organisation_id: str,
        provider: Mapping[str, Any],
        attempt: dict[str, Any],
        code: str,
        iss: str | None,
    ) -> dict[str, Any]:
        """Check who sent the answer, exchange the provider's code and verify the ID token it
        returns: its claims."""
        check_answer_issuer(provider, iss)
        secret = self._box.open(provider["client_secret_sealed"], context=organisation_id)
        answer = await self._providers.exchange_code(
            provider["token_endpoint"],
            code=code,
            redirect_uri=self._callback_url,
            code_verifier=attempt["code_verifier"],
            client_id=provider["client_id"],
            client_secret=secret,
        )
        id_token = answer.get("id_token")
        if not isinstance(id_token, str):
            raise ProviderError("the provider returned no ID token")
        return await self._providers.verify_id_token(
            id_token,
            jwks_uri=provider["jwks_uri"],
            issuer=provider["issuer"],
            client_id=provider["client_id"],
            nonce=attempt["nonce"],
        )

    async def _member_for(self, attempt: dict[str, Any], code: str, iss: str | None) -> Member:
        """Exchange the provider's code, verify its ID token, and find, link or provision
        the member it names."""
        organisation_id = attempt["organisation_id"]
        provider = await self._organisations.provider(None, organisation_id)
        if provider is None:
            raise SignInError("the organisation's provider was disconnected; start again")
        claims = await self._claims(organisation_id, provider, attempt, code, iss)
        member = await self._members.by_identity(
            organisation_id, provider["issuer"], str(claims["sub"])
        )
        if member is None:
            member = await self._link_imported(
                organisation_id, provider["issuer"], str(claims["sub"]), claims
            )
        if member is None:
            verified = verified_email(claims)
            email = claims.get("email")
            member = first_sign_in(
                organisation_id=organisation_id,
                issuer=provider["issuer"],
                subject=str(claims["sub"]),
                email=email if isinstance(email, str) else None,
                name=claims.get("name"),
                invited=await self._use_invitation(organisation_id, verified),
                now=clock.now(),
            )
            event = new_event(
                MemberRegistered(
                    member_id=member.id,
                    organisation_id=organisation_id,
                    roles=[r.value for r in member.roles],
                    registered_at=member.joined_at,
                ),
                organisation=organisation_id,
                subject=member.id,
            )
            await self._members.add(member, [event])
        return member

    async def _link_imported(
        self, organisation_id: str, issuer: str, subject: str, claims: dict[str, Any]
    ) -> Member | None:
        """The member the organisation imported for this person's VERIFIED e-mail and who
        has not signed in yet: it gets their identity and any invited roles."""
        email = verified_email(claims)
        if email is None:
            return None
        member = await self._members.pre_provisioned(organisation_id, email)
        if member is None:
            return None
        invited = await self._use_invitation(organisation_id, email, member.id)
        roles = sorted(set(member.roles) | set(invited))
        events = [
            new_event(
                RoleGranted(
                    member_id=member.id,
                    organisation_id=organisation_id,
                    role=role.value,
                    granted_by="invitation",
                ),
                organisation=organisation_id,
                subject=member.id,
            )
            for role in roles
            if role not in member.roles
        ]
        if not await self._members.link_identity(member, issuer, subject, roles, events):
            # Another sign-in attached an identity first: this one's, or someone else's.
            return await self._members.by_identity(organisation_id, issuer, subject)
        return member.model_copy(update={"issuer": issuer, "subject": subject, "roles": roles})

    async def _use_invitation(
        self, organisation_id: str, email: str | None, member_id: str | None = None
    ) -> list[Role]:
        """The roles of the invitation `email` uses up (none without a verified address);
        the organisation's audit trail records the use (by the invitation's id, never the
        address)."""
        if email is None:
            return []
        roles = await self._organisations.use_invitation(organisation_id, email)
        if roles:
            await self._audit.record(
                organisation_id,
                new_entry(
                    None,
                    AuditAction.INVITATION_USED,
                    member_id or self._organisations.invitation_id(organisation_id, email),
                    ", ".join(sorted(r.value for r in roles)),
                    clock.now(),
                ),
            )
        return roles


def _downstream(attempt: dict[str, Any] | None) -> AuthorizationRequest | None:
    request = (attempt or {}).get("downstream")
    return AuthorizationRequest.model_validate(request) if request else None
