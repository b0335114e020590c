"""The portal's member pages for taking part, driven in Debian's Chromium through a real sign-in
against the real services: the profile (problems beside their fields, consent, readiness shown
and not declared), programmes (a not-ready enrolment refused in words, then enrolled), matches
after a co-ordinator's round (reasons in words; declined without blame; a self-match mentee
asks a suggested mentor and accepts), a survey made due by the programme's own schedule, the
member's data as a download, and erasure with its confirmation step.

A small world of the test's own: Kowhai Care designs three programmes (one-to-one, self-match
one-to-one, peer circle) that Rata Works accepts; Kowhai's admin co-ordinates them. Two Kowhai
people mentor; Rata people enrol, answer, download and leave.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, ViewportSize, expect

from deploy.localnet.identity import bearer
from shared.contracts.sessions import RelationshipStarted
from shared.events.catalogue import new_event
from shared.events.envelope import Audience
from tests.browser import chromium
from tests.e2e.conftest import Crowd, World, add_crowd
from tests.e2e.portal_browser import PHONE, assert_accessible, sign_in
from tests.e2e.test_candidate_pool import member_id_of, publish
from tests.e2e.test_first_flow import eventually
from tests.e2e.training_records import record_training

TRAINED = str(date.today() - timedelta(days=40))
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
NARROW: ViewportSize = {"width": PHONE["width"], "height": PHONE["height"]}  # 375 px


@dataclass
class Land:
    """The test's own organisations, programmes and people."""

    kowhai: Crowd  # designs the programmes; its admin co-ordinates them
    rata: Crowd
    one_to_one: str
    self_match: str
    circle: str
    ids: dict[str, str]  # member ids by name

    @property
    def coordinator(self) -> dict[str, Any]:
        return self.kowhai.admin


def _registry(
    world: World, tokens: dict[str, Any], method: str, path: str, body: Any = None
) -> httpx.Response:
    with world.reader(tokens) as http:
        return http.request(method, f"{world.url('registry')}{path}", json=body)


def _profile(name: str, **fields: Any) -> dict[str, Any]:
    return {
        "display_name": name,
        "skills": ["service design", "budgeting", "team leadership"],
        "development_goals": ["lead a team through change"],
        "sector": "health",
        "job_level": "manager",
        "time_zone": "Pacific/Auckland",
        "languages": ["en"],
        "availability": [{"day": "tue", "start": "09:00", "end": "12:00"}],
        "meeting_modes": ["video", "telephone"],
        "share_across_organisations": True,
        **fields,
    }


def _design(name: str, organisations: list[str], **fields: Any) -> dict[str, Any]:
    return {
        "name": name,
        "purpose": f"{name}: grow confident leaders across our organisations",
        "goals": ["confident delegation"],
        "model": "one_to_one",
        "starts_on": str(date.today() + timedelta(days=7)),
        "ends_on": str(date.today() + timedelta(days=300)),
        "meeting_every_days": 28,
        "min_meeting_minutes": 45,
        "max_meeting_minutes": 90,
        "eligibility": "Anyone leading a team for the first time",
        "participating_organisations": organisations,
        **fields,
    }


def _open_programme(world: World, kowhai: Crowd, rata: Crowd, name: str, **fields: Any) -> str:
    created = _registry(
        world, kowhai.admin, "POST", "/programmes", _design(name, [rata.id], **fields)
    )
    assert created.status_code == 201, created.text
    programme = str(created.json()["id"])
    accepted = _registry(world, rata.admin, "POST", f"/programmes/{programme}/acceptance")
    assert accepted.status_code == 200, accepted.text
    opened = _registry(
        world, kowhai.admin, "POST", f"/programmes/{programme}/status", {"status": "open"}
    )
    assert opened.status_code == 200, opened.text
    return programme


def _enrol(world: World, tokens: dict[str, Any], programme: str, role: str) -> None:
    enrolled = _registry(
        world, tokens, "POST", f"/programmes/{programme}/enrolments", {"role": role}
    )
    assert enrolled.status_code == 201, enrolled.text


@pytest.fixture(scope="module")
def land(world: World) -> Land:
    kowhai = add_crowd(world, "mpgk", "Kowhai Care", "health", 2)
    rata = add_crowd(world, "mpgr", "Rata Works", "engineering", 4)
    one_to_one = _open_programme(world, kowhai, rata, "Leaders across sectors")
    self_match = _open_programme(world, kowhai, rata, "Choose your own mentor", self_match=True)
    circle = _open_programme(world, kowhai, rata, "Peer circle for new leads", model="peer_circle")
    mentors = {"Hemi Mentor": kowhai.people[0], "Kiri Mentor": kowhai.people[1]}
    for name, tokens in mentors.items():
        written = _registry(
            world,
            tokens,
            "PUT",
            "/me/profile",
            _profile(name, mentor_capacity=2, mentor_training_completed_on=TRAINED),
        )
        assert written.status_code == 200, written.text
        record_training(world.url("registry"), kowhai.id, kowhai.admin, tokens, mentor_on=TRAINED)
        _enrol(world, tokens, self_match, "mentor")
    _enrol(world, kowhai.people[0], one_to_one, "mentor")
    ids = {
        "hemi": member_id_of(world, kowhai.people[0]),
        "kiri": member_id_of(world, kowhai.people[1]),
        **{f"rata{n}": member_id_of(world, t) for n, t in enumerate(rata.people)},
    }
    return Land(kowhai, rata, one_to_one, self_match, circle, ids)


def _accessible_at_both_widths(page: Page) -> None:
    """axe at desktop width and at 375 px, leaving the page at desktop width."""
    page.set_viewport_size(DESKTOP)
    assert_accessible(page)
    page.set_viewport_size(NARROW)
    assert_accessible(page)
    page.set_viewport_size(DESKTOP)


def test_a_member_writes_their_profile_with_problems_beside_their_fields_and_consents(
    world: World, land: Land
) -> None:
    portal, person = world.portal.url, land.rata.persons[0]
    with chromium() as browser:
        page = browser.new_context(viewport=DESKTOP).new_page()
        sign_in(page, portal, person, start="/profile")
        expect(page.get_by_role("heading", level=1)).to_have_text("Your profile")
        expect(page.get_by_text("You have not written your profile yet")).to_be_visible()
        readiness = page.locator("#readiness")
        expect(readiness).to_contain_text("Not recorded yet: you cannot be matched as a mentor")
        expect(readiness.locator("input, select, textarea")).to_have_count(0)
        _accessible_at_both_widths(page)

        page.get_by_label("Your name, as others see it").fill("")
        page.get_by_label("Or type another time zone").fill("Mars/Olympus")
        page.get_by_label("Your skills and experience").fill("Facilitation\nCoaching new leads")
        page.get_by_label("Your development goals").fill("speak up in board meetings")
        page.get_by_label("Telephone").check()
        page.locator("#profile-window-1-day").select_option("wed")
        page.locator("#profile-window-1-start").fill("13:00")
        page.locator("#profile-window-1-end").fill("15:30")
        page.get_by_label("Share my name, skills, sector").check()
        with page.expect_response(lambda r: r.request.method == "POST") as answered:
            page.get_by_role("button", name="Save your profile").click()
        assert answered.value.status == 422
        name = page.get_by_label("Your name, as others see it")
        expect(name).to_have_attribute("aria-invalid", "true")
        expect(page.locator("#profile-display_name-error")).to_have_text(
            "give the name people will know you by"
        )
        expect(page.locator("#profile-other_zone-error")).to_contain_text(
            "“Mars/Olympus” is not a time zone we know"
        )
        # Everything typed is kept.
        expect(page.get_by_label("Or type another time zone")).to_have_value("Mars/Olympus")
        expect(page.get_by_label("Your skills and experience")).to_have_value(
            "Facilitation\nCoaching new leads"
        )
        expect(page.get_by_label("Telephone")).to_be_checked()
        expect(page.locator("#profile-window-1-day")).to_have_value("wed")
        expect(page.locator("#profile-window-1-end")).to_have_value("15:30")
        expect(page.get_by_label("Share my name, skills, sector")).to_be_checked()
        _accessible_at_both_widths(page)

        name.fill("Aroha Rata")
        page.get_by_label("Or type another time zone").fill("")
        page.get_by_label("Your time zone").select_option("Pacific/Auckland")
        page.get_by_role("button", name="Save your profile").click()
        expect(page.get_by_role("status")).to_have_text("Your profile is saved.")
        expect(page.locator(".masthead")).to_contain_text("Signed in as Aroha Rata")
        expect(page.locator("footer")).to_contain_text("Times are shown in Pacific/Auckland")
        expect(page.get_by_label("Your time zone")).to_have_value("Pacific/Auckland")
        _accessible_at_both_widths(page)

    saved = _registry(world, land.rata.people[0], "GET", "/me/profile").json()
    assert saved["display_name"] == "Aroha Rata"
    assert saved["time_zone"] == "Pacific/Auckland"
    assert saved["share_across_organisations"] is True
    assert saved["skills"] == ["Facilitation", "Coaching new leads"]
    assert saved["availability"] == [{"day": "wed", "start": "13:00", "end": "15:30"}]
    assert set(saved["meeting_modes"]) == {"video", "telephone"}
    assert saved["mentee_induction_completed_on"] is None  # not the member's to declare


def test_a_member_enrols_when_ready_answers_a_proposal_and_asks_a_suggested_mentor(
    world: World, land: Land
) -> None:
    portal, person, tokens = world.portal.url, land.rata.persons[1], land.rata.people[1]
    written = _registry(
        world, tokens, "PUT", "/me/profile", _profile("Mere Rata", sector="engineering")
    )
    assert written.status_code == 200, written.text
    with chromium() as browser:
        page = browser.new_context(viewport=DESKTOP).new_page()
        sign_in(page, portal, person, start="/programmes")
        leaders = page.locator(f"#programme-{land.one_to_one}")
        expect(leaders).to_contain_text("Open for enrolment")
        expect(leaders).to_contain_text("One-to-one mentoring")
        expect(leaders).to_contain_text("Every 28 days, 45 to 90 minutes each")
        expect(leaders).to_contain_text("Anyone leading a team for the first time")
        expect(leaders).to_contain_text("As a mentee: your induction is not recorded yet.")
        circle = page.locator(f"#programme-{land.circle}")
        expect(circle.get_by_role("button")).to_have_count(1)
        expect(circle.get_by_role("button")).to_contain_text("Enrol as a peer")
        _accessible_at_both_widths(page)

        # Not ready: refused beside the programme's form, in words, with the way to the profile.
        leaders.get_by_role("button", name="Enrol as a mentee").click()
        refusal = page.locator(f"#programme-{land.one_to_one} [role=alert]")
        expect(refusal).to_contain_text("take the programme's induction before they are matched")
        expect(
            refusal.get_by_role("link", name="See your readiness on your profile")
        ).to_be_visible()
        assert "PUT /me/profile" not in page.content()
        _accessible_at_both_widths(page)

        # The organisation records the induction (its admin's import), then enrolling works.
        imported = httpx.post(
            f"{world.url('registry')}/organisations/{land.rata.id}/members/import",
            content=json.dumps(
                [
                    {
                        "email": person.email,
                        "display_name": "Mere Rata",
                        "mentee_induction_completed_on": TRAINED,
                    }
                ]
            ),
            headers={**bearer(land.rata.admin), "Content-Type": "application/json"},
            timeout=30,
        )
        assert imported.status_code == 200, imported.text
        page.reload()
        leaders = page.locator(f"#programme-{land.one_to_one}")
        leaders.get_by_role("button", name="Enrol as a mentee").click()
        expect(leaders).to_contain_text("You are enrolled as a mentee")
        expect(leaders.get_by_role("status")).to_have_text("You are enrolled.")
        chooser = page.locator(f"#programme-{land.self_match}")
        chooser.get_by_role("button", name="Enrol as a mentee").click()
        expect(chooser).to_contain_text("You are enrolled as a mentee")
        expect(chooser.get_by_role("link", name="Choose your mentor")).to_be_visible()

        # The co-ordinator runs a round: Mere is proposed Hemi, with reasons.
        matching = world.url("matching")

        def pool_ready() -> bool:
            """the programme's pool has Hemi and Mere"""
            with world.reader(land.coordinator) as http:
                pool = http.get(f"{matching}/programmes/{land.one_to_one}/candidate-pool")
            return pool.status_code == 200 and pool.json()["eligible"] == 2

        eventually(pool_ready, timeout=30)
        with world.reader(land.coordinator) as http:
            ran = http.post(f"{matching}/programmes/{land.one_to_one}/rounds")
        assert ran.status_code == 201, ran.text
        (proposal,) = ran.json()["proposals"]
        assert proposal["mentor_id"] == land.ids["hemi"]

        page.goto(f"{portal}/proposals")
        match = page.locator(f"#{proposal['id']}")
        expect(match.get_by_role("heading", level=2)).to_have_text("With Hemi Mentor, Kowhai Care")
        expect(match).to_contain_text("Leaders across sectors")
        expect(match).to_contain_text("You would be the mentee")
        expect(match).to_contain_text("Waiting for your answer")
        expect(match).to_contain_text("has still to approve it")
        expect(match).to_contain_text("Your goals and their skills")
        expect(match).to_contain_text("What one wants to learn meets what the other can offer.")
        expect(match).to_contain_text("Compatibility")
        expect(match).to_contain_text("Both speak English")
        expect(match).to_contain_text("From different organisations")
        expect(page.get_by_role("link", name="See the mentors suggested for you")).to_be_visible()
        _accessible_at_both_widths(page)

        # Decline without blame, with a reason; htmx swaps just this proposal.
        match.locator("summary").click()
        match.get_by_label("I don't have the time right now").check()
        match.get_by_role("button", name="Decline the match with Hemi Mentor").click()
        expect(match.get_by_role("status")).to_have_text(
            "You declined, without blame. The programme will look again."
        )
        expect(match).to_contain_text("You said: “I don't have the time right now”")
        expect(match.get_by_role("button")).to_have_count(0)
        assert page.url == f"{portal}/proposals", "answered in place"
        with world.reader(land.coordinator) as http:
            listed = http.get(f"{matching}/programmes/{land.one_to_one}/proposals").json()
        (declined,) = [p for p in listed["proposals"] if p["id"] == proposal["id"]]
        assert declined["status"] == "declined"
        assert (declined["declined_by"], declined["decline_reason"]) == ("mentee", "no_time")

        # Self-match: the suggested mentors, each named with why; Mere asks Kiri.
        def suggested() -> bool:
            """matching suggests both mentors to Mere"""
            with world.reader(tokens) as http:
                found = http.get(f"{matching}/programmes/{land.self_match}/suggestions")
            return found.status_code == 200 and len(found.json()["suggestions"]) == 2

        eventually(suggested, timeout=30)
        page.get_by_role("link", name="See the mentors suggested for you").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Choose your mentor")
        expect(page.get_by_role("heading", name="Hemi Mentor, Kowhai Care")).to_be_visible()
        expect(page.get_by_role("heading", name="Kiri Mentor, Kowhai Care")).to_be_visible()
        expect(page.get_by_text("Why Kiri Mentor is suggested")).to_be_visible()
        _accessible_at_both_widths(page)
        page.get_by_role("button", name="Ask Kiri Mentor to be your mentor").click()
        page.wait_for_url(lambda url: url.startswith(f"{portal}/proposals?done=mentor-requested"))
        with world.reader(tokens) as http:
            mine = http.get(f"{matching}/programmes/{land.self_match}/proposals").json()
        (asked,) = mine["proposals"]
        assert asked["mentor_id"] == land.ids["kiri"] and asked["origin"] == "request"
        request = page.locator(f"#{asked['id']}")
        expect(request.get_by_role("status")).to_have_text("Your request is sent to the mentor.")
        expect(request).to_contain_text("has approved it")
        expect(page.get_by_role("link", name="See the mentors suggested for you")).to_have_count(0)
        request.get_by_role("button", name="Accept the match with Kiri Mentor").click()
        expect(request.get_by_role("status")).to_have_text(
            "You accepted. When both of you have, your relationship starts."
        )
        expect(request).to_contain_text("The other person has not answered yet")
        _accessible_at_both_widths(page)
    with world.reader(tokens) as http:
        mine = http.get(f"{matching}/programmes/{land.self_match}/proposals").json()
    assert mine["proposals"][0]["mentee_accepted"] is True


QUESTIONS = [
    {"id": "useful", "text": "How useful are your meetings?", "type": "rating"},
    {"id": "confident", "text": "How confident do you feel now?", "type": "scale"},
    {
        "id": "often",
        "text": "How often do you meet?",
        "type": "single_choice",
        "options": ["weekly", "monthly", "less often"],
    },
    {
        "id": "how",
        "text": "How do you meet?",
        "type": "multiple_choice",
        "options": ["video", "face to face", "telephone"],
    },
    {"id": "next", "text": "What would help next?", "type": "free_text", "max_length": 300},
]


def test_a_due_survey_is_answered_with_a_missing_answer_shown_beside_its_question(
    world: World, land: Land
) -> None:
    portal, person, tokens = world.portal.url, land.rata.persons[2], land.rata.people[2]
    evaluation = world.url("evaluation")
    base = f"{evaluation}/programmes/{land.one_to_one}"
    with world.reader(land.coordinator) as http:

        def known() -> bool:
            """evaluation knows the programme and its co-ordinator"""
            return http.get(f"{base}/alert-thresholds").status_code == 200

        eventually(known, timeout=30)
        made = http.post(
            f"{base}/survey-templates",
            json={"title": "Early check", "kind": "mentee", "questions": QUESTIONS},
        )
        assert made.status_code == 201, made.text
        schedule = {
            "entries": [
                {"template_id": made.json()["template_id"], "when": "after_start", "weeks": 1}
            ],
            "remind_after_days": 2,
        }
        saved = http.put(f"{base}/survey-schedule", json=schedule)
        assert saved.status_code == 200, saved.text
    # The relationship started twelve days ago, as sessions announces it: the survey (due a
    # week after the start) opened five days ago, and its reminder came two days later.
    relationship = f"rel_{secrets.token_hex(8)}"
    started = RelationshipStarted(
        relationship_id=relationship,
        proposal_id=f"prp_{secrets.token_hex(8)}",
        programme_id=land.one_to_one,
        mentee_id=land.ids["rata2"],
        mentee_organisation_id=land.rata.id,
        mentor_id=land.ids["hemi"],
        mentor_organisation_id=land.kowhai.id,
        started_at=datetime.now(UTC) - timedelta(days=12),
    )
    publish(
        world,
        new_event(started, organisation=None, subject=relationship, audience=Audience.NETWORK),
        source="sessions",
    )
    with world.reader(tokens) as http:

        def due_and_reminded() -> bool:
            """the survey and its reminder wait for the mentee"""
            surveys = http.get(f"{evaluation}/members/me/surveys").json()
            reminders = http.get(f"{evaluation}/members/me/reminders").json()
            return len(surveys) == 1 and any(r["topic"] == "survey" for r in reminders)

        eventually(due_and_reminded, timeout=30)
        (survey,) = http.get(f"{evaluation}/members/me/surveys").json()
        reminder = next(
            r
            for r in http.get(f"{evaluation}/members/me/reminders").json()
            if r["topic"] == "survey"
        )

    with chromium() as browser:
        page = browser.new_context(viewport=DESKTOP).new_page()
        sign_in(page, portal, person, start="/surveys")
        expect(page.get_by_role("link", name="Early check")).to_be_visible()
        expect(page.locator("ul.cards > li")).to_contain_text("Open until")
        expect(page.locator("#reminders + ul")).to_contain_text(reminder["text"])
        _accessible_at_both_widths(page)

        page.get_by_role("link", name="Early check").click()
        page.wait_for_url(f"{portal}/surveys/{survey['id']}")
        useful = page.get_by_role("group", name="How useful are your meetings? (required)")
        expect(useful.get_by_role("radio")).to_have_count(5)
        confident = page.get_by_role("group", name="How confident do you feel now? (required)")
        expect(confident.get_by_role("radio")).to_have_count(10)
        expect(page.get_by_label("What would help next? (optional)")).to_have_attribute(
            "maxlength", "300"
        )
        _accessible_at_both_widths(page)

        useful.get_by_label("4").check()
        page.get_by_role("group", name="How do you meet? (required)").get_by_label("Video").check()
        page.get_by_label("What would help next? (optional)").fill("More time to prepare")
        with page.expect_response(lambda r: r.request.method == "POST") as answered:
            page.get_by_role("button", name="Send your answers").click()
        assert answered.value.status == 422
        expect(page.locator("#q-confident-error")).to_have_text("please answer this question")
        expect(page.locator("#q-often-error")).to_have_text("please answer this question")
        expect(page.locator("#q-useful-error")).to_have_count(0)
        expect(
            page.get_by_role("group", name="How useful are your meetings? (required)").get_by_label(
                "4"
            )
        ).to_be_checked()
        expect(
            page.get_by_role("group", name="How do you meet? (required)").get_by_label("Video")
        ).to_be_checked()
        expect(page.get_by_label("What would help next? (optional)")).to_have_value(
            "More time to prepare"
        )
        _accessible_at_both_widths(page)

        page.get_by_role("group", name="How confident do you feel now? (required)").get_by_label(
            "8"
        ).check()
        page.get_by_role("group", name="How often do you meet? (required)").get_by_label(
            "Monthly"
        ).check()
        page.get_by_role("button", name="Send your answers").click()
        page.wait_for_url(lambda url: url == f"{portal}/surveys?done=survey-answered")
        expect(page.get_by_role("status")).to_have_text("Thank you: your answers are in.")
        expect(page.get_by_text("No survey is waiting for you.")).to_be_visible()
        expect(page.get_by_role("link", name="Early check")).to_have_count(0)
        _accessible_at_both_widths(page)
    with world.reader(tokens) as http:
        assert http.get(f"{evaluation}/surveys/{survey['id']}").json()["answered"] is True


def test_a_member_downloads_their_data_then_erasure_ends_their_session(
    world: World, land: Land, tmp_path: Path
) -> None:
    portal, person, tokens = world.portal.url, land.rata.persons[3], land.rata.people[3]
    written = _registry(world, tokens, "PUT", "/me/profile", _profile("Tama Rata"))
    assert written.status_code == 200, written.text
    with chromium() as browser:
        context = browser.new_context(viewport=DESKTOP, accept_downloads=True)
        page = context.new_page()
        sign_in(page, portal, person, start="/profile")
        with page.expect_download() as download:
            page.get_by_role("link", name="Download my data").click()
        assert download.value.suggested_filename == "mentornet-my-data.json"
        saved = tmp_path / "my-data.json"
        download.value.save_as(saved)
        exported = json.loads(saved.read_text())
        assert exported["member"]["id"] == land.ids["rata3"]
        assert exported["profile"]["display_name"] == "Tama Rata"

        page.get_by_role("link", name="Ask for erasure").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Ask for erasure")
        expect(page.get_by_text("It cannot be undone.")).to_be_visible()
        _accessible_at_both_widths(page)
        with page.expect_response(lambda r: r.request.method == "POST") as answered:
            page.get_by_role("button", name="Erase everything about me").click()
        assert answered.value.status == 422
        expect(page.locator("#erase-understood-error")).to_contain_text("tick the box")
        _accessible_at_both_widths(page)
        assert _registry(world, tokens, "GET", "/me/profile").status_code == 200, "not yet"

        before = context.cookies()
        page.get_by_label("I understand that everything about me is removed").check()
        page.get_by_role("button", name="Erase everything about me").click()
        page.wait_for_url(f"{portal}/goodbye")
        expect(page.get_by_role("heading", level=1)).to_have_text("Goodbye, and thank you")
        expect(page.locator(".masthead nav")).to_have_count(0)
        _accessible_at_both_widths(page)
        assert "mn_session" not in {c["name"] for c in context.cookies()}

        # The old cookie opens nothing: it leads to sign-in.
        again = browser.new_context(viewport=DESKTOP)
        (session,) = [c for c in before if c["name"] == "mn_session"]
        again.add_cookies([{"name": session["name"], "value": session["value"], "url": portal}])
        old = again.new_page()
        old.goto(f"{portal}/profile")
        assert old.url.startswith(f"{portal}/sign-in"), old.url
        again.close()
        context.close()
    assert _registry(world, tokens, "GET", "/me/profile").status_code != 200
