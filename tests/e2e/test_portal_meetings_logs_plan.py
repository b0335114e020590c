"""A relationship's meetings, meeting logs and action plan in the portal, as its parties use
them in Debian's Chromium: a real sign-in through each organisation's provider, the real
sessions service behind the pages, axe-core on every tab at desktop and phone width.

The scene (tests/e2e/sessions_scene.py): A's person 0 mentors B's person 0 across
organisations, in a programme whose meetings last 30 to 120 minutes. The mentor lives in
Auckland and the mentee in New York, so a time shown in the wrong zone cannot pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from icalendar import Calendar
from playwright.sync_api import Browser, Locator, Page, ViewportSize, expect

from deploy.localnet.identity import Person, bearer
from services.portal.domain.local_time import when
from services.sessions.adapters.calendar_ics import event_uid
from tests.browser import chromium
from tests.e2e.conftest import World
from tests.e2e.portal_browser import PHONE, assert_accessible, sign_in
from tests.e2e.sessions_scene import Scene, build_scene

MENTOR_ZONE = "Pacific/Auckland"
MENTEE_ZONE = "America/New_York"
MENTOR_NAME = "Rangi Parata"
MENTEE_NAME = "Dana Whitfield"
DESKTOP: ViewportSize = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def scene(world: World) -> Scene:
    """The relationship, with both parties' profiles: their names shared across
    organisations, their own time zones."""
    scene = build_scene(world, "yarrow")
    registry = world.url("registry")
    for who, name, zone in (
        ("mentor", MENTOR_NAME, MENTOR_ZONE),
        ("mentee", MENTEE_NAME, MENTEE_ZONE),
    ):
        written = httpx.put(
            f"{registry}/me/profile",
            json={"display_name": name, "time_zone": zone, "share_across_organisations": True},
            headers=bearer(scene.tokens[who]),
            timeout=15,
        )
        assert written.status_code == 200, written.text
    return scene


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as browser:
        yield browser


def signed_in(browser: Browser, world: World, person: Person, start: str, **options: Any) -> Page:
    """A fresh browser context of `person`'s own, signed in and on `start`."""
    page = browser.new_context(viewport=DESKTOP, **options).new_page()
    sign_in(page, world.portal.url, person, start=start)
    return page


def accessible_at_both_widths(page: Page) -> None:
    """axe-core finds nothing serious at desktop width, nor at 375 px."""
    assert_accessible(page)
    page.set_viewport_size(PHONE)
    assert_accessible(page)
    page.set_viewport_size(DESKTOP)


def local_input(moment: datetime, zone: str) -> str:
    """A datetime-local field's value for `moment` in `zone`."""
    return f"{moment.astimezone(ZoneInfo(zone)):%Y-%m-%dT%H:%M}"


def meetings_of(scene: Scene) -> list[dict[str, Any]]:
    answer = scene.call("mentor", "GET", f"/relationships/{scene.relationship}/meetings")
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()
    return found


def item(page: Page, meeting_id: str) -> Locator:
    return page.locator(f"#meeting-{int(meeting_id.rsplit(':', 1)[-1])}")


def test_meetings_are_planned_moved_downloaded_held_and_fed_to_a_calendar(
    world: World, scene: Scene, browser: Browser, tmp_path: Path
) -> None:
    rel = scene.relationship
    url = f"/relationships/{rel}/meetings"
    page = signed_in(browser, world, scene.a.persons[0], url)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"With {MENTEE_NAME}")
    expect(page.get_by_role("link", name="Meetings")).to_have_attribute("aria-current", "page")
    accessible_at_both_widths(page)

    # Planned at 09:30 on the mentor's clock in Auckland, ten days from now.
    day = datetime.now(ZoneInfo(MENTOR_ZONE)).date() + timedelta(days=10)
    planned = page.locator("#plan-meeting")
    planned.get_by_label("Date and time", exact=True).fill(f"{day}T09:30")
    planned.get_by_label("Length in minutes").fill("60")
    planned.get_by_label("How you will meet").select_option("face_to_face")
    planned.get_by_label("Place (optional)").fill("Harbour House, Room 4")
    planned.get_by_role("button", name="Plan the meeting").click()
    expect(page.get_by_text("The meeting is planned.")).to_be_visible()
    starts = datetime.combine(day, time(9, 30), tzinfo=ZoneInfo(MENTOR_ZONE)).astimezone(UTC)
    (first,) = [m for m in meetings_of(scene) if m["status"] == "planned"]
    assert datetime.fromisoformat(first["starts_at"]) == starts
    assert first["time_zone"] == MENTOR_ZONE and first["location"] == "Harbour House, Room 4"
    shown = item(page, first["id"])
    expect(shown).to_contain_text(
        when(starts, MENTOR_ZONE)
    )  # e.g. "Monday 14 December 2026, 09:30"
    expect(shown).to_contain_text("Face to face · 60 minutes · Harbour House, Room 4")

    # Too long for the programme: the service's reason beside the length, the rest kept.
    planned = page.locator("#plan-meeting")
    planned.get_by_label("Date and time", exact=True).fill(f"{day}T15:00")
    planned.get_by_label("Length in minutes").fill("500")
    planned.get_by_label("Place (optional)").fill("The café by the station")
    with page.expect_response(
        lambda r: r.url.endswith(url) and r.request.method == "POST"
    ) as answer:
        planned.get_by_role("button", name="Plan the meeting").click()
    assert answer.value.status == 422
    error = page.locator("#plan-minutes-error")
    expect(error).to_contain_text("30 to 120 minutes")
    expect(page.locator("#plan-minutes")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#plan-minutes")).to_have_value("500")
    expect(page.locator("#plan-starts_at")).to_have_value(f"{day}T15:00")
    expect(page.locator("#plan-location")).to_have_value("The café by the station")
    assert len(meetings_of(scene)) == 1, "nothing was planned"
    accessible_at_both_widths(page)

    # Moved to 11:00: the same meeting, a higher revision.
    shown = item(page, first["id"])
    shown.get_by_text("Move or change this meeting").click()
    shown.get_by_label("New date and time").fill(f"{day}T11:00")
    shown.get_by_role("button", name="Save the change").click()
    expect(page.get_by_text("The meeting is moved")).to_be_visible()
    moved = datetime.combine(day, time(11, 0), tzinfo=ZoneInfo(MENTOR_ZONE)).astimezone(UTC)
    expect(item(page, first["id"])).to_contain_text(when(moved, MENTOR_ZONE))
    (after,) = meetings_of(scene)
    assert (after["id"], after["revision"]) == (first["id"], 1)
    assert datetime.fromisoformat(after["starts_at"]) == moved

    # Its .ics, fetched by the portal with the mentor's own token.
    with page.expect_download() as download:
        item(page, first["id"]).get_by_role("link", name=re.compile("Add to your calendar")).click()
    assert download.value.suggested_filename == f"mentoring-meeting-{int(first['id'][-10:])}.ics"
    text = Path(download.value.path()).read_text()
    assert text.startswith("BEGIN:VCALENDAR")
    assert f"UID:{event_uid(first['id'])}" in text and "METHOD:PUBLISH" in text
    (event,) = Calendar.from_ical(text).walk("VEVENT")
    assert event.decoded("DTSTART") == moved and int(str(event["SEQUENCE"])) == 1

    # A meeting planned for a minute or two ago waits to be confirmed, then is held.
    planned = page.locator("#plan-meeting")
    planned.get_by_label("Date and time", exact=True).fill(
        local_input(datetime.now(UTC) - timedelta(minutes=1), MENTOR_ZONE)
    )
    planned.get_by_role("button", name="Plan the meeting").click()
    expect(page.get_by_text("The meeting is planned.")).to_be_visible()
    (now_meeting,) = [m for m in meetings_of(scene) if m["id"] != first["id"]]
    waiting = item(page, now_meeting["id"])
    expect(page.get_by_role("heading", name="To confirm")).to_be_visible()
    waiting.get_by_role("button", name="Record as held").click()
    expect(page.get_by_text("Recorded as held.")).to_be_visible()
    held = item(page, now_meeting["id"])
    expect(held).to_contain_text("Held; recorded by you")
    expect(held.get_by_role("link", name=re.compile("Write the meeting log"))).to_be_visible()
    expect(page.get_by_role("heading", name="To confirm")).to_have_count(0)
    assert {m["id"]: m["status"] for m in meetings_of(scene)}[now_meeting["id"]] == "held"

    # The calendar feed: its secret address shown once, in the page, never in a URL.
    page.get_by_role("button", name="Make my calendar address").click()
    expect(
        page.get_by_text("Your calendar address is ready: add it to your calendar app.")
    ).to_be_visible()
    feed = page.get_by_label("Your calendar address").input_value()
    assert feed.startswith("http") and feed not in page.url
    expect(page.get_by_role("link", name="Open it in your calendar app")).to_have_attribute(
        "href", "webcal://" + feed.split("://", 1)[1]
    )
    fetched = httpx.get(feed, timeout=15)
    assert fetched.status_code == 200 and event_uid(first["id"]) in fetched.text
    accessible_at_both_widths(page)
    page.reload()
    expect(page.get_by_text("You have a calendar address")).to_be_visible()
    assert feed not in page.content(), "shown that once only"
    page.get_by_role("button", name="Stop my calendar address").click()
    expect(page.get_by_text("Your calendar address no longer works.")).to_be_visible()
    assert httpx.get(feed, timeout=15).status_code == 404
    page.context.close()


def test_without_javascript_a_meeting_is_planned_and_cancelled_after_asking(
    world: World, scene: Scene, browser: Browser
) -> None:
    url = f"/relationships/{scene.relationship}/meetings"
    page = signed_in(browser, world, scene.a.persons[0], url, java_script_enabled=False)
    day = datetime.now(ZoneInfo(MENTOR_ZONE)).date() + timedelta(days=20)
    planned = page.locator("#plan-meeting")
    planned.get_by_label("Date and time", exact=True).fill(f"{day}T08:00")
    planned.get_by_label("How you will meet").select_option("telephone")
    planned.get_by_role("button", name="Plan the meeting").click()
    expect(page.get_by_text("The meeting is planned.")).to_be_visible()
    assert "done=meeting-planned" in page.url, "a full round trip: post, redirect, get"
    (meeting,) = [m for m in meetings_of(scene) if m["method"] == "telephone"]
    shown = item(page, meeting["id"])
    shown.get_by_text("Cancel this meeting").click()
    shown.get_by_role("button", name=re.compile("Yes, cancel the meeting")).click()
    expect(page.get_by_text("The meeting is cancelled.")).to_be_visible()
    expect(page.get_by_text("Cancelled meetings (1)")).to_be_visible()
    assert {m["id"]: m["status"] for m in meetings_of(scene)}[meeting["id"]] == "cancelled"
    page.context.close()


def test_another_organisations_person_finds_nothing(
    world: World, scene: Scene, browser: Browser
) -> None:
    page = signed_in(browser, world, scene.a.persons[1], "/")
    for tab in ("meetings", "logs", "plan"):
        answer = page.goto(f"{world.portal.url}/relationships/{scene.relationship}/{tab}")
        assert answer is not None and answer.status == 404
        expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
        expect(page.get_by_text("Harbour House")).to_have_count(0)
    page.context.close()


def test_a_meeting_log_is_written_changed_by_its_author_and_read_by_the_other_party(
    world: World, scene: Scene, browser: Browser
) -> None:
    rel = scene.relationship
    held_at = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=2)
    created = scene.call(
        "mentor",
        "POST",
        f"/relationships/{rel}/meetings",
        {"starts_at": held_at.isoformat(), "minutes": 45, "method": "video", "status": "held"},
    )
    assert created.status_code == 201, created.text
    meeting_id = created.json()["id"]
    met_on = held_at.astimezone(ZoneInfo(MENTOR_ZONE)).date()

    page = signed_in(browser, world, scene.a.persons[0], f"/relationships/{rel}/logs")
    accessible_at_both_widths(page)
    page.get_by_role("link", name="Write a meeting log").click()
    expect(page.get_by_role("heading", name="Write a meeting log")).to_be_visible()
    page.get_by_role("button", name="Save the meeting log").click()
    expect(page.get_by_text("Write something in at least one box")).to_be_visible()
    accessible_at_both_widths(page)

    page.get_by_label("Date of the meeting").fill(met_on.isoformat())
    page.get_by_label("Which meeting (optional)").select_option(meeting_id)
    page.get_by_label("Topics for this meeting").fill(
        "Preparing the team review\nFeedback to a colleague"
    )
    page.get_by_label("Step 1", exact=True).fill("Observe a senior practitioner's review")
    page.get_by_label("Who takes step 1").select_option("mentee")
    page.get_by_label("Resources for step 1 (optional)").fill("the review calendar")
    page.get_by_label("Step 2", exact=True).fill("Share the review notes")
    page.get_by_label("Who takes step 2").select_option("both")
    page.get_by_label("Action 1", exact=True).fill("Book a room for the review")
    page.get_by_label("Who takes action 1").select_option("mentor")
    page.get_by_label("Topic for the next meeting").fill("Giving feedback")
    page.get_by_label("Date of the next meeting (optional)").fill(
        (met_on + timedelta(days=28)).isoformat()
    )
    page.get_by_role("button", name="Save the meeting log").click()
    expect(page.get_by_text("The meeting log is saved.")).to_be_visible()
    log = page.locator("article.log").first
    expect(log.get_by_role("heading")).to_have_text(f"Meeting on {met_on.day} {met_on:%B %Y}")
    expect(log).to_contain_text("Written by you")
    expect(log).to_contain_text("Feedback to a colleague")
    steps = log.get_by_role("table", name="Steps agreed at this meeting")
    expect(steps.get_by_role("row")).to_have_count(3)
    expect(steps).to_contain_text("Observe a senior practitioner's review")
    expect(steps).to_contain_text("Both of us")

    log.get_by_role("link", name=re.compile("Change your log of the meeting")).click()
    expect(page.get_by_label("Step 1", exact=True)).to_have_value(
        "Observe a senior practitioner's review"
    )
    expect(page.get_by_label("Which meeting (optional)")).to_have_value(meeting_id)
    page.get_by_label("Challenges, solutions and outstanding objectives").fill(
        "Finding time for reflective practice"
    )
    page.get_by_role("button", name="Save the changes").click()
    expect(page.get_by_text("The meeting log is updated.")).to_be_visible()
    expect(page.locator("article.log").first).to_contain_text(
        "Finding time for reflective practice"
    )
    stored = scene.call("mentee", "GET", f"/relationships/{rel}/logs").json()
    assert [(s["revision"], s["meeting_id"]) for s in stored] == [(2, meeting_id)]
    page.context.close()

    # The mentee reads it, named by the mentor's shared name; only its author may change it.
    theirs = signed_in(browser, world, scene.b.persons[0], f"/relationships/{rel}/logs")
    log = theirs.locator("article.log").first
    expect(log).to_contain_text(f"Written by {MENTOR_NAME}")
    expect(log).to_contain_text("Finding time for reflective practice")
    expect(log).to_contain_text("Book a room for the review")
    expect(theirs.get_by_role("link", name=re.compile("Change your log"))).to_have_count(0)
    accessible_at_both_widths(theirs)
    answer = theirs.goto(f"{world.portal.url}/relationships/{rel}/logs/{stored[0]['id']}/edit")
    assert answer is not None and answer.status == 404
    theirs.context.close()


def test_the_action_plan_with_goals_oskar_and_grow(
    world: World, scene: Scene, browser: Browser
) -> None:
    rel = scene.relationship
    page = signed_in(browser, world, scene.a.persons[0], f"/relationships/{rel}/plan")
    accessible_at_both_widths(page)

    # The sheet (Resource 15).
    sheet = page.locator("#plan-sheet")
    sheet.get_by_label("What do I need to learn in order to achieve my goal?").fill(
        "How to run a supervision session"
    )
    sheet.get_by_label("Milestones").fill("Lead one team meeting\nLead the quarterly review")
    start = date.today() + timedelta(days=1)
    sheet.get_by_label("Action plan start date").fill(start.isoformat())
    sheet.get_by_label("Estimated completion date").fill((start - timedelta(days=7)).isoformat())
    sheet.get_by_role("button", name="Save the plan").click()
    expect(page.locator("#sheet-completes_on-error")).to_contain_text("completes after it starts")
    page.locator("#plan-sheet").get_by_label("Estimated completion date").fill(
        (start + timedelta(days=180)).isoformat()
    )
    page.locator("#plan-sheet").get_by_role("button", name="Save the plan").click()
    expect(page.get_by_text("The action plan is saved.")).to_be_visible()
    expect(page.locator("#plan-sheet dl")).to_contain_text("Lead the quarterly review")
    plan = scene.call("mentee", "GET", f"/relationships/{rel}/action-plan").json()
    assert plan["milestones"] == ["Lead one team meeting", "Lead the quarterly review"]
    assert set(plan["written_by"]) == {"to_learn", "milestones", "starts_on", "completes_on"}

    # A short-term goal, added in place.
    adding = page.locator("#add-goal")
    adding.get_by_label("Short-term goal", exact=True).check()
    adding.get_by_label("The goal").fill("Lead a team review meeting")
    adding.get_by_label("Priority (short-term goals)").fill("1")
    adding.get_by_role("button", name="Add the goal").click()
    expect(page.get_by_text("The goal is added.")).to_be_visible()
    goal = page.locator(
        "article.goal", has=page.get_by_role("heading", name="Lead a team review meeting")
    )
    expect(goal).to_contain_text("Short-term goal, priority 1")
    expect(goal).to_contain_text("No rating yet.")

    # Rated twice on OSKAR's 0-10 scale: the line and its table.
    for scale in ("4", "7"):
        goal.get_by_label("Where are you now on this goal, from 0 to 10?").select_option(scale)
        goal.get_by_role("button", name="Record the rating").click()
        expect(page.get_by_text("Your rating is recorded.")).to_be_visible()
        expect(goal.locator("table.readings tbody tr")).to_have_count(1 if scale == "4" else 2)
    chart = goal.locator("svg.chart")
    expect(chart).to_have_attribute("role", "img")
    points = chart.locator("polyline").get_attribute("points") or ""
    (x1, y1), (x2, y2) = [tuple(float(n) for n in pair.split(",")) for pair in points.split()]
    assert x1 < x2 and y2 < y1, "the later, higher rating is drawn right of and above the first"
    rows = goal.locator("table.readings tbody tr")
    expect(rows.nth(0)).to_contain_text("4")
    expect(rows.nth(1)).to_contain_text("7")
    expect(goal.locator("figcaption")).to_contain_text("latest: 7 out of 10")
    readings = scene.call("mentee", "GET", f"/relationships/{rel}/action-plan").json()["goals"][0][
        "oskar"
    ]
    assert [r["scale"] for r in readings] == [4, 7]

    # GROW (Resource 12) with a commitment below 7: its question follows.
    grow = page.locator("#add-grow")
    grow.get_by_label("Which goal of the plan it worked on (optional)").select_option(
        label="Lead a team review meeting"
    )
    grow.get_by_label("Goal", exact=True).fill("Feel ready to lead the review")
    grow.get_by_label("Reality (optional)").fill("I have observed two reviews")
    grow.get_by_label("Way forward", exact=True).fill("Co-lead the April review")
    grow.get_by_label("Commitment to the way forward, from 1 to 10").select_option("6")
    grow.get_by_role("button", name="Save the GROW notes").click()
    expect(page.get_by_text("Your GROW notes are saved.")).to_be_visible()
    note = page.locator("article.grow-note").first
    expect(note).to_contain_text("6 out of 10")
    expect(note).to_contain_text("what still needs to happen to help increase motivation?")

    # Achieved, once.
    goal.get_by_role("button", name=re.compile("Mark achieved")).click()
    expect(page.get_by_text("Well done: the goal is marked achieved.")).to_be_visible()
    expect(goal.get_by_text(re.compile("Achieved on"))).to_be_visible()
    expect(goal.get_by_role("button", name=re.compile("Mark achieved"))).to_have_count(0)
    accessible_at_both_widths(page)
    page.context.close()
