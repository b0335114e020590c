"""End to end: relationships start from `match.accepted` on the real matching topic, and
their parties move them, agree, sign and end them through sessions' HTTP API.

A's member mentors B's member across organisations (a network record); A's admin is also
mentored by A's member inside organisation A (an organisation record). Events are read back
from the real `<prefix>.sessions` topic.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from services.sessions.domain.relationships import relationship_id
from shared.contracts.registry import MemberErased
from shared.events.catalogue import new_event
from shared.events.envelope import Envelope
from tests.e2e.conftest import World, add_crowd
from tests.e2e.consumed import Positions, wait_consumed, wait_outbox_published
from tests.e2e.sessions_scene import Scene, build_scene, match_accepted, programme_published
from tests.e2e.test_candidate_pool import member_id_of, publish
from tests.e2e.test_first_flow import eventually
from tests.e2e.topic_records import of_type, relationship_events

# Text that must never leave the sessions service.
MARKERS = {
    "duration": "eleven-moons-7f3a",
    "meeting_frequency": "every-full-tide-2b9c",
    "contact_between_meetings": "carrier-pigeon-5e1d",
    "confidentiality": "sealed-in-amber-8c4e",
}
AMENDED = "amended-by-mentee-3d6a"


def terms(**changes: Any) -> dict[str, Any]:
    return {
        **MARKERS,
        "mentor_responsibilities": ["lantern-keeper-9a2f"],
        "mentee_responsibilities": ["map-maker-4c7b"],
        **changes,
    }


def produce(world: World, *envelopes: Envelope) -> Positions:
    """Send envelopes onto the matching topic, keyed by proposal (their subject), as matching
    does; where they landed."""
    return publish(world, *envelopes, source="matching")


@dataclass
class Pair:
    proposal: str
    programme: str
    relationship: str
    mentor: str  # A's member
    mentee: str  # B's member
    first: Envelope


@dataclass
class Side:
    """One organisation of this module's own, with an admin and a member signed in."""

    id: str
    admin: dict[str, Any]
    member: dict[str, Any]


@dataclass
class Cast:
    """Two organisations of this module's own: the relationship it ends must not touch the
    pairs other tests match (matching never proposes an ended pair again, in any programme)."""

    a: Side
    b: Side


@pytest.fixture(scope="module")
def cast(world: World) -> Cast:
    a = add_crowd(world, "rowan", "Rowan Trust", "education", 1)
    b = add_crowd(world, "maple", "Maple Works", "engineering", 1)
    return Cast(Side(a.id, a.admin, a.people[0]), Side(b.id, b.admin, b.people[0]))


@pytest.fixture(scope="module")
def pair(world: World, cast: Cast) -> Pair:
    proposal = f"prp_{secrets.token_hex(8)}"
    programme = f"prg_{secrets.token_hex(6)}"
    mentor = member_id_of(world, cast.a.member)
    mentee = member_id_of(world, cast.b.member)
    first = match_accepted(proposal, programme, (mentee, cast.b.id), (mentor, cast.a.id))
    produce(world, first)
    rel = relationship_id(proposal)

    def started() -> bool:
        """the relationship shows for the mentee"""
        with world.reader(cast.b.member) as http:
            listed = http.get(f"{world.url('sessions')}/members/me/relationships")
        return listed.status_code == 200 and rel in {r["id"] for r in listed.json()}

    eventually(started, timeout=30)
    return Pair(proposal, programme, rel, mentor, mentee, first)


def call(
    world: World, tokens: dict[str, Any], method: str, path: str, body: Any = None
) -> httpx.Response:
    with world.reader(tokens) as http:
        return http.request(method, f"{world.url('sessions')}{path}", json=body)


def test_a_relationship_lives_its_life_seen_only_by_its_parties(
    world: World, pair: Pair, cast: Cast
) -> None:
    rel = pair.relationship
    base = f"/relationships/{rel}"
    for party in (cast.a.member, cast.b.member):
        seen = call(world, party, "GET", base)
        assert seen.status_code == 200, seen.text
        body = seen.json()
        assert body["phase"] == "building_rapport" and body["status"] == "active"
        assert body["mentor"] == {"member_id": pair.mentor, "organisation_id": cast.a.id}
        assert body["mentees"] == [{"member_id": pair.mentee, "organisation_id": cast.b.id}]
        assert body["programme_id"] == pair.programme
    outsiders = {
        "A's admin": cast.a.admin,
        "B's admin": cast.b.admin,
        "network": world.coordinator,
    }
    for name, tokens in outsiders.items():
        for method, path, payload in [
            ("GET", base, None),
            ("GET", f"{base}/agreement/versions", None),
            ("POST", f"{base}/phase", {"phase": "progression"}),
            ("PUT", f"{base}/agreement", terms()),
            ("POST", f"{base}/end", {"reason": "other"}),
        ]:
            answer = call(world, tokens, method, path, payload)
            assert answer.status_code == 404, f"{name} {method} {path}: {answer.text}"
        assert rel not in {
            r["id"] for r in call(world, tokens, "GET", "/members/me/relationships").json()
        }
        theirs = call(world, tokens, "GET", f"/members/{pair.mentee}/relationships")
        assert theirs.status_code == 404, f"{name}: {theirs.text}"
    own = call(world, cast.b.member, "GET", f"/members/{pair.mentee}/relationships")
    assert own.status_code == 200 and rel in {r["id"] for r in own.json()}
    assert call(world, cast.a.member, "GET", "/relationships/rel_nope").status_code == 404
    assert call(world, cast.a.member, "GET", "/relationships/%20$x").status_code == 404

    # Phases: forwards by either party, never backwards.
    moved = call(world, cast.b.member, "POST", f"{base}/phase", {"phase": "setting_direction"})
    assert moved.status_code == 200 and moved.json()["phase"] == "setting_direction", moved.text
    moved = call(world, cast.a.member, "POST", f"{base}/phase", {"phase": "progression"})
    assert moved.status_code == 200 and moved.json()["phase"] == "progression", moved.text
    back = call(world, cast.b.member, "POST", f"{base}/phase", {"phase": "building_rapport"})
    assert back.status_code == 422, back.text
    assert call(world, cast.b.member, "GET", base).json()["phase"] == "progression"

    # The agreement: drafted by one, signed by each, in force once both signed.
    assert call(world, cast.a.member, "GET", f"{base}/agreement").status_code == 404
    drafted = call(world, cast.a.member, "PUT", f"{base}/agreement", terms())
    assert drafted.status_code == 200, drafted.text
    assert drafted.json()["version"] == 1 and drafted.json()["signatures"] == {}
    assert (
        call(
            world, cast.b.admin, "POST", f"{base}/agreement/signatures", {"version": 1}
        ).status_code
        == 404
    )
    first = call(world, cast.b.member, "POST", f"{base}/agreement/signatures", {"version": 1})
    assert first.status_code == 200, first.text
    assert set(first.json()["signatures"]) == {pair.mentee} and not first.json()["in_force"]
    twice = call(world, cast.b.member, "POST", f"{base}/agreement/signatures", {"version": 1})
    assert twice.status_code == 409, twice.text
    second = call(world, cast.a.member, "POST", f"{base}/agreement/signatures", {"version": 1})
    assert second.status_code == 200, second.text
    assert second.json()["in_force"] and set(second.json()["signatures"]) == {
        pair.mentor,
        pair.mentee,
    }

    events, _ = relationship_events(
        world, {rel}, lambda found: bool(of_type(found, "agreement.signed", rel))
    )
    signed = of_type(events, "agreement.signed", rel)
    assert len(signed) == 1, signed
    assert signed[0]["data"]["version"] == 1
    assert signed[0]["data"]["mentor_organisation_id"] == cast.a.id
    assert len(of_type(events, "relationship.started", rel)) == 1

    # Amending a signed agreement: a new version, unsigned; the old one stays as it was.
    amended = call(world, cast.b.member, "PUT", f"{base}/agreement", terms(duration=AMENDED))
    assert amended.status_code == 200, amended.text
    assert amended.json()["version"] == 2 and amended.json()["signatures"] == {}
    assert not amended.json()["in_force"]
    versions = call(world, cast.a.member, "GET", f"{base}/agreement/versions").json()
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[0]["terms"]["duration"] == MARKERS["duration"] and versions[0]["in_force"]
    assert versions[1]["terms"]["duration"] == AMENDED
    stale = call(world, cast.a.member, "POST", f"{base}/agreement/signatures", {"version": 1})
    assert stale.status_code == 409, stale.text

    # Ending early, without blame, with a reason code and a rematch request.
    ended = call(
        world,
        cast.b.member,
        "POST",
        f"{base}/end",
        {"reason": "not_a_good_fit", "rematch_requested": True},
    )
    assert ended.status_code == 200, ended.text
    assert ended.json()["status"] == "ended" and ended.json()["ending"]["ended_early"]
    assert call(world, cast.a.member, "POST", f"{base}/end", {"reason": "other"}).status_code == 409
    frozen = call(world, cast.a.member, "PUT", f"{base}/agreement", terms())
    assert frozen.status_code == 409, frozen.text
    assert (
        call(world, cast.a.member, "POST", f"{base}/phase", {"phase": "moving_on"}).status_code
        == 409
    )
    assert len(call(world, cast.a.member, "GET", f"{base}/agreement/versions").json()) == 2

    events, raw = relationship_events(
        world, {rel}, lambda found: bool(of_type(found, "relationship.ended", rel))
    )
    ending = of_type(events, "relationship.ended", rel)
    assert len(ending) == 1, ending
    assert ending[0]["data"] | {"ended_at": None} == {
        "relationship_id": rel,
        "programme_id": pair.programme,
        "mentee_id": pair.mentee,
        "mentee_organisation_id": cast.b.id,
        "mentor_id": pair.mentor,
        "mentor_organisation_id": cast.a.id,
        "ended_by": "mentee",
        "ended_early": True,
        "reason": "not_a_good_fit",
        "rematch_requested": True,
        "ended_at": None,
    }
    # No agreement text in anything the service published.
    secrets_written = [*MARKERS.values(), AMENDED, "lantern-keeper-9a2f", "map-maker-4c7b"]
    leaks = [m for m in secrets_written for value in raw if m.encode() in value]
    assert raw and not leaks, leaks


def test_redelivered_match_accepted_starts_no_second_relationship(
    world: World, pair: Pair, cast: Cast
) -> None:
    # The same event again, and the same acceptance in a new envelope.
    again = match_accepted(
        pair.proposal, pair.programme, (pair.mentee, cast.b.id), (pair.mentor, cast.a.id)
    )
    # A relationship inside organisation A (its admin mentored by its member), after them.
    inside = f"prp_{secrets.token_hex(8)}"
    admin = member_id_of(world, cast.a.admin)
    sent = produce(
        world,
        pair.first,
        again,
        match_accepted(inside, pair.programme, (admin, cast.a.id), (pair.mentor, cast.a.id)),
    )
    inside_rel = relationship_id(inside)
    # Sessions has handled all three (committed past them): whatever they start is started.
    wait_consumed(world, "sessions", sent)
    wait_outbox_published(world, "sessions")  # and what it published is on its topic
    listed = call(world, cast.a.admin, "GET", "/members/me/relationships")
    assert inside_rel in {r["id"] for r in listed.json()}, listed.text
    mine = [r["id"] for r in call(world, cast.b.member, "GET", "/members/me/relationships").json()]
    assert mine.count(pair.relationship) == 1
    assert call(world, cast.a.member, "GET", f"/relationships/{inside_rel}").status_code == 200
    for outsider in (cast.b.member, cast.b.admin, world.coordinator):
        assert call(world, outsider, "GET", f"/relationships/{inside_rel}").status_code == 404
    events, _ = relationship_events(
        world,
        {pair.relationship, inside_rel},
        lambda found: bool(of_type(found, "relationship.started", inside_rel)),
    )
    assert len(of_type(events, "relationship.started", pair.relationship)) == 1
    started_inside = of_type(events, "relationship.started", inside_rel)
    assert len(started_inside) == 1 and started_inside[0]["organisation"] == cast.a.id


@pytest.fixture(scope="module")
def scene(world: World) -> Scene:
    return build_scene(world, "oak")


def test_the_programme_coordinator_oversees_and_outsiders_see_nothing(scene: Scene) -> None:
    base = f"/relationships/{scene.relationship}"
    seen = scene.call("coordinator", "GET", base)
    assert seen.status_code == 200, seen.text
    assert seen.json()["programme_id"] == scene.programme
    listed = scene.call("coordinator", "GET", f"/programmes/{scene.programme}/relationships")
    assert [r["id"] for r in listed.json()] == [scene.relationship]
    # The co-ordinator moves the phase; the parties act in it, the co-ordinator does not.
    moved = scene.call("coordinator", "POST", f"{base}/phase", {"phase": "setting_direction"})
    assert moved.status_code == 200, moved.text
    assert scene.call("coordinator", "PUT", f"{base}/agreement", terms()).status_code == 404
    assert scene.call("coordinator", "POST", f"{base}/end", {"reason": "other"}).status_code == 404
    for name, tokens in scene.outsiders().items():
        del tokens
        for path in (base, f"{base}/agreement/versions"):
            refused = scene.call(name, "GET", path)
            assert refused.status_code == 404, f"{name} GET {path}: {refused.text}"
        listing = scene.call(name, "GET", f"/programmes/{scene.programme}/relationships")
        assert listing.status_code == 404, f"{name}: {listing.text}"
        moved = scene.call(name, "POST", f"{base}/phase", {"phase": "progression"})
        assert moved.status_code == 404, f"{name}: {moved.text}"


def test_a_group_relationship_gathers_a_mentors_mentees(world: World, scene: Scene) -> None:
    programme = f"prg_{secrets.token_hex(6)}"
    a, b = scene.a, scene.b
    publish(
        world,
        programme_published(programme, [a.id, b.id], [], model="group", max_mentees=3),
    )
    mentor = scene.ids["mentor"]
    mentees = [(member_id_of(world, a.people[1]), a.id), (scene.ids["mentee"], b.id)]
    first = f"prp_{secrets.token_hex(8)}"
    rel = relationship_id(first)

    def known() -> bool:
        """sessions knows the group programme (a mentee's relationship starts in it)"""
        return scene.call("mentor", "GET", f"/relationships/{rel}").is_success

    produce(world, match_accepted(first, programme, mentees[0], (mentor, a.id)))
    eventually(known, timeout=30)
    second = match_accepted(f"prp_{secrets.token_hex(8)}", programme, mentees[1], (mentor, a.id))
    produce(world, second, second)  # delivered twice: joins once

    def both() -> bool:
        """both mentees are in the mentor's group relationship"""
        body = scene.call("mentor", "GET", f"/relationships/{rel}").json()
        return len(body["mentees"]) == 2

    eventually(both, timeout=30)
    group = scene.call("mentee", "GET", f"/relationships/{rel}").json()
    assert group["model"] == "group" and group["network"]
    assert [m["member_id"] for m in group["mentees"]] == [m[0] for m in mentees]
    events, _ = relationship_events(
        world, {rel}, lambda found: len(of_type(found, "relationship.started", rel)) >= 2
    )
    started = of_type(events, "relationship.started", rel)
    assert sorted(e["data"]["mentee_id"] for e in started) == sorted(m[0] for m in mentees)
    # Each party finds it among their own relationships, once, the later mentee included.
    for who in ("mentor", "mentee"):
        listed = [r["id"] for r in scene.call(who, "GET", "/members/me/relationships").json()]
        assert listed.count(rel) == 1, who


def test_an_admin_sees_their_own_members_relationship_status_only(scene: Scene) -> None:
    for admin, org, member in (
        ("mentee's organisation admin", scene.b.id, scene.ids["mentee"]),
        ("mentor's organisation admin", scene.a.id, scene.ids["mentor"]),
    ):
        rows = scene.call(admin, "GET", f"/organisations/{org}/relationship-status")
        assert rows.status_code == 200, rows.text
        mine = [r for r in rows.json() if r["relationship_id"] == scene.relationship]
        assert [r["member_id"] for r in mine] == [member]  # never the other party
        assert set(mine[0]) == {
            "member_id",
            "relationship_id",
            "programme_id",
            "side",
            "phase",
            "status",
            "started_at",
            "ended_early",
        }
    path = f"/organisations/{scene.b.id}/relationship-status"
    for who in ("mentee", "coordinator", "mentor's organisation admin", "network co-ordinator"):
        assert scene.call(who, "GET", path).status_code == 404, who


def test_erasing_a_party_ends_their_relationship_without_blame(world: World, scene: Scene) -> None:
    erased_name, kept_name = "colleague of the mentee", "colleague of the mentor"
    rel = scene.start_relationship(scene.programme, kept_name, erased_name)
    # Nobody chooses the reason the service gives an erasure.
    chosen = scene.call(
        kept_name, "POST", f"/relationships/{rel}/end", {"reason": "left_the_network"}
    )
    assert chosen.status_code == 422 and "erased" in chosen.json()["detail"]
    erased_id = scene.member_id(erased_name)
    erasure = new_event(
        MemberErased(member_id=erased_id, organisation_id=scene.b.id, erased_at=datetime.now(UTC)),
        organisation=scene.b.id,
        subject=erased_id,
    )
    publish(world, erasure, erasure)  # delivered twice: it ends once

    def ended() -> bool:
        """the kept party sees the relationship ended"""
        return bool(
            scene.call(kept_name, "GET", f"/relationships/{rel}").json()["status"] == "ended"
        )

    eventually(ended, timeout=30)
    ending = scene.call(kept_name, "GET", f"/relationships/{rel}").json()["ending"]
    assert ending["reason"] == "left_the_network" and ending["ended_by"] == "mentee"
    assert ending["rematch_requested"] is False
    refused = scene.call(kept_name, "POST", f"/relationships/{rel}/messages", {"text": "hello?"})
    assert refused.status_code == 409, refused.text
    events, _ = relationship_events(
        world, {rel}, lambda found: bool(of_type(found, "relationship.ended", rel))
    )
    [published] = of_type(events, "relationship.ended", rel)
    assert published["data"]["reason"] == "left_the_network"
    assert published["data"]["mentee_id"] == erased_id
