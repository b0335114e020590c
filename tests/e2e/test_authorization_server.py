"""The registry as the network's authorization server for its web app (the portal): the
authorization-code flow with PKCE (RFC 6749, RFC 7636), `iss` in the answer (RFC 9207), the
organisation found from the e-mail domain, one-use codes, refresh tokens bound to the app and
revocable; and the names a page may show (`/people`)."""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import httpx

from deploy.example_idp.sign_in import sign_in
from deploy.localnet.identity import Person, bearer
from shared.secrets import new_token
from tests.e2e.conftest import World, add_crowd


def _challenge(verifier: str) -> str:
    return (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )


def _client(world: World) -> tuple[str, str]:
    return "portal", world.env["MENTORNET_PORTAL_CLIENT_SECRET"]


def _redirect_uri(world: World) -> str:
    return f"{world.portal.url}/auth/callback"


def _authorize(world: World, verifier: str, state: str, **extra: str) -> str:
    query = {
        "response_type": "code",
        "client_id": "portal",
        "redirect_uri": _redirect_uri(world),
        "state": state,
        "code_challenge": _challenge(verifier),
        "code_challenge_method": "S256",
        **extra,
    }
    return f"{world.url('registry')}/oauth/authorize?{urlencode(query)}"


def _answer(response: httpx.Response) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(response.headers["location"]).query).items()}


def _code_for(world: World, person: Person, verifier: str, state: str) -> dict[str, str]:
    """Sign `person` in by their e-mail through their provider; the app's answer parameters."""
    with httpx.Client(timeout=15) as http:
        back = sign_in(
            http,
            _authorize(world, verifier, state, login_hint=person.email),
            person.username,
            person.password,
            stop_at=_redirect_uri(world),
        )
    return _answer(back)


def _redeem(world: World, code: str, verifier: str, **overrides: Any) -> httpx.Response:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": _redirect_uri(world),
        "code_verifier": verifier,
    }
    auth = overrides.pop("auth", _client(world))
    return httpx.post(f"{world.url('registry')}/oauth/token", data={**form, **overrides}, auth=auth)


def test_the_web_app_signs_a_person_in_by_e_mail_with_pkce_and_iss(world: World) -> None:
    verifier, state = new_token(), new_token()
    answer = _code_for(world, world.a.people["member"], verifier, state)
    assert answer["state"] == state
    assert answer["iss"] == world.url("registry"), "RFC 9207: the server names itself"
    code = answer["code"]

    wrong = _redeem(world, code, new_token())
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    # The failed attempt used the code up: a stolen code with a guessed verifier is worthless.
    again = _redeem(world, code, verifier)
    assert again.status_code == 400, "a code works once"

    verifier, state = new_token(), new_token()
    code = _code_for(world, world.a.people["member"], verifier, state)["code"]
    tokens = _redeem(world, code, verifier)
    assert tokens.status_code == 200, tokens.text
    me = httpx.get(f"{world.url('registry')}/me", headers=bearer(tokens.json()))
    assert me.json()["email"] == world.a.people["member"].email
    assert _redeem(world, code, verifier).status_code == 400, "a redeemed code is spent"

    refresh = tokens.json()["refresh_token"]
    token_url = f"{world.url('registry')}/oauth/token"
    unbound = httpx.post(token_url, data={"grant_type": "refresh_token", "refresh_token": refresh})
    assert unbound.status_code == 400, "the app's refresh token needs the app's secret"
    renewed = httpx.post(
        token_url,
        data={"grant_type": "refresh_token", "refresh_token": refresh},
        auth=_client(world),
    )
    assert renewed.status_code == 200, renewed.text
    fresh = renewed.json()["refresh_token"]
    revoke_url = f"{world.url('registry')}/oauth/revoke"
    assert httpx.post(revoke_url, data={"token": fresh}).status_code == 401, (
        "revoking needs the app"
    )
    assert httpx.post(revoke_url, data={"token": fresh}, auth=_client(world)).status_code == 200
    dead = httpx.post(
        token_url, data={"grant_type": "refresh_token", "refresh_token": fresh}, auth=_client(world)
    )
    assert dead.status_code == 400, "a revoked refresh token is dead"


def test_refusals_go_back_to_the_app_and_bad_clients_go_nowhere(world: World) -> None:
    verifier = new_token()
    with httpx.Client(timeout=15) as http:
        unknown = http.get(_authorize(world, verifier, "s" * 20, login_hint="x@nowhere.example"))
        assert unknown.status_code == 302
        answer = _answer(unknown)
        assert answer["error"] == "organisation_not_found"
        assert answer["state"] == "s" * 20 and answer["iss"] == world.url("registry")

        picked = http.get(_authorize(world, verifier, "s" * 20, organisation=world.b.id))
        assert picked.headers["location"].startswith(world.b.provider.issuer)

        for bad in ({"redirect_uri": "https://evil.example/cb"}, {"client_id": "someone-else"}):
            refused = http.get(_authorize(world, verifier, "s" * 20, **bad))
            assert refused.status_code == 400, "never redirect to an unregistered place"
            assert "location" not in refused.headers

        plain = http.get(
            _authorize(
                world, verifier, "s" * 20, code_challenge_method="plain", login_hint="a@a.example"
            )
        )
        assert _answer(plain)["error"] == "invalid_request", "PKCE is S256 only"

    stranger = httpx.post(
        f"{world.url('registry')}/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": "x",
            "redirect_uri": "y",
            "code_verifier": "z",
        },
        auth=("portal", "not-the-secret"),
    )
    assert stranger.status_code == 401


def test_a_person_who_cancels_at_their_provider_goes_back_to_the_app_refused(world: World) -> None:
    verifier, state = new_token(), new_token()
    with httpx.Client(timeout=15) as http:
        to_provider = http.get(_authorize(world, verifier, state, login_hint="member@b.example"))
        provider_query = parse_qs(urlparse(to_provider.headers["location"]).query)
        registry_state = provider_query["state"][0]
        back = http.get(
            f"{world.url('registry')}/auth/callback",
            params={"error": "access_denied", "state": registry_state},
        )
    answer = _answer(back)
    assert back.headers["location"].startswith(_redirect_uri(world))
    assert answer["error"] == "access_denied" and answer["state"] == state


def test_an_e_mail_domain_leads_to_one_organisation(world: World) -> None:
    taken = httpx.post(
        f"{world.url('registry')}/organisations",
        json={
            "name": "Copycat Trust",
            "sector": "health",
            "admin_emails": ["admin@copycat.example"],
            "email_domains": ["a.example"],
        },
        headers=bearer(world.coordinator),
    )
    assert taken.status_code == 409, taken.text
    assert "a.example" in taken.json()["detail"]


def _cards(
    world: World, tokens: dict[str, Any], organisation: str, *members: str
) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{world.url('registry')}/people",
        params=[("member", f"{organisation}/{m}") for m in members],
        headers=bearer(tokens),
    )
    assert response.status_code == 200, response.text
    cards: list[dict[str, Any]] = response.json()
    return cards


def test_people_are_named_by_consent(world: World) -> None:
    # An organisation of the test's own: its member's consent changes nothing anyone else sees.
    rimu = add_crowd(world, "namecards", "Rimu Namecards", "engineering", 1)
    registry = world.url("registry")
    member = httpx.get(f"{registry}/me", headers=bearer(rimu.people[0])).json()["id"]
    profile = {"display_name": "Rimu Person", "share_across_organisations": False}
    written = httpx.put(f"{registry}/me/profile", json=profile, headers=bearer(rimu.people[0]))
    assert written.status_code == 200, written.text

    (card,) = _cards(world, world.a.member, rimu.id, member)
    assert card["display_name"] is None, "no consent: A's people do not see the name"
    assert card["organisation_name"] == "Rimu Namecards"
    (own,) = _cards(world, rimu.admin, rimu.id, member)
    assert own["display_name"] == "Rimu Person", "the member's own organisation does"

    profile["share_across_organisations"] = True
    httpx.put(f"{registry}/me/profile", json=profile, headers=bearer(rimu.people[0]))
    (shared,) = _cards(world, world.a.member, rimu.id, member)
    assert shared["display_name"] == "Rimu Person"

    (nobody,) = _cards(world, world.a.member, rimu.id, "mem_0000000000000000")
    assert nobody["display_name"] is None and not nobody["former_member"]
    bad = httpx.get(
        f"{registry}/people", params={"member": "mem_x"}, headers=bearer(world.a.member)
    )
    assert bad.status_code == 422


def test_the_sign_in_page_lists_organisations_by_name_only(world: World) -> None:
    listed = httpx.get(f"{world.url('registry')}/auth/organisations").json()
    assert {"id": world.a.id, "name": "Alder Care Trust"} in listed
    assert all(set(o) == {"id", "name"} for o in listed)
