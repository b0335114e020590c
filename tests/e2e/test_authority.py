"""Authority follows the truth (docs/security.md, "Threats, defences and the tests that attack
them"): a co-ordinator whose role is revoked, or who is removed from a programme, stops
seeing its relationships, alerts and candidate pool; programmes have routes to add and remove
co-ordinators, each announced with `programme.coordinators_changed`."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from deploy.localnet.identity import bearer
from services.sessions.domain.relationships import relationship_id
from tests.e2e.conftest import Crowd, World, add_crowd, integration_client
from tests.e2e.programme_setup import design
from tests.e2e.sessions_scene import grant_coordinator, match_accepted
from tests.e2e.test_candidate_pool import member_id_of, publish
from tests.e2e.test_first_flow import eventually
from tests.e2e.topic_records import about, read_topic


def _get(world: World, service: str, tokens: dict[str, Any], path: str) -> httpx.Response:
    return httpx.get(f"{world.url(service)}{path}", headers=bearer(tokens), timeout=15)


@pytest.fixture(scope="module")
def crowd(world: World) -> Crowd:
    return add_crowd(world, "tane", "Tane Trust", "health", 4)


def _programme(world: World, coordinator: dict[str, Any]) -> str:
    registry = world.url("registry")
    terms = design(
        "Leaders who stay",
        "Keep first-time leaders in post through their first year",
        "confidence",
    )
    with world.reader(coordinator) as http:
        created = http.post(f"{registry}/programmes", json=terms)
        assert created.status_code == 201, created.text
        programme = str(created.json()["id"])
        opened = http.post(f"{registry}/programmes/{programme}/status", json={"status": "open"})
        assert opened.status_code == 200, opened.text
    return programme


def test_a_revoked_or_removed_coordinator_stops_seeing_the_programmes_relationships(
    world: World, crowd: Crowd
) -> None:
    registry = world.url("registry")
    first = grant_coordinator(world, crowd, 0)
    second = grant_coordinator(world, crowd, 1)
    first_id, second_id = member_id_of(world, first), member_id_of(world, second)
    programme = _programme(world, first)
    mentor, mentee = (member_id_of(world, crowd.people[n]) for n in (2, 3))
    proposal = "prp_authority0001"
    relationship_path = f"/relationships/{relationship_id(proposal)}"

    def relationship_started() -> bool:
        """sessions started the relationship and the first co-ordinator sees it"""
        return _get(world, "sessions", first, relationship_path).status_code == 200

    publish(
        world,
        match_accepted(proposal, programme, (mentee, crowd.id), (mentor, crowd.id)),
        source="matching",
    )
    eventually(relationship_started, timeout=40)
    assert _get(world, "sessions", second, relationship_path).status_code == 404

    # Added through the programme's route: the second co-ordinator sees it too.
    coordinators = f"{registry}/programmes/{programme}/coordinators"
    added = httpx.put(f"{coordinators}/{second_id}", headers=bearer(first), timeout=15)
    assert added.status_code == 200, added.text
    assert added.json()["coordinators"] == [first_id, second_id]
    eventually(
        lambda: _get(world, "sessions", second, relationship_path).status_code == 200, timeout=30
    )
    # Someone without a co-ordinating role cannot be added; a plain member cannot add.
    plain = member_id_of(world, crowd.people[2])
    assert httpx.put(f"{coordinators}/{plain}", headers=bearer(first)).status_code == 422
    assert httpx.put(f"{coordinators}/{plain}", headers=bearer(crowd.people[3])).status_code == 403

    # Removed: they stop seeing it (the attack before: still 200 from sessions' own list).
    removed = httpx.delete(f"{coordinators}/{second_id}", headers=bearer(first), timeout=15)
    assert removed.status_code == 200, removed.text
    eventually(
        lambda: _get(world, "sessions", second, relationship_path).status_code == 404, timeout=30
    )

    # The first co-ordinator's role is revoked by the admin: out of the programme at once
    # (their token still says programme_coordinator for up to 15 minutes; it no longer counts).
    revoked = httpx.delete(
        f"{registry}/organisations/{crowd.id}/members/{first_id}/roles/programme_coordinator",
        headers=bearer(crowd.admin),
        timeout=15,
    )
    assert revoked.status_code == 200, revoked.text
    shown = httpx.get(f"{registry}/programmes/{programme}", headers=bearer(crowd.admin)).json()
    assert shown["coordinators"] == []
    eventually(
        lambda: _get(world, "sessions", first, relationship_path).status_code == 404, timeout=30
    )

    def oversees_nothing() -> bool:
        """evaluation and matching followed too: no alerts, no candidate pool for them"""
        return all(
            _get(world, service, first, path).status_code == 404
            for service, path in (
                ("evaluation", f"/programmes/{programme}/alerts"),
                ("matching", f"/programmes/{programme}/candidate-pool"),
            )
        )

    eventually(oversees_nothing, timeout=30)
    enrolments = f"{registry}/programmes/{programme}/enrolments"
    assert httpx.get(enrolments, headers=bearer(first)).status_code == 403
    # The owner's admin names a new co-ordinator; each change was announced.
    again = httpx.put(f"{coordinators}/{second_id}", headers=bearer(crowd.admin), timeout=15)
    assert again.status_code == 200, again.text
    found, _ = read_topic(
        world,
        "registry",
        about("programme_id", [programme], "programme.coordinators_changed"),
        lambda events: len(events) >= 4,
    )
    changes = [e["data"] for e in found]
    assert [(c["added"], c["removed"], c["revision"]) for c in changes] == [
        ([second_id], [], 1),
        ([], [second_id], 2),
        ([], [first_id], 3),
        ([second_id], [], 4),
    ]


def test_an_integration_clients_scopes_hold_on_every_read(world: World, crowd: Crowd) -> None:
    """The attack: a client registered with only `programmes:read` is refused the member list
    (403) but read a member's full profile (200)."""
    registry = world.url("registry")
    member = member_id_of(world, crowd.people[2])
    profile = f"{registry}/organisations/{crowd.id}/members/{member}/profile"
    written = httpx.put(
        f"{registry}/me/profile",
        headers=bearer(crowd.people[2]),
        json={"display_name": "Tane Two", "skills": ["rostering"]},
        timeout=15,
    )
    assert written.status_code == 200, written.text
    programmes_only = integration_client(world, crowd.id, crowd.admin, ["programmes:read"])
    members_only = integration_client(world, crowd.id, crowd.admin, ["members:read"])
    with world.reader(programmes_only) as http:
        assert http.get(f"{registry}/organisations/{crowd.id}/members").status_code == 403
        assert http.get(profile).status_code == 403
        people = http.get(f"{registry}/people", params={"member": f"{crowd.id}/{member}"})
        assert people.status_code == 403
        assert http.get(f"{registry}/programmes").status_code == 200
    with world.reader(members_only) as http:
        assert http.get(profile).status_code == 200
        assert http.get(profile).json()["display_name"] == "Tane Two"
        assert http.get(f"{registry}/programmes").status_code == 403


def test_only_the_member_gives_their_consent_to_be_seen_across_organisations(
    world: World, crowd: Crowd
) -> None:
    """The attack: the HR system's import says a member shares their profile with other
    organisations (or withdraws their consent)."""
    registry = world.url("registry")
    person = crowd.people[3]
    me = httpx.get(f"{registry}/me", headers=bearer(person), timeout=15).json()
    imported = httpx.post(
        f"{registry}/organisations/{crowd.id}/members/import",
        json=[
            {
                "email": me["email"],
                "display_name": "Tane Three",
                "share_across_organisations": True,
            }
        ],
        headers=bearer(crowd.admin),
        timeout=30,
    )
    assert imported.status_code == 200, imported.text
    (row,) = imported.json()["rows"]
    assert row["outcome"] == "rejected" and "own choice" in row["reason"]
    csv = httpx.post(
        f"{registry}/organisations/{crowd.id}/members/import",
        content=f"email,display_name,share_across_organisations\n{me['email']},T,yes\n",
        headers={**bearer(crowd.admin), "Content-Type": "text/csv"},
        timeout=30,
    )
    assert csv.status_code == 422 and "own choice" in csv.text
    shared = httpx.get(
        f"{registry}/organisations/{crowd.id}/members/{me['id']}/profile",
        headers=bearer(world.a.member),
        timeout=15,
    )
    assert shared.status_code == 404  # no consent was given: nothing crosses
