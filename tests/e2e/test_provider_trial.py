"""Trying a sign-in provider before connecting it, through the real registry and real example
providers: the admin signs in once through the provider being tried (the registry's own
callback), the browser goes back to the portal only, the trial can be saved once and then
people sign in through it; a provider that does not sign the admin in says why."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from deploy.example_idp.sign_in import sign_in
from deploy.localnet.identity import CLIENT_ID, Person, Provider, bearer, sign_in_tokens
from deploy.localnet.identity import start_provider as start_example_provider
from tests.e2e.conftest import Crowd, World, add_crowd, free_port


@pytest.fixture(scope="module")
def crowd(world: World) -> Crowd:
    """An organisation of this module's own: its admin and one member."""
    return add_crowd(world, "trialco", "Trial Co", "housing", 1)


def _second_provider(world: World, crowd: Crowd, name: str) -> Provider:
    """Another example provider that knows the crowd's admin, with the registry's callback as
    its redirect URI; stopped with the session."""
    work_dir = Path(world.services["registry"].log_path).parent
    people = [crowd.admin_person, *crowd.persons]
    provider = start_example_provider(name, free_port(), work_dir, world.url("registry"), people)
    world.providers.append(provider)
    return provider


def _start(
    world: World, crowd: Crowd, provider: Provider, secret: str | None = None, **extra: Any
) -> httpx.Response:
    return httpx.post(
        f"{world.url('registry')}/organisations/{crowd.id}/identity-provider/trials",
        json={
            "issuer": provider.issuer,
            "client_id": CLIENT_ID,
            "client_secret": secret or provider.client_secret,
            **extra,
        },
        headers=bearer(crowd.admin),
        timeout=30,
    )


def _sign_in_at(world: World, url: str, person: Person) -> httpx.Response:
    """Sign in at the provider as a browser would; the registry's callback's answer."""
    callback = f"{world.url('registry')}/auth/callback"
    with httpx.Client(timeout=15) as client:
        redirect = sign_in(client, url, person.username, person.password, stop_at=callback)
        return client.get(redirect.headers["location"], follow_redirects=False)


def test_an_admin_tries_a_provider_then_saves_it_and_people_sign_in_through_it(
    world: World, crowd: Crowd
) -> None:
    registry = world.url("registry")
    provider = _second_provider(world, crowd, "Trial Co new sign-in")
    page = f"{world.portal.url}/organisation/sign-in-provider"
    started = _start(world, crowd, provider, return_to=page)
    assert started.status_code == 201, started.text
    trial = started.json()
    assert trial["status"] == "started" and not trial["expired"]
    assert "client_secret" not in started.text and provider.client_secret not in started.text
    assert trial["sign_in_url"].startswith(f"{provider.issuer}/")
    path = f"{registry}/organisations/{crowd.id}/identity-provider"
    before = httpx.get(path, headers=bearer(crowd.admin)).json()
    assert before["issuer"] != provider.issuer, "nothing changes before the trial is saved"

    # Only the admin who started it sees it; a plain member and another organisation do not.
    trial_url = f"{path}/trials/{trial['id']}"
    assert httpx.get(trial_url, headers=bearer(crowd.people[0])).status_code == 403
    assert httpx.get(trial_url, headers=bearer(world.a.admin)).status_code == 404
    early = httpx.post(f"{trial_url}/connect", headers=bearer(crowd.admin))
    assert early.status_code == 409 and "sign in at the provider first" in early.text

    back = _sign_in_at(world, trial["sign_in_url"], crowd.admin_person)
    assert back.status_code == 302, back.text
    location = back.headers["location"]
    assert location.startswith(f"{page}?"), "back to the portal's page, nowhere else"
    assert parse_qs(urlsplit(location).query)["trial"] == [trial["id"]]

    passed = httpx.get(trial_url, headers=bearer(crowd.admin)).json()
    assert passed["status"] == "passed"
    assert passed["signed_in_email"] == crowd.admin_person.email
    assert passed["signed_in_name"] == crowd.admin_person.name
    assert passed["sign_in_url"] is None, "the sign-in works once"

    assert httpx.post(f"{trial_url}/connect", headers=bearer(world.a.admin)).status_code == 404
    saved = httpx.post(f"{trial_url}/connect", headers=bearer(crowd.admin))
    assert saved.status_code == 200, saved.text
    assert saved.json()["issuer"] == provider.issuer
    again = httpx.post(f"{trial_url}/connect", headers=bearer(crowd.admin))
    assert again.status_code == 409 and "already saved" in again.text
    assert httpx.get(path, headers=bearer(crowd.admin)).json()["issuer"] == provider.issuer

    # People now sign in through the provider that was tried.
    tokens = sign_in_tokens(registry, crowd.id, crowd.persons[0])
    me = httpx.get(f"{registry}/me", headers=bearer(tokens)).json()
    assert me["issuer"] == provider.issuer and me["email"] == crowd.persons[0].email


def test_a_provider_that_does_not_sign_the_admin_in_says_why(world: World, crowd: Crowd) -> None:
    registry = world.url("registry")
    provider = _second_provider(world, crowd, "Trial Co wrong secret")
    wrong = _start(world, crowd, provider, secret="not-the-secret-the-provider-knows")
    assert wrong.status_code == 201, wrong.text
    trial = wrong.json()
    # Without a page to go back to, the callback answers with the trial.
    answer = _sign_in_at(world, trial["sign_in_url"], crowd.admin_person)
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "failed"
    assert "refused the sign-in code" in answer.json()["reason"]
    trial_url = f"{registry}/organisations/{crowd.id}/identity-provider/trials/{trial['id']}"
    failed = httpx.get(trial_url, headers=bearer(crowd.admin)).json()
    assert failed["status"] == "failed" and "refused the sign-in code" in failed["reason"]
    refused = httpx.post(f"{trial_url}/connect", headers=bearer(crowd.admin))
    assert refused.status_code == 409 and "did not sign you in" in refused.text

    # The provider's own refusal (the person cancelled) is the trial's reason, in its words.
    cancelled = _start(
        world, crowd, provider, return_to=f"{world.portal.url}/organisation/sign-in-provider"
    ).json()
    state = parse_qs(urlsplit(cancelled["sign_in_url"]).query)["state"][0]
    back = httpx.get(
        f"{registry}/auth/callback",
        params={"state": state, "error": "access_denied", "error_description": "cancelled"},
    )
    assert back.status_code == 302 and back.headers["location"].startswith(world.portal.url)
    reason = httpx.get(
        f"{registry}/organisations/{crowd.id}/identity-provider/trials/{cancelled['id']}",
        headers=bearer(crowd.admin),
    ).json()["reason"]
    assert reason == "the provider did not sign you in: cancelled (access_denied)"


def test_a_trial_is_refused_before_any_sign_in_when_it_cannot_work(
    world: World, crowd: Crowd
) -> None:
    registry = world.url("registry")
    provider = world.providers[0]
    elsewhere = _start(world, crowd, provider, return_to="https://evil.example/steal")
    assert elsewhere.status_code == 422
    assert "web app" in elsewhere.json()["fields"]["return_to"]
    nobody = httpx.post(
        f"{registry}/organisations/{crowd.id}/identity-provider/trials",
        json={
            "issuer": f"http://127.0.0.1:{free_port()}",
            "client_id": CLIENT_ID,
            "client_secret": "x",
        },
        headers=bearer(crowd.admin),
        timeout=30,
    )
    assert nobody.status_code == 422 and "could not reach" in nobody.json()["fields"]["issuer"]
    member = httpx.post(
        f"{registry}/organisations/{crowd.id}/identity-provider/trials",
        json={"issuer": provider.issuer, "client_id": CLIENT_ID, "client_secret": "x"},
        headers=bearer(crowd.people[0]),
    )
    assert member.status_code == 403
    other_admin = httpx.post(
        f"{registry}/organisations/{crowd.id}/identity-provider/trials",
        json={"issuer": provider.issuer, "client_id": CLIENT_ID, "client_secret": "x"},
        headers=bearer(world.a.admin),
    )
    assert other_admin.status_code == 404
