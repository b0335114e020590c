"""Signing in to the portal as a person would (Chromium, a real provider, real tokens): by
e-mail, without noticing the network's authorization server; and what must never happen."""

from __future__ import annotations

import httpx

from tests.browser import chromium
from tests.e2e.conftest import World
from tests.e2e.portal_browser import assert_accessible, sign_in


def test_a_member_signs_in_by_e_mail_and_lands_on_the_page_they_wanted(world: World) -> None:
    portal = world.portal.url
    person = world.a.people["member"]
    with chromium() as browser:
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{portal}/")
        assert "/sign-in?next=/" in page.url
        assert_accessible(page)
        sign_in(page, portal, person)
        assert page.url == f"{portal}/"
        assert page.get_by_role("heading", level=1).inner_text().startswith("Hello")
        assert_accessible(page)
        html = page.content()
        assert "eyJ" not in html, "no token in the page"
        cookies = {c["name"]: c for c in context.cookies()}
        session = cookies["mn_session"]
        assert session["httpOnly"] and session["sameSite"] == "Lax"
        assert "mn_sign_in" not in cookies, "the sign-in cookie is gone once used"
        headers = httpx.get(f"{portal}/sign-in").headers
        assert "script-src 'self'" in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY"
        context.close()
