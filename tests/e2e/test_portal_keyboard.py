"""Every action works from the keyboard: signing in, following the skip link, writing and
sending a message, and ending a relationship (choosing a reason with the arrow keys, ticking a
box with the space bar) — no mouse, in Debian's Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser import chromium
from tests.e2e.conftest import World
from tests.e2e.sessions_scene import Scene, build_scene


@pytest.fixture(scope="module")
def scene(world: World) -> Scene:
    return build_scene(world, "kaka")


def _tab_to(page: Page, selector: str, limit: int = 60) -> None:
    """Press Tab until the element is focused (fails after `limit` presses)."""
    target = page.locator(selector)
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{selector} never took the focus")


def test_a_member_signs_in_writes_and_ends_without_a_mouse(world: World, scene: Scene) -> None:
    portal, person = world.portal.url, scene.b.persons[0]
    path = f"/relationships/{scene.relationship}/messages"
    with chromium() as browser:
        page = browser.new_page()
        page.goto(f"{portal}{path}")
        _tab_to(page, "#email")
        page.keyboard.type(person.email)
        page.keyboard.press("Enter")
        page.wait_for_selector("input[name=username]")
        _tab_to(page, "input[name=username]")
        page.keyboard.type(person.username)
        page.keyboard.press("Tab")
        page.keyboard.type(person.password)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{portal}{path}")

        # The skip link is the first stop, and it moves the focus past the navigation.
        page.keyboard.press("Tab")
        expect(page.locator(":focus")).to_have_text("Skip to the main content")
        page.keyboard.press("Enter")
        expect(page.locator("main")).to_be_focused()

        _tab_to(page, "#message-text")
        page.keyboard.type("Sent with the keyboard alone.")
        page.keyboard.press("Tab")
        expect(page.locator(":focus")).to_have_text("Send")
        page.keyboard.press("Enter")
        expect(page.locator("#thread")).to_contain_text("Sent with the keyboard alone.")

        page.goto(f"{portal}/relationships/{scene.relationship}/end")
        _tab_to(page, "input[name=reason] >> nth=0")
        page.keyboard.press("Space")
        page.keyboard.press("ArrowDown")  # the next reason
        expect(page.locator("input[name=reason]:checked")).to_have_value("no_time")
        _tab_to(page, "#end-rematch_requested")
        page.keyboard.press("Space")
        expect(page.locator("#end-rematch_requested")).to_be_checked()
        _tab_to(page, "button.danger")
        page.keyboard.press("Enter")
        expect(page.locator("main")).to_contain_text("This relationship ended")
