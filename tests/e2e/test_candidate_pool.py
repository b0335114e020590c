"""End to end: matching builds each programme's candidate pool from the registry's events alone.

The registry's events are produced here, as the registry would publish them: real envelopes
(`new_event`) on the real registry topic, keyed by organisation. The pool is read through
matching's HTTP API with real network tokens from the partners' own sign-in.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from shared.contracts import member_keys
from shared.contracts.member_keys import MemberKey
from shared.contracts.registry import (
    AvailabilityWindow,
    MemberEnrolled,
    MemberErased,
    MemberProfile,
    MemberProfileUpdated,
    MemberReadinessChanged,
    ProgrammePublished,
    ProgrammeStatusChanged,
)
from shared.events.catalogue import new_event
from shared.events.envelope import Envelope
from shared.events.keyed_state import KeyedState
from shared.events.sealing import key_text, new_data_key
from shared.events.topics import domain_topic, member_keys_topic
from shared.kafka.security import kafka_client_options
from tests.e2e.conftest import World
from tests.e2e.consumed import Positions, past
from tests.e2e.test_first_flow import eventually

NOT_CONSENTING = "not consenting to share across organisations"
NOT_TRAINED = "mentor training not complete"


def publish(world: World, *envelopes: Envelope, source: str = "registry") -> Positions:
    """Send envelopes onto a service's topic (the registry's unless said), in order, keyed as
    the outbox keys them (by organisation, else by subject); where they landed, for
    `wait_consumed` (tests/e2e/consumed.py)."""
    topic = domain_topic(world.env["MENTORNET_TOPIC_PREFIX"], source)

    async def send() -> Positions:
        producer = AIOKafkaProducer(
            bootstrap_servers=world.env["MENTORNET_KAFKA_BOOTSTRAP"],
            **kafka_client_options(),
            acks="all",
            enable_idempotence=True,
        )
        await producer.start()
        try:
            # A profile's data key goes onto the keys topic first, as the registry's would.
            keys = member_keys_topic(world.env["MENTORNET_TOPIC_PREFIX"])
            for envelope in envelopes:
                if envelope.type == MemberProfileUpdated.event_type:
                    record = data_key_record(envelope)
                    await producer.send_and_wait(keys, record.value, key=record.key.encode())
            sent = [
                await producer.send_and_wait(topic, envelope.to_bytes(), key=envelope.key)
                for envelope in envelopes
            ]
        finally:
            await producer.stop()
        return past((r.topic, r.partition, r.offset) for r in sent)

    return asyncio.run(send())


def new_member_id() -> str:
    return f"mem_{secrets.token_hex(8)}"


def member_id_of(world: World, tokens: dict[str, Any]) -> str:
    """A signed-in person's member id, as the registry knows them."""
    with world.reader(tokens) as http:
        me = http.get(f"{world.url('registry')}/me")
        assert me.status_code == 200, me.text
        return str(me.json()["id"])


# The data key of each member this module makes up (the registry makes real members' keys).
DATA_KEYS: dict[str, bytes] = {}


def data_key_record(envelope: Envelope) -> KeyedState:
    """The keys topic's record of the data key a made-up profile event is sealed under."""
    member, organisation = envelope.data["member_id"], envelope.data["organisation_id"]
    return member_keys.published(
        MemberKey(
            member_id=member,
            organisation_id=organisation,
            key=key_text(DATA_KEYS[member]),
            created_at=datetime.now(UTC),
        )
    )


def profile(
    member: str, organisation: str, name: str, *, consent: bool, capacity: int = 0
) -> Envelope:
    announced = MemberProfile(
        display_name=name,
        skills=["service design", "budgeting"],
        development_goals=["lead a team through change"],
        sector="health",
        job_level="senior",
        time_zone="Europe/London",
        languages=["en"],
        availability=[AvailabilityWindow(day="tue", start="09:00", end="11:30")],
        meeting_modes=["video", "telephone"],
        mentor_capacity=capacity,
        share_across_organisations=consent,
    )
    key = DATA_KEYS.setdefault(member, new_data_key())
    data = MemberProfileUpdated.of(member, organisation, announced, key)
    return new_event(data, organisation=organisation, subject=member)


def readiness(member: str, organisation: str, *, mentor: bool, mentee: bool) -> Envelope:
    data = MemberReadinessChanged(
        member_id=member,
        organisation_id=organisation,
        ready_as_mentor=mentor,
        ready_as_mentee=mentee,
    )
    return new_event(data, organisation=organisation, subject=member)


def enrolled(programme: str, member: str, organisation: str, role: str) -> Envelope:
    data = MemberEnrolled(
        programme_id=programme, member_id=member, organisation_id=organisation, role=role
    )
    return new_event(data, organisation=organisation, subject=member)


def published(
    programme: str, owner: str, organisations: list[str], coordinators: list[str]
) -> Envelope:
    data = ProgrammePublished(
        programme_id=programme,
        owner_organisation_id=owner,
        organisations=organisations,
        coordinators=coordinators,
        model="group",
        starts_on=date(2027, 1, 11),
        ends_on=date(2027, 12, 17),
        meeting_every_days=28,
        min_meeting_minutes=45,
        max_meeting_minutes=90,
        max_mentees_per_mentor=2,
        require_different_sectors=False,
        self_match=False,
    )
    return new_event(data, organisation=owner, subject=programme)


@dataclass
class Person:
    """An enrolled member and the events that made them so (kept for redelivery)."""

    id: str
    organisation: str
    role: str
    events: list[Envelope] = field(default_factory=list)


@dataclass
class Scenario:
    """A cross-organisation programme of A and B, and a single-organisation one of A."""

    programme: str
    single: str
    coordinator: str
    published: Envelope
    people: dict[str, Person]


def enrol(programme: str, person: Person, *events: Envelope) -> Person:
    person.events = [*events, enrolled(programme, person.id, person.organisation, person.role)]
    return person


@pytest.fixture(scope="module")
def scenario(world: World) -> Scenario:
    a, b = world.a.id, world.b.id
    programme, single = f"prg_{secrets.token_hex(6)}", f"prg_{secrets.token_hex(6)}"
    coordinator = member_id_of(world, world.a.admin)
    p = Person
    people: dict[str, Person] = {}

    def add(key: str, person: Person, *events: Envelope) -> None:
        people[key] = enrol(programme, person, *events)

    m = new_member_id()
    add(
        "a_mentor",
        p(m, a, "mentor"),
        profile(m, a, "Aroha Mentor", consent=True, capacity=3),
        readiness(m, a, mentor=True, mentee=False),
    )
    m = member_id_of(world, world.a.member)
    add(
        "a_mentee",
        p(m, a, "mentee"),
        profile(m, a, "Ana Mentee", consent=True),
        readiness(m, a, mentor=False, mentee=True),
    )
    m = new_member_id()
    add(
        "a_private",
        p(m, a, "mentee"),
        profile(m, a, "Ari Private", consent=False),
        readiness(m, a, mentor=False, mentee=True),
    )
    add("a_no_profile", p(new_member_id(), a, "mentee"))
    m = member_id_of(world, world.b.member)
    add(
        "b_private",
        p(m, b, "mentee"),
        profile(m, b, "Bea Private", consent=False),
        readiness(m, b, mentor=False, mentee=True),
    )
    m = new_member_id()
    add(
        "b_untrained",
        p(m, b, "mentor"),
        profile(m, b, "Bo Untrained", consent=True, capacity=2),
        readiness(m, b, mentor=False, mentee=True),
    )
    # Members the mutating tests change, so that each test stands on its own.
    m = new_member_id()
    add(
        "b_changer",
        p(m, b, "mentee"),
        profile(m, b, "Ben Changer", consent=False),
        readiness(m, b, mentor=False, mentee=True),
    )
    m = new_member_id()
    add(
        "a_erased",
        p(m, a, "mentor"),
        profile(m, a, "Eru Erased", consent=True, capacity=1),
        readiness(m, a, mentor=True, mentee=False),
    )
    m = new_member_id()
    add(
        "b_redelivered",
        p(m, b, "mentee"),
        profile(m, b, "Rua First", consent=True),
        readiness(m, b, mentor=False, mentee=True),
    )
    announced = published(programme, a, [a, b], [coordinator])
    # Enrolments are published before the programme on purpose: B's events travel on another
    # partition than A's, so matching must cope with either order.
    publish(world, *[e for person in people.values() for e in person.events])
    publish(
        world,
        announced,
        published(single, a, [a], [coordinator]),
        enrolled(single, people["a_private"].id, a, "mentee"),
    )
    return Scenario(programme, single, coordinator, announced, people)


def pool(world: World, programme: str, *, excluded: bool = False) -> dict[str, Any]:
    """The pool as the programme's co-ordinator (A's admin) sees it."""
    with world.reader(world.a.admin) as http:
        response = http.get(
            f"{world.url('matching')}/programmes/{programme}/candidate-pool",
            params={"include_excluded": str(excluded).lower()},
        )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def by_id(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["member_id"]: c for c in body["candidates"]}


def wait_for(world: World, programme: str, check: Any, what: str, timeout: float = 20) -> float:
    """Poll the full pool until `check(candidates by id)` holds; returns the seconds it took."""
    started = time.monotonic()

    def holds() -> bool:
        with world.reader(world.a.admin) as http:
            response = http.get(
                f"{world.url('matching')}/programmes/{programme}/candidate-pool",
                params={"include_excluded": "true"},
            )
        return response.status_code == 200 and bool(check(by_id(response.json())))

    holds.__doc__ = what
    eventually(holds, timeout)
    return time.monotonic() - started


def settled(world: World, scenario: Scenario, *organisations: str) -> None:
    """Enrol a fresh marker member per organisation, keyed like the events before it, and
    wait until matching shows it: everything published before on those partitions is handled."""
    markers = [Person(new_member_id(), org, "mentee") for org in organisations]
    publish(world, *[enrolled(scenario.programme, m.id, m.organisation, m.role) for m in markers])
    wait_for(
        world,
        scenario.programme,
        lambda c: all(m.id in c for m in markers),
        "matching handled the marker enrolments",
    )


def test_the_pool_is_the_ready_consenting_members_with_capacity(
    world: World, scenario: Scenario
) -> None:
    people = scenario.people
    baseline = {k: people[k].id for k in ("a_mentor", "a_mentee", "a_private", "a_no_profile")}
    baseline |= {k: people[k].id for k in ("b_private", "b_untrained")}
    wait_for(
        world,
        scenario.programme,
        lambda c: set(baseline.values()) <= set(c) and c[baseline["a_mentor"]]["eligible"],
        "every enrolment and profile reached matching",
    )
    body = pool(world, scenario.programme)
    assert body["programme_id"] == scenario.programme
    assert body["crosses_organisations"] is True
    assert body["organisations"] == [world.a.id, world.b.id]
    assert body["status"] == "open"
    eligible = by_id(body)
    assert all(c["eligible"] and c["exclusions"] == [] for c in eligible.values())
    assert baseline["a_mentor"] in eligible and baseline["a_mentee"] in eligible
    for key in ("a_private", "a_no_profile", "b_private", "b_untrained"):
        assert baseline[key] not in eligible, key

    mentor = eligible[baseline["a_mentor"]]
    assert mentor == {
        "member_id": baseline["a_mentor"],
        "organisation_id": world.a.id,
        "role": "mentor",
        "eligible": True,
        "exclusions": [],
        "display_name": "Aroha Mentor",
        "skills": ["service design", "budgeting"],
        "sector": "health",
        "languages": ["en"],
        "meeting_modes": ["video", "telephone"],
        "availability": [{"day": "tue", "start": "09:00", "end": "11:30"}],
        "capacity": 2,  # their own 3, capped by the programme's 2 mentees per mentor
        "readiness": {"ready_as_mentor": True, "ready_as_mentee": False},
    }
    mentee = eligible[baseline["a_mentee"]]
    assert mentee["role"] == "mentee" and mentee["capacity"] is None

    everyone = by_id(pool(world, scenario.programme, excluded=True))
    assert everyone[baseline["a_private"]]["exclusions"] == [NOT_CONSENTING]
    # A's own member: A's co-ordinator may see the profile even though it stays inside A.
    assert everyone[baseline["a_private"]]["display_name"] == "Ari Private"
    assert everyone[baseline["a_no_profile"]]["exclusions"] == [
        "no profile yet",
        "mentee induction not complete",
    ]
    # B's member who keeps their profile inside B: the reason, and nothing of the profile.
    private = everyone[baseline["b_private"]]
    assert private["exclusions"] == [NOT_CONSENTING]
    assert private["display_name"] is None and private["skills"] == []
    assert private["readiness"] is None
    untrained = everyone[baseline["b_untrained"]]
    assert untrained["exclusions"] == [NOT_TRAINED]
    assert untrained["display_name"] == "Bo Untrained"

    # In A's own programme nobody crosses a border, so consent is not needed.
    def single_has_private() -> bool:
        """A's single-organisation programme has its member"""
        with world.reader(world.a.admin) as http:
            url = f"{world.url('matching')}/programmes/{scenario.single}/candidate-pool"
            response = http.get(url)
        return response.status_code == 200 and baseline["a_private"] in by_id(response.json())

    eventually(single_has_private)
    single = pool(world, scenario.single)
    assert single["crosses_organisations"] is False
    assert by_id(single)[baseline["a_private"]]["eligible"] is True


def test_only_the_programmes_coordinators_see_it_and_others_learn_nothing(
    world: World, scenario: Scenario
) -> None:
    matching = world.url("matching")
    url = f"{matching}/programmes/{scenario.programme}/candidate-pool"
    eventually(lambda: httpx.get(url, headers=_auth(world.a.admin)).status_code == 200)
    unknown = f"{matching}/programmes/prg_000000000000/candidate-pool"
    for who, tokens in {
        "B's admin": world.b.admin,
        "B's member": world.b.member,
        "A's member (not a co-ordinator)": world.a.member,
        "the network co-ordinator": world.coordinator,
    }.items():
        refused = httpx.get(url, headers=_auth(tokens), params={"include_excluded": "true"})
        assert refused.status_code == 404, who
        assert refused.json()["error"] == "not_found"
        assert scenario.programme in refused.json()["detail"]
        # The same answer as for a programme that does not exist.
        missing = httpx.get(unknown, headers=_auth(tokens))
        assert missing.status_code == 404
        assert (
            missing.json()["detail"].replace("prg_000000000000", scenario.programme)
            == (refused.json()["detail"])
        )
        assert world.b.id not in refused.text and "Bea" not in refused.text
    assert httpx.get(url).status_code == 401
    odd = httpx.get(f"{matching}/programmes/..%2Fx/candidate-pool", headers=_auth(world.a.admin))
    assert odd.status_code == 404


def _auth(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def test_a_profile_or_readiness_change_reaches_the_pool_within_seconds(
    world: World, scenario: Scenario
) -> None:
    changer = scenario.people["b_changer"]
    untrained = scenario.people["b_untrained"]
    wait_for(
        world,
        scenario.programme,
        lambda c: c.get(changer.id, {}).get("exclusions") == [NOT_CONSENTING],
        "the changer is left out for not consenting",
    )
    publish(world, profile(changer.id, world.b.id, "Ben Changer", consent=True))
    took = wait_for(
        world,
        scenario.programme,
        lambda c: c[changer.id]["eligible"],
        "consent reached the pool",
        timeout=10,
    )
    assert by_id(pool(world, scenario.programme))[changer.id]["display_name"] == "Ben Changer"
    print(f"\nprofile change reached the pool in {took:.2f}s")

    publish(world, readiness(untrained.id, world.b.id, mentor=True, mentee=True))
    wait_for(
        world,
        scenario.programme,
        lambda c: c[untrained.id]["eligible"] and c[untrained.id]["capacity"] == 2,
        "mentor training reached the pool",
        timeout=10,
    )


def test_an_erasure_reaches_the_pool_within_seconds_and_nothing_brings_it_back(
    world: World, scenario: Scenario
) -> None:
    erased = scenario.people["a_erased"]
    wait_for(
        world,
        scenario.programme,
        lambda c: c.get(erased.id, {}).get("eligible") is True,
        "the member is in the pool",
    )
    erasure = MemberErased(
        member_id=erased.id, organisation_id=world.a.id, erased_at=datetime.now(UTC)
    )
    publish(world, new_event(erasure, organisation=world.a.id, subject=erased.id))
    took = wait_for(
        world, scenario.programme, lambda c: erased.id not in c, "the erasure reached", timeout=10
    )
    print(f"\nerasure reached the pool in {took:.2f}s")

    # Their old events, delivered again (a replay, a rebalance): they stay erased.
    publish(world, *erased.events)
    settled(world, scenario, world.a.id)
    assert erased.id not in by_id(pool(world, scenario.programme, excluded=True))


def test_a_redelivered_event_changes_nothing(world: World, scenario: Scenario) -> None:
    person = scenario.people["b_redelivered"]
    wait_for(
        world,
        scenario.programme,
        lambda c: c.get(person.id, {}).get("eligible") is True,
        "the member is in the pool",
    )
    publish(world, profile(person.id, world.b.id, "Rua Second", consent=True))
    wait_for(
        world,
        scenario.programme,
        lambda c: c[person.id]["display_name"] == "Rua Second",
        "the newer profile reached the pool",
    )
    status = ProgrammeStatusChanged(programme_id=scenario.programme, status="running")
    publish(world, new_event(status, organisation=world.a.id, subject=scenario.programme))
    eventually(lambda: pool(world, scenario.programme)["status"] == "running")
    before = pool(world, scenario.programme, excluded=True)

    # The very same envelopes again (same ids, same times): the older profile, the readiness,
    # the enrolment, and the programme's publication (whose status must stay `running`).
    publish(world, *person.events, scenario.published)
    settled(world, scenario, world.a.id, world.b.id)
    after = pool(world, scenario.programme, excluded=True)
    markers = set(by_id(after)) - set(by_id(before))
    assert all(by_id(after)[m]["exclusions"][0] == "no profile yet" for m in markers)
    after["candidates"] = [c for c in after["candidates"] if c["member_id"] not in markers]
    after["excluded"] -= len(markers)
    assert after == before
    assert by_id(after)[person.id]["display_name"] == "Rua Second"
    assert after["status"] == "running"
    assert [c["member_id"] for c in after["candidates"]].count(person.id) == 1
