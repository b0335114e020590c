"""Partners sign in through their own providers; roles, clients and tokens behave."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from deploy.example_idp.sign_in import PasswordRefusedError
from deploy.localnet.identity import bearer, sign_in_tokens
from services.registry.adapters.identity_providers import IdentityProviders, ProviderError
from tests.e2e.conftest import World, provider_id_token
from tests.e2e.test_first_flow import eventually


def _claims(world: World, tokens: dict[str, Any]) -> dict[str, Any]:
    keys = KeySet.import_key_set(httpx.get(f"{world.url('registry')}/.well-known/jwks.json").json())
    return dict(jwt.decode(str(tokens["access_token"]), keys, algorithms=["RS256"]).claims)


def test_people_sign_in_through_their_own_provider_with_the_roles_they_were_given(
    world: World,
) -> None:
    coordinator = _claims(world, world.coordinator)
    assert coordinator["org"] == world.office_id
    assert {"network_coordinator", "organisation_admin", "member"} <= set(coordinator["roles"])
    assert coordinator["iss"] == world.url("registry")
    assert coordinator["aud"] == "mentornet"

    admin_a, member_a = _claims(world, world.a.admin), _claims(world, world.a.member)
    assert admin_a["org"] == member_a["org"] == world.a.id
    assert "organisation_admin" in admin_a["roles"]
    assert member_a["roles"] == ["member"]
    assert _claims(world, world.b.admin)["org"] == world.b.id


def test_signing_in_again_links_to_the_same_member(world: World) -> None:
    registry = world.url("registry")
    again = sign_in_tokens(registry, world.a.id, world.a.people["member"])
    first = httpx.get(f"{registry}/me", headers=bearer(world.a.member)).json()
    second = httpx.get(f"{registry}/me", headers=bearer(again)).json()
    assert first["id"] == second["id"]
    assert second["email"] == "member@a.example"


def test_a_person_of_one_provider_cannot_sign_in_to_another_organisation(world: World) -> None:
    stranger = world.b.people["member"]  # known to B's provider only
    with pytest.raises(PasswordRefusedError):
        sign_in_tokens(world.url("registry"), world.a.id, stranger)


def test_new_members_reach_evaluation_in_their_own_organisations_database(world: World) -> None:
    evaluation = world.url("evaluation")

    def a_counts_its_two() -> bool:
        """evaluation counts A's admin and member"""
        stats = httpx.get(
            f"{evaluation}/organisations/{world.a.id}/statistics", headers=bearer(world.a.admin)
        )
        return stats.status_code == 200 and stats.json()["members"] >= 2

    eventually(a_counts_its_two)
    # B's admin cannot read A's figures, and the numbers come from different databases.
    refused = httpx.get(
        f"{evaluation}/organisations/{world.a.id}/statistics", headers=bearer(world.b.admin)
    )
    assert refused.status_code == 404


def test_an_admin_grants_and_revokes_a_role_and_the_refreshed_token_carries_it(
    world: World,
) -> None:
    registry = world.url("registry")
    with world.reader(world.a.admin) as http:
        members = http.get(f"{registry}/organisations/{world.a.id}/members").json()
        member = next(m for m in members if m["email"] == "member@a.example")
        roles_url = (
            f"{registry}/organisations/{world.a.id}/members/{member['id']}"
            "/roles/programme_coordinator"
        )
        granted = http.put(roles_url)
        assert granted.status_code == 200, granted.text
        assert "programme_coordinator" in granted.json()["roles"]
        # A plain member may not grant; an admin may not make a network co-ordinator.
        assert httpx.put(roles_url, headers=bearer(world.a.member)).status_code == 403
        nc_url = roles_url.replace("programme_coordinator", "network_coordinator")
        assert http.put(nc_url).status_code == 403

    refreshed = httpx.post(
        f"{registry}/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": world.a.member["refresh_token"]},
    )
    assert refreshed.status_code == 200, refreshed.text
    assert "programme_coordinator" in _claims(world, refreshed.json())["roles"]
    # A refresh token is good once.
    replay = httpx.post(
        f"{registry}/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": world.a.member["refresh_token"]},
    )
    assert replay.status_code == 400
    # A replayed token retires its whole family, the token refreshed from it too: a thief and
    # the person cannot both go on (RFC 9700 §4.14.2); the person signs in again.
    after_replay = httpx.post(
        f"{registry}/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": refreshed.json()["refresh_token"]},
    )
    assert after_replay.status_code == 400, after_replay.text
    world.a.member = refreshed.json()  # its access token still serves the tests after this

    with world.reader(world.a.admin) as http:
        revoked = http.delete(roles_url)
        assert "programme_coordinator" not in revoked.json()["roles"]


def test_an_integration_client_gets_a_token_for_its_own_organisation_only(world: World) -> None:
    registry = world.url("registry")
    with world.reader(world.a.admin) as http:
        created = http.post(
            f"{registry}/organisations/{world.a.id}/clients",
            json={"name": "HR sync", "scopes": ["members:read"]},
        )
        assert created.status_code == 201, created.text
        client = created.json()
        listed = http.get(f"{registry}/organisations/{world.a.id}/clients").json()
    assert all("client_secret" not in c and "secret_hash" not in c for c in listed)
    assert client["client_id"] in {c["client_id"] for c in listed}

    token = httpx.post(
        f"{registry}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client["client_id"], client["client_secret"]),
    )
    assert token.status_code == 200, token.text
    claims = _claims(world, token.json())
    assert claims["org"] == world.a.id
    assert claims["scope"] == "members:read"
    assert claims["kind"] == "client"
    own = httpx.get(f"{registry}/organisations/{world.a.id}/members", headers=bearer(token.json()))
    assert own.status_code == 200
    assert len(own.json()) >= 2

    wrong = httpx.post(
        f"{registry}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client["client_id"],
            "client_secret": "guess",
        },
    )
    assert wrong.status_code == 401
    more = httpx.post(
        f"{registry}/oauth/token",
        data={"grant_type": "client_credentials", "scope": "members:write"},
        auth=(client["client_id"], client["client_secret"]),
    )
    assert more.status_code == 400
    assert more.json()["error"] == "invalid_scope"


def test_the_providers_client_secret_is_never_shown(world: World) -> None:
    registry = world.url("registry")
    shown = httpx.get(
        f"{registry}/organisations/{world.a.id}/identity-provider", headers=bearer(world.a.admin)
    )
    assert shown.status_code == 200
    assert shown.json()["issuer"] == world.a.provider.issuer
    assert world.a.provider.client_secret not in shown.text
    for process in world.services.values():
        assert world.a.provider.client_secret not in process.log_path.read_text()


def test_a_provider_that_cannot_be_verified_is_refused_with_a_reason(world: World) -> None:
    registry = world.url("registry")
    with world.reader(world.a.admin) as http:
        unreachable = http.put(
            f"{registry}/organisations/{world.a.id}/identity-provider",
            json={"issuer": "http://127.0.0.1:9", "client_id": "x", "client_secret": "y"},
        )
        assert unreachable.status_code == 422
        assert "could not reach" in unreachable.json()["detail"]
        # A provider that does not answer discovery where its issuer says.
        elsewhere = http.put(
            f"{registry}/organisations/{world.a.id}/identity-provider",
            json={
                "issuer": f"{world.b.provider.issuer}/tenant",
                "client_id": "x",
                "client_secret": "y",
            },
        )
        assert elsewhere.status_code == 422
        assert "404" in elsewhere.json()["detail"]
        not_https = http.put(
            f"{registry}/organisations/{world.a.id}/identity-provider",
            json={"issuer": "http://idp.example.com", "client_id": "x", "client_secret": "y"},
        )
        assert not_https.status_code == 422
        # A's real provider is still the one in use.
        assert (
            http.get(f"{registry}/organisations/{world.a.id}/identity-provider").json()["issuer"]
            == world.a.provider.issuer
        )


def test_unknown_organisations_and_tampered_callbacks_are_refused(world: World) -> None:
    registry = world.url("registry")
    assert httpx.get(f"{registry}/auth/login/org_000000000000").status_code == 404
    forged = httpx.get(f"{registry}/auth/callback", params={"code": "x", "state": "guessed"})
    assert forged.status_code == 400
    assert "start again" in forged.json()["detail"]
    denied = httpx.get(f"{registry}/auth/callback", params={"error": "access_denied"})
    assert denied.status_code == 400


async def test_a_providers_id_token_is_refused_unless_everything_matches(world: World) -> None:
    token = provider_id_token(world, world.a, nonce="expected-nonce")
    discovery = httpx.get(f"{world.a.provider.issuer}/.well-known/openid-configuration").json()
    right = {
        "jwks_uri": discovery["jwks_uri"],
        "issuer": world.a.provider.issuer,
        "client_id": "mentornet",
        "nonce": "expected-nonce",
    }
    b_jwks = httpx.get(f"{world.b.provider.issuer}/.well-known/openid-configuration").json()[
        "jwks_uri"
    ]
    async with httpx.AsyncClient() as http:
        providers = IdentityProviders(http, allow_loopback_http=True)
        claims = await providers.verify_id_token(token, **right)
        assert claims["sub"] == "sub-a-member"
        for wrong in (
            {"nonce": "replayed"},
            {"client_id": "another-app"},
            {"issuer": world.b.provider.issuer},
            {"jwks_uri": b_jwks},
        ):
            with pytest.raises(ProviderError, match="ID token was refused"):
                await providers.verify_id_token(token, **{**right, **wrong})
