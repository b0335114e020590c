"""A peer circle in the portal, as its members use it (seed 001, "The Power of Peer
Mentoring"), in Debian's Chromium with real sign-in and the real services.

The circle comes about as a real one does: two organisations of this module's own, a peer-circle
programme designed by one's admin and accepted by the other's, four people who write their
profiles (consenting to share them) and enrol as peers through the registry, and the
co-ordinator's circle round in matching, whose `circle.formed` starts the circle in sessions.
Then, in the browser: every member accepts the contract (the page names who is still to),
one arranges a critical-incident session with its step timings in their own time zone, its
page times the steps, a note written by one member is read by another, who marks it held; the
list of circles names everyone with their organisation; someone outside the circle finds
nothing; a concern raised in confidence reaches only the facilitator or the co-ordinator it was
raised with (seed 001, "What can go wrong?"). The tests run in file order, each going on from
where the last left the circle.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from deploy.localnet.identity import Person, bearer
from services.portal.domain.local_time import when
from tests.browser import chromium
from tests.e2e.conftest import Crowd, World, add_crowd
from tests.e2e.portal_browser import PHONE, assert_accessible, sign_in
from tests.e2e.sessions_scene import grant_coordinator
from tests.e2e.test_first_flow import eventually
from tests.e2e.training_records import record_training

PROGRAMME = "Kowhai and Rimu peer leaders"
NOTE = "Naming the dilemma early helped: kowhai-note-7c1e"
CONCERNS = (
    "One voice fills the feedback: rimu-worry-2b9d",
    "Talk of absent colleagues: kowhai-worry-5e3a",
)
DESKTOP = ViewportSize(width=1280, height=900)
NARROW = ViewportSize(width=PHONE["width"], height=PHONE["height"])


@dataclass
class Peer:
    """A member of the circle: who they are to the provider and the name they go by."""

    person: Person
    tokens: dict[str, Any]
    name: str
    organisation: str
    zone: str
    id: str = ""


@dataclass
class Circle:
    """The circle formed by the round, its members and someone outside it."""

    world: World
    id: str
    programme: str
    peers: list[Peer]
    outsider: Person
    coordinator: Person
    session: str = ""
    starts_at: datetime | None = None
    pages: dict[str, Page] = field(default_factory=dict)

    @property
    def portal(self) -> str:
        return self.world.portal.url

    def sessions_api(self, peer: Peer, path: str) -> httpx.Response:
        """What sessions itself says, for the test to compare the pages with."""
        with httpx.Client(headers=bearer(peer.tokens), timeout=15) as http:
            return http.get(f"{self.world.url('sessions')}{path}")


def _profile(name: str, zone: str) -> dict[str, Any]:
    return {
        "display_name": name,
        "skills": ["facilitation"],
        "development_goals": ["lead a team through change"],
        "sector": "health",
        "time_zone": zone,
        "languages": ["en"],
        "meeting_modes": ["video"],
        "share_across_organisations": True,
    }


def _ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def _programme(world: World, coordinator: dict[str, Any], other: Crowd) -> str:
    """A peer-circle programme of both organisations designed by `coordinator` (its
    co-ordinator), accepted by the other's admin, open for enrolment."""
    registry = world.url("registry")
    design = {
        "name": PROGRAMME,
        "purpose": "Peer mentoring groups for first-time leaders",
        "goals": ["reflective practice"],
        "model": "peer_circle",
        "starts_on": str(date.today() + timedelta(days=1)),
        "ends_on": str(date.today() + timedelta(days=300)),
        "meeting_every_days": 28,
        "min_meeting_minutes": 30,
        "max_meeting_minutes": 120,
        "participating_organisations": [other.id],
    }
    with world.reader(coordinator) as owner, world.reader(other.admin) as other_admin:
        programme = str(_ok(owner.post(f"{registry}/programmes", json=design), 201)["id"])
        _ok(other_admin.post(f"{registry}/programmes/{programme}/acceptance"))
        _ok(owner.post(f"{registry}/programmes/{programme}/status", json={"status": "open"}))
    return programme


@pytest.fixture(scope="module")
def circle(world: World) -> Circle:
    kowhai = add_crowd(world, "kowhaicirc", "Kowhai Health", "health", 4)
    coordinator = grant_coordinator(world, kowhai, 3)
    rimu = add_crowd(world, "rimucirc", "Rimu Engineering", "engineering", 2)
    peers = [
        Peer(
            kowhai.persons[0], kowhai.people[0], "Aroha Kowhai", "Kowhai Health", "Pacific/Auckland"
        ),
        Peer(kowhai.persons[1], kowhai.people[1], "Tane Kowhai", "Kowhai Health", "Europe/London"),
        Peer(rimu.persons[0], rimu.people[0], "Mere Rimu", "Rimu Engineering", "Europe/London"),
        Peer(rimu.persons[1], rimu.people[1], "Hemi Rimu", "Rimu Engineering", "Europe/London"),
    ]
    registry, matching = world.url("registry"), world.url("matching")
    programme = _programme(world, coordinator, rimu)
    for n, peer in enumerate(peers):
        with world.reader(peer.tokens) as http:
            _ok(http.put(f"{registry}/me/profile", json=_profile(peer.name, peer.zone)))
            home = kowhai if n < 2 else rimu
            inducted = str(date.today() - timedelta(days=10))
            record_training(registry, home.id, home.admin, peer.tokens, mentee_on=inducted)
            peer.id = str(_ok(http.get(f"{registry}/me"))["id"])
            enrolled = http.post(
                f"{registry}/programmes/{programme}/enrolments", json={"role": "peer"}
            )
            _ok(enrolled, 201)

    def pool_is_ready() -> bool:
        """matching has every peer in the programme's pool"""
        with world.reader(coordinator) as http:
            pool = http.get(f"{matching}/programmes/{programme}/candidate-pool")
        return pool.status_code == 200 and pool.json()["eligible"] == len(peers)

    eventually(pool_is_ready, timeout=45)
    with world.reader(coordinator) as http:
        round_ = _ok(http.post(f"{matching}/programmes/{programme}/circle-rounds"), 201)
    assert len(round_["circles"]) == 1, round_
    circle_id = str(round_["circles"][0]["id"])
    formed = Circle(world, circle_id, programme, peers, kowhai.persons[2], kowhai.persons[3])

    def started() -> bool:
        """sessions started the circle from `circle.formed`"""
        return formed.sessions_api(peers[0], f"/circles/{circle_id}").status_code == 200

    eventually(started, timeout=45)
    return formed


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def signed_in(browser: Browser, circle: Circle, peer: Peer | Person, start: str) -> Page:
    """A page of the person's own browser context, signed in through the portal."""
    person = peer.person if isinstance(peer, Peer) else peer
    page = browser.new_context(viewport=DESKTOP).new_page()
    sign_in(page, circle.portal, person, start=start)
    return page


def accessible_at_both_widths(page: Page) -> None:
    """axe-core finds no serious or critical violation at desktop width nor at 375 px."""
    assert_accessible(page)
    page.set_viewport_size(NARROW)
    assert_accessible(page)
    page.set_viewport_size(DESKTOP)


def test_every_member_accepts_the_contract_and_the_page_names_who_is_still_to(
    browser: Browser, circle: Circle
) -> None:
    path = f"/circles/{circle.id}"
    for n, peer in enumerate(circle.peers):
        page = signed_in(browser, circle, peer, path)
        circle.pages[peer.name] = page
        expect(page.get_by_role("heading", level=1)).to_have_text(f"{PROGRAMME} circle")
        contract = page.locator("#contract")
        for rule in ("Avoid advice giving", "Voluntary", "Confidential, and no post-mortems"):
            expect(contract).to_contain_text(rule)
        waiting = page.locator("#still-to-accept")
        expect(waiting).to_contain_text("Sessions can start only once every member has accepted")
        for other in circle.peers[n + 1 :]:
            expect(waiting).to_contain_text(other.name)
        for earlier in circle.peers[:n]:
            expect(waiting).not_to_contain_text(earlier.name)
            expect(contract).to_contain_text(f"{earlier.name}: accepted on")
        expect(waiting).to_contain_text("you")
        if n == 0:
            members = page.get_by_role("region", name="Who is in the circle")
            expect(members).to_contain_text("Mere Rimu, Rimu Engineering")
            expect(members).to_contain_text("Tane Kowhai, Kowhai Health")
            accessible_at_both_widths(page)
        page.get_by_role("button", name="I accept the contract").click()
        expect(contract.get_by_role("status")).to_have_text("You accepted the circle's contract.")
        expect(contract).to_contain_text("You: accepted on")
        expect(page.get_by_role("button", name="I accept the contract")).to_have_count(0)
        if n < len(circle.peers) - 1:
            expect(page.locator("#still-to-accept")).not_to_contain_text("you")
        else:
            expect(contract).to_contain_text("Everyone has accepted")
            expect(page.locator("#still-to-accept")).to_have_count(0)
            accessible_at_both_widths(page)
    view = _ok(circle.sessions_api(circle.peers[0], f"/circles/{circle.id}"))
    assert view["ready"] is True and set(view["accepted_by"]) == {p.id for p in circle.peers}


def test_a_member_arranges_a_critical_incident_session_with_timed_steps_in_their_zone(
    circle: Circle,
) -> None:
    aroha = circle.peers[0]
    page = circle.pages[aroha.name]
    page.get_by_role("navigation", name="This circle").get_by_role("link", name="Sessions").click()
    expect(page.get_by_role("heading", name="Arrange the next session")).to_be_visible()
    expect(page.get_by_text("No session is arranged yet.")).to_be_visible()
    for hint in ("Tell a story of something that went unusually well", "warts and all"):
        expect(page.locator("#arrange")).to_contain_text(hint)
    day = (datetime.now(ZoneInfo(aroha.zone)) + timedelta(days=10)).date()
    page.get_by_label("Critical-incident peer feedback").check()
    page.get_by_label("How long the session lasts, in minutes").fill("60")
    page.get_by_label("Date and time").fill(f"{day.isoformat()}T14:00")
    steps = {
        "1. Presentation": "10",
        "2. Clarifying questions": "25",  # seed 001: "a few minutes"; refused
        "3. Peer feedback": "25",
        "4. Positive feedback": "5",
        "5. Response": "5",
    }
    for label, minutes in steps.items():
        page.get_by_label(label).fill(minutes)
    with page.expect_navigation() as refused:
        page.get_by_role("button", name="Arrange the session").click()
    assert refused.value is not None and refused.value.status == 422
    error = page.locator("#arrange-clarifying_questions-error")
    expect(error).to_have_text("Clarifying questions takes 1 to 10 minutes, not 25.")
    expect(page.get_by_label("2. Clarifying questions")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("3. Peer feedback")).to_have_value("25")
    expect(page.get_by_label("Critical-incident peer feedback")).to_be_checked()
    accessible_at_both_widths(page)

    page.get_by_label("2. Clarifying questions").fill("5")
    page.get_by_role("button", name="Arrange the session").click()
    arranged = page.locator("#arranged")
    expect(arranged.get_by_role("status")).to_have_text("The session is arranged.")
    link = arranged.get_by_role("link", name="Session 1: Critical-incident peer feedback")
    expect(link).to_be_visible()
    sessions = _ok_list(circle.sessions_api(aroha, f"/circles/{circle.id}/sessions"))
    assert len(sessions) == 1
    session = sessions[0]
    starts = datetime.fromisoformat(session["starts_at"])
    assert starts.astimezone(ZoneInfo(aroha.zone)).replace(tzinfo=None) == datetime(
        day.year, day.month, day.day, 14, 0
    ), "the time typed is read in the member's own zone"
    assert [(t["step"], t["minutes"]) for t in session["timings"]] == [
        ("presentation", 10),
        ("clarifying_questions", 5),
        ("peer_feedback", 25),
        ("positive_feedback", 5),
        ("response", 5),
    ]
    expect(arranged).to_contain_text(when(starts, aroha.zone))
    circle.session, circle.starts_at = str(session["id"]), starts
    facilitator = next(p for p in circle.peers if p.id == session["facilitator_id"])
    expect(arranged).to_contain_text(
        f"Facilitated by {facilitator.name}".replace(aroha.name, "you")
    )
    accessible_at_both_widths(page)


def test_the_circles_list_names_every_member_with_their_organisation(
    browser: Browser, circle: Circle
) -> None:
    hemi = circle.peers[3]
    page = circle.pages[hemi.name]
    page.goto(f"{circle.portal}/circles")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your circles")
    card = page.locator(".circle-card")
    expect(card).to_have_count(1)
    expect(card.get_by_role("heading", level=2)).to_have_text(f"{PROGRAMME} circle")
    expect(card).to_contain_text("meets every 28 days")
    for peer in circle.peers[:3]:
        expect(card).to_contain_text(f"{peer.name} ({peer.organisation})")
    assert circle.starts_at is not None
    next_up = card.get_by_role(
        "link", name=f"Critical-incident peer feedback, {when(circle.starts_at, hemi.zone)}"
    )
    expect(next_up).to_be_visible()
    accessible_at_both_widths(page)


def test_the_session_times_its_steps_keeps_notes_for_the_circle_and_is_marked_held(
    browser: Browser, circle: Circle
) -> None:
    aroha, mere, hemi = circle.peers[0], circle.peers[2], circle.peers[3]
    page = circle.pages[aroha.name]
    page.get_by_role("link", name="Session 1: Critical-incident peer feedback").click()
    expect(
        page.get_by_role("heading", level=2, name="Session 1: Critical-incident peer feedback")
    ).to_be_visible()
    steps = page.locator(".timed-steps > li")
    expect(steps.get_by_role("heading", level=3)).to_have_text(
        [
            "Presentation: 10 minutes",
            "Clarifying questions: 5 minutes",
            "Peer feedback: 25 minutes",
            "Positive feedback: 5 minutes",
            "Response: 5 minutes",
        ]
    )
    expect(steps.nth(2)).to_contain_text("You listen in silence.")
    timer = page.locator("#timer-presentation")
    expect(timer).to_have_text("10:00")
    expect(timer).to_have_attribute("role", "timer")
    expect(timer).to_have_attribute("aria-live", "off")
    expect(page.locator("#timer-announcer")).to_have_attribute("role", "status")
    accessible_at_both_widths(page)
    start = page.get_by_role("button", name="Start the timer for the presentation")
    expect(start).to_have_attribute("data-seconds", "600")
    start.click()
    expect(timer).not_to_have_text("10:00", timeout=2500)
    expect(timer).to_have_text(re.compile(r"^9:5\d$"))  # counting down, a second at a time
    expect(page.locator("#timer-peer_feedback")).to_have_text("25:00")  # the others wait

    notes = page.locator("#notes")
    expect(notes).to_contain_text("No notes yet.")
    notes.get_by_role("button", name="Save the note").click()  # nothing written yet
    expect(page.locator("#note-text-error")).to_have_text("Write your note first.")
    expect(notes.get_by_label("Your note")).to_have_attribute("aria-invalid", "true")
    notes.get_by_label("Your note").fill(NOTE)
    notes.get_by_role("button", name="Save the note").click()
    expect(page.locator("#notes").get_by_role("status")).to_have_text(
        "Your note is saved for the circle."
    )
    expect(page.locator("#notes")).to_contain_text(NOTE)
    expect(timer).not_to_have_text("10:00")  # a partial update: the timer ran on

    session_path = f"/circles/{circle.id}/sessions/{circle.session}"
    other = circle.pages[mere.name]
    other.goto(f"{circle.portal}{session_path}")
    expect(other.locator("#notes")).to_contain_text(NOTE)
    expect(other.locator("#notes")).to_contain_text(f"{aroha.name},")
    held = other.locator("#held")
    for peer in circle.peers:
        if peer is not mere:
            held.get_by_label(f"{peer.name}, {peer.organisation}").uncheck()
    with other.expect_navigation() as refused:
        held.get_by_role("button", name="Mark the session held").click()
    assert refused.value is not None and refused.value.status == 422
    expect(other.locator("#held-attendees-error")).to_have_text(
        "A circle session has at least 2 attendees."
    )
    held.get_by_label("How long it lasted, in minutes").fill("55")
    for peer in circle.peers:
        if peer is not mere and peer is not hemi:
            held.get_by_label(f"{peer.name}, {peer.organisation}").check()
    held.get_by_role("button", name="Mark the session held").click()
    expect(other.locator("#held").get_by_role("status")).to_have_text(
        "The session is recorded as held."
    )
    came = other.locator("#held ul")
    expect(came).to_contain_text(f"{aroha.name}, {aroha.organisation}")
    expect(came).to_contain_text("You")
    expect(came).not_to_contain_text(hemi.name)
    expect(other.locator("#held")).to_contain_text("for 55 minutes")
    accessible_at_both_widths(other)
    recorded = _ok(circle.sessions_api(mere, f"/circles/{circle.id}/sessions/{circle.session}"))
    assert recorded["status"] == "held" and recorded["held_minutes"] == 55
    assert set(recorded["attendees"]) == {p.id for p in circle.peers if p is not hemi}


def test_without_javascript_the_steps_minutes_are_written_and_no_dead_button_shows(
    browser: Browser, circle: Circle
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(
        page,
        circle.portal,
        circle.peers[1].person,
        f"/circles/{circle.id}/sessions/{circle.session}",
    )
    expect(page.locator("#timer-presentation")).to_have_text("10:00")
    expect(page.locator("#timer-peer_feedback")).to_have_text("25:00")
    expect(page.get_by_role("button", name="Start the timer for the presentation")).to_have_count(0)
    expect(page.locator("#notes")).to_contain_text(NOTE)
    page.get_by_label("Your note").fill("Written without JavaScript")
    page.get_by_role("button", name="Save the note").click()
    expect(page.locator("#notes").get_by_role("status")).to_have_text(
        "Your note is saved for the circle."
    )
    expect(page.locator("#notes")).to_contain_text("Written without JavaScript")
    context.close()


def test_a_steps_end_is_said_once_politely_and_the_countdown_stays_silent(
    browser: Browser, circle: Circle
) -> None:
    page = circle.pages[circle.peers[0].name].context.new_page()
    page.clock.install()
    page.goto(f"{circle.portal}/circles/{circle.id}/sessions/{circle.session}")
    announcer = page.locator("#timer-announcer")
    expect(announcer).to_have_text("")
    page.get_by_role("button", name="Start the timer for the positive feedback").click()
    page.clock.run_for("04:59")
    expect(page.locator("#timer-positive_feedback")).to_have_text("0:01")
    expect(announcer).to_have_text("")  # nothing said while it counts down
    page.clock.run_for("00:02")
    expect(page.locator("#timer-positive_feedback")).to_have_text("Time")
    expect(announcer).to_have_text("Time is up for the positive feedback.")
    page.close()


def test_the_programmes_co_ordinator_oversees_the_circle_but_never_reads_its_notes(
    browser: Browser, circle: Circle
) -> None:
    page = signed_in(browser, circle, circle.coordinator, f"/circles/{circle.id}")
    expect(page.get_by_text("You oversee it as the programme's co-ordinator")).to_be_visible()
    expect(page.locator("#contract")).to_contain_text("Everyone has accepted")
    expect(page.get_by_role("button", name="I accept the contract")).to_have_count(0)
    tabs = page.get_by_role("navigation", name="This circle")
    expect(tabs.get_by_role("link", name="Messages")).to_have_count(0)
    tabs.get_by_role("link", name="Sessions").click()
    expect(page.get_by_text("The circle's members arrange its sessions.")).to_be_visible()
    expect(page.get_by_role("button", name="Arrange the session")).to_have_count(0)
    page.get_by_role("link", name="Session 1: Critical-incident peer feedback").click()
    notes = page.locator("#notes")
    expect(notes).to_contain_text("Notes are for the circle's members only.")
    expect(notes.get_by_role("textbox")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text(NOTE)
    expect(page.locator("#held")).to_contain_text("for 55 minutes")
    accessible_at_both_widths(page)


def test_someone_outside_the_circle_finds_nothing(browser: Browser, circle: Circle) -> None:
    page = signed_in(browser, circle, circle.outsider, "/circles")
    expect(page.get_by_text("You are not in a circle yet.")).to_be_visible()
    for path in (
        f"/circles/{circle.id}",
        f"/circles/{circle.id}/sessions",
        f"/circles/{circle.id}/sessions/{circle.session}",
    ):
        response = page.goto(f"{circle.portal}{path}")
        assert response is not None and response.status == 404, path
        expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
        expect(page.locator("body")).not_to_contain_text(NOTE)
        expect(page.locator("body")).not_to_contain_text("Aroha Kowhai")
    accessible_at_both_widths(page)


def test_a_message_to_the_circle_appears_live_for_the_other_members(
    browser: Browser, circle: Circle
) -> None:
    path = f"/circles/{circle.id}/messages"
    writer = signed_in(browser, circle, circle.peers[0], path)
    reader = signed_in(browser, circle, circle.peers[1], path)
    expect(reader.get_by_role("heading", level=2)).to_have_text("Your circle's messages")
    accessible_at_both_widths(reader)
    writer.get_by_label("Your message").fill("Same time next fortnight? kowhai-circle-msg")
    writer.get_by_role("button", name="Send").click()
    expect(reader.locator("#thread")).to_contain_text("kowhai-circle-msg", timeout=15_000)
    outsider = signed_in(browser, circle, circle.outsider, "/circles")
    response = outsider.goto(f"{circle.portal}{path}")
    assert response is not None and response.status == 404
    expect(outsider.locator("body")).not_to_contain_text("kowhai-circle-msg")


def test_a_concern_goes_in_confidence_to_the_facilitator_or_the_co_ordinator_only(
    browser: Browser, circle: Circle
) -> None:
    """Seed 001, "What can go wrong?": a member raises one concern with the session's
    facilitator and one with the co-ordinator; the facilitator's page shows the ground rules,
    the warning signs and the first; the co-ordinator's alerts lead to the second; another
    member and an outsider see neither."""
    session = _ok(
        circle.sessions_api(circle.peers[0], f"/circles/{circle.id}/sessions/{circle.session}")
    )
    facilitator = next(p for p in circle.peers if p.id == session["facilitator_id"])
    raiser, other = [p for p in circle.peers if p is not facilitator][:2]
    page = circle.pages[raiser.name]
    page.goto(f"{circle.portal}/circles/{circle.id}/sessions/{circle.session}")
    expect(page.locator("#facilitating")).to_have_count(0)
    page.get_by_role("link", name="Raise a concern about this session in confidence").click()
    form = page.locator("#raise")
    expect(form.get_by_label("The session it is about")).to_have_value(circle.session)
    form.get_by_role("button", name="Raise the concern in confidence").click()
    expect(page.locator("#concern-raised_with-error")).to_have_text(
        "Choose whom you raise it with."
    )
    expect(page.locator("#concern-text-error")).to_have_text("Say what concerns you.")
    accessible_at_both_widths(page)
    form = page.locator("#raise")
    form.get_by_label("The session's facilitator").check()
    form.get_by_label("Dominant personalities").check()
    form.get_by_label("Your concern").fill(CONCERNS[0])
    form.get_by_role("button", name="Raise the concern in confidence").click()
    expect(page.locator("#raised").get_by_role("status")).to_have_text(
        "Your concern is raised, in confidence: the circle does not see it."
    )
    expect(page.locator("#raised")).to_contain_text(CONCERNS[0])
    expect(page.locator("#raised")).to_contain_text("Signs seen: dominant personalities.")
    form = page.locator("#raise")
    form.get_by_label("The programme's co-ordinator").check()
    form.get_by_label("The session it is about").select_option("")
    form.get_by_label("Your concern").fill(CONCERNS[1])
    form.get_by_role("button", name="Raise the concern in confidence").click()
    expect(page.locator("#raised")).to_contain_text(CONCERNS[1])
    accessible_at_both_widths(page)

    brief_page = circle.pages[facilitator.name]
    brief_page.goto(f"{circle.portal}/circles/{circle.id}/sessions/{circle.session}")
    brief = brief_page.locator("#facilitating")
    expect(brief.get_by_role("heading", level=2)).to_have_text("You facilitate this session")
    for words in ("Avoid advice giving", "Group gripe", "Gossip", "Dominant personalities"):
        expect(brief).to_contain_text(words)
    expect(brief).to_contain_text(CONCERNS[0])
    expect(brief_page.locator("body")).not_to_contain_text(CONCERNS[1])
    accessible_at_both_widths(brief_page)

    bystander = circle.pages[other.name]
    for path in (f"/sessions/{circle.session}", "/concerns"):
        bystander.goto(f"{circle.portal}/circles/{circle.id}{path}")
        expect(bystander.locator("#facilitating")).to_have_count(0)
        for concern in CONCERNS:
            expect(bystander.locator("body")).not_to_contain_text(concern)

    coordinator = signed_in(
        browser, circle, circle.coordinator, f"/coordinate/programmes/{circle.programme}/alerts"
    )
    alert = coordinator.locator("article.alert", has_text="A concern raised about a circle")
    for _ in range(30):  # evaluation raises the alert from `circle.concern_raised`
        if alert.count():
            break
        coordinator.wait_for_timeout(1000)
        coordinator.reload()
    expect(alert).to_have_count(1)
    expect(coordinator.locator("body")).not_to_contain_text(CONCERNS[1])
    accessible_at_both_widths(coordinator)
    alert.get_by_role("link", name=re.compile("Read the concern")).click()
    expect(coordinator.locator("#raised")).to_contain_text(CONCERNS[1])
    expect(coordinator.locator("body")).not_to_contain_text(CONCERNS[0])
    expect(coordinator.locator("#raise")).to_have_count(0)  # members raise them
    accessible_at_both_widths(coordinator)

    outsider = signed_in(browser, circle, circle.outsider, "/circles")
    response = outsider.goto(f"{circle.portal}/circles/{circle.id}/concerns")
    assert response is not None and response.status == 404
    for concern in CONCERNS:
        expect(outsider.locator("body")).not_to_contain_text(concern)


def _ok_list(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    body: list[dict[str, Any]] = response.json()
    return body
