"""End to end: two instances of every service are correct together.

Beside the world's five services, a second instance of each runs with the same settings
(databases, topics, consumer groups). Then: each consumer group has both instances as members,
each owning partitions; a message posted through one sessions instance reaches a stream open on
the other; both evaluation instances draw the same figures within a second of the last event
being counted (whichever instance folded it); and nothing one instance has cached lets it
accept a write the owner's stored record refuses — a relationship ended on the other
instance, or a programme's terms changed since.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.coordinator.protocol import ConsumerProtocolMemberAssignment
from aiokafka.structs import TopicPartition

from deploy.localnet.identity import bearer
from services.sessions.adapters.message_notifier import POLL_SECONDS
from services.sessions.domain.relationships import relationship_id
from shared.contracts.sessions import MeetingHeld
from shared.events.catalogue import new_event
from shared.events.envelope import Audience, Envelope
from shared.kafka.security import kafka_client_options
from tests.e2e.conftest import World
from tests.e2e.consumed import wait_consumed
from tests.e2e.sessions_scene import Scene, build_scene, programme_published
from tests.e2e.test_candidate_pool import member_id_of, new_member_id, publish
from tests.e2e.test_messages import post_async, streaming
from tests.unit.outcome_story import enrolment, one_to_one_programme, proposed_and_accepted

PAIRS = 6  # relationships in the figures' programme: enough to pass suppression
SAME_FIGURES_SECONDS = 1.0
Assignment = dict[str, list[TopicPartition]]  # member id -> partitions it owns


@pytest.fixture(scope="module")
def twin(second_instances: World) -> World:
    return second_instances


@pytest.fixture(scope="module")
def scene(world: World, twin: World) -> Scene:
    return build_scene(world, "twin")


# Every consumer group: the four services that consume (the registry only publishes), and
# the notifications service's group reading e-mail addresses (decision 23).
GROUPS = ("matching", "sessions", "evaluation", "notifications", "notifications.contacts")


def group_assignment(world: World, group_name: str) -> tuple[str, Assignment]:
    """The state of a consumer group and what each member owns, from the broker."""
    group = f"{world.env['MENTORNET_TOPIC_PREFIX']}.{group_name}"

    async def describe() -> tuple[str, Assignment]:
        admin = AIOKafkaAdminClient(
            bootstrap_servers=world.env["MENTORNET_KAFKA_BOOTSTRAP"], **kafka_client_options()
        )
        await admin.start()
        try:
            [response] = await admin.describe_consumer_groups([group])
        finally:
            await admin.close()
        [described] = response.to_object()["groups"]
        owned: Assignment = {}
        for member in described["members"]:
            raw = member["member_assignment"]
            decoded = ConsumerProtocolMemberAssignment.decode(raw) if raw else None
            owned[member["member_id"]] = decoded.partitions() if decoded else []
        return str(described["state"]), owned

    return asyncio.run(describe())


def shared_between_two(world: World, group: str, timeout: float = 60) -> Assignment:
    """`group` once it is stable with two members each owning partitions."""
    deadline = time.monotonic() + timeout
    while True:
        state, owned = group_assignment(world, group)
        if state == "Stable" and len(owned) == 2 and all(owned.values()):
            return owned
        if time.monotonic() > deadline:
            pytest.fail(f"{group}'s group after {timeout:.0f} s: {state} {owned}")
        time.sleep(0.5)


def test_every_consumer_group_shares_its_partitions_between_both_instances(
    world: World, twin: World
) -> None:
    for group in GROUPS:
        owned = shared_between_two(world, group)
        first, second = (set(parts) for parts in owned.values())
        assert first and second and not first & second, (group, owned)
        # Each member owns part of every topic the group reads (6 partitions each).
        for topic in {tp.topic for tp in first | second}:
            assert any(tp.topic == topic for tp in first), (group, topic, owned)
            assert any(tp.topic == topic for tp in second), (group, topic, owned)
    # Both registry instances serve; it reads no topic, so it has no group to share.
    for registry in (world.url("registry"), twin.url("registry")):
        assert httpx.get(f"{registry}/readyz", timeout=5).status_code == 200


def test_a_message_posted_on_one_instance_reaches_a_listener_on_the_other(
    scene: Scene, twin: World
) -> None:
    base = f"/relationships/{scene.relationship}"
    second = twin.url("sessions")

    async def across() -> tuple[dict[str, Any], dict[str, Any], float]:
        async with streaming(scene, "mentee", base, url=second) as reader:
            started = time.monotonic()
            sent = await post_async(scene, "mentor", base, "from-the-first")
            return sent, await reader.next_message(POLL_SECONDS + 3), time.monotonic() - started

    sent, received, seconds = asyncio.run(across())
    assert received == sent and seconds <= POLL_SECONDS + 1.5, seconds


# --- evaluation: the same figures from both ------------------------------------------


def _network(data: Any, subject: str) -> Envelope:
    return new_event(data, organisation=None, subject=subject, audience=Audience.NETWORK)


def network_figures(url: str, world: World, programme: str) -> list[dict[str, Any]]:
    answer = httpx.get(
        f"{url}/network/figures?programme_id={programme}",
        headers=bearer(world.coordinator),
        timeout=15,
    )
    assert answer.status_code == 200, answer.text
    body: list[dict[str, Any]] = answer.json()
    return body


def started_and_held(figures: list[dict[str, Any]]) -> tuple[Any, Any]:
    """The programme's relationships started and meetings held, in total."""
    tables = {t["id"]: t for t in figures}

    def total(table: str, column: str) -> Any:
        t = tables[table]
        return t["total"]["cells"][t["columns"].index(column)]["value"] if t["total"] else None

    return total("relationships", "started"), total("meeting_cadence", "meetings_held")


def test_both_evaluation_instances_draw_the_same_figures_within_a_second(
    world: World, twin: World
) -> None:
    a, b = world.a.id, world.b.id
    programme = f"prg_{secrets.token_hex(6)}"
    coordinator = member_id_of(world, world.a.member)
    instances = [world.url("evaluation"), twin.url("evaluation")]
    # Both instances hold the records in memory before the events come.
    for url in instances:
        network_figures(url, world, programme)

    mentees = [new_member_id() for _ in range(PAIRS)]
    mentors = [new_member_id() for _ in range(PAIRS)]
    registry = [
        new_event(
            one_to_one_programme(programme, [a, b], [coordinator]),
            organisation=a,
            subject=programme,
            audience=Audience.NETWORK,
        )
    ]
    for organisation, role, people in ((a, "mentee", mentees), (b, "mentor", mentors)):
        registry += [
            new_event(data, organisation=organisation, subject=person)
            for person in people
            for data in enrolment(programme, person, organisation, role)
        ]
    publish(world, *registry, source="registry")
    matching, sessions = [], []
    accepted_at = datetime.now(UTC) - timedelta(days=10)  # the meetings fall after it
    for mentee, mentor in zip(mentees, mentors, strict=True):
        # Keyed by proposal: the pairs land on different partitions, so both instances fold.
        proposal = f"prp_{secrets.token_hex(8)}"
        proposed, accepted = proposed_and_accepted(
            proposal, programme, (mentee, a), (mentor, b), score=0.8, accepted_at=accepted_at
        )
        matching += [_network(proposed, proposal), _network(accepted, proposal)]
        rel = relationship_id(proposal)
        held = MeetingHeld(
            meeting_id=f"mtg_{secrets.token_hex(8)}",
            relationship_id=rel,
            programme_id=programme,
            held_at=datetime.now(UTC) - timedelta(days=1),
            minutes=50,
            method="video",
        )
        sessions.append(_network(held, rel))
    publish(world, *matching, source="matching")
    publish(world, *sessions, source="sessions")

    # Poll the instances in turn until one counts every event; then poll the other until it
    # gives the same figures, failing if a request sent more than the bound later still
    # does not (whichever instance folded an event, both draw from it once either does).
    deadline = time.monotonic() + 60
    turn = 0
    complete: list[dict[str, Any]] | None = None
    while complete is None:
        answer = network_figures(instances[turn % 2], world, programme)
        if started_and_held(answer) == (PAIRS, PAIRS):
            complete = answer
            break
        if time.monotonic() > deadline:
            pytest.fail(f"not every event counted after 60 s: {started_and_held(answer)}")
        turn += 1
        time.sleep(0.05)
    counted_at = time.monotonic()
    other = instances[(turn + 1) % 2]
    while True:
        asked_at = time.monotonic()
        from_other = network_figures(other, world, programme)
        if from_other == complete:
            break
        if asked_at - counted_at > SAME_FIGURES_SECONDS:
            pytest.fail(
                f"one instance counted every event; the other, asked "
                f"{asked_at - counted_at:.2f} s later, still said {started_and_held(from_other)}"
            )
        time.sleep(0.05)


# --- sessions: no cached copy allows a write -----------------------------------------


def call_at(scene: Scene, url: str, who: str, method: str, path: str, body: Any = None) -> Any:
    """`who` calls the sessions instance at `url`."""
    with httpx.Client(headers=bearer(scene.tokens[who]), timeout=15) as http:
        return http.request(method, f"{url}{path}", json=body)


def meeting(minutes: int) -> dict[str, Any]:
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=7)
    return {"starts_at": starts.isoformat(), "minutes": minutes, "method": "video"}


def test_a_relationship_ended_on_one_instance_takes_no_write_on_the_other(
    scene: Scene, twin: World
) -> None:
    first, second = scene.world.url("sessions"), twin.url("sessions")
    rel = scene.start_relationship(scene.programme, mentor="colleague of the mentor")
    base = f"/relationships/{rel}"
    # The second instance has just read the relationship as active (its 5 s copy), and
    # took a write into it.
    seen = call_at(scene, second, "mentee", "GET", base)
    assert seen.status_code == 200 and seen.json()["status"] == "active", seen.text
    posted = call_at(scene, second, "mentee", "POST", f"{base}/messages", {"text": "hello"})
    assert posted.status_code == 201, posted.text

    ended = call_at(
        scene, first, "colleague of the mentor", "POST", f"{base}/end", {"reason": "other"}
    )
    assert ended.status_code == 200, ended.text

    # At once, on the second instance: every kind of write is refused as the stored record
    # says (ended: 409), whatever its copy of a moment ago says.
    writes = [
        ("POST", f"{base}/messages", {"text": "too late"}),
        ("POST", f"{base}/meetings", meeting(60)),
        ("POST", f"{base}/logs", {"met_on": str(datetime.now(UTC).date()), "topics": ["x"]}),
        ("POST", f"{base}/action-plan/goals", {"term": "long", "text": "too late"}),
    ]
    for method, path, body in writes:
        refused = call_at(scene, second, "mentee", method, path, body)
        assert refused.status_code == 409, (path, refused.status_code, refused.text)


def test_a_programmes_changed_terms_hold_on_both_instances_at_once(
    world: World, scene: Scene, twin: World
) -> None:
    """Meeting-length bounds come from the programme's terms; once sessions has handled the
    change (its group committed past it, whichever instance did), both instances apply the new
    terms to the next write."""
    second = twin.url("sessions")
    base = f"/relationships/{scene.relationship}"
    accepted = call_at(scene, second, "mentee", "POST", f"{base}/meetings", meeting(100))
    assert accepted.status_code == 201, accepted.text

    coordinator = scene.member_id("coordinator")
    positions = publish(
        world,
        programme_published(
            scene.programme, [scene.b.id, scene.a.id], [coordinator], max_minutes=60
        ),
    )
    wait_consumed(world, "sessions", positions)
    for url in (world.url("sessions"), second):
        refused = call_at(scene, url, "mentee", "POST", f"{base}/meetings", meeting(100))
        assert refused.status_code == 422, (url, refused.status_code, refused.text)
        assert (
            call_at(scene, url, "mentee", "POST", f"{base}/meetings", meeting(60)).status_code
            == 201
        )
