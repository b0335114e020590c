"""End to end: from registry events to an accepted match across two organisations.

The programme's pool is built from registry events produced onto the real registry topic (as
in test_candidate_pool); everything after that goes through matching's HTTP API with real
network tokens: A's admin co-ordinates and runs rounds, A's member mentors, B's member is a
mentee. `match.accepted` is read from the real `<prefix>.matching` topic.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from pymongo import MongoClient

from shared.contracts.registry import MemberErased, ProgrammePublished
from shared.contracts.sessions import RelationshipEnded
from shared.events.catalogue import new_event
from shared.events.envelope import Audience, Envelope
from tests.e2e.conftest import World
from tests.e2e.test_candidate_pool import (
    enrolled,
    member_id_of,
    new_member_id,
    profile,
    publish,
    readiness,
)
from tests.e2e.test_first_flow import eventually
from tests.e2e.topic_records import about, read_topic


def one_to_one(
    programme: str,
    owner: str,
    organisations: list[str],
    coordinator: str,
    *,
    self_match: bool = False,
    model: str = "one_to_one",
) -> Envelope:
    data = ProgrammePublished(
        programme_id=programme,
        owner_organisation_id=owner,
        organisations=organisations,
        coordinators=[coordinator],
        model=model,
        starts_on=date(2027, 1, 11),
        ends_on=date(2027, 12, 17),
        meeting_every_days=28,
        min_meeting_minutes=45,
        max_meeting_minutes=90,
        max_mentees_per_mentor=2,
        require_different_sectors=False,
        self_match=self_match,
    )
    return new_event(data, organisation=owner, subject=programme)


@dataclass
class Setup:
    programme: str
    mentor: str  # A's member
    mentee: str  # B's member
    other_mentee: str  # a B member without a token (the mentor declines them)


@pytest.fixture(scope="module")
def setup(world: World) -> Setup:
    a, b = world.a.id, world.b.id
    programme = f"prg_{secrets.token_hex(6)}"
    coordinator = member_id_of(world, world.a.admin)
    mentor = member_id_of(world, world.a.member)
    mentee = member_id_of(world, world.b.member)
    other = new_member_id()
    publish(
        world,
        profile(mentor, a, "Aroha Mentor", consent=True, capacity=2),
        readiness(mentor, a, mentor=True, mentee=False),
        enrolled(programme, mentor, a, "mentor"),
        one_to_one(programme, a, [a, b], coordinator),
    )
    publish(
        world,
        profile(mentee, b, "Bea Mentee", consent=True),
        readiness(mentee, b, mentor=False, mentee=True),
        enrolled(programme, mentee, b, "mentee"),
        profile(other, b, "Bo Other", consent=True),
        readiness(other, b, mentor=False, mentee=True),
        enrolled(programme, other, b, "mentee"),
    )

    def pool_is_ready() -> bool:
        """the pool has the mentor and both mentees"""
        with world.reader(world.a.admin) as http:
            response = http.get(f"{world.url('matching')}/programmes/{programme}/candidate-pool")
        return response.status_code == 200 and response.json()["eligible"] == 3

    eventually(pool_is_ready, timeout=30)
    return Setup(programme, mentor, mentee, other)


def call(
    world: World, tokens: dict[str, Any], method: str, path: str, body: Any = None
) -> httpx.Response:
    with world.reader(tokens) as http:
        return http.request(method, f"{world.url('matching')}{path}", json=body)


def matching_events(
    world: World, kind: str, proposal_id: str, key: str = "proposal_id"
) -> list[dict[str, Any]]:
    """Envelopes of one type about one proposal on the real matching topic (from its
    beginning): waits for the first, then a moment longer to see nothing comes twice."""
    found, _ = read_topic(world, "matching", about(key, {proposal_id}, kind), bool)
    return found


def test_a_round_approved_and_accepted_by_both_publishes_match_accepted_once(
    world: World, setup: Setup
) -> None:
    programme = setup.programme
    ran = call(world, world.a.admin, "POST", f"/programmes/{programme}/rounds")
    assert ran.status_code == 201, ran.text
    body = ran.json()
    pairs = {(p["mentee_id"], p["mentor_id"]): p for p in body["proposals"]}
    assert set(pairs) == {(setup.mentee, setup.mentor), (setup.other_mentee, setup.mentor)}
    assert body["unmatched"] == []
    mine = pairs[(setup.mentee, setup.mentor)]
    assert mine["status"] == "proposed"
    assert mine["mentee_organisation_id"] == world.b.id
    assert mine["mentor_organisation_id"] == world.a.id
    assert {s["criterion"] for s in mine["scores"]} >= {"goals_skills", "compatibility"}
    assert any(s["reasons"] for s in mine["scores"])

    # Running again proposes nobody: both mentees have open proposals, the mentor is full.
    again = call(world, world.a.admin, "POST", f"/programmes/{programme}/rounds")
    assert again.status_code == 201, again.text
    assert again.json()["proposals"] == []

    # Each party sees only their own; the co-ordinator sees all.
    listed = call(world, world.a.admin, "GET", f"/programmes/{programme}/proposals")
    assert len(listed.json()["proposals"]) == 2
    own = call(world, world.b.member, "GET", f"/programmes/{programme}/proposals")
    assert own.status_code == 200, own.text
    assert [p["id"] for p in own.json()["proposals"]] == [mine["id"]]

    pid = mine["id"]
    # Another organisation's admin: nothing there; a third party cannot accept.
    for method, path in [
        ("POST", f"/proposals/{pid}/approve"),
        ("POST", f"/proposals/{pid}/accept"),
        ("POST", f"/proposals/{pid}/decline"),
    ]:
        assert call(world, world.b.admin, method, path).status_code == 404

    accepted = call(world, world.b.member, "POST", f"/proposals/{pid}/accept")
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["mentee_accepted"] and accepted.json()["status"] == "proposed"
    approved = call(world, world.a.admin, "POST", f"/proposals/{pid}/approve")
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    # The mentee cannot accept for the mentor, nor twice.
    assert call(world, world.b.member, "POST", f"/proposals/{pid}/accept").status_code == 409
    done = call(world, world.a.member, "POST", f"/proposals/{pid}/accept")
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "accepted"
    assert call(world, world.a.member, "POST", f"/proposals/{pid}/accept").status_code == 409

    events = matching_events(world, "match.accepted", pid)
    assert len(events) == 1, events
    data = events[0]["data"]
    assert data["programme_id"] == programme
    assert (data["mentee_id"], data["mentor_id"]) == (setup.mentee, setup.mentor)
    assert (data["mentee_organisation_id"], data["mentor_organisation_id"]) == (
        world.b.id,
        world.a.id,
    )


def test_a_declined_pair_never_comes_back(world: World, setup: Setup) -> None:
    programme = setup.programme
    listed = call(world, world.a.admin, "GET", f"/programmes/{programme}/proposals").json()
    other = next(p for p in listed["proposals"] if p["mentee_id"] == setup.other_mentee)
    declined = call(
        world, world.a.member, "POST", f"/proposals/{other['id']}/decline", {"reason": "no_time"}
    )
    assert declined.status_code == 200, declined.text
    assert declined.json()["status"] == "declined"
    assert declined.json()["declined_by"] == "mentor"
    # Free text is not a reason code.
    assert (
        call(
            world, world.b.member, "POST", f"/proposals/{other['id']}/decline", {"reason": "rude"}
        ).status_code
        == 422
    )

    # The mentee is back in the pool, but their only possible mentor declined them.
    ran = call(world, world.a.admin, "POST", f"/programmes/{programme}/rounds")
    assert ran.status_code == 201, ran.text
    assert ran.json()["proposals"] == []
    assert ran.json()["unmatched"] == [setup.other_mentee]

    # Nor can a co-ordinator propose the pair again: refused with the reasons.
    swap = call(
        world,
        world.a.admin,
        "POST",
        f"/programmes/{programme}/proposals",
        {"mentee_id": setup.other_mentee, "mentor_id": setup.mentor},
    )
    assert swap.status_code == 422, swap.text
    assert "proposed before" in swap.json()["detail"]

    events = matching_events(world, "match.declined", other["id"])
    assert len(events) == 1
    assert events[0]["data"]["declined_by"] == "mentor"
    assert events[0]["data"]["reason"] == "no_time"


def test_an_erased_member_leaves_no_proposal_behind(world: World, setup: Setup) -> None:
    programme = setup.programme
    erasure = MemberErased(
        member_id=setup.other_mentee, organisation_id=world.b.id, erased_at=datetime.now(UTC)
    )
    publish(world, new_event(erasure, organisation=world.b.id, subject=setup.other_mentee))

    def gone() -> bool:
        """no proposal names the erased member"""
        listed = call(world, world.a.admin, "GET", f"/programmes/{programme}/proposals").json()
        return all(p["mentee_id"] != setup.other_mentee for p in listed["proposals"])

    eventually(gone, timeout=20)
    listed = call(world, world.a.admin, "GET", f"/programmes/{programme}/proposals").json()
    assert [p["mentee_id"] for p in listed["proposals"]] == [setup.mentee]


def test_another_organisation_sees_nothing_of_the_programme(world: World, setup: Setup) -> None:
    programme = setup.programme
    for tokens in (world.b.admin, world.coordinator):
        assert call(world, tokens, "POST", f"/programmes/{programme}/rounds").status_code == 404
        assert call(world, tokens, "GET", f"/programmes/{programme}/proposals").status_code == 404
        assert (
            call(
                world,
                tokens,
                "POST",
                f"/programmes/{programme}/proposals",
                {"mentee_id": setup.mentee, "mentor_id": setup.mentor},
            ).status_code
            == 404
        )
    for bad in ("{proposal_id}", "x" * 150, "prp_0000000000000000", "%20"):
        for action in ("approve", "reject", "accept", "decline"):
            response = call(world, world.a.admin, "POST", f"/proposals/{bad}/{action}")
            assert response.status_code == 404, (bad, action, response.text)


def test_self_match_suggestions_and_a_request_accepted_by_both(world: World) -> None:
    a, b = world.a.id, world.b.id
    programme = f"prg_{secrets.token_hex(6)}"
    coordinator = member_id_of(world, world.a.admin)
    mentor = member_id_of(world, world.a.member)
    mentee = member_id_of(world, world.b.member)
    second = new_member_id()
    publish(
        world,
        enrolled(programme, mentor, a, "mentor"),
        profile(second, a, "Ana Second", consent=True, capacity=1),
        readiness(second, a, mentor=True, mentee=False),
        enrolled(programme, second, a, "mentor"),
        one_to_one(programme, a, [a, b], coordinator, self_match=True),
    )
    publish(world, enrolled(programme, mentee, b, "mentee"))
    path = f"/programmes/{programme}/suggestions"

    def suggested() -> bool:
        """both mentors are suggested to the mentee"""
        response = call(world, world.b.member, "GET", path)
        return response.status_code == 200 and len(response.json()["suggestions"]) == 2

    eventually(suggested, timeout=30)
    suggestions = call(world, world.b.member, "GET", path).json()["suggestions"]
    assert {s["mentor_id"] for s in suggestions} == {mentor, second}
    assert all(s["mentee_id"] == mentee for s in suggestions)
    assert [s["total"] for s in suggestions] == sorted(
        (s["total"] for s in suggestions), reverse=True
    )
    assert all(any(c["reasons"] for c in s["scores"]) for s in suggestions)
    # Only enrolled mentees see suggestions.
    for tokens in (world.b.admin, world.a.admin, world.a.member):
        assert call(world, tokens, "GET", path).status_code == 404

    requested = call(
        world, world.b.member, "POST", f"/programmes/{programme}/requests", {"mentor_id": mentor}
    )
    assert requested.status_code == 201, requested.text
    proposal = requested.json()
    assert proposal["status"] == "approved" and proposal["origin"] == "request"
    # Once they have a proposal they get no more suggestions, and cannot request twice.
    assert call(world, world.b.member, "GET", path).json()["suggestions"] == []
    twice = call(
        world, world.b.member, "POST", f"/programmes/{programme}/requests", {"mentor_id": second}
    )
    assert twice.status_code == 422, twice.text
    pid = proposal["id"]
    assert call(world, world.b.member, "POST", f"/proposals/{pid}/accept").status_code == 200
    done = call(world, world.a.member, "POST", f"/proposals/{pid}/accept")
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "accepted"
    events = matching_events(world, "match.accepted", pid)
    assert len(events) == 1


def test_a_circle_round_groups_peers_of_both_organisations(world: World) -> None:
    a, b = world.a.id, world.b.id
    programme = f"prg_{secrets.token_hex(6)}"
    coordinator = member_id_of(world, world.a.admin)
    peers = {new_member_id(): a if n % 2 else b for n in range(9)}
    publish(world, one_to_one(programme, a, [a, b], coordinator, model="peer_circle"))
    for org in (a, b):
        publish(
            world,
            *[
                e
                for n, (peer, of) in enumerate(peers.items())
                if of == org
                for e in (
                    profile(peer, org, f"Peer {n}", consent=True),
                    readiness(peer, org, mentor=False, mentee=True),
                    enrolled(programme, peer, org, "peer"),
                )
            ],
        )

    def pool_is_ready() -> bool:
        """every peer is in the pool"""
        response = call(world, world.a.admin, "GET", f"/programmes/{programme}/candidate-pool")
        return response.status_code == 200 and response.json()["eligible"] == len(peers)

    eventually(pool_is_ready, timeout=30)
    # A pairing round is refused for a circle programme; other organisations see nothing.
    assert call(world, world.a.admin, "POST", f"/programmes/{programme}/rounds").status_code == 409
    for tokens in (world.b.admin, world.b.member):
        path = f"/programmes/{programme}/circle-rounds"
        assert call(world, tokens, "POST", path).status_code == 404
        assert call(world, tokens, "GET", f"/programmes/{programme}/circles").status_code == 404

    ran = call(world, world.a.admin, "POST", f"/programmes/{programme}/circle-rounds")
    assert ran.status_code == 201, ran.text
    body = ran.json()
    placed = [m["member_id"] for c in body["circles"] for m in c["members"]]
    assert sorted(placed) == sorted(peers) and body["unplaced"] == []
    assert all(4 <= len(c["members"]) <= 8 for c in body["circles"])
    assert all(len({m["organisation_id"] for m in c["members"]}) == 2 for c in body["circles"])
    assert body["diversity"]["placed"] == len(peers)

    # Everybody is placed: a second round forms nothing.
    again = call(world, world.a.admin, "POST", f"/programmes/{programme}/circle-rounds")
    assert again.status_code == 201, again.text
    assert again.json()["circles"] == []
    listed = call(world, world.a.admin, "GET", f"/programmes/{programme}/circles")
    assert sorted(c["id"] for c in listed.json()["circles"]) == sorted(
        c["id"] for c in body["circles"]
    )

    for circle in body["circles"]:
        events = matching_events(world, "circle.formed", circle["id"], key="circle_id")
        assert len(events) == 1
        assert {m["member_id"] for m in events[0]["data"]["members"]} == {
            m["member_id"] for m in circle["members"]
        }

    # An erased peer leaves their circle.
    erased, of = next(iter(peers.items()))
    erasure = MemberErased(member_id=erased, organisation_id=of, erased_at=datetime.now(UTC))
    publish(world, new_event(erasure, organisation=of, subject=erased))

    def left_their_circle() -> bool:
        """the erased peer is in no circle"""
        listed = call(world, world.a.admin, "GET", f"/programmes/{programme}/circles").json()
        members = [m["member_id"] for c in listed["circles"] for m in c["members"]]
        return erased not in members and len(members) == len(peers) - 1

    eventually(left_their_circle, timeout=20)


def test_a_coordinator_sets_the_weights_and_nobody_else_can(world: World, setup: Setup) -> None:
    url = f"/programmes/{setup.programme}/weights"
    defaults = call(world, world.a.admin, "GET", url)
    assert defaults.status_code == 200, defaults.text
    assert defaults.json()["contrast"] == 2.0, "contrast counts double across organisations"
    chosen = {
        "goals_skills": 5,
        "compatibility": 1,
        "contrast": 0,
        "challenge": 1,
        "context": 1,
        "care": 0,
    }
    assert call(world, world.a.admin, "PUT", url, chosen).json()["goals_skills"] == 5
    assert call(world, world.a.admin, "GET", url).json()["contrast"] == 0
    nothing = dict.fromkeys(chosen, 0)
    refused = call(world, world.a.admin, "PUT", url, nothing)
    assert refused.status_code == 422
    for tokens in (world.b.admin, world.a.member, world.coordinator):
        assert call(world, tokens, "PUT", url, chosen).status_code == 404
    assert call(world, world.a.admin, "GET", url).json()["goals_skills"] == 5


def test_a_pair_whose_relationship_ended_is_never_proposed_again(world: World) -> None:
    a, b = world.a.id, world.b.id
    coordinator = member_id_of(world, world.a.admin)
    mentor, mentee = new_member_id(), new_member_id()
    relationship = f"rel_{secrets.token_hex(8)}"
    publish(
        world,
        new_event(
            RelationshipEnded(
                relationship_id=relationship,
                programme_id="prg_000000000000",
                mentee_id=mentee,
                mentee_organisation_id=b,
                mentor_id=mentor,
                mentor_organisation_id=a,
                ended_by="mentee",
                ended_early=True,
                reason="not_a_good_fit",
                rematch_requested=True,
                ended_at=datetime.now(UTC),
            ),
            organisation=None,
            subject=relationship,
            audience=Audience.NETWORK,
        ),
        source="sessions",
    )
    # Wait for matching to have taken it in (its own network database).
    env = world.env
    mongo: MongoClient[dict[str, Any]] = MongoClient(env["MENTORNET_MONGO_URL"])
    with mongo:
        ended = mongo[f"{env['MENTORNET_DB_PREFIX']}_matching_network"]["ended_pairs"]
        eventually(lambda: ended.count_documents({"members": mentee}) == 1)

    programme = f"prg_{secrets.token_hex(6)}"
    publish(
        world,
        profile(mentor, a, "Mere Mentor", consent=True, capacity=2),
        readiness(mentor, a, mentor=True, mentee=False),
        enrolled(programme, mentor, a, "mentor"),
        one_to_one(programme, a, [a, b], coordinator),
    )
    publish(
        world,
        profile(mentee, b, "Nia Mentee", consent=True),
        readiness(mentee, b, mentor=False, mentee=True),
        enrolled(programme, mentee, b, "mentee"),
    )

    def pool_is_ready() -> bool:
        """the new programme's pool has both"""
        response = call(world, world.a.admin, "GET", f"/programmes/{programme}/candidate-pool")
        return response.status_code == 200 and response.json()["eligible"] == 2

    eventually(pool_is_ready, timeout=30)
    ran = call(world, world.a.admin, "POST", f"/programmes/{programme}/rounds")
    assert ran.status_code == 201, ran.text
    assert ran.json()["proposals"] == []
    assert ran.json()["unmatched"] == [mentee]
    swap = call(
        world,
        world.a.admin,
        "POST",
        f"/programmes/{programme}/proposals",
        {"mentee_id": mentee, "mentor_id": mentor},
    )
    assert swap.status_code == 422
    assert "already ended" in swap.text
