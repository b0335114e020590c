"""The portal's security by construction, each shown with the attack: forged forms refused,
another organisation's pages not found, a stolen cookie dead after sign-out, no session
fixation, an expired session sent back through sign-in to the page wanted, tokens refreshed on
the server and never shown to the browser, no framing, and a strict CSP."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from pymongo import MongoClient

from tests.browser import chromium
from tests.e2e.conftest import World
from tests.e2e.portal_browser import sign_in
from tests.e2e.sessions_scene import Scene, build_scene
from tests.servers import mongo_url


@pytest.fixture(scope="module")
def scene(world: World) -> Scene:
    return build_scene(world, "kea")


def _sessions(world: World) -> Any:
    client: MongoClient[dict[str, Any]] = MongoClient(mongo_url(), tz_aware=True)
    return client[f"{world.env['MENTORNET_DB_PREFIX']}_portal_network"]["web_sessions"]


def _cookie(context: BrowserContext) -> str:
    return next(c["value"] for c in context.cookies() if c["name"] == "mn_session")


def _key(cookie: str) -> str:
    return hashlib.sha256(cookie.encode()).hexdigest()


@pytest.fixture
def browser(scene: Scene) -> Iterator[Browser]:
    """Chromium, started after the scene (Playwright's sync API owns the event loop)."""
    del scene
    with chromium() as launched:
        yield launched


def _signed_in(
    browser: Browser, world: World, scene: Scene, start: str = "/"
) -> tuple[BrowserContext, Page]:
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, world.portal.url, scene.a.persons[0], start)
    return context, page


def test_a_forged_form_is_refused(world: World, scene: Scene, browser: Browser) -> None:
    context, _ = _signed_in(browser, world, scene)
    cookie = _cookie(context)
    url = f"{world.portal.url}/relationships/{scene.relationship}/messages"
    with httpx.Client(cookies={"mn_session": cookie}) as http:
        no_token = http.post(url, data={"text": "forged"})
        assert no_token.status_code == 403, "no anti-forgery token: refused"
        assert "This form has expired" in no_token.text
        session = _sessions(world).find_one({"_id": _key(cookie)})
        token = session["csrf_token"]
        elsewhere = http.post(
            url,
            data={"text": "forged", "csrf_token": token},
            headers={"Origin": "https://evil.example"},
        )
        assert elsewhere.status_code == 403, "the right token from another site: refused"
        wrong = http.post(url, data={"text": "forged", "csrf_token": token[:-2] + "xx"})
        assert wrong.status_code == 403
        sign_out = http.post(f"{world.portal.url}/sign-out", data={})
        assert sign_out.status_code == 403, "even signing someone out needs the token"
    thread = scene.call("mentor", "GET", f"/relationships/{scene.relationship}/messages").json()
    assert all(m["text"] != "forged" for m in thread["messages"]), "nothing was posted"
    context.close()


def test_a_stolen_cookie_dies_at_sign_out(world: World, scene: Scene, browser: Browser) -> None:
    context, page = _signed_in(browser, world, scene)
    stolen = _cookie(context)
    with httpx.Client(cookies={"mn_session": stolen}) as thief:
        assert thief.get(f"{world.portal.url}/").status_code == 200, (
            "the cookie works while signed in"
        )
        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("You have signed out")
        after = thief.get(f"{world.portal.url}/relationships")
        assert after.status_code == 303
        assert after.headers["location"] == "/sign-in?next=/relationships"
    assert _sessions(world).find_one({"_id": _key(stolen)}) is None, "the session is forgotten"
    context.close()


def test_a_session_id_set_before_sign_in_is_never_used(
    world: World, scene: Scene, browser: Browser
) -> None:
    context = browser.new_context()
    context.add_cookies(
        [{"name": "mn_session", "value": "chosen-by-an-attacker", "url": world.portal.url}]
    )
    page = context.new_page()
    sign_in(page, world.portal.url, scene.a.persons[0])
    assert _cookie(context) != "chosen-by-an-attacker", "a new session id at sign-in"
    assert _sessions(world).find_one({"_id": _key("chosen-by-an-attacker")}) is None
    context.close()


def test_an_expired_session_goes_through_sign_in_to_the_page_wanted(
    world: World, scene: Scene, browser: Browser
) -> None:
    context, page = _signed_in(browser, world, scene)
    idle = datetime.now(UTC) - timedelta(hours=1)
    _sessions(world).update_one({"_id": _key(_cookie(context))}, {"$set": {"seen_at": idle}})
    wanted = f"/relationships/{scene.relationship}/messages"
    page.goto(f"{world.portal.url}{wanted}")
    assert "/sign-in?next=" in page.url, "idle too long: signed out"
    page.get_by_label("Your work e-mail address").fill(scene.a.persons[0].email)
    page.get_by_role("button", name="Continue").click()
    # The provider still knows the person (its own session): straight back, no password asked.
    if page.locator("input[name=password]").count():
        page.fill("input[name=username]", scene.a.persons[0].username)
        page.fill("input[name=password]", scene.a.persons[0].password)
        page.click("button[type=submit]")
    page.wait_for_url(f"{world.portal.url}{wanted}")
    expect(page.get_by_role("heading", level=2, name="Messages with")).to_be_visible()
    context.close()


def test_tokens_are_refreshed_on_the_server_and_never_reach_the_browser(
    world: World, scene: Scene, browser: Browser
) -> None:
    context, page = _signed_in(browser, world, scene)
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url + " " + str(r.headers)))
    page.on("response", lambda r: seen.append(str(r.headers)))
    sessions = _sessions(world)
    key = _key(_cookie(context))
    before = sessions.find_one({"_id": key})
    sessions.update_one({"_id": key}, {"$set": {"access_expires_at": datetime.now(UTC)}})
    page.goto(f"{world.portal.url}/relationships/{scene.relationship}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("With")
    after = sessions.find_one({"_id": key})
    assert after["refresh_sealed"] != before["refresh_sealed"], "refreshed on the server"
    assert after["access_expires_at"] > datetime.now(UTC) + timedelta(minutes=5)
    for text in [page.content(), *seen, *(c["value"] for c in context.cookies())]:
        assert "eyJ" not in text and "mnr_" not in text, "no token in a page, URL or cookie"
    assert "eyJ" not in str(after), "tokens are kept encrypted"
    context.close()


def test_pages_cannot_be_framed_and_scripts_come_from_the_portal_only(
    world: World, browser: Browser
) -> None:
    headers = httpx.get(f"{world.portal.url}/sign-in").headers
    policy = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and headers["x-frame-options"] == "DENY"
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert headers["x-content-type-options"] == "nosniff"
    page = browser.new_page()
    page.set_content(f'<iframe src="{world.portal.url}/sign-in"></iframe>')
    frame = page.frames[-1]
    # Chromium refuses to show it: the frame holds its own error page, not the portal's.
    assert frame.url.startswith("chrome-error://"), frame.url
    assert "Sign in to mentornet" not in frame.content()
    page.close()
