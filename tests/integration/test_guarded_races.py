"""Guarded changes raced by twenty callers at once, on the real MongoDB-wire server and real
Kafka: exactly one effect and exactly one event each, through the stores the services use.

On FerretDB an update is a read and then a write with no transaction between them, so these
races are what `shared.mongo.claims` exists for; on MongoDB the guard is in the filter.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

import pytest
from pymongo import AsyncMongoClient
from pymongo.errors import PyMongoError

from services.matching.adapters.proposal_store import PROPOSALS, ProposalStore
from services.matching.adapters.proposal_store import _document as stored_proposal
from services.matching.domain.proposals import Origin, Proposal, ProposalStatus, proposal_id
from services.registry.adapters.provider_trials import ProviderTrialStore
from services.registry.adapters.refresh_tokens import RefreshTokens
from services.registry.domain.provider_trial import TrialStatus
from services.sessions.adapters.action_plan_store import ActionPlanStore
from services.sessions.adapters.log_store import MeetingLogStore
from services.sessions.adapters.meeting_store import MeetingStore
from services.sessions.adapters.programme_book import ProgrammeBook
from services.sessions.adapters.relationship_cache import RecentRelationships
from services.sessions.adapters.relationship_changes import RelationshipChanges
from services.sessions.adapters.relationship_store import RELATIONSHIPS, RelationshipStore
from services.sessions.domain.action_plans import GoalDraft
from services.sessions.domain.meetings import MeetingChanges, MeetingFacts, MeetingStatus
from services.sessions.domain.relationships import (
    AgreementTerms,
    EndReason,
    RelationshipEndedError,
    Status,
    relationship_id,
)
from shared.auth.principal import CallerKind, Principal, Role
from shared.contracts.matching import MatchAccepted
from shared.contracts.registry import ProgrammePublished
from shared.errors import ConflictError, DomainError
from shared.events.catalogue import InboundEvent, catalogue, new_event
from shared.events.envelope import Audience, Envelope
from shared.events.topics import domain_topic
from shared.mongo.claims import (
    CLAIMS,
    KEPT,
    REVISION,
    claimed_update,
    claimed_updates,
    guarded_update,
    prune_claims,
)
from shared.mongo.databases import Document
from shared.mongo.numbered import NumberedRecords
from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings
from shared.tenancy import TenantData
from tests.integration.conftest import read_topic

RACERS = 20
MENTOR_ORG, MENTEE_ORG = "org_aaaaaaaaaaa1", "org_bbbbbbbbbbb2"
MENTOR, MENTEE = "mem_mentor000000001", "mem_mentee000000001"
T = TypeVar("T")


def member(subject: str, organisation: str) -> Principal:
    """A signed-in member, as the HTTP edge hands one to a store."""
    return Principal(
        subject=subject,
        organisation=organisation,
        kind=CallerKind.MEMBER,
        roles=frozenset({Role.MEMBER}),
    )


async def race(*calls: Awaitable[T]) -> tuple[list[T], list[BaseException]]:
    """Run every call at once; what succeeded and what was refused."""
    outcomes = await asyncio.gather(*calls, return_exceptions=True)
    done = [o for o in outcomes if not isinstance(o, BaseException)]
    refused = [o for o in outcomes if isinstance(o, BaseException)]
    for failure in refused:
        # A refusal must be a rule saying no (409 and the like), never a crash.
        assert isinstance(failure, DomainError), repr(failure)
    return done, refused


async def published(runtime: ServiceRuntime, source: str) -> list[Envelope]:
    """Every event `source` published in this test, once the relay has sent what it holds."""
    async with asyncio.timeout(20):
        await runtime.relay.wait_idle()
    topic = domain_topic(runtime.settings.topic_prefix, source)
    records = await read_topic(topic, expect=1)
    return [catalogue.parse(r.value).envelope for r in records]  # type: ignore[attr-defined]


def counted(envelopes: list[Envelope], event_type: str) -> list[Envelope]:
    return [e for e in envelopes if e.type == event_type]


# --- the seam itself ------------------------------------------------------------------------


async def test_twenty_racing_guarded_changes_make_one_effect_and_one_event(
    settings: ServiceSettings,
) -> None:
    runtime = ServiceRuntime("sessions", settings, outbox_collections=["things"])
    await runtime.start()
    try:
        things = runtime.databases.network["things"]
        await things.insert_one({"_id": "t1", "status": "planned", "times_held": 0})

        async def hold(n: int) -> int:
            event = new_event(
                _meeting_held_like(n), organisation=None, subject="t1", audience=Audience.NETWORK
            )
            result = await runtime.outbox.update(
                things,
                "t1",
                {"$set": {"status": "held", "held_by": n}, "$inc": {"times_held": 1}},
                [event],
                condition={"status": "planned"},
            )
            return result.matched_count

        done, refused = await race(*(hold(n) for n in range(RACERS)))
        assert sorted(done) == [0] * (RACERS - 1) + [1] and not refused
        stored = await things.find_one({"_id": "t1"})
        assert stored is not None and stored["times_held"] == 1 and stored["status"] == "held"
        events = await published(runtime, "sessions")
        assert len(counted(events, "goal.achieved")) == 1
    finally:
        await runtime.stop()


def _meeting_held_like(n: int) -> Any:
    from shared.contracts.sessions import GoalAchieved

    return GoalAchieved(
        relationship_id="rel_t1",
        programme_id="prg_t",
        goal_id=f"goal:{n}",
        term="short",
        achieved_at=datetime.now(UTC),
    )


async def test_racing_changes_of_different_fields_are_all_kept(
    settings: ServiceSettings, mongo: AsyncMongoClient[Document]
) -> None:
    """The lost update: FerretDB writes the whole document back, so without claims one of two
    parties' acceptances could undo the other's."""
    things = mongo[f"{settings.db_prefix}_claims"]["things"]
    await things.insert_one({"_id": "p1", "accepted": {}})

    async def accept(n: int) -> int:
        result = await claimed_update(
            things,
            "p1",
            {"$set": {f"accepted.p{n}": True}},
            {f"accepted.p{n}": {"$exists": False}},
        )
        return result.matched_count

    done, _ = await race(*(accept(n) for n in range(RACERS)))
    assert done == [1] * RACERS
    stored = await things.find_one({"_id": "p1"})
    assert stored is not None
    assert sorted(stored["accepted"]) == sorted(f"p{n}" for n in range(RACERS))
    assert stored[REVISION] == RACERS


async def test_racing_removals_guarded_by_the_list_read_each_remove_one(
    settings: ServiceSettings, mongo: AsyncMongoClient[Document]
) -> None:
    """As the registry's erasure leaves circles: read the list, write it without one member,
    guarded by the list read; retry when it changed. None is lost, none undone."""
    circles = mongo[f"{settings.db_prefix}_claims"]["circles"]
    members = [{"member_id": f"m{n}"} for n in range(RACERS)]
    await circles.insert_one({"_id": "c1", "members": members})

    async def leave(n: int) -> None:
        while True:
            current = await circles.find_one({"_id": "c1"})
            assert current is not None
            read = current["members"]
            rest = [m for m in read if m["member_id"] != f"m{n}"]
            result = await guarded_update(
                circles, "c1", {"$set": {"members": rest}}, {"members": read}
            )
            if result.matched_count:
                return

    await asyncio.gather(*(leave(n) for n in range(RACERS)))
    stored = await circles.find_one({"_id": "c1"})
    assert stored is not None and stored["members"] == []


async def test_a_claim_whose_write_never_came_is_passed_after_a_while(
    settings: ServiceSettings, mongo: AsyncMongoClient[Document]
) -> None:
    """A process that died between its claim and its write does not block the record."""
    database = mongo[f"{settings.db_prefix}_claims"]
    things = database["things"]
    await things.insert_one({"_id": "m1", "status": "planned"})
    long_ago = datetime.now(UTC) - timedelta(minutes=5)
    await database[CLAIMS].insert_one({"_id": "things:m1:1", "at": long_ago})
    result = await claimed_update(things, "m1", {"$set": {"status": "held"}}, {"status": "planned"})
    assert result.matched_count == 1
    stored = await things.find_one({"_id": "m1"})
    assert stored is not None and stored["status"] == "held" and stored[REVISION] == 2


async def test_claims_older_than_a_day_are_pruned_and_changes_go_on(
    settings: ServiceSettings, mongo: AsyncMongoClient[Document]
) -> None:
    """Claims are deleted once no writer can still need them; the record's revision, not the
    claims, carries on, so the next change claims the next revision as before."""
    database = mongo[f"{settings.db_prefix}_pruned"]
    things = database["things"]
    await things.insert_one({"_id": "m1", "status": "planned"})
    for status in ("held", "logged"):
        await claimed_update(things, "m1", {"$set": {"status": status}}, {})
    now = datetime.now(UTC)
    await database[CLAIMS].update_many({}, {"$set": {"at": now - KEPT - timedelta(minutes=1)}})
    await database[CLAIMS].insert_one({"_id": "things:m9:1", "at": now})
    assert await prune_claims(database, now) == 2
    assert [c["_id"] async for c in database[CLAIMS].find({})] == ["things:m9:1"]
    await claimed_update(things, "m1", {"$set": {"status": "closed"}}, {"status": "logged"})
    stored = await things.find_one({"_id": "m1"})
    assert stored is not None and stored["status"] == "closed" and stored[REVISION] == 3


async def test_a_change_the_server_refuses_does_not_block_the_next(
    settings: ServiceSettings, mongo: AsyncMongoClient[Document]
) -> None:
    """A claimed change refused by a unique index writes nothing; its revision is passed at
    once, so the record's next change goes through without waiting for the claim to age."""
    things = mongo[f"{settings.db_prefix}_claims"]["named"]
    await things.create_index("name_key", unique=True)
    await things.insert_many([{"_id": "a", "name_key": "x"}, {"_id": "b", "name_key": "y"}])
    with pytest.raises(PyMongoError):
        await claimed_update(things, "b", {"$set": {"name_key": "x"}}, {"name_key": "y"})
    started = asyncio.get_running_loop().time()
    result = await claimed_update(things, "b", {"$set": {"name_key": "z"}}, {"name_key": "y"})
    assert result.matched_count == 1
    assert asyncio.get_running_loop().time() - started < 5  # not the 30 s of an abandoned claim


async def test_a_change_naming_the_revision_leaves_it_to_the_claim(
    settings: ServiceSettings, mongo: AsyncMongoClient[Document]
) -> None:
    """An erasure unsets every field it read, the revision among them: still one change."""
    things = mongo[f"{settings.db_prefix}_claims"]["erased"]
    await things.insert_one({"_id": "m", "name": "Ada", REVISION: 4})
    change = {"$unset": {"name": "", REVISION: ""}, "$set": {"erased": True}}
    assert (await claimed_update(things, "m", change, {"erased": None})).matched_count == 1
    assert await things.find_one({"_id": "m"}) == {"_id": "m", "erased": True, REVISION: 5}


async def test_changes_claimed_together_keep_every_racing_change(
    settings: ServiceSettings, mongo: AsyncMongoClient[Document]
) -> None:
    """A bulk import's way: read many records once, then claim and write them together while
    other writers change the same records one at a time. A record changed since it was read
    is left to its caller (contested), who writes it alone; no change is lost, a record the
    guard refuses as read is not written."""
    things = mongo[f"{settings.db_prefix}_claims"]["bulk"]
    await things.insert_many([{"_id": f"d{n}", "status": "live"} for n in range(60)])
    await things.insert_one({"_id": "gone", "status": "erased"})
    read = await things.find({}).to_list()
    await claimed_update(things, "d3", {"$set": {"other": True}}, {})  # after the read

    async def bulk() -> list[Any]:
        changes = [(doc, {"$set": {"imported": True}}) for doc in read]
        written, contested = await claimed_updates(things, changes, {"status": "live"})
        assert "gone" not in written + contested
        for document_id in contested:
            result = await claimed_update(
                things, document_id, {"$set": {"imported": True}}, {"status": "live"}
            )
            assert result.matched_count == 1
        return contested

    async def other(n: int) -> None:
        await claimed_update(things, f"d{n}", {"$set": {"other": True}}, {})

    contested, *_ = await asyncio.gather(bulk(), *(other(n) for n in range(10, 60, 5)))
    assert "d3" in contested
    stored = {d["_id"]: d async for d in things.find({})}
    assert all(stored[f"d{n}"].get("imported") for n in range(60))
    assert all(stored[f"d{n}"].get("other") for n in (3, *range(10, 60, 5)))
    assert "imported" not in stored["gone"]
    assert stored["d0"][REVISION] == 1 and stored["d10"][REVISION] == 2


# --- sessions: a relationship, its agreement, meetings, goals, a group ----------------------


@dataclass
class Sessions:
    runtime: ServiceRuntime
    data: TenantData
    relationships: RelationshipStore
    meetings: MeetingStore
    plans: ActionPlanStore
    logs: MeetingLogStore
    programmes: ProgrammeBook


def _sessions_on(runtime: ServiceRuntime, recent: RecentRelationships | None = None) -> Sessions:
    data = TenantData(runtime.databases)
    programmes = ProgrammeBook(data)
    numbered = NumberedRecords()
    relationships = RelationshipStore(data, runtime.outbox, programmes, numbered, recent)
    return Sessions(
        runtime=runtime,
        data=data,
        relationships=relationships,
        meetings=MeetingStore(data, relationships, runtime.outbox, numbered),
        plans=ActionPlanStore(data, runtime.outbox, relationships, numbered),
        logs=MeetingLogStore(data, runtime.outbox, relationships, numbered),
        programmes=programmes,
    )


@pytest.fixture
async def sessions(settings: ServiceSettings) -> AsyncIterator[Sessions]:
    runtime = ServiceRuntime(
        "sessions",
        settings,
        outbox_collections=[RELATIONSHIPS, "agreements", "meetings", "plan_goals", "logs"],
    )
    await runtime.start()
    try:
        yield _sessions_on(runtime)
    finally:
        await runtime.stop()


def _inbound(data: Any, subject: str) -> InboundEvent[Any]:
    envelope = new_event(data, organisation=None, subject=subject, audience=Audience.NETWORK)
    return InboundEvent(envelope=envelope, data=data)


async def _programme(s: Sessions, programme: str, model: str, max_mentees: int) -> None:
    published = ProgrammePublished(
        programme_id=programme,
        owner_organisation_id=MENTOR_ORG,
        organisations=[MENTOR_ORG, MENTEE_ORG],
        coordinators=["mem_coordinator0001"],
        model=model,
        starts_on=date(2026, 1, 5),
        ends_on=date(2027, 12, 17),
        meeting_every_days=28,
        min_meeting_minutes=30,
        max_meeting_minutes=120,
        max_mentees_per_mentor=max_mentees,
        require_different_sectors=False,
        self_match=False,
    )
    await s.programmes.on_published([_inbound(published, programme)])


def _accepted(programme: str, mentee: str, proposal: str) -> InboundEvent[Any]:
    accepted = MatchAccepted(
        proposal_id=proposal,
        programme_id=programme,
        mentee_id=mentee,
        mentee_organisation_id=MENTEE_ORG,
        mentor_id=MENTOR,
        mentor_organisation_id=MENTOR_ORG,
        accepted_at=datetime.now(UTC) - timedelta(days=30),
    )
    return _inbound(accepted, proposal)


async def _pair(s: Sessions) -> str:
    await _programme(s, "prg_pair00000001", "one_to_one", 1)
    await s.relationships.on_match_accepted(
        [_accepted("prg_pair00000001", MENTEE, "prp_pair00000001")]
    )
    return relationship_id("prp_pair00000001")


MENTOR_CALLER = member(MENTOR, MENTOR_ORG)
MENTEE_CALLER = member(MENTEE, MENTEE_ORG)


async def test_twenty_signatures_put_the_agreement_in_force_once(sessions: Sessions) -> None:
    rel = await _pair(sessions)
    terms = AgreementTerms(
        duration="12 months",
        meeting_frequency="monthly",
        contact_between_meetings="e-mail",
        confidentiality="ours",
        mentor_responsibilities=["listen"],
        mentee_responsibilities=["prepare"],
    )
    await sessions.relationships.draft(MENTOR_CALLER, rel, terms)
    callers = [MENTOR_CALLER, MENTEE_CALLER] * (RACERS // 2)
    done, refused = await race(*(sessions.relationships.sign(c, rel, 1) for c in callers))
    assert len(done) == 2 and len(refused) == RACERS - 2  # each party signs once
    agreement = await sessions.relationships.agreement(MENTEE_CALLER, rel)
    assert agreement.in_force and set(agreement.signatures) == {MENTOR, MENTEE}
    events = await published(sessions.runtime, "sessions")
    assert len(counted(events, "agreement.signed")) == 1


async def test_twenty_parties_holding_one_meeting_hold_it_once(sessions: Sessions) -> None:
    rel = await _pair(sessions)
    now = datetime.now(UTC).replace(microsecond=0)
    facts = MeetingFacts.model_validate(
        {"starts_at": (now + timedelta(minutes=5)).isoformat(), "minutes": 45, "method": "video"}
    )
    planned = await sessions.meetings.create(MENTEE_CALLER, rel, facts, MeetingStatus.PLANNED)
    changes = MeetingChanges(starts_at=now - timedelta(minutes=50), minutes=50)
    callers = [MENTOR_CALLER, MENTEE_CALLER] * (RACERS // 2)
    done, refused = await race(
        *(sessions.meetings.hold(c, rel, planned.id, changes) for c in callers)
    )
    assert len(done) == 1 and len(refused) == RACERS - 1
    events = await published(sessions.runtime, "sessions")
    assert len(counted(events, "meeting.held")) == 1


async def test_twenty_parties_achieving_one_goal_achieve_it_once(sessions: Sessions) -> None:
    rel = await _pair(sessions)
    goal = await sessions.plans.add_goal(
        MENTEE_CALLER, rel, GoalDraft.model_validate({"term": "long", "text": "lead a team"})
    )
    callers = [MENTOR_CALLER, MENTEE_CALLER] * (RACERS // 2)
    done, refused = await race(*(sessions.plans.achieve(c, rel, goal.id) for c in callers))
    assert len(done) == 1 and len(refused) == RACERS - 1
    events = await published(sessions.runtime, "sessions")
    assert len(counted(events, "goal.achieved")) == 1


async def test_twenty_mentees_joining_at_once_never_overfill_a_group(sessions: Sessions) -> None:
    programme, capacity = "prg_group0000001", 3
    await _programme(sessions, programme, "group", capacity)
    await sessions.relationships.on_match_accepted(
        [_accepted(programme, "mem_first000000001", "prp_first00000001")]
    )
    first = relationship_id("prp_first00000001")
    mentees = [f"mem_joiner{n:09d}" for n in range(RACERS)]

    async def deliver(n: int, mentee: str) -> None:
        event = _accepted(programme, mentee, f"prp_joiner{n:07d}")
        while True:  # as redelivery does: twenty writers to one mentor's list may crowd it
            try:
                return await sessions.relationships.on_match_accepted([event])
            except ConflictError:
                await asyncio.sleep(0.05)

    await asyncio.gather(*(deliver(n, m) for n, m in enumerate(mentees)))
    groups = await sessions.data.network(RELATIONSHIPS).find({"programme_id": programme}).to_list()
    group = next(g for g in groups if g["_id"] == first)
    assert len(group["mentees"]) == group["mentee_count"] == capacity
    assert all(len(g["mentees"]) == g["mentee_count"] <= capacity for g in groups)
    placed = Counter(m["member_id"] for g in groups for m in g["mentees"])
    assert set(placed) == {"mem_first000000001", *mentees} and set(placed.values()) == {1}
    events = counted(await published(sessions.runtime, "sessions"), "relationship.started")
    assert len([e for e in events if e.subject == first]) == capacity
    assert len(events) == RACERS + 1  # one per mentee placed, none twice


async def test_nothing_lands_in_a_relationship_another_instance_ended(
    sessions: Sessions, settings: ServiceSettings
) -> None:
    rel = await _pair(sessions)
    other = _sessions_on(sessions.runtime)  # a second instance: its own recent copies
    # This instance has just read the relationship (and keeps a copy for a few seconds).
    assert (await sessions.relationships.for_oversight(MENTEE_CALLER, rel)).id == rel
    await other.relationships.end(MENTOR_CALLER, rel, EndReason.GOALS_ACHIEVED, False)
    now = datetime.now(UTC).replace(microsecond=0)
    facts = MeetingFacts.model_validate(
        {"starts_at": (now + timedelta(days=2)).isoformat(), "minutes": 45, "method": "video"}
    )
    with pytest.raises(RelationshipEndedError):
        await sessions.meetings.create(MENTEE_CALLER, rel, facts, MeetingStatus.PLANNED)
    with pytest.raises(RelationshipEndedError):
        await sessions.plans.add_goal(
            MENTEE_CALLER, rel, GoalDraft.model_validate({"term": "long", "text": "x"})
        )
    meetings = await sessions.meetings.of_relationship(MENTEE_CALLER, rel)
    assert meetings == []


async def test_a_read_sees_another_instances_ending_as_soon_as_its_event_is_read(
    sessions: Sessions, settings: ServiceSettings
) -> None:
    rel = await _pair(sessions)
    recent = RecentRelationships()
    here = _sessions_on(sessions.runtime, recent)
    changes = RelationshipChanges(
        bootstrap=settings.kafka_bootstrap,
        topic=domain_topic(settings.topic_prefix, "sessions"),
        recent=recent,
    )
    await changes.start()
    reading = asyncio.create_task(changes.run())
    # The control: an instance that trusts its copies as long but reads no changes.
    blind = _sessions_on(sessions.runtime, RecentRelationships(ttl_seconds=600.0))
    try:
        for instance in (here, blind):
            r = await instance.relationships.for_oversight(MENTEE_CALLER, rel)
            assert r.status is Status.ACTIVE
        assert recent.get(rel) is not None  # kept: the next read asks no database
        other = _sessions_on(sessions.runtime)
        await other.relationships.end(MENTOR_CALLER, rel, EndReason.GOALS_ACHIEVED, False)
        async with asyncio.timeout(15):
            while (await here.relationships.for_oversight(MENTEE_CALLER, rel)).status is not (
                Status.ENDED
            ):
                await asyncio.sleep(0.05)
        stale = await blind.relationships.for_oversight(MENTEE_CALLER, rel)
        assert stale.status is Status.ACTIVE  # what `here` would have shown without the reader
    finally:
        await changes.stop()
        await reading


# --- matching: a proposal accepted by both parties ------------------------------------------


async def test_both_parties_accepting_at_once_publish_match_accepted_once(
    settings: ServiceSettings,
) -> None:
    runtime = ServiceRuntime("matching", settings, outbox_collections=[PROPOSALS])
    await runtime.start()
    try:
        store = ProposalStore(TenantData(runtime.databases), runtime.outbox)
        programme = "prg_match0000001"
        pid = proposal_id(programme, MENTEE, MENTOR)
        proposal = Proposal(
            id=pid,
            programme_id=programme,
            mentee_id=MENTEE,
            mentee_organisation_id=MENTEE_ORG,
            mentor_id=MENTOR,
            mentor_organisation_id=MENTOR_ORG,
            origin=Origin.ROUND,
            status=ProposalStatus.APPROVED,
            score=0.5,
            created_at=datetime.now(UTC),
            version=1,
        )
        await runtime.databases.network[PROPOSALS].insert_one(stored_proposal(proposal))
        callers = [MENTOR_CALLER, MENTEE_CALLER] * (RACERS // 2)
        done, refused = await race(*(store.accept(c, pid) for c in callers))
        assert len(done) == 2 and len(refused) == RACERS - 2  # each party accepts once
        stored = await runtime.databases.network[PROPOSALS].find_one({"_id": pid})
        assert stored is not None and stored["status"] == ProposalStatus.ACCEPTED.value
        events = await published(runtime, "matching")
        assert len(counted(events, "match.accepted")) == 1
    finally:
        await runtime.stop()


# --- registry: a refresh token and a provider trial -----------------------------------------


async def test_twenty_redemptions_of_one_refresh_token_let_one_through(
    settings: ServiceSettings,
) -> None:
    runtime = ServiceRuntime("registry", settings)
    tokens = RefreshTokens(TenantData(runtime.databases), timedelta(days=1))
    try:
        token = await tokens.issue(MENTOR_ORG, MENTOR, "portal")
        done, _ = await race(*(tokens.redeem(token, "portal") for _ in range(RACERS)))
        redeemed = [(d.organisation_id, d.member_id) for d in done if d is not None]
        assert redeemed == [(MENTOR_ORG, MENTOR)]
    finally:
        await runtime.mongo.close()


async def test_twenty_saves_of_one_provider_trial_save_it_once(settings: ServiceSettings) -> None:
    runtime = ServiceRuntime("registry", settings)
    admin = Principal(
        subject="mem_admin000000001",
        organisation=MENTOR_ORG,
        kind=CallerKind.MEMBER,
        roles=frozenset({Role.MEMBER, Role.ORGANISATION_ADMIN}),
    )
    trials = ProviderTrialStore(TenantData(runtime.databases))
    now = datetime.now(UTC)
    try:
        await trials.add(
            admin,
            MENTOR_ORG,
            {
                "_id": "trial_1",
                "started_by": admin.subject,
                "status": TrialStatus.PASSED.value,
                "expires_at": now + timedelta(minutes=10),
            },
        )
        done, _ = await race(*(trials.take(admin, MENTOR_ORG, "trial_1", now) for _ in range(20)))
        assert len([d for d in done if d is not None]) == 1
    finally:
        await runtime.mongo.close()
