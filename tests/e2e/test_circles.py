"""End to end: peer circles start from `circle.formed` on the real matching topic; their members
accept the contract, arrange sessions on the cadence with a rotating facilitator, mark them
held and write notes, through sessions' HTTP API (seed 001).

Two organisations of this module's own: A's three people and B's one form the circle (a
network record); the outsiders are A's colleague of the members, both admins, the network
co-ordinator, the programme's own co-ordinator (B's) and A's integration client. The notes'
marker text must never appear in any event on the real sessions topic; nor must a concern's,
which only its author and whom it was raised with read (seed 001, "What can go wrong?").
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import httpx
import pytest
from pymongo import MongoClient

from deploy.localnet.identity import bearer
from shared.contracts.matching import CircleFormed, CircleMember
from shared.contracts.registry import MemberErased
from shared.events.catalogue import new_event
from shared.events.envelope import Audience, Envelope
from tests.e2e.conftest import World, add_crowd, integration_client
from tests.e2e.sessions_scene import grant_coordinator, programme_published
from tests.e2e.test_candidate_pool import member_id_of, publish
from tests.e2e.test_first_flow import eventually
from tests.e2e.topic_records import about, read_topic

NOTE_MARKERS = ("lighthouse-keeper-6d2e", "salt-and-ember-9b4f")
ERASED_NOTE = "gone-with-the-tide-1c8a"
KEPT_NOTE = "still-standing-4f7d"
CONCERN_MARKERS = ("quiet-harbour-3e7a", "paper-lantern-8c1b")
OUTSIDERS = (
    "colleague of a member",
    "a member's organisation admin",
    "the other organisation's admin",
    "network co-ordinator",
    "programme co-ordinator",
    "integration client",
)


@dataclass
class Cast:
    """Who is who in this module: `tokens` and member `ids` by name, the programme."""

    world: World
    programme: str
    tokens: dict[str, dict[str, Any]]
    ids: dict[str, str]
    organisations: dict[str, str]
    circles: list[str] = field(default_factory=list)

    def call(self, who: str, method: str, path: str, body: Any = None) -> httpx.Response:
        """`who` calls the sessions service."""
        with httpx.Client(headers=bearer(self.tokens[who]), timeout=15) as http:
            return http.request(method, f"{self.world.url('sessions')}{path}", json=body)

    def form(self, *members: str, twice: bool = False) -> str:
        """A new circle of `members` (names) from `circle.formed` on the matching topic."""
        circle = f"cir_{secrets.token_hex(8)}"
        event = circle_formed(
            circle,
            self.programme,
            [(self.ids[m], self.organisations[m]) for m in members],
        )
        publish(self.world, *([event, event] if twice else [event]), source="matching")

        def formed() -> bool:
            """sessions keeps the circle (its first member sees it)"""
            return self.call(members[0], "GET", f"/circles/{circle}").is_success

        eventually(formed, timeout=30)
        self.circles.append(circle)
        return circle

    def accept_all(self, circle: str, *members: str) -> None:
        for member in members:
            accepted = self.call(
                member, "POST", f"/circles/{circle}/contract/acceptances", {"accept": True}
            )
            assert accepted.status_code == 201, accepted.text


def circle_formed(circle: str, programme: str, members: list[tuple[str, str]]) -> Envelope:
    """`circle.formed` as matching announces it."""
    data = CircleFormed(
        circle_id=circle,
        programme_id=programme,
        members=[CircleMember(member_id=m, organisation_id=o) for m, o in members],
        formed_at=datetime.now(UTC),
    )
    return new_event(data, organisation=None, subject=circle, audience=Audience.NETWORK)


@pytest.fixture(scope="module")
def cast(world: World) -> Cast:
    a = add_crowd(world, "rowana", "Rowan Alpha", "education", 4)
    b = add_crowd(world, "rowanb", "Rowan Beta", "engineering", 3)
    coordinator = grant_coordinator(world, b, 1)
    tokens = {
        "ana": a.people[0],
        "ben": a.people[1],
        "cai": a.people[2],
        "dee": b.people[0],
        "eli": b.people[2],  # in the erasure test's circle only
        "colleague of a member": a.people[3],
        "a member's organisation admin": a.admin,
        "the other organisation's admin": b.admin,
        "network co-ordinator": world.coordinator,
        "programme co-ordinator": coordinator,
        "integration client": integration_client(world, a.id, a.admin),
    }
    members = ("ana", "ben", "cai", "dee", "eli", "programme co-ordinator")
    ids = {name: member_id_of(world, tokens[name]) for name in members}
    organisations = {"ana": a.id, "ben": a.id, "cai": a.id, "dee": b.id, "eli": b.id}
    programme = f"prg_{secrets.token_hex(6)}"
    publish(
        world,
        programme_published(
            programme,
            [a.id, b.id],
            [ids["programme co-ordinator"]],
            model="peer_circle",
            min_minutes=30,
            max_minutes=120,
        ),
    )
    cast = Cast(world, programme, tokens, ids, organisations)

    def programme_known() -> bool:
        """sessions knows the programme's co-ordinator"""
        listed = cast.call(
            "programme co-ordinator", "GET", f"/programmes/{programme}/relationships"
        )
        return listed.status_code == 200

    eventually(programme_known, timeout=30)
    return cast


@dataclass
class HeldCircle:
    circle: str
    session: str


@pytest.fixture(scope="module")
def held(cast: Cast) -> HeldCircle:
    """A circle of four across two organisations whose first session (critical incident) was
    held, with a note by two members."""
    circle = cast.form("ana", "ben", "cai", "dee")
    cast.accept_all(circle, "ana", "ben", "cai", "dee")
    timings = [
        {"step": "presentation", "minutes": 10},
        {"step": "clarifying_questions", "minutes": 5},
        {"step": "peer_feedback", "minutes": 25},
        {"step": "positive_feedback", "minutes": 5},
        {"step": "response", "minutes": 5},
    ]
    arranged = cast.call(
        "ben",
        "POST",
        f"/circles/{circle}/sessions",
        {"format": "critical_incident", "minutes": 60, "timings": timings},
    )
    assert arranged.status_code == 201, arranged.text
    session = arranged.json()
    assert [t["step"] for t in session["timings"]] == [t["step"] for t in timings]
    base = f"/circles/{circle}/sessions/{session['id']}"
    for who, text in zip(("ana", "dee"), NOTE_MARKERS, strict=True):
        wrote = cast.call(who, "POST", f"{base}/notes", {"text": f"noticed {text}"})
        assert wrote.status_code == 201, wrote.text
    attendees = [cast.ids[m] for m in ("ana", "ben", "dee")]
    marked = cast.call(
        "cai",
        "POST",
        f"{base}/held",
        {
            "held_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
            "minutes": 55,
            "attendees": attendees,
        },
    )
    assert marked.status_code == 200, marked.text
    return HeldCircle(circle, session["id"])


def test_a_circle_starts_from_circle_formed_once(cast: Cast) -> None:
    circle = cast.form("ana", "ben", "cai", "dee", twice=True)
    view = cast.call("dee", "GET", f"/circles/{circle}")
    assert view.status_code == 200, view.text
    body = view.json()
    assert [m["member_id"] for m in body["circle"]["members"]] == [
        cast.ids[m] for m in ("ana", "ben", "cai", "dee")
    ]
    assert body["circle"]["cadence_days"] == 28  # the programme's meeting_every_days
    assert body["ready"] is False and len(body["awaiting_acceptance"]) == 4
    assert any("advice" in rule for rule in body["contract"])
    mine = cast.call("ana", "GET", "/members/me/circles").json()
    assert [c["id"] for c in mine].count(circle) == 1  # delivered twice, kept once


def test_sessions_wait_until_every_member_accepted_the_contract(cast: Cast) -> None:
    circle = cast.form("ana", "ben", "cai", "dee")
    path = f"/circles/{circle}/sessions"
    cast.accept_all(circle, "ana", "ben", "cai")
    refused = cast.call("ana", "POST", path, {"format": "good_news_analysis", "minutes": 60})
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"] == "contract_pending"
    assert "1 of 4" in refused.json()["detail"]
    assert cast.call("ana", "GET", path).json() == []  # nothing stored
    again = cast.call("ana", "POST", f"/circles/{circle}/contract/acceptances", {"accept": True})
    assert again.status_code == 409, again.text
    declined = cast.call(
        "dee", "POST", f"/circles/{circle}/contract/acceptances", {"accept": False}
    )
    assert declined.status_code == 422, declined.text
    cast.accept_all(circle, "dee")
    view = cast.call("dee", "GET", f"/circles/{circle}").json()
    assert view["ready"] is True and set(view["accepted_by"]) == {
        cast.ids[m] for m in ("ana", "ben", "cai", "dee")
    }
    arranged = cast.call("dee", "POST", path, {"format": "good_news_analysis", "minutes": 60})
    assert arranged.status_code == 201, arranged.text


def test_sessions_fall_on_the_cadence_and_the_facilitator_rotates(cast: Cast) -> None:
    members = ("ana", "ben", "cai", "dee")
    circle = cast.form(*members)
    cast.accept_all(circle, *members)
    path = f"/circles/{circle}/sessions"
    formats = ["good_news_analysis", "critical_incident", "veridical_report"]
    arranged = []
    for n in range(6):
        made = cast.call(members[n % 3], "POST", path, {"format": formats[n % 3], "minutes": 90})
        assert made.status_code == 201, made.text
        arranged.append(made.json())
    facilitators = [s["facilitator_id"] for s in arranged]
    assert facilitators == [cast.ids[m] for m in (*members, "ana", "ben")]
    starts = [datetime.fromisoformat(s["starts_at"]) for s in arranged]
    assert all(b - a == timedelta(days=28) for a, b in pairwise(starts))
    rota = cast.call("cai", "GET", f"/circles/{circle}/rota").json()
    assert rota["next_facilitator"] == cast.ids["cai"]
    assert [s["number"] for s in rota["sessions"]] == [1, 2, 3, 4, 5, 6]


def test_a_held_session_publishes_circle_session_held_without_any_note(
    cast: Cast, held: HeldCircle
) -> None:
    base = f"/circles/{held.circle}/sessions/{held.session}"
    session = cast.call("ana", "GET", base).json()
    assert session["status"] == "held" and session["held_minutes"] == 55
    notes = cast.call("ben", "GET", f"{base}/notes").json()
    assert [n["text"] for n in notes] == [f"noticed {m}" for m in NOTE_MARKERS]
    again = cast.call(
        "ana",
        "POST",
        f"{base}/held",
        {
            "held_at": datetime.now(UTC).isoformat(),
            "minutes": 60,
            "attendees": [cast.ids["ana"], cast.ids["ben"]],
        },
    )
    assert again.status_code == 409, again.text
    events, raw = read_topic(
        cast.world,
        "sessions",
        about("circle_id", {held.circle}),
        lambda found: any(e["type"] == "circle.session_held" for e in found),
    )
    sent = [e for e in events if e["type"] == "circle.session_held"]
    assert len(sent) == 1
    data = sent[0]["data"]
    assert data["format"] == "critical_incident"
    assert data["minutes"] == 55 and data["attendees"] == 3
    assert set(data) == {"circle_id", "programme_id", "format", "held_at", "minutes", "attendees"}
    for marker in NOTE_MARKERS:
        assert not [r for r in raw if marker.encode() in r], f"{marker} left the service"


def test_the_programme_coordinator_reads_the_schedule_but_never_the_notes(
    cast: Cast, held: HeldCircle
) -> None:
    who = "programme co-ordinator"
    base = f"/circles/{held.circle}"
    assert cast.call(who, "GET", base).status_code == 200
    schedule = cast.call(who, "GET", f"{base}/sessions")
    assert schedule.status_code == 200 and [s["id"] for s in schedule.json()] == [held.session]
    notes = cast.call(who, "GET", f"{base}/sessions/{held.session}/notes")
    assert notes.status_code == 404, notes.text
    assert NOTE_MARKERS[0] not in schedule.text


@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_an_outsider_is_refused_the_circles_notes(
    cast: Cast, held: HeldCircle, outsider: str
) -> None:
    base = f"/circles/{held.circle}"
    notes = f"{base}/sessions/{held.session}/notes"
    refused = cast.call(outsider, "GET", notes)
    assert refused.status_code == 404, refused.text
    assert not any(m in refused.text for m in NOTE_MARKERS)
    wrote = cast.call(outsider, "POST", notes, {"text": "an outsider's note"})
    assert wrote.status_code == 404, wrote.text
    acts = [
        ("POST", f"{base}/contract/acceptances", {"accept": True}),
        ("POST", f"{base}/sessions", {"format": "good_news_analysis", "minutes": 60}),
        (
            "POST",
            f"{base}/sessions/{held.session}/held",
            {
                "held_at": datetime.now(UTC).isoformat(),
                "minutes": 60,
                "attendees": [cast.ids["ana"], cast.ids["ben"]],
            },
        ),
    ]
    for method, path, body in acts:
        answer = cast.call(outsider, method, path, body)
        assert answer.status_code == 404, f"{method} {path}: {answer.text}"
    if outsider != "programme co-ordinator":  # who reads the schedule (see the test above)
        for path in (base, f"{base}/sessions", f"{base}/rota", f"{base}/sessions/{held.session}"):
            answer = cast.call(outsider, "GET", path)
            assert answer.status_code == 404, f"GET {path}: {answer.text}"
    members = cast.call("ana", "GET", notes).json()
    assert len(members) == len(NOTE_MARKERS)  # nothing the outsider sent was stored


def _evaluation(cast: Cast, who: str, path: str) -> httpx.Response:
    with httpx.Client(headers=bearer(cast.tokens[who]), timeout=15) as http:
        return http.get(f"{cast.world.url('evaluation')}{path}")


def test_a_concern_is_read_only_by_whoever_raised_it_and_whom_it_was_raised_with(
    cast: Cast, held: HeldCircle
) -> None:
    """Seed 001, "What can go wrong?": ben raises a concern with the session's facilitator
    (ana), dee with the programme's co-ordinator. Nobody else of the circle, no outsider and
    no event ever reads either; the co-ordinator's alerts show that one was raised."""
    base = f"/circles/{held.circle}"
    session = cast.call("ana", "GET", f"{base}/sessions/{held.session}").json()
    assert session["facilitator_id"] == cast.ids["ana"]
    with_facilitator = cast.call(
        "ben",
        "POST",
        f"{base}/concerns",
        {
            "raised_with": "facilitator",
            "session_id": held.session,
            "signs": ["dominant_personalities", "one_person_all_the_time"],
            "text": f"one voice fills the peer feedback {CONCERN_MARKERS[0]}",
        },
    )
    assert with_facilitator.status_code == 201, with_facilitator.text
    with_coordinator = cast.call(
        "dee",
        "POST",
        f"{base}/concerns",
        {"raised_with": "coordinator", "signs": ["gossip"], "text": CONCERN_MARKERS[1]},
    )
    assert with_coordinator.status_code == 201, with_coordinator.text
    to_ana, to_coordinator = with_facilitator.json()["id"], with_coordinator.json()["id"]
    assert with_facilitator.json()["facilitator_id"] == cast.ids["ana"]

    def readable(who: str) -> list[str]:
        listed = cast.call(who, "GET", f"{base}/concerns")
        assert listed.status_code == 200, f"{who}: {listed.text}"
        return [c["id"] for c in listed.json()]

    assert readable("ana") == [to_ana]  # raised with her as facilitator
    assert readable("ben") == [to_ana]  # his own
    assert readable("dee") == [to_coordinator]  # her own
    assert readable("cai") == []  # the rest of the circle: nothing
    assert readable("programme co-ordinator") == [to_coordinator]  # never the facilitator's
    for who, concern in (
        ("cai", to_ana),
        ("cai", to_coordinator),
        ("ana", to_coordinator),
        ("ben", to_coordinator),
        ("programme co-ordinator", to_ana),
    ):
        one = cast.call(who, "GET", f"{base}/concerns/{concern}")
        assert one.status_code == 404, f"{who} read {concern}: {one.text}"
        assert not any(m in one.text for m in CONCERN_MARKERS)
    read = cast.call("programme co-ordinator", "GET", f"{base}/concerns/{to_coordinator}")
    assert read.status_code == 200 and read.json()["text"] == CONCERN_MARKERS[1]

    # The facilitator's brief: ground rules, seed 001's warning signs, concerns raised with her.
    brief = cast.call("ana", "GET", f"{base}/sessions/{held.session}/facilitation")
    assert brief.status_code == 200, brief.text
    body = brief.json()
    assert any("advice" in rule for rule in body["ground_rules"])
    assert [g["sign"] for g in body["warning_signs"]][4:6] == ["gossip", "dominant_personalities"]
    assert [c["id"] for c in body["concerns"]] == [to_ana]
    for who in ("ben", "cai", "dee", "programme co-ordinator"):
        refused = cast.call(who, "GET", f"{base}/sessions/{held.session}/facilitation")
        assert refused.status_code == 404, f"{who}: {refused.text}"
    own = cast.call(
        "ana",
        "POST",
        f"{base}/concerns",
        {"raised_with": "facilitator", "session_id": held.session, "text": "me?"},
    )
    assert own.status_code == 422 and own.json()["error"] == "concern_recipient", own.text
    unnamed = cast.call(
        "ben", "POST", f"{base}/concerns", {"raised_with": "facilitator", "text": "x"}
    )
    assert unnamed.status_code == 422, unnamed.text

    # The co-ordinator's alerts include it: the circle and the concern, none of its words.
    alerts = f"/programmes/{cast.programme}/alerts"

    def concern_alerts() -> list[dict[str, Any]]:
        listed = _evaluation(cast, "programme co-ordinator", alerts)
        assert listed.status_code == 200, listed.text
        return [a for a in listed.json() if a.get("concern_id") == to_coordinator]

    def alert_raised() -> bool:
        """evaluation raised the co-ordinator's alert for dee's concern"""
        return bool(concern_alerts())

    eventually(alert_raised, timeout=30)
    [alert] = concern_alerts()
    assert alert["kind"] == "circle_concern" and alert["circle_id"] == held.circle
    assert alert["relationship_id"] is None and alert["parties"] == []
    listed = _evaluation(cast, "programme co-ordinator", alerts).text
    assert not any(m in listed for m in CONCERN_MARKERS)
    assert not [a for a in json.loads(listed) if a.get("concern_id") == to_ana]
    for outsider in OUTSIDERS:
        if outsider != "programme co-ordinator":
            assert _evaluation(cast, outsider, alerts).status_code in (403, 404), outsider

    # What left the service: that a concern was raised with the co-ordinator; nothing else.
    events, raw = read_topic(
        cast.world,
        "sessions",
        about("circle_id", {held.circle}, "circle.concern_raised"),
        lambda found: bool(found),
    )
    assert [e["data"]["concern_id"] for e in events] == [to_coordinator]
    assert set(events[0]["data"]) == {"concern_id", "circle_id", "programme_id", "raised_at"}
    announced, raw_alerts = read_topic(
        cast.world,
        "evaluation",
        about("circle_id", {held.circle}, "alert.raised"),
        lambda found: bool(found),
    )
    assert [e["data"]["alert_id"] for e in announced] == [alert["id"]]
    for marker in CONCERN_MARKERS:
        assert not [r for r in raw + raw_alerts if marker.encode() in r], f"{marker} left"
        assert cast.ids["dee"].encode() not in b"".join(raw_alerts)


@pytest.mark.parametrize("outsider", [o for o in OUTSIDERS if o != "programme co-ordinator"])
def test_an_outsider_can_neither_raise_nor_read_a_circles_concerns(
    cast: Cast, held: HeldCircle, outsider: str
) -> None:
    base = f"/circles/{held.circle}"
    mine = cast.call(
        "cai", "POST", f"{base}/concerns", {"raised_with": "coordinator", "text": "cai's"}
    )
    assert mine.status_code == 201, mine.text
    for path in (
        f"{base}/concerns",
        f"{base}/concerns/{mine.json()['id']}",
        f"{base}/sessions/{held.session}/facilitation",
    ):
        answer = cast.call(outsider, "GET", path)
        assert answer.status_code == 404, f"GET {path}: {answer.text}"
        assert "cai's" not in answer.text
    raised = cast.call(
        outsider, "POST", f"{base}/concerns", {"raised_with": "coordinator", "text": "outsider"}
    )
    assert raised.status_code == 404, raised.text
    assert "outsider" not in cast.call("programme co-ordinator", "GET", f"{base}/concerns").text


def test_bad_input_is_refused_and_nothing_is_stored(cast: Cast, held: HeldCircle) -> None:
    base = f"/circles/{held.circle}"
    notes = f"{base}/sessions/{held.session}/notes"
    before_notes = cast.call("ana", "GET", notes).json()
    before_sessions = cast.call("ana", "GET", f"{base}/sessions").json()
    ok_timings = {
        "presentation": 10,
        "clarifying_questions": 5,
        "peer_feedback": 20,
        "positive_feedback": 5,
        "response": 5,
    }

    def steps(**changes: int) -> list[dict[str, Any]]:
        return [{"step": s, "minutes": m} for s, m in {**ok_timings, **changes}.items()]

    oversize = cast.call("ana", "POST", notes, {"text": "x" * 4001})
    assert oversize.status_code == 422, oversize.text
    blank = cast.call("ana", "POST", notes, {"text": "   "})
    assert blank.status_code == 422, blank.text
    for body, why in [
        ({"format": "fishbowl", "minutes": 60}, "unknown format"),
        (
            {
                "format": "critical_incident",
                "minutes": 90,
                "timings": steps(clarifying_questions=25),
            },
            "clarifying questions beyond a few minutes",
        ),
        (
            {"format": "critical_incident", "minutes": 90, "timings": steps(presentation=0)},
            "a step of no minutes",
        ),
        (
            {"format": "critical_incident", "minutes": 40, "timings": steps()},
            "steps longer than the session",
        ),
        (
            {"format": "good_news_analysis", "minutes": 60, "timings": steps()},
            "timings on a format without timed steps",
        ),
        ({"format": "veridical_report", "minutes": 200}, "longer than the programme allows"),
        ({"format": "veridical_report", "minutes": 10}, "shorter than the programme allows"),
        (
            {
                "format": "veridical_report",
                "minutes": 60,
                "starts_at": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
            },
            "arranged in the past",
        ),
        (
            {"format": "veridical_report", "minutes": 60, "starts_at": "2027-01-01T10:00:00"},
            "a time without a time zone",
        ),
    ]:
        refused = cast.call("ana", "POST", f"{base}/sessions", body)
        assert refused.status_code == 422, f"{why}: {refused.status_code} {refused.text}"
        assert refused.json().get("detail"), why
    # Held in the future, or by people who are not members: refused (the session is a new one).
    upcoming = cast.call(
        "ana", "POST", f"{base}/sessions", {"format": "veridical_report", "minutes": 60}
    )
    assert upcoming.status_code == 201, upcoming.text
    held_path = f"{base}/sessions/{upcoming.json()['id']}/held"
    members = [cast.ids["ana"], cast.ids["ben"]]
    for body, why in [
        (
            {
                "held_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
                "minutes": 60,
                "attendees": members,
            },
            "held in the future",
        ),
        (
            {
                "held_at": datetime.now(UTC).isoformat(),
                "minutes": 60,
                "attendees": [cast.ids["ana"], cast.ids["eli"]],
            },
            "an attendee who is not a member",
        ),
        (
            {"held_at": datetime.now(UTC).isoformat(), "minutes": 500, "attendees": members},
            "longer than the programme allows",
        ),
    ]:
        refused = cast.call("ana", "POST", held_path, body)
        assert refused.status_code == 422, f"{why}: {refused.status_code} {refused.text}"
    assert cast.call("ana", "GET", notes).json() == before_notes
    after = cast.call("ana", "GET", f"{base}/sessions").json()
    assert after[: len(before_sessions)] == before_sessions
    assert [s["status"] for s in after[len(before_sessions) :]] == ["scheduled"]


def test_erasure_removes_the_members_notes_and_acceptance_and_keeps_the_others(
    cast: Cast,
) -> None:
    members = ("eli", "ana", "ben", "dee")  # eli first: eli facilitates session 1, then 5
    circle = cast.form(*members)
    cast.accept_all(circle, *members)
    base = f"/circles/{circle}/sessions"
    arranged = []
    for _ in range(5):
        made = cast.call("ana", "POST", base, {"format": "good_news_analysis", "minutes": 60})
        assert made.status_code == 201, made.text
        arranged.append(made.json())
    first, fifth = arranged[0]["id"], arranged[4]["id"]
    eli, ana = cast.ids["eli"], cast.ids["ana"]
    assert arranged[0]["facilitator_id"] == eli and arranged[4]["facilitator_id"] == eli
    marked = cast.call(
        "ben",
        "POST",
        f"{base}/{first}/held",
        {
            "held_at": datetime.now(UTC).isoformat(),
            "minutes": 60,
            "attendees": [eli, ana, cast.ids["ben"]],
        },
    )
    assert marked.status_code == 200, marked.text
    for who, text in (("eli", ERASED_NOTE), ("ana", KEPT_NOTE)):
        assert cast.call(who, "POST", f"{base}/{first}/notes", {"text": text}).status_code == 201
    concern = {"raised_with": "coordinator", "text": ERASED_NOTE}
    assert cast.call("eli", "POST", f"/circles/{circle}/concerns", concern).status_code == 201
    publish(
        cast.world,
        new_event(
            MemberErased(
                member_id=eli,
                organisation_id=cast.organisations["eli"],
                erased_at=datetime.now(UTC),
            ),
            organisation=cast.organisations["eli"],
            subject=eli,
        ),
    )

    def erased() -> bool:
        """eli is no longer a member of the circle"""
        view = cast.call("ana", "GET", f"/circles/{circle}").json()
        return eli not in [m["member_id"] for m in view["circle"]["members"]]

    eventually(erased, timeout=30)

    def notes_gone() -> bool:
        """eli's note is gone"""
        texts = [n["text"] for n in cast.call("ana", "GET", f"{base}/{first}/notes").json()]
        return ERASED_NOTE not in texts

    eventually(notes_gone, timeout=30)
    notes = cast.call("dee", "GET", f"{base}/{first}/notes").json()
    assert [(n["author_id"], n["text"]) for n in notes] == [(ana, KEPT_NOTE)]
    view = cast.call("ana", "GET", f"/circles/{circle}").json()
    assert view["circle"]["former_members"] == 1 and eli not in view["accepted_by"]
    assert view["ready"] is True  # the members left have all accepted
    rota = cast.call("ben", "GET", f"/circles/{circle}/rota").json()
    by_id = {s["id"]: s for s in rota["sessions"]}
    assert by_id[first]["facilitator_id"] == "former member"
    assert by_id[first]["attendees"] == ["former member", ana, cast.ids["ben"]]
    assert by_id[fifth]["facilitator_id"] == ana  # the next in the rotation took it over
    assert eli not in json.dumps(rota)
    assert cast.call("eli", "GET", f"/circles/{circle}").status_code == 404
    # In the database too: no acceptance and no note of eli's is left anywhere.
    env = cast.world.env
    mongo: MongoClient[dict[str, Any]] = MongoClient(env["MENTORNET_MONGO_URL"])
    with mongo:
        network = mongo[f"{env['MENTORNET_DB_PREFIX']}_sessions_network"]
        assert network["circle_contract_acceptances"].count_documents({"member_id": eli}) == 0
        assert network["circle_contract_acceptances"].count_documents({"circle_id": circle}) == 3
        assert network["circle_notes"].count_documents({"author_id": eli}) == 0
        assert network["circle_notes"].count_documents({"text": ERASED_NOTE}) == 0
        assert network["circle_sessions"].count_documents({"people": eli}) == 0
        assert network["circle_concerns"].count_documents({"raised_by": eli}) == 0
        assert network["circle_concerns"].count_documents({"text": ERASED_NOTE}) == 0
