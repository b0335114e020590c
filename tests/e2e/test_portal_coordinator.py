"""The programme co-ordinator's workspace, driven in Debian's Chromium through a real sign-in
against the real services: a programme designed through the guided form (a bad bound refused
beside its field) and published once the invited organisation accepts; the readiness list; a
matching round run as a job and watched to its end; a proposal approved (and its two people
then see it on their own pages and accept), another swapped for a pair that breaks hard
constraints (refused, every reason listed), a pair proposed by hand; who is waiting; the
relationship with its phase; an alert acknowledged from the keyboard, thresholds set (a bad one
refused beside its field); a survey template written; the comments view saying it is
suppressed; a circle round. A plain member and another organisation's co-ordinator find
nothing. axe-core at desktop width and at 375 px on every page.

A small world of the test's own: Kauri Care designs the programmes (one of its people is
granted the co-ordinator's role) and Matai Works is invited. Kauri people mentor, Matai people
are mentees; one Matai mentee does not share their profile across organisations, one Kauri
mentor has no time in common with anyone.
"""

from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, ViewportSize, expect
from pymongo import MongoClient

from deploy.localnet.identity import Person
from shared.contracts.sessions import RelationshipStarted
from shared.events.catalogue import new_event
from shared.events.envelope import Audience, Envelope
from tests.browser import chromium
from tests.e2e.conftest import Crowd, World, add_crowd
from tests.e2e.portal_browser import PHONE, assert_accessible, sign_in
from tests.e2e.sessions_scene import grant_coordinator
from tests.e2e.test_candidate_pool import member_id_of, publish
from tests.e2e.test_first_flow import eventually
from tests.e2e.training_records import record_training

TRAINED = str(date.today() - timedelta(days=40))
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
NARROW: ViewportSize = {"width": PHONE["width"], "height": PHONE["height"]}
PROGRAMME = "Kauri and Matai leaders"
PRIVATE_COMMENT = "the-coordinator-must-not-read-this-7f3a"


@dataclass
class Land:
    """The test's own organisations, people and their member ids."""

    kauri: Crowd  # persons: 0 co-ordinator, 1-3 mentors, 4 the slow mentor, 5 a plain member
    matai: Crowd  # persons: 0 another co-ordinator, 1-2 mentees, 3 the mentee who does not share
    coordinator: dict[str, Any]  # the co-ordinator's tokens (with the granted role)
    other_coordinator: dict[str, Any]
    ids: dict[str, str]

    @property
    def person(self) -> Person:
        return self.kauri.persons[0]


def _registry(
    world: World, tokens: dict[str, Any], method: str, path: str, body: Any = None
) -> httpx.Response:
    with world.reader(tokens) as http:
        return http.request(method, f"{world.url('registry')}{path}", json=body)


def _call(
    world: World, service: str, tokens: dict[str, Any], method: str, path: str, body: Any = None
) -> httpx.Response:
    with world.reader(tokens) as http:
        return http.request(method, f"{world.url(service)}{path}", json=body)


def _profile(name: str, sector: str, **fields: Any) -> dict[str, Any]:
    return {
        "display_name": name,
        "skills": ["service design", "team leadership", "budgeting"],
        "development_goals": ["lead a team through change"],
        "sector": sector,
        "job_level": "manager",
        "time_zone": "Pacific/Auckland",
        "languages": ["en"],
        "availability": [{"day": "tue", "start": "09:00", "end": "12:00"}],
        "meeting_modes": ["video", "telephone"],
        "share_across_organisations": True,
        "mentee_induction_completed_on": TRAINED,
        **fields,
    }


@pytest.fixture(scope="module")
def land(world: World) -> Land:
    kauri = add_crowd(world, "pcok", "Kauri Care", "health", 6)
    matai = add_crowd(world, "pcom", "Matai Works", "engineering", 4)
    coordinator = grant_coordinator(world, kauri, 0)
    other_coordinator = grant_coordinator(world, matai, 0)
    profiles = [
        (kauri.people[1], _profile("Aroha Mentor", "health", mentor_capacity=1)),
        (kauri.people[2], _profile("Hemi Mentor", "health", mentor_capacity=1)),
        (kauri.people[3], _profile("Kiri Mentor", "health", mentor_capacity=1)),
        (
            kauri.people[4],
            _profile(
                "Slow Mentor",
                "health",
                mentor_capacity=1,
                availability=[{"day": "sun", "start": "06:00", "end": "07:00"}],
                meeting_modes=["face_to_face"],
            ),
        ),
        (matai.people[1], _profile("Mere Mentee", "engineering")),
        (matai.people[2], _profile("Tama Mentee", "engineering")),
        (
            matai.people[3],
            _profile("Quiet Mentee", "engineering", share_across_organisations=False),
        ),
    ]
    for tokens, body in profiles:
        if "mentor_capacity" in body:
            body["mentor_training_completed_on"] = TRAINED
        written = _registry(world, tokens, "PUT", "/me/profile", body)
        assert written.status_code == 200, written.text
        home = kauri if any(tokens is t for t in kauri.people) else matai
        record_training(
            world.url("registry"),
            home.id,
            home.admin,
            tokens,
            mentor_on=body.get("mentor_training_completed_on"),
            mentee_on=TRAINED,
        )
    names = {
        "coordinator": kauri.people[0],
        "aroha": kauri.people[1],
        "hemi": kauri.people[2],
        "kiri": kauri.people[3],
        "slow": kauri.people[4],
        "plain": kauri.people[5],
        "mere": matai.people[1],
        "tama": matai.people[2],
        "quiet": matai.people[3],
    }
    ids = {name: member_id_of(world, tokens) for name, tokens in names.items()}
    return Land(kauri, matai, coordinator, other_coordinator, ids)


def _accessible_at_both_widths(page: Page) -> None:
    """axe at desktop width and at 375 px, leaving the page at desktop width."""
    page.set_viewport_size(DESKTOP)
    assert_accessible(page)
    page.set_viewport_size(NARROW)
    assert_accessible(page)
    page.set_viewport_size(DESKTOP)


def _tab_to(page: Page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element is focused (fails after `limit` presses)."""
    target = page.locator(selector)
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{selector} never took the focus")


def _publish_aside(world: World, envelope: Envelope, source: str) -> None:
    """Publish from another thread: Playwright's own event loop runs in this one."""
    with ThreadPoolExecutor(1) as aside:
        aside.submit(publish, world, envelope, source=source).result()


def _tab(page: Page, name: str) -> None:
    """Open one of the programme's tabs."""
    page.get_by_role("navigation", name="This programme").get_by_role("link", name=name).click()


def _enrol(world: World, tokens: dict[str, Any], programme: str, role: str) -> None:
    enrolled = _registry(
        world, tokens, "POST", f"/programmes/{programme}/enrolments", {"role": role}
    )
    assert enrolled.status_code == 201, enrolled.text


def _design(page: Page) -> None:
    """Fill the guided form as the co-ordinator would, with one bound out of range."""
    page.get_by_label("The programme's name").fill(PROGRAMME)
    page.get_by_label("Its purpose").fill(
        "Support new team leaders in both organisations through their first year"
    )
    page.get_by_label("Its goals").fill("confident delegation\nleading through change")
    page.get_by_label("Expected outcomes (optional)").fill("new leaders stay in post")
    page.get_by_label("One-to-one").check()
    page.get_by_label("Who can take part").fill("Anyone leading a team for the first time")
    page.get_by_label("Meet every (days)").fill("28")
    page.get_by_label("Shortest meeting (minutes)").fill("60")
    page.get_by_label("Longest meeting (minutes)").fill("600")
    page.get_by_label("Matai Works (engineering)").check()


def test_a_coordinator_designs_publishes_matches_and_oversees_a_programme(
    world: World, land: Land
) -> None:
    portal, ids = world.portal.url, land.ids
    with chromium() as browser:
        page = browser.new_context(viewport=DESKTOP).new_page()
        sign_in(page, portal, land.person, start="/coordinate")
        expect(page.get_by_role("navigation", name="Main")).to_contain_text("Co-ordinate")
        expect(page.get_by_role("heading", level=1)).to_have_text("Your programmes")
        expect(page.get_by_text("You co-ordinate no programme yet")).to_be_visible()
        _accessible_at_both_widths(page)

        # Design: the guided form, each part explained; a bad bound comes back beside its field.
        page.get_by_role("link", name="Design a new programme").click()
        expect(
            page.get_by_role("group", name="Part 2 of 8: How people are mentored")
        ).to_contain_text("One experienced mentor meets a group of one to four mentees")
        expect(page.locator("#part-eligibility")).to_contain_text(
            "Mentor training and the mentee induction are mandatory"
        )
        _accessible_at_both_widths(page)
        _design(page)
        with page.expect_response(lambda r: r.request.method == "POST") as answered:
            page.get_by_role("button", name="Save the programme as a draft").click()
        assert answered.value.status == 422
        longest = page.get_by_label("Longest meeting (minutes)")
        expect(longest).to_have_attribute("aria-invalid", "true")
        expect(page.locator("#design-max_meeting_minutes-error")).to_have_text(
            "give a whole number from 15 to 480, not 600"
        )
        expect(longest).to_have_value("600")
        expect(page.get_by_label("The programme's name")).to_have_value(PROGRAMME)
        expect(page.get_by_label("Its goals")).to_have_value(
            "confident delegation\nleading through change"
        )
        expect(page.get_by_label("Matai Works (engineering)")).to_be_checked()
        _accessible_at_both_widths(page)
        longest.fill("90")
        page.get_by_role("button", name="Save the programme as a draft").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(PROGRAMME)
        expect(page.get_by_role("status")).to_contain_text("saved as a draft")
        programme = page.url.split("/coordinate/programmes/")[1].split("?")[0]
        expect(page.locator("#status-section")).to_contain_text("Matai Works: has not accepted yet")
        expect(
            page.get_by_role("link", name=f"The programme's dashboard for {PROGRAMME}")
        ).to_have_attribute("href", f"/dashboards/programme?programme={programme}")
        _accessible_at_both_widths(page)

        # Publishing waits for the invited organisation, and says so in words.
        page.get_by_role("button", name="Publish the programme").click()
        expect(page.locator("#status-section [role=alert]")).to_contain_text(
            "An invited organisation has not accepted yet (Matai Works)"
        )
        accepted = _registry(world, land.matai.admin, "POST", f"/programmes/{programme}/acceptance")
        assert accepted.status_code == 200, accepted.text
        page.goto(f"{portal}/coordinate/programmes/{programme}")
        page.get_by_role("button", name="Publish the programme").click()
        expect(page.locator("#status-section [role=status]")).to_have_text(
            "Published: the programme is open for enrolment."
        )
        expect(page.locator("#status-section")).to_contain_text("Open for enrolment")

        # Members enrol (through the API), and the readiness list shows how matching sees them.
        for name in ("aroha", "hemi", "kiri", "slow"):
            _enrol(world, _tokens(land, name), programme, "mentor")
        for name in ("mere", "tama", "quiet"):
            _enrol(world, _tokens(land, name), programme, "mentee")

        def pooled() -> bool:
            """matching assesses all seven enrolled people"""
            found = _call(
                world,
                "matching",
                land.coordinator,
                "GET",
                f"/programmes/{programme}/candidate-pool?include_excluded=true",
            )
            return found.status_code == 200 and len(found.json()["candidates"]) == 7

        eventually(pooled, timeout=30)

        # The weights, once matching knows the programme: a bad one is refused beside it.
        page.goto(f"{portal}/coordinate/programmes/{programme}")
        page.get_by_label("Contrast").fill("150")
        page.get_by_role("button", name="Save the weights").click()
        expect(page.locator("#weight-contrast-error")).to_have_text(
            "give a number from 0 to 100, not 150"
        )
        expect(page.get_by_label("Contrast")).to_have_value("150")
        page.get_by_label("Contrast").fill("3")
        page.get_by_role("button", name="Save the weights").click()
        expect(page.locator("#weights-section [role=status]")).to_have_text(
            "The weights are saved; the next round uses them."
        )
        saved = _call(
            world, "matching", land.coordinator, "GET", f"/programmes/{programme}/weights"
        )
        assert saved.json()["contrast"] == 3.0
        _accessible_at_both_widths(page)

        _tab(page, "Readiness")
        roster = page.locator(".roster")
        expect(roster.locator(":scope > li")).to_have_count(7)
        expect(page.locator("main")).to_contain_text("6 ready to match, 1 not ready")
        quiet = roster.locator(":scope > li").first
        expect(quiet).to_contain_text("Someone at Matai Works, mentee")
        expect(quiet).to_contain_text("Not ready")
        expect(quiet).to_contain_text(
            "Has not agreed to share their profile with the other organisations taking part."
        )
        expect(roster).to_contain_text("Mere Mentee, Matai Works")
        expect(roster).to_contain_text("Can take 1 more mentee.")
        _accessible_at_both_widths(page)

        # A round, run as a job: the page follows it to its end, then shows its proposals.
        _tab(page, "Matching")
        expect(page.get_by_text("Nothing waits for your review.")).to_be_visible()
        _accessible_at_both_widths(page)
        page.get_by_role("button", name="Run a matching round").click()
        page.wait_for_url(f"{portal}/coordinate/programmes/{programme}/rounds/job_*")
        expect(page.get_by_role("status").first).to_have_text(
            "The round has finished.", timeout=20000
        )
        bar = page.locator("progress#round-bar")
        expect(bar).to_have_attribute("value", "3")
        expect(page.locator("main")).to_contain_text("2 pairs proposed")
        cards = page.locator("#review article.proposal")
        expect(cards).to_have_count(2)
        expect(cards.first).to_contain_text("Waiting for your review")
        cards.first.locator("summary", has_text="Why they were matched").click()
        expect(cards.first).to_contain_text("Your goals and their skills")
        expect(cards.first).to_contain_text("From different organisations")
        assert "/rounds/job_" in page.url
        _accessible_at_both_widths(page)

        listed = _call(
            world, "matching", land.coordinator, "GET", f"/programmes/{programme}/proposals"
        )
        proposals = {p["mentee_id"]: p for p in listed.json()["proposals"]}
        assert set(proposals) == {ids["mere"], ids["tama"]}
        first, second = proposals[ids["mere"]], proposals[ids["tama"]]
        used = {first["mentor_id"], second["mentor_id"]}
        assert ids["slow"] not in used, "no time in common: never proposed"
        (spare,) = {ids["aroha"], ids["hemi"], ids["kiri"]} - used
        mentor_names = {ids["aroha"]: "aroha", ids["hemi"]: "hemi", ids["kiri"]: "kiri"}

        # Approve Mere's pair; htmx answers in place.
        card = page.locator(f"#{first['id']}")
        card.get_by_role("button", name="Approve").click()
        expect(page.locator(f"#{first['id']}")).to_contain_text(
            "Approved: waiting for both to accept"
        )
        expect(page.locator(f"#{first['id']} [role=status]")).to_have_text(
            "Approved: both people can now accept the match."
        )

        # The two people see it on their own pages, approved, and accept it.
        for name in ("mere", mentor_names[first["mentor_id"]]):
            person = _person(land, name)
            theirs = browser.new_context(viewport=DESKTOP).new_page()
            sign_in(theirs, portal, person, start="/proposals")
            match = theirs.locator(f"#{first['id']}")
            expect(match).to_contain_text(PROGRAMME)
            expect(match).to_contain_text("The programme's co-ordinator has approved it.")
            match.get_by_role("button", name="Accept the match").click()
            expect(theirs.locator(f"#{first['id']} [role=status]")).to_have_text(
                "You accepted. When both of you have, your relationship starts."
            )
            theirs.context.close()

        # Swap Tama's mentor for the one with no time in common: refused, every reason listed.
        page.goto(f"{portal}/coordinate/programmes/{programme}/matching")
        card = page.locator(f"#{second['id']}")
        card.locator("summary", has_text="Swap the mentor").click()
        card.get_by_label("Mentor instead").select_option(ids["slow"])
        with page.expect_response(lambda r: r.request.method == "POST") as answered:
            card.get_by_role("button", name="Reject this pair and propose the new one").click()
        assert answered.value.status == 422
        refusal = page.locator("#waiting-section [role=alert]")
        expect(refusal).to_contain_text("The pair you swapped out is not taken forward.")
        expect(refusal).to_contain_text("The pair you chose cannot be matched:")
        expect(refusal.locator("li")).to_have_count(2)
        expect(refusal).to_contain_text("No weekly time when both are free")
        expect(refusal).to_contain_text("No way of meeting in common")
        expect(page.locator("#pair-mentee_id")).to_have_value(ids["tama"])
        expect(page.locator("#pair-mentor_id")).to_have_value(ids["slow"])
        _accessible_at_both_widths(page)

        # Who is waiting: Tama (the pair not taken forward), the mentee who does not share, and
        # the mentors with no mentee.
        page.goto(f"{portal}/coordinate/programmes/{programme}/matching")
        waiting = page.locator("#waiting-section .roster")
        expect(waiting).to_contain_text("Tama Mentee, Matai Works")
        expect(waiting).to_contain_text("not taken forward; back in the pool")
        expect(waiting).to_contain_text("Not ready: has not agreed to share their profile")
        expect(waiting).to_contain_text("Slow Mentor")

        # A pair proposed by hand: Tama with the mentor the round left free.
        page.locator("#pair-mentee_id").select_option(ids["tama"])
        page.locator("#pair-mentor_id").select_option(spare)
        page.get_by_role("button", name="Propose this pair").click()
        expect(page.get_by_role("status").first).to_have_text(
            "The pair is proposed; approve it when you are ready."
        )
        expect(page.locator("#review")).to_contain_text("Tama Mentee with")
        expect(waiting).not_to_contain_text("Tama Mentee")
        _accessible_at_both_widths(page)

        # The relationship Mere's pair started, with its phase.
        def started() -> bool:
            """sessions started Mere's relationship"""
            found = _call(
                world, "sessions", land.coordinator, "GET", f"/programmes/{programme}/relationships"
            )
            return found.status_code == 200 and len(found.json()) == 1

        eventually(started, timeout=30)
        _tab(page, "Relationships")
        relationship = page.locator("main article")
        expect(relationship).to_have_count(1)
        expect(relationship).to_contain_text("Mentee: Mere Mentee, Matai Works")
        expect(relationship).to_contain_text("Building rapport")
        _accessible_at_both_widths(page)

        # An alert arises (a relationship that started five weeks ago with no first meeting) and
        # is acknowledged from the keyboard.
        quiet_relationship = f"rel_{secrets.token_hex(8)}"
        _publish_aside(
            world,
            new_event(
                RelationshipStarted(
                    relationship_id=quiet_relationship,
                    proposal_id=f"prp_{secrets.token_hex(8)}",
                    programme_id=programme,
                    mentee_id=ids["tama"],
                    mentee_organisation_id=land.matai.id,
                    mentor_id=spare,
                    mentor_organisation_id=land.kauri.id,
                    started_at=datetime.now(UTC) - timedelta(days=36),
                ),
                organisation=None,
                subject=quiet_relationship,
                audience=Audience.NETWORK,
            ),
            source="sessions",
        )

        def alerted() -> bool:
            """evaluation raised the no-first-meeting alert"""
            found = _call(
                world, "evaluation", land.coordinator, "GET", f"/programmes/{programme}/alerts"
            )
            return found.status_code == 200 and any(
                a["kind"] == "no_first_meeting" for a in found.json()
            )

        eventually(alerted, timeout=30)
        _tab(page, "Alerts")
        alert = page.locator("article.alert").first
        expect(alert).to_contain_text("No first meeting yet")
        expect(alert).to_contain_text("Mentee: Tama Mentee, Matai Works")
        _accessible_at_both_widths(page)
        alert_id = alert.get_attribute("id")
        _tab_to(page, f"#{alert_id} button.primary")
        expect(page.locator(":focus")).to_contain_text("Acknowledge")
        page.keyboard.press("Enter")
        expect(page.locator(f"#{alert_id}")).to_contain_text("Acknowledged: being looked into")
        expect(page.locator(f"#{alert_id} [role=status]")).to_have_text(
            "Acknowledged: the alert shows as being looked into."
        )

        # Thresholds: a warning after the inactivity alert is refused beside its field.
        page.get_by_label("Warn after no activity for (days)").fill("95")
        page.get_by_role("button", name="Save the thresholds").click()
        expect(page.locator("#threshold-inactivity_warning_days-error")).to_have_text(
            "the warning must come before the inactivity alert (at 90 days)"
        )
        expect(page.get_by_label("Warn after no activity for (days)")).to_have_value("95")
        _accessible_at_both_widths(page)
        page.get_by_label("Warn after no activity for (days)").fill("60")
        page.get_by_label("No first meeting after (days)").fill("28")
        page.get_by_role("button", name="Save the thresholds").click()
        expect(page.locator("#thresholds-section [role=status]")).to_contain_text(
            "The thresholds are saved"
        )
        stored = _call(
            world,
            "evaluation",
            land.coordinator,
            "GET",
            f"/programmes/{programme}/alert-thresholds",
        ).json()
        assert (stored["inactivity_warning_days"], stored["first_meeting_days"]) == (60, 28)

        # Surveys: Tama writes a comment in the pulse check; one writer is too few to show it.
        def due() -> list[dict[str, Any]]:
            found = _call(world, "evaluation", _tokens(land, "tama"), "GET", "/members/me/surveys")
            return [s for s in found.json() if s["relationship_id"] == quiet_relationship]

        eventually(lambda: len(due()) == 1, timeout=30)
        (survey,) = due()
        answered_survey = _call(
            world,
            "evaluation",
            _tokens(land, "tama"),
            "POST",
            f"/surveys/{survey['id']}/answers",
            {"answers": {"q1": 4, "q2": 4, "q3": PRIVATE_COMMENT}},
        )
        assert answered_survey.status_code in (200, 201), answered_survey.text
        _tab(page, "Surveys")
        expect(page.locator("#templates-section")).to_contain_text("The network's own")
        _accessible_at_both_widths(page)
        page.get_by_role("link", name="Read the anonymous comments people wrote").click()
        comment = page.locator("main article").first
        expect(comment).to_contain_text(
            "Not shown: fewer than 5 people have written to this question"
        )
        assert PRIVATE_COMMENT not in page.content()
        _accessible_at_both_widths(page)

        # A template of the programme's own: a choice with one option is refused beside it.
        page.goto(f"{portal}/coordinate/programmes/{programme}/surveys/templates/new")
        page.get_by_label("Title").fill("Mid-point check for mentees")
        page.locator("#template-q1_text").fill("Which part helps you most?")
        page.locator("#template-q1_type").select_option("single_choice")
        page.locator("#template-q1_options").fill("The meetings")
        page.get_by_role("button", name="Save the template").click()
        expect(page.locator("#template-q1_options-error")).to_have_text(
            "a choice needs at least two options, one a line"
        )
        expect(page.get_by_label("Title")).to_have_value("Mid-point check for mentees")
        _accessible_at_both_widths(page)
        page.locator("#template-q1_options").fill("The meetings\nThe action plan")
        page.get_by_role("button", name="Save the template").click()
        expect(page.get_by_role("status")).to_have_text(
            "The template is saved. Add it to the schedule to send it."
        )
        expect(page.locator("#templates-section")).to_contain_text("Mid-point check for mentees")

        # Edited: a new version; the earlier one is kept and listed.
        mine = page.locator("#templates-section article", has_text="Mid-point check for mentees")
        mine.get_by_role("link", name="Edit as a new version").click()
        expect(page.locator("#template-q1_options")).to_have_value("The meetings\nThe action plan")
        page.locator("#template-q2_text").fill("What would help you most now?")
        page.locator("#template-q2_type").select_option("free_text")
        page.get_by_role("button", name="Save as a new version").click()
        expect(page.get_by_role("status")).to_have_text(
            "Saved as a new version; surveys already sent keep the one they had."
        )
        expect(mine).to_contain_text("2 questions")
        expect(mine).to_contain_text("Version 2")
        mine.get_by_role("link", name="Edit as a new version").click()
        expect(page.get_by_role("heading", name="Earlier versions")).to_be_visible()
        expect(page.locator("main")).to_contain_text("Version 1")
        _accessible_at_both_widths(page)
        _tab(page, "Surveys")

        # The schedule: the new template every few weeks; weeks are needed for that.
        schedule = page.locator("#schedule-section")
        schedule.locator("summary").click()
        schedule.locator("#schedule-s5_template").select_option(label="Mid-point check for mentees")
        schedule.locator("#schedule-s5_when").select_option("every")
        schedule.get_by_role("button", name="Save the schedule").click()
        expect(page.locator("#schedule-s5_weeks-error")).to_have_text(
            "give a number of weeks from 1 to 104"
        )
        expect(page.locator("#schedule-s5_when")).to_have_value("every")
        _accessible_at_both_widths(page)
        page.locator("#schedule-s5_weeks").fill("6")
        page.locator("#schedule-section").get_by_role("button", name="Save the schedule").click()
        expect(page.locator("#schedule-section [role=status]")).to_contain_text(
            "The schedule is saved"
        )
        expect(page.locator("#schedule-section")).to_contain_text(
            "Mid-point check for mentees: every 6 weeks while the relationship lasts."
        )

        # The co-ordinator's list: the programme, running its course.
        page.goto(f"{portal}/coordinate")
        entry = page.locator(f"#programme-{programme}")
        expect(entry).to_contain_text("Open for enrolment")
        expect(entry).to_contain_text("check who is ready on the readiness list")
        _accessible_at_both_widths(page)


def _tokens(land: Land, name: str) -> dict[str, Any]:
    people = {
        "aroha": land.kauri.people[1],
        "hemi": land.kauri.people[2],
        "kiri": land.kauri.people[3],
        "slow": land.kauri.people[4],
        "mere": land.matai.people[1],
        "tama": land.matai.people[2],
        "quiet": land.matai.people[3],
    }
    return people[name]


def _person(land: Land, name: str) -> Person:
    persons = {
        "aroha": land.kauri.persons[1],
        "hemi": land.kauri.persons[2],
        "kiri": land.kauri.persons[3],
        "mere": land.matai.persons[1],
        "tama": land.matai.persons[2],
    }
    return persons[name]


@pytest.fixture(scope="module")
def circle_programme(world: World, land: Land) -> str:
    """A peer circle programme of Kauri's co-ordinator with Matai, open, six peers enrolled
    (one of whom does not share their profile across organisations)."""
    design = {
        "name": "Leaders' peer circle",
        "purpose": "Peers of both organisations learn from each other's practice",
        "goals": ["share practice"],
        "model": "peer_circle",
        "starts_on": str(date.today() + timedelta(days=7)),
        "ends_on": str(date.today() + timedelta(days=300)),
        "meeting_every_days": 28,
        "min_meeting_minutes": 60,
        "max_meeting_minutes": 90,
        "participating_organisations": [land.matai.id],
    }
    created = _registry(world, land.coordinator, "POST", "/programmes", design)
    assert created.status_code == 201, created.text
    programme = str(created.json()["id"])
    accepted = _registry(world, land.matai.admin, "POST", f"/programmes/{programme}/acceptance")
    assert accepted.status_code == 200, accepted.text
    opened = _registry(
        world, land.coordinator, "POST", f"/programmes/{programme}/status", {"status": "open"}
    )
    assert opened.status_code == 200, opened.text
    for name in ("aroha", "hemi", "kiri", "mere", "tama", "quiet"):
        _enrol(world, _tokens(land, name), programme, "peer")

    def pooled() -> bool:
        """matching assesses all six peers"""
        found = _call(
            world,
            "matching",
            land.coordinator,
            "GET",
            f"/programmes/{programme}/candidate-pool?include_excluded=true",
        )
        return found.status_code == 200 and len(found.json()["candidates"]) == 6

    eventually(pooled, timeout=30)
    return programme


def test_a_coordinator_runs_a_circle_round_and_sees_its_members_named(
    world: World, land: Land, circle_programme: str
) -> None:
    portal, base = world.portal.url, f"/coordinate/programmes/{circle_programme}"
    with chromium() as browser:
        page = browser.new_context(viewport=DESKTOP).new_page()
        sign_in(page, portal, land.person, start=f"{base}/circles")
        tabs = page.get_by_role("navigation", name="This programme")
        expect(tabs.get_by_role("link", name="Circles")).to_have_attribute("aria-current", "page")
        expect(tabs.get_by_role("link", name="Matching")).to_have_count(0)
        expect(page.get_by_text("No circle yet.")).to_be_visible()
        _accessible_at_both_widths(page)
        page.get_by_role("button", name="Run a circle round").click()
        expect(page.get_by_role("status")).to_have_text(
            "The circle round has run: the new circles are below."
        )
        circle = page.locator("#circles-section article")
        expect(circle).to_have_count(1)
        expect(circle).to_contain_text("5 peers from 2 organisations")
        for name in ("Aroha Mentor, Kauri Care", "Mere Mentee, Matai Works", "Tama Mentee"):
            expect(circle).to_contain_text(name)
        waiting = page.locator("section", has=page.get_by_role("heading", name="Who is waiting"))
        expect(waiting).to_contain_text("Someone at Matai Works: Not ready: has not agreed")
        _accessible_at_both_widths(page)

        # The readiness list of a circle programme, and its overview (no weights: no pairs).
        _tab(page, "Readiness")
        expect(page.locator("main")).to_contain_text("5 ready to match, 1 not ready")
        _tab(page, "Overview")
        expect(page.locator("main")).not_to_contain_text("Matching weights")
        expect(page.locator("main")).to_contain_text("Peers of equal standing meet as a circle")
        _accessible_at_both_widths(page)


def test_a_plain_member_and_another_organisations_coordinator_find_nothing(
    world: World, land: Land, circle_programme: str
) -> None:
    portal, base = world.portal.url, f"/coordinate/programmes/{circle_programme}"
    pages = [
        base,
        f"{base}/readiness",
        f"{base}/matching",
        f"{base}/circles",
        f"{base}/relationships",
        f"{base}/alerts",
        f"{base}/surveys",
        f"{base}/surveys/comments",
        f"{base}/surveys/templates/new",
    ]
    plain, other = land.kauri.persons[5], land.matai.persons[0]
    with chromium() as browser:
        for person, extra in ((plain, ["/coordinate", "/coordinate/new"]), (other, [])):
            page = browser.new_context(viewport=DESKTOP).new_page()
            sign_in(page, portal, person, start="/")
            nav = page.get_by_role("navigation", name="Main")
            expect(nav.get_by_role("link", name="Home")).to_be_visible()
            if person is plain:
                expect(nav.get_by_role("link", name="Co-ordinate")).to_have_count(0)
            for path in [*pages, *extra]:
                response = page.goto(f"{portal}{path}")
                assert response is not None and response.status == 404, path
                expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
                assert "Leaders' peer circle" not in page.content()
            _accessible_at_both_widths(page)
            page.context.close()

        # Another organisation's co-ordinator has a workspace of their own, without it.
        page = browser.new_context(viewport=DESKTOP).new_page()
        sign_in(page, portal, other, start="/coordinate")
        expect(page.get_by_text("You co-ordinate no programme yet")).to_be_visible()
        assert "Leaders' peer circle" not in page.content()


def test_a_round_still_running_is_followed_by_the_page_and_without_scripts_by_reloading(
    world: World, land: Land, circle_programme: str
) -> None:
    """A round as matching records it while it runs (written here, to hold it at a step), then
    finished: the page follows it with no reload; without scripts, a link reloads it."""
    portal, job_id = world.portal.url, f"job_{secrets.token_hex(8)}"
    path = f"/coordinate/programmes/{circle_programme}/rounds/{job_id}"
    database = f"{world.env['MENTORNET_DB_PREFIX']}_matching_network"
    mongo: MongoClient[dict[str, Any]] = MongoClient(
        world.env["MENTORNET_MONGO_URL"], tz_aware=True
    )
    jobs = mongo[database]["round_jobs"]
    jobs.insert_one(
        {
            "_id": job_id,
            "kind": "matching_round",
            "owner": land.ids["coordinator"],
            "state": "running",
            "done": 1,
            "total": 3,
            "step": "assigning",
            "started_at": datetime.now(UTC),
        }
    )
    try:
        with chromium() as browser:
            still = browser.new_context(viewport=DESKTOP, java_script_enabled=False).new_page()
            sign_in(still, portal, land.person, start=path)
            expect(still.locator("#round-status")).to_have_text("Step 2 of 3: assigning.")
            expect(still.locator("progress#round-bar")).to_have_attribute("value", "1")
            reload = still.get_by_role("link", name="reload to see how far it has got")
            expect(reload).to_have_attribute("href", path)

            page = browser.new_context(viewport=DESKTOP).new_page()
            sign_in(page, portal, land.person, start=path)
            expect(page.locator("#round-status")).to_have_text("Step 2 of 3: assigning.")
            _accessible_at_both_widths(page)
            jobs.update_one(
                {"_id": job_id},
                {
                    "$set": {
                        "state": "done",
                        "done": 3,
                        "step": "writing proposals",
                        "finished_at": datetime.now(UTC),
                        "result": {
                            "programme_id": circle_programme,
                            "proposals": [],
                            "unmatched": [],
                            "total_score": 0.0,
                        },
                    }
                },
            )
            expect(page.locator("#round-status")).to_have_text("The round has finished.")
            expect(page.locator("main")).to_contain_text("The round proposed no pair")
            assert page.url == f"{portal}{path}", "followed in place, without a reload"

            reload.click()
            expect(still.locator("#round-status")).to_have_text("The round has finished.")

            # Only the one who started it can follow it.
            other = browser.new_context(viewport=DESKTOP).new_page()
            sign_in(other, portal, land.matai.persons[0], start="/")
            response = other.goto(f"{portal}{path}")
            assert response is not None and response.status == 404
    finally:
        mongo.close()
