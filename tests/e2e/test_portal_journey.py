"""The whole journey of a mentoring relationship in the portal, as its two people live it, each
in their own Chromium context: through their organisations' real providers, the portal and the
four services on real Kafka and the MongoDB-wire server; nothing is posed by hand-built events.

Two organisations of the test's own join, their HR systems import the mentor's training and the
mentee's induction (seed 002 makes both mandatory before matching), and one designs a
one-to-one programme the other accepts. Then, in the browser: each person signs in by typing
their work e-mail, consents to share their profile and enrols; the programme's co-ordinator
runs a matching round and approves the pair; both accept the proposal, which starts their
relationship; the mentor drafts the agreement from Resource 5's exemplar and both sign it; the
mentor plans a meeting and downloads its .ics; after meeting, the mentee writes the meeting
log (Resource 13); the mentee sets a goal and rates it on OSKAR's scale; a message typed in one
browser appears in the other's open page without a reload; and the mentee ends the relationship
without blame, asking for a rematch. Screenshots of each step go to test-artifacts/journey/.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from deploy.localnet.identity import Person, bearer
from tests.browser import artifact, chromium
from tests.e2e.conftest import Crowd, World, add_crowd
from tests.e2e.portal_browser import assert_accessible, sign_in
from tests.e2e.programme_setup import design
from tests.e2e.test_candidate_pool import member_id_of
from tests.e2e.test_first_flow import eventually

TRAINED = str(date.today() - timedelta(days=30))
PROGRAMME = "Harakeke leadership exchange"


@dataclass
class Journey:
    """The two organisations, the programme and the pair."""

    world: World
    harakeke: Crowd  # designs and co-ordinates the programme; the mentor works here
    raupo: Crowd  # accepts it; the mentee works here
    programme: str
    mentor: Person
    mentee: Person

    @property
    def portal(self) -> str:
        return self.world.portal.url


def _call(world: World, tokens: dict[str, Any], method: str, url: str, body: Any = None) -> Any:
    response = httpx.request(method, url, json=body, headers=bearer(tokens), timeout=30)
    assert response.is_success, f"{method} {url}: {response.status_code} {response.text}"
    return response.json() if response.content else None


def _hr_import(world: World, crowd: Crowd, rows: list[dict[str, Any]]) -> None:
    """The organisation's HR system records who has been trained or inducted."""
    imported = httpx.post(
        f"{world.url('registry')}/organisations/{crowd.id}/members/import",
        content=json.dumps(rows),
        headers={**bearer(crowd.admin), "Content-Type": "application/json"},
        timeout=30,
    )
    assert imported.status_code == 200, imported.text


@pytest.fixture(scope="module")
def journey(world: World) -> Journey:
    registry = world.url("registry")
    harakeke = add_crowd(world, "harakeke", "Harakeke Health", "health", 1)
    raupo = add_crowd(world, "raupo", "Raupo Engineering", "engineering", 1)
    mentor, mentee = harakeke.persons[0], raupo.persons[0]
    _hr_import(
        world,
        harakeke,
        [
            {
                "email": mentor.email,
                "display_name": "Aroha Mentor",
                "skills": ["delegation", "leading change", "budgeting"],
                "sector": "health",
                "job_level": "director",
                "mentor_capacity": 2,
                "mentor_training_completed_on": TRAINED,
            }
        ],
    )
    _hr_import(
        world,
        raupo,
        [
            {
                "email": mentee.email,
                "display_name": "Ben Mentee",
                "development_goals": ["delegation", "leading change"],
                "sector": "engineering",
                "job_level": "practitioner",
                "mentee_induction_completed_on": TRAINED,
            }
        ],
    )
    terms = design(
        PROGRAMME,
        "Leaders of different sectors learning from each other",
        "confident delegation",
        participating_organisations=[raupo.id],
    )
    programme = _call(world, harakeke.admin, "POST", f"{registry}/programmes", terms)["id"]
    _call(world, raupo.admin, "POST", f"{registry}/programmes/{programme}/acceptance")
    _call(
        world,
        harakeke.admin,
        "POST",
        f"{registry}/programmes/{programme}/status",
        {"status": "open"},
    )
    return Journey(world, harakeke, raupo, programme, mentor, mentee)


@pytest.fixture(scope="module")
def browser(journey: Journey) -> Iterator[Browser]:
    del journey  # built first: Playwright's sync API then owns the event loop
    with chromium() as launched:
        yield launched


def _shot(page: Page, name: str) -> None:
    path = artifact(f"journey/{name}.png")
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)


def _consent_and_enrol(page: Page, journey: Journey, role: str) -> None:
    """On the profile page: a weekly window when they can meet, and consent to share the
    profile across organisations; then enrol."""
    page.goto(f"{journey.portal}/profile")
    page.locator("#profile-window-1-day").select_option("tue")
    page.locator("#profile-window-1-start").fill("09:00")
    page.locator("#profile-window-1-end").fill("12:00")
    consent = page.get_by_label(re.compile("Share my name"))
    if not consent.is_checked():
        consent.check()
    page.get_by_role("button", name="Save your profile").click()
    expect(page.get_by_role("status").first).to_contain_text("Your profile is saved")
    page.goto(f"{journey.portal}/programmes")
    programme = page.locator(f"#programme-{journey.programme}")
    programme.get_by_role("button", name=f"Enrol as a {role}").click()
    expect(programme).to_contain_text(f"You are enrolled as a {role}")


def _round_and_approval(journey: Journey) -> str:
    """The co-ordinator runs a matching round and approves the pair (their workspace comes
    with the next pages; here, the API they would use)."""
    world, coordinator = journey.world, journey.harakeke.admin
    matching = world.url("matching")
    mentee_id = member_id_of(world, journey.raupo.people[0])

    def pool_ready() -> bool:
        """matching has both people, ready, in the programme's pool"""
        pool = httpx.get(
            f"{matching}/programmes/{journey.programme}/candidate-pool",
            headers=bearer(coordinator),
            timeout=15,
        )
        return pool.status_code == 200 and len(pool.json().get("candidates", [])) >= 2

    eventually(pool_ready, timeout=60)
    round_ = _call(world, coordinator, "POST", f"{matching}/programmes/{journey.programme}/rounds")
    found = [p for p in round_["proposals"] if p["mentee_id"] == mentee_id]
    assert len(found) == 1, f"the round: {round_}"
    (proposal,) = found
    _call(world, coordinator, "POST", f"{matching}/proposals/{proposal['id']}/approve")
    return str(proposal["id"])


def test_the_whole_journey_of_a_mentoring_relationship(journey: Journey, browser: Browser) -> None:
    portal = journey.portal
    mentor = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    mentee = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()

    # Sign in by e-mail, through each organisation's own provider.
    sign_in(mentor, portal, journey.mentor)
    sign_in(mentee, portal, journey.mentee)
    expect(mentee.get_by_role("heading", level=1)).to_have_text("Hello, Ben Mentee")
    _shot(mentee, "01-home-before")

    # Consent and enrol.
    _consent_and_enrol(mentor, journey, "mentor")
    _consent_and_enrol(mentee, journey, "mentee")
    _shot(mentee, "02-enrolled")

    # The co-ordinator's round proposes them; both accept, each in their own browser.
    proposal = _round_and_approval(journey)
    mentee.goto(f"{portal}/")
    expect(mentee.get_by_role("heading", name=re.compile("A proposed match with"))).to_be_visible()
    mentee.get_by_role("link", name=re.compile("Answer the proposal")).click()
    card = mentee.locator(f"[id='{proposal}']")
    expect(card).to_contain_text("Aroha Mentor")
    expect(card).to_contain_text("Your goals and their skills")
    _shot(mentee, "03-proposal")
    assert_accessible(mentee)
    card.get_by_role("button", name=re.compile("Accept the match")).click()
    expect(card).to_contain_text("You accepted")
    mentor.goto(f"{portal}/proposals")
    mentor.locator(f"[id='{proposal}']").get_by_role(
        "button", name=re.compile("Accept the match")
    ).click()

    def started() -> bool:
        """the relationship shows on the mentee's relationships page"""
        mentee.goto(f"{portal}/relationships")
        return mentee.get_by_role("link", name=re.compile("Aroha Mentor")).count() > 0

    eventually(started, timeout=60)
    mentee.get_by_role("link", name=re.compile("Aroha Mentor")).first.click()
    relationship = mentee.url.removeprefix(portal)
    assert re.fullmatch(r"/relationships/rel_[0-9a-f]+", relationship), relationship

    # The agreement: the mentor saves Resource 5's exemplar; both sign it.
    mentor.goto(f"{portal}{relationship}")
    mentor.get_by_role("button", name=re.compile("Save this version")).click()
    expect(mentor.get_by_role("status").first).to_contain_text("Saved")
    mentor.get_by_role("button", name=re.compile("I have read version 1 and I sign it")).click()
    mentee.goto(f"{portal}/")
    expect(
        mentee.get_by_role("heading", name=re.compile("agreement with Aroha Mentor is waiting"))
    ).to_be_visible()
    mentee.goto(f"{portal}{relationship}")
    mentee.get_by_role("button", name=re.compile("I have read version 1 and I sign it")).click()
    expect(mentee.locator("main")).to_contain_text("In force since")
    _shot(mentee, "04-agreement")

    # A meeting: planned by the mentor, downloaded for a calendar.
    mentor.goto(f"{portal}{relationship}/meetings")
    start = (datetime.now() + timedelta(days=7)).replace(hour=10, minute=0)
    mentor.get_by_label("Date and time").first.fill(start.strftime("%Y-%m-%dT%H:%M"))
    mentor.get_by_label("Length in minutes").first.fill("60")
    mentor.get_by_label("How you will meet").first.select_option("video")
    mentor.get_by_role("button", name="Plan the meeting").click()
    expect(mentor.get_by_role("status").first).to_contain_text("The meeting is planned")
    with mentor.expect_download() as download:
        mentor.get_by_role("link", name=re.compile("Add to your calendar")).first.click()
    ics = download.value.path().read_text()
    assert "BEGIN:VCALENDAR" in ics and "UID:" in ics and "Length: 60 minutes" in ics
    _shot(mentor, "05-meetings")

    # After meeting: the mentee writes the meeting log.
    mentee.goto(f"{portal}{relationship}/logs")
    mentee.get_by_role("link", name="Write a meeting log").click()
    mentee.get_by_label("Date of the meeting").fill(str(date.today()))
    mentee.get_by_label("Actions and objectives achieved since the last meeting").fill(
        "Delegated the rota review to a senior practitioner"
    )
    mentee.get_by_label("Topics for this meeting").fill("delegation\nsaying no")
    mentee.get_by_role("button", name="Save the meeting log").click()
    expect(mentee.locator("main")).to_contain_text("Delegated the rota review")
    mentor.goto(f"{portal}{relationship}/logs")
    expect(mentor.locator("main")).to_contain_text("Delegated the rota review")

    # The action plan: a goal, rated twice on OSKAR's scale.
    mentee.goto(f"{portal}{relationship}/plan")
    mentee.get_by_label("Long-term goal").check()
    mentee.get_by_label("The goal").last.fill("Hand over the weekly rota for good")
    mentee.get_by_role("button", name="Add the goal").click()
    expect(mentee.locator("main")).to_contain_text("Hand over the weekly rota for good")
    for rating in ("3", "6"):
        mentee.get_by_label(re.compile("Where are you now on this goal")).first.select_option(
            rating
        )
        mentee.get_by_role("button", name="Record the rating").first.click()
        expect(mentee.get_by_role("status").first).to_contain_text("Your rating is recorded")
    expect(mentee.locator("main svg")).to_have_count(1)
    _shot(mentee, "06-action-plan")

    # Messages: typed in one browser, there in the other's open page without a reload.
    mentor.goto(f"{portal}{relationship}/messages")
    mentee.goto(f"{portal}{relationship}/messages")
    mentor.evaluate("window.stillTheSamePage = true")
    mentee.get_by_label("Your message").fill("Thank you for today: the rota is handed over!")
    mentee.get_by_role("button", name="Send").click()
    expect(mentor.locator("#thread")).to_contain_text("the rota is handed over", timeout=15_000)
    assert mentor.evaluate("window.stillTheSamePage") is True
    _shot(mentor, "07-messages")

    # Ending without blame, with a rematch request.
    mentee.goto(f"{portal}{relationship}/end")
    mentee.get_by_label("We achieved what we set out to do").check()
    mentee.get_by_label(re.compile("find me a new match")).check()
    mentee.get_by_role("button", name="End the relationship").click()
    expect(mentee.get_by_role("status").first).to_contain_text("without blame")
    expect(mentee.locator("main")).to_contain_text("a new match was asked for")
    mentor.goto(f"{portal}{relationship}")
    expect(mentor.locator("main")).to_contain_text("This relationship ended")
    _shot(mentee, "08-ended")
