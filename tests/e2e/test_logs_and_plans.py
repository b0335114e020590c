"""End to end: meeting logs (seed 002, Resource 13) and action plans (Resources 12, 15, 16)
through sessions' HTTP API, with real tokens, the real sessions topic and real FerretDB.

The scene (tests/e2e/sessions_scene.py): A's member mentors B's member across organisations in
a programme co-ordinated by a member of B, beside every outsider the confidentiality rules
name. The tests run in file order: the erasure of the mentee comes last.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo import MongoClient

from services.sessions.adapters.erasure import FORMER_MEMBER
from services.sessions.domain.action_plans import MOTIVATION_QUESTION
from services.sessions.domain.meeting_logs import LONG_TEXT
from shared.contracts.registry import MemberErased
from shared.events.catalogue import new_event
from tests.e2e.conftest import World
from tests.e2e.sessions_scene import Scene, build_scene
from tests.e2e.test_candidate_pool import publish
from tests.e2e.test_first_flow import eventually
from tests.e2e.topic_records import of_type, relationship_events

# Text the parties write: none of it may ever leave the sessions service.
MARK = {
    "mentee_log": "quillfeather-achieved-6c1e",
    "mentee_challenge": "inkwell-challenge-2f8a",
    "mentee_step": "parchment-step-9b3d",
    "mentee_edit": "sealing-wax-edit-4a7c",
    "mentor_log": "lamplight-topics-8e2b",
    "to_learn": "astrolabe-learning-3d9f",
    "milestone": "sextant-milestone-7a1c",
    "success": "compass-success-5e6b",
    "long_goal": "lighthouse-long-goal-1b4d",
    "long_goal_edit": "harbour-edited-goal-0c2e",
    "short_goal": "rowboat-short-goal-6f3a",
    "grow_goal": "tidewater-grow-goal-2d5c",
    "grow_reality": "driftwood-reality-8a9e",
    "grow_options": "seaglass-options-4b1f",
    "grow_way": "northstar-way-7c3d",
    "mentor_grow": "anchor-mentor-grow-9e2a",
}
TODAY = datetime.now(UTC).date()


def log_body(**changes: Any) -> dict[str, Any]:
    return {
        "met_on": str(TODAY),
        "achieved_since_last": MARK["mentee_log"],
        "challenges": MARK["mentee_challenge"],
        "topics": ["first team review"],
        "steps": [
            {"step": MARK["mentee_step"], "owner": "mentee"},
            {"step": "send the review calendar", "owner": "mentor", "resources": "calendar"},
        ],
        "next_topic": "feedback",
        "next_actions": [{"step": "read the BOOST notes", "owner": "both"}],
        "next_meeting_on": str(TODAY + timedelta(days=28)),
        **changes,
    }


def grow_body(**changes: Any) -> dict[str, Any]:
    return {
        "goal": MARK["grow_goal"],
        "reality": MARK["grow_reality"],
        "options": MARK["grow_options"],
        "way_forward": MARK["grow_way"],
        "commitment": 6,
        **changes,
    }


@pytest.fixture(scope="module")
def scene(world: World) -> Scene:
    return build_scene(world, "quill")


@pytest.fixture(scope="module")
def base(scene: Scene) -> str:
    return f"/relationships/{scene.relationship}"


@pytest.fixture(scope="module")
def mentee_log(scene: Scene, base: str) -> dict[str, Any]:
    """The mentee's first log."""
    written = scene.call("mentee", "POST", f"{base}/logs", log_body())
    assert written.status_code == 201, written.text
    body: dict[str, Any] = written.json()
    return body


@pytest.fixture(scope="module")
def goals(scene: Scene, base: str) -> dict[str, str]:
    """The mentor's long-term goal and the mentee's short-term one: name → id."""
    plan = f"{base}/action-plan"
    long = scene.call(
        "mentor", "POST", f"{plan}/goals", {"term": "long", "text": MARK["long_goal"]}
    )
    assert long.status_code == 201, long.text
    short = scene.call(
        "mentee",
        "POST",
        f"{plan}/goals",
        {"term": "short", "text": MARK["short_goal"], "priority": 1},
    )
    assert short.status_code == 201, short.text
    return {"long": long.json()["id"], "short": short.json()["id"]}


def logs_of(scene: Scene, base: str, who: str = "mentee") -> list[dict[str, Any]]:
    listed = scene.call(who, "GET", f"{base}/logs")
    assert listed.status_code == 200, listed.text
    logs: list[dict[str, Any]] = listed.json()
    return logs


def plan_of(scene: Scene, base: str, who: str = "mentee") -> dict[str, Any]:
    read = scene.call(who, "GET", f"{base}/action-plan")
    assert read.status_code == 200, read.text
    plan: dict[str, Any] = read.json()
    return plan


# --- meeting logs ------------------------------------------------------------------------------


def test_the_mentee_writes_a_log_that_the_mentor_and_the_coordinator_read(
    scene: Scene, base: str, mentee_log: dict[str, Any]
) -> None:
    assert mentee_log["id"].startswith("log:")
    assert mentee_log["author"] == scene.ids["mentee"] and mentee_log["author_side"] == "mentee"
    assert mentee_log["written_with"] == [scene.ids["mentor"]]
    assert mentee_log["steps"][0] == {
        "step": MARK["mentee_step"],
        "owner": "mentee",
        "resources": "",
    }
    for reader in ("mentor", "coordinator", "mentee"):
        one = scene.call(reader, "GET", f"{base}/logs/{mentee_log['id']}")
        assert one.status_code == 200, f"{reader}: {one.text}"
        assert one.json() == mentee_log
        assert mentee_log["id"] in [g["id"] for g in logs_of(scene, base, reader)]
    # Only its author changes it: the mentor reads it but is refused (403), and the
    # co-ordinator is no party (404).
    change = log_body(challenges=MARK["mentee_edit"])
    path = f"{base}/logs/{mentee_log['id']}"
    assert scene.call("mentor", "PUT", path, change).status_code == 403
    assert scene.call("coordinator", "PUT", path, change).status_code == 404
    assert scene.call("mentor", "GET", path).json()["challenges"] == MARK["mentee_challenge"]
    changed = scene.call("mentee", "PUT", path, change)
    assert changed.status_code == 200, changed.text
    assert changed.json()["challenges"] == MARK["mentee_edit"]
    assert changed.json()["revision"] == 2 and changed.json()["edited_at"] is not None
    # The mentor records the meeting as held and writes their own log of it, linked to it.
    held = scene.call(
        "mentor",
        "POST",
        f"{base}/meetings",
        {
            "starts_at": (datetime.now(UTC) - timedelta(hours=3)).isoformat(timespec="seconds"),
            "minutes": 60,
            "method": "video",
            "status": "held",
        },
    )
    assert held.status_code == 201, held.text
    mentor_log = scene.call(
        "mentor",
        "POST",
        f"{base}/logs",
        {"met_on": str(TODAY), "topics": [MARK["mentor_log"]], "meeting_id": held.json()["id"]},
    )
    assert mentor_log.status_code == 201, mentor_log.text
    assert mentor_log.json()["written_with"] == [scene.ids["mentee"]]
    assert mentor_log.json()["meeting_id"] == held.json()["id"]
    seen = scene.call("coordinator", "GET", f"{base}/logs").json()
    assert {g["author_side"] for g in seen} == {"mentor", "mentee"}


@pytest.mark.parametrize("outsider", Scene.OUTSIDERS)
def test_an_outsider_can_neither_read_nor_write_logs(
    scene: Scene, base: str, mentee_log: dict[str, Any], outsider: str
) -> None:
    before = logs_of(scene, base)
    path = f"{base}/logs/{mentee_log['id']}"
    attempts = [
        ("GET", f"{base}/logs", None),
        ("GET", path, None),
        ("POST", f"{base}/logs", log_body()),
        ("PUT", path, log_body(challenges="overwritten by an outsider")),
    ]
    for method, url, body in attempts:
        refused = scene.call(outsider, method, url, body)
        assert refused.status_code == 404, f"{outsider} {method} {url}: {refused.text}"
        assert MARK["mentee_log"] not in refused.text
    assert logs_of(scene, base) == before


# --- action plans ----------------------------------------------------------------------------


def test_the_plan_with_grow_commitment_oskar_history_and_a_goal_achieved_once(
    scene: Scene, base: str, goals: dict[str, str]
) -> None:
    plan = f"{base}/action-plan"
    sheet = scene.call(
        "mentee",
        "PATCH",
        plan,
        {
            "to_learn": MARK["to_learn"],
            "milestones": [MARK["milestone"]],
            "starts_on": str(TODAY),
            "review_dates": [str(TODAY + timedelta(days=90))],
        },
    )
    assert sheet.status_code == 200, sheet.text
    by_mentor = scene.call(
        "mentor",
        "PATCH",
        plan,
        {"success_criteria": MARK["success"], "completes_on": str(TODAY + timedelta(days=180))},
    )
    assert by_mentor.status_code == 200, by_mentor.text
    assert by_mentor.json()["to_learn"] == MARK["to_learn"]  # the mentee's field stays
    assert by_mentor.json()["written_by"] == {
        "to_learn": scene.ids["mentee"],
        "milestones": scene.ids["mentee"],
        "starts_on": scene.ids["mentee"],
        "review_dates": scene.ids["mentee"],
        "success_criteria": scene.ids["mentor"],
        "completes_on": scene.ids["mentor"],
    }
    # Either party edits the plan: the mentee rewrites the mentor's long-term goal.
    edited = scene.call(
        "mentee", "PATCH", f"{plan}/goals/{goals['long']}", {"text": MARK["long_goal_edit"]}
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["edited_by"] == scene.ids["mentee"]
    # GROW with a commitment rating; below 7, Resource 12's question.
    grown = scene.call("mentee", "POST", f"{plan}/grow", grow_body(goal_id=goals["short"]))
    assert grown.status_code == 201, grown.text
    assert grown.json()["commitment"] == 6
    assert grown.json()["motivation_question"] == MOTIVATION_QUESTION
    mentor_grow = scene.call(
        "mentor", "POST", f"{plan}/grow", grow_body(goal=MARK["mentor_grow"], commitment=9)
    )
    assert mentor_grow.status_code == 201 and mentor_grow.json()["motivation_question"] is None
    # OSKAR: three readings over time, shown as a series.
    for scale in (3, 5, 8):
        reading = scene.call(
            "mentee", "POST", f"{plan}/goals/{goals['short']}/oskar", {"scale": scale}
        )
        assert reading.status_code == 201, reading.text
    mentor_reading = scene.call(
        "mentor", "POST", f"{plan}/goals/{goals['long']}/oskar", {"scale": 2}
    )
    assert mentor_reading.status_code == 201, mentor_reading.text
    for reader in ("mentee", "mentor", "coordinator"):
        series = scene.call(reader, "GET", f"{plan}/goals/{goals['short']}/oskar")
        assert series.status_code == 200, series.text
        assert [r["scale"] for r in series.json()] == [3, 5, 8]
        times = [r["recorded_at"] for r in series.json()]
        assert times == sorted(times)
    # The goal achieved, once: again (by either party) is a 409 and changes nothing.
    achieved = scene.call("mentee", "POST", f"{plan}/goals/{goals['short']}/achieved")
    assert achieved.status_code == 200, achieved.text
    assert achieved.json()["achieved_by"] == scene.ids["mentee"]
    again = scene.call("mentor", "POST", f"{plan}/goals/{goals['short']}/achieved")
    assert again.status_code == 409, again.text
    # The co-ordinator sees the whole plan.
    seen = plan_of(scene, base, "coordinator")
    assert [g["id"] for g in seen["goals"]] == [goals["long"], goals["short"]]
    short = seen["goals"][1]
    assert short["achieved_at"] == achieved.json()["achieved_at"]
    assert [r["scale"] for r in short["oskar"]] == [3, 5, 8]
    assert [n["commitment"] for n in seen["grow"]] == [9, 6]  # newest first
    assert seen["success_criteria"] == MARK["success"]


@pytest.mark.parametrize("outsider", Scene.OUTSIDERS)
def test_an_outsider_can_neither_read_nor_write_the_plan(
    scene: Scene, base: str, goals: dict[str, str], outsider: str
) -> None:
    before = plan_of(scene, base)
    plan, goal = f"{base}/action-plan", f"{base}/action-plan/goals/{goals['long']}"
    attempts = [
        ("GET", plan, None),
        ("PATCH", plan, {"to_learn": "written by an outsider"}),
        ("POST", f"{plan}/goals", {"term": "short", "text": "outsider's goal", "priority": 1}),
        ("PATCH", goal, {"text": "outsider's text"}),
        ("POST", f"{goal}/achieved", None),
        ("POST", f"{goal}/oskar", {"scale": 1}),
        ("GET", f"{goal}/oskar", None),
        ("POST", f"{plan}/grow", grow_body(commitment=1)),
        ("GET", f"{plan}/grow", None),
    ]
    for method, url, body in attempts:
        refused = scene.call(outsider, method, url, body)
        assert refused.status_code == 404, f"{outsider} {method} {url}: {refused.text}"
        assert MARK["long_goal"] not in refused.text
    assert plan_of(scene, base) == before


# --- bad input ---------------------------------------------------------------------------------


def test_bad_input_is_refused_with_a_reason_and_changes_nothing(
    scene: Scene, base: str, goals: dict[str, str], mentee_log: dict[str, Any]
) -> None:
    logs_before, plan_before = logs_of(scene, base), plan_of(scene, base)
    plan = f"{base}/action-plan"
    short = f"{plan}/goals/{goals['short']}"
    cases: list[tuple[str, str, str, Any, int, str]] = [
        # (who, method, path, body, status, a word the reason must contain)
        ("coordinator", "POST", f"{base}/logs", log_body(), 404, "relationship"),
        (
            "mentee",
            "POST",
            f"{base}/logs",
            log_body(challenges="x" * (LONG_TEXT + 1)),
            422,
            "challenges",
        ),
        ("mentee", "POST", f"{base}/logs", log_body(topics=["t"] * 21), 422, "topics"),
        ("mentee", "POST", f"{base}/logs", {"met_on": str(TODAY)}, 422, "at least one"),
        (
            "mentee",
            "POST",
            f"{base}/logs",
            log_body(met_on=str(TODAY + timedelta(days=5))),
            422,
            "future",
        ),
        ("mentee", "POST", f"{base}/logs", log_body(next_meeting_on=str(TODAY)), 422, "after"),
        (
            "mentee",
            "POST",
            f"{base}/logs",
            log_body(steps=[{"step": "s", "owner": "boss"}]),
            422,
            "owner",
        ),
        (
            "mentee",
            "PUT",
            f"{base}/logs/{mentee_log['id']}",
            log_body(next_topic="x" * 5000),
            422,
            "next_topic",
        ),
        ("mentee", "POST", f"{plan}/grow", grow_body(commitment=0), 422, "commitment"),
        ("mentor", "POST", f"{plan}/grow", grow_body(commitment=11), 422, "commitment"),
        (
            "mentee",
            "POST",
            f"{plan}/grow",
            grow_body(goal_id="goal:rel_0:09"),
            422,
            "goal_id",
        ),
        ("mentee", "POST", f"{short}/oskar", {"scale": 11}, 422, "scale"),
        ("mentee", "POST", f"{short}/oskar", {"scale": -1}, 422, "scale"),
        ("mentee", "POST", f"{short}/achieved", None, 409, "already"),
        (
            "mentee",
            "POST",
            f"{plan}/goals",
            {"term": "short", "text": "no priority"},
            422,
            "priority",
        ),
        ("mentee", "POST", f"{plan}/goals", {"term": "long", "text": "x" * 501}, 422, "text"),
        ("mentee", "PATCH", plan, {"completes_on": str(TODAY - timedelta(days=1))}, 422, "before"),
        ("mentee", "PATCH", plan, {"to_learn": "x" * 2001}, 422, "to_learn"),
        ("mentee", "PATCH", plan, {}, 422, "at least one"),
        (
            "mentee",
            "POST",
            f"{base}/logs",
            log_body(meeting_id="meeting:rel_0a0b0c0d:0000000001"),
            422,
            "meeting_id",
        ),
        (
            "mentee",
            "POST",
            f"{plan}/goals/goal:rel_0:09/oskar",
            {"scale": 4},
            404,
            "goal",
        ),
    ]
    for who, method, path, body, status, reason in cases:
        refused = scene.call(who, method, path, body)
        assert refused.status_code == status, f"{method} {path} {body!r:.80}: {refused.text}"
        assert reason in refused.text, refused.text
    assert logs_of(scene, base) == logs_before
    assert plan_of(scene, base) == plan_before


def test_an_ended_relationship_takes_no_new_log_or_plan_entry(scene: Scene) -> None:
    other = f"/relationships/{scene.start_relationship(scene.other_programme)}"
    ended = scene.call("mentor", "POST", f"{other}/end", {"reason": "programme_ended"})
    assert ended.status_code == 200, ended.text
    refused = scene.call("mentee", "POST", f"{other}/logs", log_body())
    assert refused.status_code == 409 and "ended" in refused.text, refused.text
    goal = scene.call("mentee", "POST", f"{other}/action-plan/goals", {"term": "long", "text": "g"})
    assert goal.status_code == 409, goal.text
    assert logs_of(scene, other) == []
    assert plan_of(scene, other)["goals"] == []


# --- what leaves the service -----------------------------------------------------------------


def test_events_say_that_and_when_but_never_what_was_written(
    world: World, scene: Scene, goals: dict[str, str]
) -> None:
    rel = scene.relationship

    def done(found: list[dict[str, Any]]) -> bool:
        return (
            len(of_type(found, "goal.achieved", rel)) >= 1
            and len(of_type(found, "action_plan.oskar_scaled", rel)) >= 4
            and len(of_type(found, "action_plan.commitment_rated", rel)) >= 2
            and len(of_type(found, "meeting_log.written", rel)) >= 3
        )

    events, raw = relationship_events(world, {rel}, done)
    achieved = of_type(events, "goal.achieved", rel)
    assert len(achieved) == 1, achieved
    assert achieved[0]["data"]["goal_id"] == goals["short"]
    assert achieved[0]["data"]["term"] == "short"
    assert achieved[0]["audience"] == "network"
    short = [
        e["data"]["scale"]
        for e in of_type(events, "action_plan.oskar_scaled", rel)
        if e["data"]["goal_id"] == goals["short"]
    ]
    assert short == [3, 5, 8]
    ratings = [e["data"]["rating"] for e in of_type(events, "action_plan.commitment_rated", rel)]
    assert ratings == [6, 9]
    # Two logs written and one changed; nothing about the refused attempts.
    assert len(of_type(events, "meeting_log.written", rel)) == 3
    leaked = [
        (name, text) for name, text in MARK.items() for record in raw if text.encode() in record
    ]
    assert not leaked, f"written text on the sessions topic: {leaked}"
    assert not [r for r in raw if b"overwritten by an outsider" in r or b"outsider's" in r]


# --- erasure (last: the mentee is gone afterwards) ----------------------------------------------


def test_erasing_the_mentee_removes_what_they_wrote_and_keeps_the_mentors_records(
    world: World, scene: Scene, base: str, goals: dict[str, str], mentee_log: dict[str, Any]
) -> None:
    mentee = scene.ids["mentee"]
    erased = MemberErased(member_id=mentee, organisation_id=scene.b.id, erased_at=datetime.now(UTC))
    publish(world, new_event(erased, organisation=scene.b.id, subject=mentee))

    def gone() -> bool:
        """the mentee's log and their plan entries are gone (logs go first, then plans)"""
        log = scene.call("mentor", "GET", f"{base}/logs/{mentee_log['id']}")
        return (
            log.status_code == 404
            and "to_learn" not in plan_of(scene, base, "mentor")["written_by"]
        )

    eventually(gone, timeout=30)
    logs = logs_of(scene, base, "mentor")
    assert [g["author_side"] for g in logs] == ["mentor"]
    assert logs[0]["topics"] == [MARK["mentor_log"]]
    assert logs[0]["written_with"] == [FORMER_MEMBER]
    plan = plan_of(scene, base, "coordinator")
    # The mentee's sheet fields, goal (with its readings) and GROW note are gone ...
    assert plan["written_by"] == {
        "success_criteria": scene.ids["mentor"],
        "completes_on": scene.ids["mentor"],
    }
    assert plan["to_learn"] == "" and plan["milestones"] == [] and plan["starts_on"] is None
    assert [g["id"] for g in plan["goals"]] == [goals["long"]]
    assert [n["goal"] for n in plan["grow"]] == [MARK["mentor_grow"]]
    # ... the mentor's goal stays, with the mentee shown as a former member.
    long = plan["goals"][0]
    assert long["written_by"] == scene.ids["mentor"]
    assert long["edited_by"] == FORMER_MEMBER
    assert [(r["scale"], r["recorded_by"]) for r in long["oskar"]] == [(2, scene.ids["mentor"])]
    short = f"{base}/action-plan/goals/{goals['short']}/oskar"
    assert scene.call("mentor", "GET", short).status_code == 404
    # And no document of a log or plan in the network database names the mentee any more.
    mongo: MongoClient[dict[str, Any]] = MongoClient(world.env["MENTORNET_MONGO_URL"])
    with mongo:
        network = mongo[f"{world.env['MENTORNET_DB_PREFIX']}_sessions_network"]
        for collection in (
            "meeting_logs",
            "action_plans",
            "plan_goals",
            "oskar_readings",
            "grow_notes",
        ):
            for document in network[collection].find({"relationship_id": scene.relationship}):
                document.pop("_outbox", None)
                assert mentee not in json.dumps(document, default=str), (collection, document)
