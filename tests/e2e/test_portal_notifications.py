"""The portal's e-mail settings page (`/profile/notifications`), in Chromium through a real
sign-in: a person turns a kind of e-mail off and picks weekly summaries; the notifications
service keeps exactly that; the page is accessible at desktop and phone width and works by
keyboard."""

from __future__ import annotations

import secrets

import httpx
from playwright.sync_api import ViewportSize

from deploy.localnet.identity import bearer
from tests.browser import chromium
from tests.e2e.conftest import World, add_crowd
from tests.e2e.portal_browser import PHONE, assert_accessible, sign_in

DESKTOP: ViewportSize = {"width": 1280, "height": 900}
NARROW: ViewportSize = {"width": PHONE["width"], "height": PHONE["height"]}


def _preferences(world: World, tokens: dict[str, object]) -> dict[str, object]:
    answer = httpx.get(
        f"{world.url('notifications')}/members/me/notification-preferences",
        headers=bearer(tokens),
        timeout=15,
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, object] = answer.json()
    return body


def test_a_person_chooses_their_e_mails_in_the_portal(world: World) -> None:
    key = f"pn{secrets.token_hex(2)}"
    crowd = add_crowd(world, key, f"Settings {key.title()} Trust", "health", 1)
    person, tokens = crowd.persons[0], crowd.people[0]
    portal = world.portal.url
    with chromium() as browser:
        context = browser.new_context(viewport=DESKTOP)
        page = context.new_page()
        sign_in(page, portal, person, start="/profile")
        page.get_by_role("link", name="Choose which e-mails you get").click()
        assert page.url == f"{portal}/profile/notifications"
        assert page.get_by_role("heading", level=1).inner_text() == "Your e-mails"
        assert_accessible(page)
        reminders = page.get_by_role("checkbox", name="Meeting reminders")
        assert reminders.is_checked()
        assert page.get_by_role("radio", name="At most once a day").is_checked()
        # By keyboard: untick the reminders, choose weekly, save.
        reminders.focus()
        page.keyboard.press("Space")
        assert not reminders.is_checked()
        page.get_by_role("radio", name="At most once a week").check()
        page.get_by_role("button", name="Save your e-mail settings").click()
        page.wait_for_url(f"{portal}/profile/notifications?done=notifications-saved")
        assert "Saved. Your e-mails follow these settings" in page.content()
        assert not page.get_by_role("checkbox", name="Meeting reminders").is_checked()
        assert page.get_by_role("radio", name="At most once a week").is_checked()
        assert_accessible(page)
        page.set_viewport_size(NARROW)
        assert_accessible(page)
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= NARROW["width"], "no sideways scrolling at phone width"
        context.close()
    kept = _preferences(world, tokens)
    assert kept["digest_frequency"] == "weekly"
    kinds = kept["kinds"]
    assert isinstance(kinds, list)
    assert [k["kind"] for k in kinds if not k["on"]] == ["meeting_reminder"]


def test_the_settings_page_needs_signing_in(world: World) -> None:
    answer = httpx.get(f"{world.portal.url}/profile/notifications", follow_redirects=False)
    assert answer.status_code in (302, 303)
    assert "/sign-in" in answer.headers["location"]
