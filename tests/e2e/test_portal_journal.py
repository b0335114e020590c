"""The reflective journal in the portal (seed 000, Clutterbuck and Megginson's six stages of
reflection), in Debian's Chromium with a real sign-in and the real sessions service: the
mentee is offered to reflect after a meeting log (on the home page and beside the log), writes
an entry with a prompt per stage, finds it in their journal, and shares a copy into the
relationship. The mentor never sees the entry until it is shared, and then only the copy;
the mentee's own organisation's admin never sees it. BOOST feedback (seed 000) is given in a
meeting log and in a critical-incident circle session's feedback step, the letters it covers
shown as it is typed. axe-core on each page at desktop and phone width.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import chromium
from tests.e2e.conftest import World
from tests.e2e.portal_browser import PHONE, assert_accessible, sign_in
from tests.e2e.sessions_scene import Scene, build_scene
from tests.e2e.test_reflection import critical_incident

INSIGHT = "willowherb-insight-7d3a"
OPTIONS = "campion-first-step-2c8e"
TOPIC = "the handover rota"


@pytest.fixture(scope="module")
def scene(world: World) -> Scene:
    scene = build_scene(world, "sorrel")
    written = scene.call(
        "mentee",
        "POST",
        f"/relationships/{scene.relationship}/logs",
        {"met_on": str(datetime.now(UTC).date()), "topics": [TOPIC]},
    )
    assert written.status_code == 201, written.text
    return scene


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as browser:
        yield browser


# `scene` before `browser` in every test: the scene publishes with asyncio, which cannot run
# inside Playwright's event loop.


def accessible_at_both_widths(page: Page) -> None:
    assert_accessible(page)
    page.set_viewport_size(PHONE)
    assert_accessible(page)
    page.set_viewport_size({"width": 1280, "height": 900})


def signed_in(browser: Browser, world: World, scene: Scene, who: str, start: str) -> Page:
    persons = {
        "mentee": scene.b.persons[0],
        "mentor": scene.a.persons[0],
        "mentee's admin": scene.b.admin_person,
    }
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, world.portal.url, persons[who], start=start)
    return page


def test_the_mentee_reflects_after_a_meeting_and_shares_a_copy(
    world: World, scene: Scene, browser: Browser
) -> None:
    rel = scene.relationship
    page = signed_in(browser, world, scene, "mentee", "/")
    offered = page.get_by_role("link", name=re.compile("Write in your journal"))
    expect(offered).to_be_visible()
    offered.first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Write a journal entry")
    expect(page.get_by_text("Reflecting on your meeting log")).to_be_visible()
    accessible_at_both_widths(page)
    # Nothing written: refused with a reason, nothing saved.
    page.get_by_role("button", name="Save the entry").click()
    expect(page.get_by_role("alert")).to_contain_text("at least one stage")
    expect(page.get_by_label("1. Disaggregation")).to_be_visible()
    page.get_by_label("4. Insight").fill(INSIGHT)
    page.get_by_label("6. Options").fill(OPTIONS)
    page.get_by_role("button", name="Save the entry").click()
    expect(page).to_have_url(re.compile(r"/journal\?done=entry-written"))
    expect(page.get_by_role("status")).to_contain_text("Only you can read it")
    entry = page.locator("article", has_text=INSIGHT)
    expect(entry).to_contain_text(OPTIONS)
    expect(entry.get_by_role("link", name="a meeting log")).to_have_attribute(
        "href", f"/relationships/{rel}/logs"
    )
    accessible_at_both_widths(page)
    # Reflected on: the home page no longer offers it.
    page.goto(f"{world.portal.url}/")
    expect(page.get_by_role("link", name=re.compile("Write in your journal"))).to_have_count(0)

    # The mentor reads the logs tab and their own journal: the entry is in neither.
    mentor = signed_in(browser, world, scene, "mentor", f"/relationships/{rel}/logs")
    expect(mentor.get_by_role("heading", name="Reflections shared with you")).to_be_visible()
    expect(mentor.get_by_text("Nothing shared yet.")).to_be_visible()
    expect(mentor.get_by_text(INSIGHT)).to_have_count(0)
    mentor.goto(f"{world.portal.url}/journal")
    expect(mentor.get_by_text(INSIGHT)).to_have_count(0)
    entry_id = scene.call("mentee", "GET", "/members/me/journal").json()[0]["id"]
    mentor.goto(f"{world.portal.url}/journal/{entry_id}/edit")
    expect(mentor.get_by_role("heading", level=1)).to_have_text("Not found")
    # Nor does the mentee's own organisation's admin.
    admin = signed_in(browser, world, scene, "mentee's admin", f"/journal/{entry_id}/edit")
    expect(admin.get_by_role("heading", level=1)).to_have_text("Not found")
    expect(admin.get_by_text(INSIGHT)).to_have_count(0)

    # The mentee shares a copy; the mentor reads it beside the logs.
    page.goto(f"{world.portal.url}/journal")
    entry = page.locator("article", has_text=INSIGHT)
    entry.get_by_label("Share a copy with").select_option(rel)
    entry.get_by_role("button", name=re.compile("Share a copy")).click()
    expect(page.get_by_role("status")).to_contain_text("A copy is shared")
    expect(page.locator("article", has_text=INSIGHT)).to_contain_text("A copy is shared with")
    mentor.goto(f"{world.portal.url}/relationships/{rel}/logs")
    shared = mentor.locator("#reflections article")
    expect(shared).to_have_count(1)
    expect(shared).to_contain_text(INSIGHT)
    accessible_at_both_widths(mentor)


def test_the_mentor_gives_boost_feedback_in_a_log_and_sees_the_letters_it_covers(
    world: World, scene: Scene, browser: Browser
) -> None:
    rel = scene.relationship
    page = signed_in(browser, world, scene, "mentor", f"/relationships/{rel}/logs/new")
    coverage = page.locator("#boost-coverage")
    expect(coverage).to_contain_text("covers 0 of the 5 BOOST letters")
    expect(page.get_by_label("Observed")).to_be_visible()
    page.get_by_label("Topics for this meeting").fill(TOPIC)
    page.get_by_label("Balanced").fill("Calm with the family; check the notes first next time")
    page.get_by_label("Specific").fill("When you asked what would help most today")
    # Worked out by the server as it is typed.
    expect(coverage).to_contain_text("covers 2 of the 5 BOOST letters")
    expect(coverage.locator("li.covered")).to_have_text(
        [re.compile("Balanced"), re.compile("Specific")]
    )
    accessible_at_both_widths(page)
    page.get_by_label("Timely").fill("x" * 2001)
    page.get_by_role("button", name="Save the meeting log").click()
    expect(page.get_by_text("keep this to 2000 characters")).to_be_visible()
    page.get_by_label("Timely").fill("Worth noting before Thursday's review")
    page.get_by_role("button", name="Save the meeting log").click()
    expect(page).to_have_url(re.compile(r"/logs\?done=log-written"))
    log = page.locator("article.log", has_text="in BOOST form")
    expect(log).to_contain_text("It covers 3 of the 5 letters: Balanced, Specific, Timely")
    # The mentee reads it with the log.
    mentee = signed_in(browser, world, scene, "mentee", f"/relationships/{rel}/logs")
    expect(mentee.locator("article.log", has_text="in BOOST form")).to_contain_text(
        "When you asked what would help most today"
    )


def test_a_peer_gives_boost_feedback_in_a_critical_incident_and_reflects_on_it(
    world: World, scene: Scene, browser: Browser
) -> None:
    # Its events are published with asyncio: in a thread of their own, outside Playwright's loop.
    with ThreadPoolExecutor(1) as thread:
        circle, session = thread.submit(critical_incident, world, scene).result()
    path = f"/circles/{circle}/sessions/{session}"
    page = signed_in(browser, world, scene, "mentor", path)
    form = page.locator("#feedback")
    expect(form.get_by_role("heading", name="Give feedback in BOOST form")).to_be_visible()
    form.get_by_label("Observed").fill("You named the dilemma in the first minute")
    expect(form.locator("#boost-coverage")).to_contain_text("covers 1 of the 5 BOOST letters")
    accessible_at_both_widths(page)
    form.get_by_role("button", name="Save the feedback").click()
    expect(page.locator("#feedback").get_by_role("alert")).to_contain_text("Please correct")
    expect(page.get_by_text("Choose the step you give the feedback in.")).to_be_visible()
    form = page.locator("#feedback")
    form.get_by_label("The step you give it in").select_option("positive_feedback")
    form.get_by_role("button", name="Save the feedback").click()
    expect(page).to_have_url(re.compile(r"done=feedback-given"))
    note = page.locator("#notes li", has_text="in the positive feedback")
    expect(note).to_contain_text("covering 1 of the 5 letters: Observed")
    # The session page offers a reflection on it, with the session as its context.
    page.get_by_role("link", name="Reflect on this session in your journal").click()
    expect(page.get_by_text("Reflecting on your circle session")).to_be_visible()
    page.get_by_label("2. Framing").fill("naming it early")
    page.get_by_role("button", name="Save the entry").click()
    expect(page.locator("#entries article", has_text="naming it early")).to_contain_text(
        "Reflecting on a circle session"
    )
