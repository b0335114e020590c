"""Messages in the portal (seed 002's e-mentoring): typed in one browser, they appear in the
other party's open page without a reload; unread counts lead people to them and reading moves
the marker; people outside the relationship see nothing."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser import chromium
from tests.e2e.conftest import World
from tests.e2e.portal_browser import PHONE, assert_accessible, sign_in
from tests.e2e.sessions_scene import Scene, build_scene


@pytest.fixture(scope="module")
def scene(world: World) -> Scene:
    return build_scene(world, "tui")


def _signed_in(
    browser: Browser, world: World, person: object, start: str
) -> tuple[BrowserContext, Page]:
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, world.portal.url, person, start)  # type: ignore[arg-type]
    return context, page


def test_a_message_typed_in_one_browser_appears_live_in_the_other(
    world: World, scene: Scene
) -> None:
    portal, path = world.portal.url, f"/relationships/{scene.relationship}/messages"
    with chromium() as browser:
        _, mentor = _signed_in(browser, world, scene.a.persons[0], path)
        _, mentee = _signed_in(browser, world, scene.b.persons[0], path)
        assert_accessible(mentee)

        mentor.evaluate("window.stillTheSamePage = true")
        mentee.evaluate("window.stillTheSamePage = true")
        mentor.get_by_label("Your message").fill("Kia ora! Shall we meet on Tuesday?")
        mentor.get_by_role("button", name="Send").click()
        # The mentee's page, open all along, shows it without a reload.
        expect(mentee.locator("#thread")).to_contain_text(
            "Shall we meet on Tuesday?", timeout=15_000
        )
        expect(mentor.locator("#thread")).to_contain_text(
            "Shall we meet on Tuesday?", timeout=15_000
        )
        expect(mentor.get_by_label("Your message")).to_have_value("")
        # htmx swapped the form and appended the message: neither page was loaded again.
        assert mentor.evaluate("window.stillTheSamePage") is True
        assert mentee.evaluate("window.stillTheSamePage") is True

        # Read while open: the mentee's marker moved, so nothing is unread on their home page.
        mentee.goto(f"{portal}/")
        expect(mentee.locator("main")).not_to_contain_text("unread message")

        # With the page closed, the next message waits, counted, on the mentor's home page.
        mentor.goto(f"{portal}/")
        mentee.goto(f"{portal}{path}")
        mentee.get_by_label("Your message").fill("Tuesday works. 10 o'clock?")
        mentee.get_by_role("button", name="Send").click()
        expect(mentee.locator("#thread")).to_contain_text("Tuesday works.", timeout=15_000)
        mentor.reload()
        expect(mentor.locator("main")).to_contain_text("1 unread message")
        mentor.get_by_role("link", name=re.compile("Read the messages")).click()
        expect(mentor.locator("#unread")).to_be_visible()
        expect(mentor.locator("#thread")).to_contain_text("Tuesday works.")
        # Reading the page is reading the messages: its own tab counts none.
        tabs = mentor.get_by_role("navigation", name="This relationship")
        expect(tabs).not_to_contain_text("unread")


def test_an_empty_message_is_refused_beside_the_field(world: World, scene: Scene) -> None:
    path = f"/relationships/{scene.relationship}/messages"
    with chromium() as browser:
        context = browser.new_context(viewport=PHONE)
        page = context.new_page()
        sign_in(page, world.portal.url, scene.a.persons[0], path)
        page.get_by_role("button", name="Send").click()
        expect(page.locator("#message-text-error")).to_contain_text("write a message first")
        assert_accessible(page)


def test_people_outside_the_relationship_find_nothing(world: World, scene: Scene) -> None:
    portal = world.portal.url
    with chromium() as browser:
        context = browser.new_context()
        page = context.new_page()
        colleague = scene.a.persons[1]  # the mentor's colleague, of the same organisation
        sign_in(page, portal, colleague)
        for suffix in ("/messages", "/messages/live", "", "/agreement/versions"):
            response = page.goto(f"{portal}/relationships/{scene.relationship}{suffix}")
            assert response is not None and response.status == 404, suffix
            expect(page.get_by_role("heading", level=1)).to_have_text("Not found")


def test_without_javascript_a_message_is_posted_and_shown(world: World, scene: Scene) -> None:
    path = f"/relationships/{scene.relationship}/messages"
    with chromium() as browser:
        context = browser.new_context(java_script_enabled=False)
        page = context.new_page()
        sign_in(page, world.portal.url, scene.b.persons[0], path)
        page.get_by_label("Your message").fill("Sent from a browser without JavaScript.")
        page.get_by_role("button", name="Send").click()
        page.wait_for_url(f"{world.portal.url}{path}**")
        expect(page.locator("#thread")).to_contain_text("Sent from a browser without JavaScript.")
