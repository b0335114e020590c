"""The portal's pages for seed 003's mentor roles and seed 004's reverse mentoring, driven in
Debian's Chromium through a real sign-in against the real services: a mentee asks for a role on
their profile (too many are refused beside the field), a co-ordinator designs a reverse
programme (its topics asked for beside the field) and its page says so, and the proposal the
round makes tells the mentee, in words, that it honours both."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from tests.browser import chromium
from tests.e2e.conftest import World, add_crowd
from tests.e2e.portal_browser import PHONE, assert_accessible, sign_in
from tests.e2e.programme_setup import call, design, profile
from tests.e2e.test_candidate_pool import member_id_of
from tests.e2e.test_first_flow import eventually
from tests.e2e.training_records import record_training

pytestmark = pytest.mark.e2e

TRAINED = str(date.today() - timedelta(days=40))
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
NARROW: ViewportSize = {"width": PHONE["width"], "height": PHONE["height"]}  # 375 px
CHALLENGER = "Challenger: challenge and critical debate"


def _profile(name: str, **fields: Any) -> dict[str, Any]:
    return profile(name, "housing", **fields)


def _accessible_at_both_widths(page: Page) -> None:
    page.set_viewport_size(DESKTOP)
    assert_accessible(page)
    page.set_viewport_size(NARROW)
    assert_accessible(page)
    page.set_viewport_size(DESKTOP)


def test_a_mentee_asks_for_a_role_and_a_reverse_programme_proposes_a_mentor_who_takes_it(
    world: World,
) -> None:
    key = secrets.token_hex(2)
    crowd = add_crowd(world, f"pd{key}", f"Reverse Housing {key}", "housing", 2)
    (director, junior), (director_person, _) = crowd.people, crowd.persons
    portal, registry = world.portal.url, world.url("registry")
    for tokens, body in (
        (
            director,
            _profile(
                "Dana Director",
                job_level="director",
                development_goals=["use social media with confidence"],
            ),
        ),
        (
            junior,
            _profile(
                "Jo Junior",
                job_level="senior",
                skills=["social media"],
                mentor_capacity=1,
                mentor_roles=["challenger", "reflector"],
            ),
        ),
    ):
        written = call(world, "registry", tokens, "PUT", "/me/profile", body)
        assert written.status_code == 200, written.text
    record_training(registry, crowd.id, crowd.admin, director, mentee_on=TRAINED)
    record_training(registry, crowd.id, crowd.admin, junior, mentor_on=TRAINED)

    with chromium() as browser:
        # The mentee asks for the roles that matter to them: at most three.
        page = browser.new_context(viewport=DESKTOP).new_page()
        sign_in(page, portal, director_person, start="/profile")
        wanted = page.locator("#profile-wanted_mentor_roles")
        expect(wanted).to_contain_text("the roles you would like your mentor to take")
        for role in (CHALLENGER, "Guide:", "Confidant:", "Reflector:"):
            wanted.get_by_label(role).check()
        with page.expect_response(lambda r: r.request.method == "POST") as answered:
            page.get_by_role("button", name="Save your profile").click()
        assert answered.value.status == 422
        expect(page.locator("#profile-wanted_mentor_roles-error")).to_have_text(
            "choose at most 3 roles, the ones that matter most to you"
        )
        expect(wanted.get_by_label("Reflector:")).to_be_checked()  # kept as ticked
        _accessible_at_both_widths(page)
        for role in ("Guide:", "Confidant:", "Reflector:"):
            wanted.get_by_label(role).uncheck()
        page.get_by_role("button", name="Save your profile").click()
        expect(page.get_by_role("status")).to_have_text("Your profile is saved.")
        expect(wanted.get_by_label(CHALLENGER)).to_be_checked()
        saved = call(world, "registry", director, "GET", "/me/profile").json()
        assert saved["wanted_mentor_roles"] == ["challenger"]
        assert saved["job_level"] == "director"  # what the form keeps

        # The co-ordinator designs a reverse programme: its topics are asked for.
        coordinator = browser.new_context(viewport=DESKTOP).new_page()
        sign_in(coordinator, portal, crowd.admin_person, start="/coordinate/new")
        name = f"Digital reverse {key}"
        coordinator.get_by_label("The programme's name").fill(name)
        coordinator.get_by_label("Its purpose").fill("Senior leaders learn from newer colleagues")
        coordinator.get_by_label("Its goals").fill("digital confidence")
        coordinator.get_by_label("One-to-one").check()
        coordinator.get_by_label("Reverse: the less senior person mentors").check()
        with coordinator.expect_response(lambda r: r.request.method == "POST") as answered:
            coordinator.get_by_role("button", name="Save the programme as a draft").click()
        assert answered.value.status == 422
        expect(coordinator.locator("#design-reverse_topics-error")).to_contain_text(
            "name the topics on which the less senior mentor the more senior"
        )
        expect(coordinator.get_by_label("Reverse: the less senior person mentors")).to_be_checked()
        _accessible_at_both_widths(coordinator)
        coordinator.get_by_label("Reverse mentoring: its topics").fill("social media\nAI tools")
        coordinator.get_by_role("button", name="Save the programme as a draft").click()
        expect(coordinator.get_by_role("heading", level=1)).to_have_text(name)
        expect(coordinator.locator("dl.facts")).to_contain_text(
            "Reverse: the less senior person mentors the more senior one on named topics"
        )
        expect(coordinator.locator("dl.facts")).to_contain_text("on social media, AI tools")
        _accessible_at_both_widths(coordinator)
        programme = coordinator.url.split("/coordinate/programmes/")[1].split("?")[0]
        coordinator.get_by_role("button", name="Publish the programme").click()
        expect(coordinator.locator("#status-section")).to_contain_text("Open for enrolment")

        for tokens, role in ((director, "mentee"), (junior, "mentor")):
            path = f"/programmes/{programme}/enrolments"
            enrolled = call(world, "registry", tokens, "POST", path, {"role": role})
            assert enrolled.status_code == 201, enrolled.text

        def pooled() -> bool:
            """matching's pool holds both, with the programme's direction"""
            pool = call(
                world, "matching", crowd.admin, "GET", f"/programmes/{programme}/candidate-pool"
            )
            return pool.status_code == 200 and pool.json()["eligible"] == 2

        eventually(pooled, timeout=60)
        ran = call(world, "matching", crowd.admin, "POST", f"/programmes/{programme}/rounds")
        assert ran.status_code == 201, ran.text
        (proposal,) = ran.json()["proposals"]
        assert proposal["mentor_id"] == member_id_of(world, junior)

        # The mentee reads why, in words.
        page.goto(f"{portal}/proposals")
        match = page.locator(f"#{proposal['id']}")
        expect(match).to_contain_text(
            "You would be the mentee, in reverse mentoring on social media, AI tools."
        )
        expect(match).to_contain_text(
            "reverse mentoring, as this programme asks, with Jo Junior mentoring Dana Director "
            "on social media, AI tools"
        )
        expect(match).to_contain_text(
            "Dana Director asks for a mentor who is a challenger; Jo Junior takes the role of "
            "challenger"
        )
        _accessible_at_both_widths(page)


def test_a_two_way_pair_records_who_mentors_whom_in_the_agreement_logs_and_plan(
    world: World,
) -> None:
    key = secrets.token_hex(2)
    crowd = add_crowd(world, f"pw{key}", f"Two Way Housing {key}", "housing", 2)
    (alice, bo), (alice_person, _) = crowd.people, crowd.persons
    portal, registry = world.portal.url, world.url("registry")
    for tokens, body in (
        (alice, _profile("Ana", development_goals=["learn budgeting"], skills=["social media"])),
        (
            bo,
            _profile(
                "Ben",
                skills=["budgeting"],
                development_goals=["use social media"],
                mentor_capacity=1,
            ),
        ),
    ):
        written = call(world, "registry", tokens, "PUT", "/me/profile", body)
        assert written.status_code == 200, written.text
        record_training(
            registry, crowd.id, crowd.admin, tokens, mentor_on=TRAINED, mentee_on=TRAINED
        )
    terms = design(
        f"Two way {key}",
        "Colleagues mentoring each other on what each knows best",
        "shared learning",
        direction="two_way",
    )
    created = call(world, "registry", crowd.admin, "POST", "/programmes", terms)
    assert created.status_code == 201, created.text
    programme = created.json()["id"]
    opened = call(
        world,
        "registry",
        crowd.admin,
        "POST",
        f"/programmes/{programme}/status",
        {"status": "open"},
    )
    assert opened.status_code < 300, opened.text
    for tokens, role in ((alice, "mentee"), (bo, "mentor")):
        path = f"/programmes/{programme}/enrolments"
        enrolled = call(world, "registry", tokens, "POST", path, {"role": role})
        assert enrolled.status_code == 201, enrolled.text

    def pooled() -> bool:
        """matching's pool holds both"""
        pool = call(
            world, "matching", crowd.admin, "GET", f"/programmes/{programme}/candidate-pool"
        )
        return pool.status_code == 200 and pool.json()["eligible"] == 2

    eventually(pooled, timeout=60)
    ran = call(world, "matching", crowd.admin, "POST", f"/programmes/{programme}/rounds")
    assert ran.status_code == 201, ran.text
    (proposal,) = ran.json()["proposals"]
    approved = call(world, "matching", crowd.admin, "POST", f"/proposals/{proposal['id']}/approve")
    assert approved.status_code < 300, approved.text
    bo_accepts = call(world, "matching", bo, "POST", f"/proposals/{proposal['id']}/accept")
    assert bo_accepts.status_code < 300, bo_accepts.text

    with chromium() as browser:
        page = browser.new_context(viewport=DESKTOP).new_page()
        sign_in(page, portal, alice_person, start="/proposals")
        match = page.locator(f"#{proposal['id']}")
        expect(match).to_contain_text("Two-way mentoring: you would mentor each other.")
        expect(match).to_contain_text("Ana mentors Ben: Ben's goal 'use social media' meets")
        match.get_by_role("button", name="Accept the match with Ben").click()

        def started() -> list[dict[str, Any]]:
            listed = call(world, "sessions", alice, "GET", "/members/me/relationships")
            return [r for r in listed.json() if r["programme_id"] == programme]

        eventually(lambda: bool(started()), timeout=60)
        rel = started()[0]["id"]

        # The agreement names the topics each mentors the other on: both are needed.
        page.goto(f"{portal}/relationships/{rel}")
        for label, value in (
            ("How long the relationship will last", "A year"),
            ("How often you will meet, and for how long", "Monthly, an hour"),
            ("Contact between meetings", "E-mail"),
            ("Confidentiality", "Between us"),
            ("Topics the mentor mentors the mentee on", "budgeting"),
        ):
            page.get_by_label(label).fill(value)
        with page.expect_response(lambda r: r.request.method == "POST") as answered:
            page.get_by_role("button", name="Save this version for both of you to sign").click()
        assert answered.value.status == 422
        expect(page.locator("#agreement-mentee_mentors_on-error")).to_have_text(
            "name at least one topic, one per line: in two-way mentoring each of you mentors "
            "the other"
        )
        expect(page.get_by_label("Topics the mentor mentors the mentee on")).to_have_value(
            "budgeting"
        )
        _accessible_at_both_widths(page)
        page.get_by_label("Topics the mentee mentors the mentor on").fill("social media")
        page.get_by_role("button", name="Save this version for both of you to sign").click()
        facts = page.locator("#agreement-section")
        expect(facts).to_contain_text("The mentee mentors the mentor on")
        expect(facts).to_contain_text("social media")
        _accessible_at_both_widths(page)

        # A meeting log says which way the mentoring went.
        page.goto(f"{portal}/relationships/{rel}/logs/new")
        page.get_by_label("Which way the mentoring went").select_option("mentee_to_mentor")
        page.get_by_label("Topics for this meeting").fill("posting for the team")
        _accessible_at_both_widths(page)
        page.get_by_role("button", name="Save the meeting log").click()
        expect(page.locator("article.log").first).to_contain_text("The mentee mentored the mentor")
        _accessible_at_both_widths(page)

        # So does a goal of the plan: whose goal it is.
        page.goto(f"{portal}/relationships/{rel}/plan")
        form = page.locator("#add-goal")
        form.get_by_label("Long-term goal").check()
        form.get_by_label("The goal", exact=True).fill("post weekly on the team channel")
        form.get_by_label("The mentor's goal: the mentee mentors them towards it").check()
        form.get_by_role("button", name="Add the goal").click()
        expect(page.locator("article.goal").first).to_contain_text(
            "The mentor's goal: the mentee mentors them towards it"
        )
        _accessible_at_both_widths(page)

    goals = call(world, "sessions", bo, "GET", f"/relationships/{rel}/action-plan")
    assert [g["direction"] for g in goals.json()["goals"]] == ["mentee_to_mentor"], goals.text
