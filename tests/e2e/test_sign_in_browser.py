"""A person signs in to the network in a real browser (headless Chromium), through their
organisation's provider's login form, and gets a working network token."""

from __future__ import annotations

import json

import httpx

from tests.browser import artifact, chromium
from tests.e2e.conftest import World


def test_sign_in_through_the_providers_login_form_in_chromium(world: World) -> None:
    registry = world.url("registry")
    person = world.b.people["member"]
    with chromium() as browser:
        page = browser.new_page()
        page.goto(f"{registry}/auth/login/{world.b.id}")
        assert page.url.startswith(world.b.provider.issuer), "the browser is at B's provider"
        page.fill("input[name=username]", person.username)
        page.fill("input[name=password]", person.password)
        page.screenshot(path=str(artifact("registry-sign-in-form.png")))
        with page.expect_navigation(url=f"{registry}/auth/callback**"):
            page.click("button[type=submit]")
        tokens = json.loads(page.inner_text("body"))

    me = httpx.get(f"{registry}/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.status_code == 200, me.text
    assert me.json()["organisation_id"] == world.b.id
    assert me.json()["email"] == person.email
