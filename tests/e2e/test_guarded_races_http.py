"""Twenty requests at once through the running sessions service (real tokens, real FerretDB,
real Kafka) for each guarded change a party can make: exactly one effect, exactly one event.

The stores' races are also tested one level down (tests/integration/test_guarded_races.py);
here the requests go through HTTP, the way two browsers or a double-click send them.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import World
from tests.e2e.sessions_scene import Scene, build_scene
from tests.e2e.test_relationships import terms
from tests.e2e.topic_records import of_type, relationship_events

RACERS = 20


@pytest.fixture(scope="module")
def scene(world: World) -> Scene:
    return build_scene(world, "races")


def at_once(scene: Scene, calls: list[tuple[str, str, str, Any]]) -> list[httpx.Response]:
    """Send every (who, method, path, body) call at the same time; the responses in order."""
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(lambda call: scene.call(*call), calls))


def statuses(responses: list[httpx.Response]) -> list[int]:
    for r in responses:
        assert r.status_code in (200, 201, 409), r.text  # a rule's refusal, never a 500
    return sorted(r.status_code for r in responses)


def test_twenty_signatures_at_once_put_the_agreement_in_force_once(scene: Scene) -> None:
    rel = scene.start_relationship(scene.programme)
    base = f"/relationships/{rel}/agreement"
    drafted = scene.call("mentor", "PUT", base, terms())
    assert drafted.status_code == 200, drafted.text
    signers = ["mentor", "mentee"] * (RACERS // 2)
    responses = at_once(
        scene, [(who, "POST", f"{base}/signatures", {"version": 1}) for who in signers]
    )
    assert statuses(responses) == [200] * 2 + [409] * (RACERS - 2)
    agreement = scene.call("mentee", "GET", base).json()
    assert agreement["in_force"] and len(agreement["signatures"]) == 2
    events, _ = relationship_events(
        scene.world, {rel}, lambda found: bool(of_type(found, "agreement.signed", rel))
    )
    assert len(of_type(events, "agreement.signed", rel)) == 1


def test_twenty_parties_holding_one_meeting_at_once_hold_it_once(scene: Scene) -> None:
    rel = scene.start_relationship(scene.programme)
    base = f"/relationships/{rel}/meetings"
    now = datetime.now(UTC).replace(microsecond=0)
    soon = {"starts_at": (now + timedelta(minutes=5)).isoformat(), "minutes": 45, "method": "video"}
    planned = scene.call("mentee", "POST", base, soon)
    assert planned.status_code == 201, planned.text
    meeting = planned.json()["id"]
    held = {"starts_at": (now - timedelta(minutes=50)).isoformat(), "minutes": 50}
    holders = ["mentor", "mentee"] * (RACERS // 2)
    responses = at_once(scene, [(who, "POST", f"{base}/{meeting}/held", held) for who in holders])
    assert statuses(responses) == [200] + [409] * (RACERS - 1)
    events, _ = relationship_events(
        scene.world, {rel}, lambda found: bool(of_type(found, "meeting.held", rel))
    )
    assert [e["data"]["meeting_id"] for e in of_type(events, "meeting.held", rel)] == [meeting]


def test_twenty_parties_achieving_one_goal_at_once_achieve_it_once(scene: Scene) -> None:
    rel = scene.start_relationship(scene.programme)
    plan = f"/relationships/{rel}/action-plan"
    goal = scene.call("mentor", "POST", f"{plan}/goals", {"term": "long", "text": "lead a team"})
    assert goal.status_code == 201, goal.text
    path = f"{plan}/goals/{goal.json()['id']}/achieved"
    achievers = ["mentor", "mentee"] * (RACERS // 2)
    responses = at_once(scene, [(who, "POST", path, None) for who in achievers])
    assert statuses(responses) == [200] + [409] * (RACERS - 1)
    events, _ = relationship_events(
        scene.world, {rel}, lambda found: bool(of_type(found, "goal.achieved", rel))
    )
    assert len(of_type(events, "goal.achieved", rel)) == 1
