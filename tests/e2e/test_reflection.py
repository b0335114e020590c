"""End to end: the reflective journal (seed 000, Clutterbuck and Megginson's six stages of
reflection) and BOOST feedback (seed 000) through sessions' HTTP API, with real tokens, the
real sessions topic and real FerretDB.

The scene (tests/e2e/sessions_scene.py): A's member mentors B's member across organisations in
a programme co-ordinated by a member of B, beside every outsider the confidentiality rules
name; here the mentee and the mentor also sit in a peer circle. The mentee reflects after a
meeting and after a circle session. Their journal is theirs alone: the other party, the
programme's co-ordinator, their own organisation's admin, the network co-ordinator, another
organisation and everyone else get 404, and nothing of it reaches Kafka. BOOST feedback goes
in a meeting log and in the feedback steps of a critical-incident circle session, and says
which letters it covers. The tests run in file order: the erasure of the mentee comes last.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from typing import Any

import pytest
from pymongo import MongoClient

from shared.contracts.registry import MemberErased
from shared.events.catalogue import new_event
from tests.e2e.conftest import World
from tests.e2e.sessions_scene import Scene, build_scene, programme_published
from tests.e2e.test_candidate_pool import publish
from tests.e2e.test_circles import circle_formed
from tests.e2e.test_first_flow import eventually
from tests.e2e.topic_records import of_type, relationship_events

# What the mentee writes in their journal: none of it may ever leave them.
MARK = {
    "disaggregation": "moonwort-busy-3a7e",
    "framing": "foxglove-issue-8c1d",
    "insight": "yarrow-insight-5b2f",
    "options": "meadowsweet-options-0e4a",
    "circle": "bramble-circle-6d9c",
    "edit": "hawthorn-edited-2f5b",
    # BOOST feedback, in a log and in a circle note: it stays where it was written.
    "boost_log": "teasel-observed-9a4c",
    "boost_note": "sweetbriar-specific-1e7d",
}
STAGES = (
    "disaggregation",
    "framing",
    "implication_analysis",
    "insight",
    "reframing",
    "options",
)
TODAY = datetime.now(UTC).date()
# Everyone who must fail to read the mentee's journal (the scene's people but the mentee).
NOT_THE_AUTHOR = ("mentor", "coordinator", *Scene.OUTSIDERS)
JOURNAL = "/members/me/journal"


@pytest.fixture(scope="module")
def scene(world: World) -> Scene:
    return build_scene(world, "moss")


@pytest.fixture(scope="module")
def log_id(scene: Scene) -> str:
    """The mentee's meeting log, which they reflect on."""
    written = scene.call(
        "mentee",
        "POST",
        f"/relationships/{scene.relationship}/logs",
        {"met_on": str(TODAY), "topics": ["the rota review"]},
    )
    assert written.status_code == 201, written.text
    return str(written.json()["id"])


def critical_incident(world: World, scene: Scene) -> tuple[str, str]:
    """A peer circle of the mentee, the mentor and the mentee's colleague, with a
    critical-incident session arranged: (circle id, session id)."""
    programme = f"prg_{secrets.token_hex(6)}"
    publish(
        world,
        programme_published(
            programme, [scene.b.id, scene.a.id], [scene.ids["coordinator"]], model="peer_circle"
        ),
    )
    known = f"/programmes/{programme}/relationships"
    eventually(lambda: scene.call("coordinator", "GET", known).is_success, timeout=30)
    members = ("mentee", "mentor", "colleague of the mentee")
    organisations = {"mentee": scene.b.id, "mentor": scene.a.id}
    circle = f"cir_{secrets.token_hex(8)}"
    publish(
        world,
        circle_formed(
            circle,
            programme,
            [(scene.member_id(m), organisations.get(m, scene.b.id)) for m in members],
        ),
        source="matching",
    )
    eventually(lambda: scene.call("mentee", "GET", f"/circles/{circle}").is_success, timeout=30)
    for member in members:
        accepted = scene.call(
            member, "POST", f"/circles/{circle}/contract/acceptances", {"accept": True}
        )
        assert accepted.status_code == 201, accepted.text
    arranged = scene.call(
        "mentor",
        "POST",
        f"/circles/{circle}/sessions",
        {"format": "critical_incident", "minutes": 60},
    )
    assert arranged.status_code == 201, arranged.text
    return circle, str(arranged.json()["id"])


@pytest.fixture(scope="module")
def circle_session(world: World, scene: Scene) -> tuple[str, str]:
    return critical_incident(world, scene)


@pytest.fixture(scope="module")
def entry(scene: Scene, log_id: str) -> dict[str, Any]:
    """The mentee's entry after the meeting."""
    written = scene.call(
        "mentee",
        "POST",
        JOURNAL,
        {
            "context": {
                "kind": "meeting_log",
                "relationship_id": scene.relationship,
                "log_id": log_id,
            },
            "disaggregation": MARK["disaggregation"],
            "framing": MARK["framing"],
            "insight": MARK["insight"],
            "options": MARK["options"],
        },
    )
    assert written.status_code == 201, written.text
    body: dict[str, Any] = written.json()
    return body


def test_the_prompts_are_the_six_stages_in_order(scene: Scene) -> None:
    listed = scene.call("mentor", "GET", "/journal/prompts")
    assert listed.status_code == 200, listed.text
    assert [p["stage"] for p in listed.json()] == list(STAGES)
    assert all(p["prompt"].endswith(("?", ".")) for p in listed.json())


def test_the_mentee_reflects_after_a_meeting_and_reads_it_back(
    scene: Scene, entry: dict[str, Any], log_id: str
) -> None:
    assert entry["id"].startswith(f"journal:{scene.ids['mentee']}:")
    assert entry["author"] == scene.ids["mentee"]
    assert entry["context"]["log_id"] == log_id
    assert entry["implication_analysis"] == "" and entry["revision"] == 1
    assert entry["shared"] == []
    mine = scene.call("mentee", "GET", JOURNAL)
    assert mine.status_code == 200, mine.text
    assert [e["id"] for e in mine.json()] == [entry["id"]]
    by_id = scene.call("mentee", "GET", f"/members/{scene.ids['mentee']}/journal/{entry['id']}")
    assert by_id.status_code == 200 and by_id.json()["framing"] == MARK["framing"]


def test_the_mentee_reflects_after_a_circle_session(
    scene: Scene, circle_session: tuple[str, str]
) -> None:
    circle, session = circle_session
    context = {"kind": "circle_session", "circle_id": circle, "session_id": session}
    written = scene.call("mentee", "POST", JOURNAL, {"context": context, "insight": MARK["circle"]})
    assert written.status_code == 201, written.text
    assert written.json()["context"] == {**context, "relationship_id": None, "log_id": None}
    # The mentor, a member of the same circle, does not read it.
    theirs = scene.call("mentor", "GET", JOURNAL)
    assert theirs.status_code == 200 and MARK["circle"] not in theirs.text


@pytest.mark.parametrize("who", NOT_THE_AUTHOR)
def test_nobody_but_the_author_reads_or_touches_an_entry(
    scene: Scene, entry: dict[str, Any], who: str
) -> None:
    mentee = scene.ids["mentee"]
    attempts = [
        ("GET", f"/members/{mentee}/journal", None),
        ("GET", f"/members/{mentee}/journal/{entry['id']}", None),
        ("GET", f"{JOURNAL}/{entry['id']}", None),
        ("PUT", f"/members/{mentee}/journal/{entry['id']}", {"framing": "overwritten"}),
        ("PUT", f"{JOURNAL}/{entry['id']}", {"framing": "overwritten"}),
        ("DELETE", f"{JOURNAL}/{entry['id']}", None),
        ("DELETE", f"/members/{mentee}/journal/{entry['id']}", None),
        (
            "POST",
            f"{JOURNAL}/{entry['id']}/shares",
            {"relationship_id": scene.relationship},
        ),
        ("POST", f"/members/{mentee}/journal", {"framing": "written into their journal"}),
    ]
    for method, path, body in attempts:
        refused = scene.call(who, method, path, body)
        assert refused.status_code == 404, f"{who} {method} {path}: {refused.text}"
        assert not [m for m in MARK.values() if m in refused.text]
    own = scene.call(who, "GET", JOURNAL)
    assert own.status_code in (200, 404), own.text  # a client has no journal
    assert entry["id"] not in own.text and MARK["framing"] not in own.text
    after = scene.call("mentee", "GET", f"{JOURNAL}/{entry['id']}").json()
    assert after["framing"] == MARK["framing"] and after["revision"] == 1


def test_a_context_the_author_took_no_part_in_is_refused(scene: Scene, log_id: str) -> None:
    other = scene.start_relationship(
        scene.programme, mentor="colleague of the mentor", mentee="colleague of the mentee"
    )
    cases = [
        ({"kind": "meeting_log", "relationship_id": other, "log_id": log_id}, 404),
        (
            {"kind": "meeting_log", "relationship_id": scene.relationship, "log_id": "log:x:1"},
            404,
        ),
        ({"kind": "meeting_log", "relationship_id": scene.relationship}, 422),
        ({"kind": "circle_session", "circle_id": "cir_0000", "session_id": "s"}, 404),
    ]
    for context, status in cases:
        refused = scene.call("mentee", "POST", JOURNAL, {"context": context, "framing": "x"})
        assert refused.status_code == status, (context, refused.text)
        assert refused.json()["detail"], refused.text
    empty = scene.call("mentee", "POST", JOURNAL, {"framing": "  "})
    assert empty.status_code == 422 and "at least one of" in empty.text
    too_long = scene.call("mentee", "POST", JOURNAL, {"insight": "x" * 4001})
    assert too_long.status_code == 422 and "insight" in too_long.text


def test_the_author_changes_an_entry(scene: Scene, entry: dict[str, Any]) -> None:
    path = f"{JOURNAL}/{entry['id']}"
    changed = scene.call(
        "mentee", "PUT", path, {**_content(entry), "implication_analysis": MARK["edit"]}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["revision"] == 2 and changed.json()["edited_at"]
    assert changed.json()["implication_analysis"] == MARK["edit"]


def test_sharing_an_entry_shows_a_copy_to_the_relationship_only(
    scene: Scene, entry: dict[str, Any]
) -> None:
    reflections = f"/relationships/{scene.relationship}/reflections"
    for who in ("mentor", "coordinator"):
        before = scene.call(who, "GET", reflections)
        assert before.status_code == 200 and before.json() == [], before.text
    shared = scene.call(
        "mentee", "POST", f"{JOURNAL}/{entry['id']}/shares", {"relationship_id": scene.relationship}
    )
    assert shared.status_code == 201, shared.text
    assert shared.json()["framing"] == MARK["framing"]
    again = scene.call(
        "mentee", "POST", f"{JOURNAL}/{entry['id']}/shares", {"relationship_id": scene.relationship}
    )
    assert again.status_code == 409, again.text
    for who in ("mentor", "coordinator", "mentee"):
        read = scene.call(who, "GET", reflections)
        assert read.status_code == 200, read.text
        assert [r["entry_id"] for r in read.json()] == [entry["id"]]
    for who in Scene.OUTSIDERS:
        refused = scene.call(who, "GET", reflections)
        assert refused.status_code == 404, f"{who}: {refused.text}"
    # The entry itself stays the mentee's alone.
    for who in ("mentor", "coordinator"):
        path = f"/members/{scene.ids['mentee']}/journal/{entry['id']}"
        assert scene.call(who, "GET", path).status_code == 404
    listed = scene.call("mentee", "GET", f"{JOURNAL}/{entry['id']}").json()
    assert [s["relationship_id"] for s in listed["shared"]] == [scene.relationship]


def test_the_author_removes_an_entry_and_the_copy_they_shared(scene: Scene) -> None:
    reflections = f"/relationships/{scene.relationship}/reflections"
    written = scene.call("mentee", "POST", JOURNAL, {"reframing": "to be removed"})
    assert written.status_code == 201, written.text
    entry_id = written.json()["id"]
    shared = scene.call(
        "mentee", "POST", f"{JOURNAL}/{entry_id}/shares", {"relationship_id": scene.relationship}
    )
    assert shared.status_code == 201, shared.text
    assert len(scene.call("mentor", "GET", reflections).json()) == 2
    removed = scene.call("mentee", "DELETE", f"{JOURNAL}/{entry_id}")
    assert removed.status_code == 204, removed.text
    assert scene.call("mentee", "GET", f"{JOURNAL}/{entry_id}").status_code == 404
    assert entry_id not in scene.call("mentee", "GET", JOURNAL).text
    left = scene.call("mentor", "GET", reflections).json()
    assert [r["entry_id"] for r in left] != [] and entry_id not in [r["entry_id"] for r in left]
    assert "to be removed" not in scene.call("coordinator", "GET", reflections).text


# --- BOOST feedback ---------------------------------------------------------------------------

LETTERS = ["balanced", "observed", "objective", "specific", "timely"]


def test_the_boost_form_says_which_letters_feedback_covers(scene: Scene) -> None:
    empty = scene.call("mentee", "POST", "/feedback/boost", {})
    assert empty.status_code == 200, empty.text
    assert [c["letter"] for c in empty.json()] == LETTERS
    assert not any(c["covered"] for c in empty.json())
    assert all(c["prompt"] for c in empty.json())
    some = scene.call("mentee", "POST", "/feedback/boost", {"observed": "x", "timely": "  y "})
    assert [c["letter"] for c in some.json() if c["covered"]] == ["observed", "timely"]
    blank = scene.call("mentee", "POST", "/feedback/boost", {"balanced": "   "})
    assert not any(c["covered"] for c in blank.json())
    too_long = scene.call("mentee", "POST", "/feedback/boost", {"specific": "x" * 2001})
    assert too_long.status_code == 422 and "specific" in too_long.text
    assert scene.call("mentee", "POST", "/feedback/boost", {"vague": "x"}).status_code == 422


def test_a_mentors_feedback_in_a_meeting_log_is_boost_and_stays_with_the_log(
    scene: Scene,
) -> None:
    base = f"/relationships/{scene.relationship}/logs"
    feedback = {"balanced": "calm, and check the notes first", "observed": MARK["boost_log"]}
    written = scene.call(
        "mentor",
        "POST",
        base,
        {"met_on": str(TODAY), "topics": ["feedback"], "feedback": feedback},
    )
    assert written.status_code == 201, written.text
    log = written.json()
    assert log["feedback"]["covers"] == ["balanced", "observed"]
    # What a reader got back can be sent back as it is: `covers` is worked out again.
    sent_back = {**log["feedback"], "covers": ["timely"], "specific": "when you asked"}
    content = {"met_on": log["met_on"], "topics": log["topics"], "feedback": sent_back}
    changed = scene.call("mentor", "PUT", f"{base}/{log['id']}", content)
    assert changed.status_code == 200, changed.text
    assert changed.json()["feedback"]["covers"] == ["balanced", "observed", "specific"]
    for who in ("mentee", "coordinator"):
        read = scene.call(who, "GET", f"{base}/{log['id']}")
        assert read.status_code == 200 and read.json()["feedback"]["observed"] == MARK["boost_log"]
    for who in Scene.OUTSIDERS:
        refused = scene.call(who, "GET", f"{base}/{log['id']}")
        assert refused.status_code == 404 and MARK["boost_log"] not in refused.text


def test_peers_give_boost_feedback_in_the_feedback_steps_of_a_critical_incident(
    scene: Scene, circle_session: tuple[str, str]
) -> None:
    circle, session = circle_session
    notes = f"/circles/{circle}/sessions/{session}/notes"
    feedback = {"specific": MARK["boost_note"], "timely": "before Thursday's review"}
    given = scene.call("mentor", "POST", notes, {"step": "positive_feedback", "feedback": feedback})
    assert given.status_code == 201, given.text
    assert given.json()["step"] == "positive_feedback" and given.json()["text"] == ""
    assert given.json()["feedback"]["covers"] == ["specific", "timely"]
    refusals = [
        ({"step": "presentation", "feedback": feedback}, "feedback_step"),
        ({"feedback": feedback}, "feedback_step"),
        ({"text": "a plain note", "step": "peer_feedback"}, "feedback_step"),
        ({"step": "peer_feedback", "feedback": {"observed": " "}}, "invalid_request"),
    ]
    for body, error in refusals:
        refused = scene.call("mentor", "POST", notes, body)
        assert refused.status_code == 422, (body, refused.text)
        assert refused.json()["error"] == error, refused.text
    read = scene.call("colleague of the mentee", "GET", notes)
    assert read.status_code == 200, read.text
    assert [n["feedback"]["covers"] for n in read.json() if n["feedback"]] == [
        ["specific", "timely"]
    ]
    for who in ("coordinator", "mentee's organisation admin", "network co-ordinator"):
        refused = scene.call(who, "GET", notes)
        assert refused.status_code == 404 and MARK["boost_note"] not in refused.text


def test_no_event_carries_the_journal_or_the_feedback(world: World, scene: Scene) -> None:
    # A log written after every journal write: once its event is on the topic, whatever the
    # journal could have published before it would be there too.
    last = scene.call(
        "mentor",
        "POST",
        f"/relationships/{scene.relationship}/logs",
        {"met_on": str(TODAY), "topics": ["after the journal"]},
    )
    assert last.status_code == 201, last.text
    rel = scene.relationship

    def done(found: list[dict[str, Any]]) -> bool:
        # the mentee's log, the mentor's BOOST log written and changed, and the last one
        return len(of_type(found, "meeting_log.written", rel)) >= 4

    _, raw = relationship_events(world, {rel}, done)
    assert raw, "the sessions topic was read"
    leaked = [name for name, text in MARK.items() for record in raw if text.encode() in record]
    assert not leaked, f"journal or feedback text on the sessions topic: {leaked}"


def test_erasing_the_mentee_removes_their_journal_and_what_they_shared(
    world: World, scene: Scene, entry: dict[str, Any]
) -> None:
    mentee = scene.ids["mentee"]
    erased = MemberErased(member_id=mentee, organisation_id=scene.b.id, erased_at=datetime.now(UTC))
    publish(world, new_event(erased, organisation=scene.b.id, subject=mentee))
    reflections = f"/relationships/{scene.relationship}/reflections"

    def gone() -> bool:
        """what the mentee shared is gone for the mentor"""
        read = scene.call("mentor", "GET", reflections)
        return read.status_code == 200 and read.json() == []

    eventually(gone, timeout=30)
    mongo: MongoClient[dict[str, Any]] = MongoClient(world.env["MENTORNET_MONGO_URL"])
    prefix = world.env["MENTORNET_DB_PREFIX"]
    with mongo:
        for database, collection in (
            (f"{prefix}_sessions_o_{scene.b.id}", "journal_entries"),
            (f"{prefix}_sessions_network", "shared_reflections"),
        ):
            found = list(mongo[database][collection].find())
            assert found, (database, collection)
            for document in found:
                text = json.dumps(document, default=str)
                assert mentee not in text.replace(document["_id"], ""), document
                assert not [m for m in MARK.values() if m in text], document


def _content(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: entry[k] for k in ("context", *STAGES)}
