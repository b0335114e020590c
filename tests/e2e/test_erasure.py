"""Export and erasure, end to end with real sign-in.

A partner of this module's own — Cedar Trust, with its own provider and people — is erased
from, so the session's shared people (A's and B's) are never touched.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from pymongo import MongoClient

from deploy.localnet.identity import Person, bearer, sign_in_tokens
from services.registry.domain.export import TOMBSTONE_FIELDS, tombstone_update
from shared.contracts.registry import MemberErased
from shared.events.catalogue import new_event
from shared.mongo.claims import REVISION
from shared.mongo.outbox_staging import stage
from shared.secrets import token_hash
from tests.e2e.conftest import World, connect_partner
from tests.e2e.test_first_flow import eventually
from tests.e2e.training_records import record_training

PERSONAL = ("email", "name", "issuer", "subject", "profile", "roles")
INDUCTED = str(date.today() - timedelta(days=20))


@dataclass
class Cedar:
    """This module's partner organisation and its signed-in people (token responses)."""

    id: str
    people: dict[str, Person]
    tokens: dict[str, dict[str, Any]]
    ids: dict[str, str]
    programme_id: str
    circle_id: str

    def url(self, world: World, path: str) -> str:
        """A registry URL."""
        return f"{world.url('registry')}{path}"


@pytest.fixture(scope="module")
def cedar(world: World, tmp_path_factory: pytest.TempPathFactory) -> Cedar:
    """Cedar Trust: an admin and four people with profiles; alice, carol and dave enrolled
    as peers in an open circle programme and members of one circle."""
    registry = world.url("registry")
    people = {
        key: Person(f"cedar-{key}", f"{key}@cedar.example", f"{key.title()} Cedar")
        for key in ("admin", "alice", "bob", "carol", "dave")
    }
    organisation_id, _ = connect_partner(
        registry,
        world.coordinator,
        "Cedar Trust",
        "education",
        list(people.values()),
        [people["admin"].email],
        tmp_path_factory.mktemp("cedar"),
        world.providers,
    )
    tokens = {k: sign_in_tokens(registry, organisation_id, p) for k, p in people.items()}
    ids = {
        k: httpx.get(f"{registry}/me", headers=bearer(t)).json()["id"] for k, t in tokens.items()
    }
    for key in ("alice", "bob", "carol", "dave"):
        written = httpx.put(
            f"{registry}/me/profile",
            headers=bearer(tokens[key]),
            json={
                "display_name": f"{key.title()} Cedar",
                "skills": ["curriculum design"],
                "sector": "education",
                "time_zone": "Europe/London",
                "languages": ["en"],
                "meeting_modes": ["video"],
            },
        )
        assert written.status_code == 200, written.text
        record_training(registry, organisation_id, tokens["admin"], tokens[key], mentee_on=INDUCTED)
    programme_id, circle_id = _circle_programme(registry, tokens, ("alice", "carol", "dave"))
    return Cedar(organisation_id, people, tokens, ids, programme_id, circle_id)


def _circle_programme(
    registry: str, tokens: dict[str, dict[str, Any]], peers: tuple[str, ...]
) -> tuple[str, str]:
    with httpx.Client(headers=bearer(tokens["admin"]), timeout=15) as admin:
        programme = admin.post(
            f"{registry}/programmes",
            json={
                "name": "Cedar peer circles",
                "purpose": "Teachers learning from teachers",
                "goals": ["reflect on practice"],
                "model": "peer_circle",
                "starts_on": str(date.today() + timedelta(days=7)),
                "ends_on": str(date.today() + timedelta(days=200)),
                "meeting_every_days": 14,
                "min_meeting_minutes": 60,
                "max_meeting_minutes": 90,
            },
        )
        assert programme.status_code == 201, programme.text
        programme_id = str(programme.json()["id"])
        opened = admin.post(f"{registry}/programmes/{programme_id}/status", json={"status": "open"})
        assert opened.status_code == 200, opened.text
        circle = admin.post(
            f"{registry}/programmes/{programme_id}/circles", json={"name": "Thursday circle"}
        )
        assert circle.status_code == 201, circle.text
        circle_id = str(circle.json()["id"])
    for key in peers:
        with httpx.Client(headers=bearer(tokens[key]), timeout=15) as person:
            enrolled = person.post(
                f"{registry}/programmes/{programme_id}/enrolments", json={"role": "peer"}
            )
            assert enrolled.status_code == 201, enrolled.text
            joined = person.post(
                f"{registry}/circles/{circle_id}/members",
                json={"consent": True, "contract_accepted": True},
            )
            assert joined.status_code == 200, joined.text
    return programme_id, circle_id


def _mongo(world: World) -> MongoClient[dict[str, Any]]:
    return MongoClient(world.env["MENTORNET_MONGO_URL"], tz_aware=True)


def _registry_db(world: World, organisation_id: str) -> str:
    return f"{world.env['MENTORNET_DB_PREFIX']}_registry_o_{organisation_id}"


def _network_db(world: World) -> str:
    return f"{world.env['MENTORNET_DB_PREFIX']}_registry_network"


def _refresh(world: World, tokens: dict[str, Any]) -> httpx.Response:
    return httpx.post(
        f"{world.url('registry')}/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
    )


def _members_counted(world: World, cedar: Cedar) -> int:
    stats = httpx.get(
        f"{world.url('evaluation')}/organisations/{cedar.id}/statistics",
        headers=bearer(cedar.tokens["admin"]),
    )
    assert stats.status_code == 200, stats.text
    return int(stats.json()["members"])


def _assert_erased_everywhere(world: World, cedar: Cedar, key: str) -> None:
    """The registry's databases hold nothing personal of `key` any more."""
    member_id, person = cedar.ids[key], cedar.people[key]
    with _mongo(world) as mongo:
        own = mongo[_registry_db(world, cedar.id)]
        tombstone = own["members"].find_one({"_id": member_id})
        assert tombstone is not None
        # `_rev`: the revision guarded changes claim on FerretDB (a number, nothing personal).
        assert set(tombstone) <= TOMBSTONE_FIELDS | {"_outbox", REVISION}, tombstone
        assert not any(field in tombstone for field in PERSONAL)
        assert "erasure_pending" not in tombstone
        stored = json.dumps(tombstone, default=str)
        for trace in (person.email, person.name, person.username, f"{key.title()} Cedar"):
            assert trace not in stored
        assert own["refresh_tokens"].count_documents({"member_id": member_id}) == 0
        assert own["invitations"].count_documents({"_id": person.email}) == 0
        network = mongo[_network_db(world)]
        assert network["enrolments"].count_documents({"member_id": member_id}) == 0
        circle = network["circles"].find_one({"_id": cedar.circle_id})
        assert circle is not None
        assert member_id not in json.dumps(circle["members"], default=str)


def test_a_member_downloads_everything_the_registry_holds_about_them(
    world: World, cedar: Cedar
) -> None:
    alice = cedar.tokens["alice"]
    response = httpx.get(cedar.url(world, "/me/export"), headers=bearer(alice))
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == (
        f'attachment; filename="mentornet-export-{cedar.ids["alice"]}.json"'
    )
    export = response.json()
    assert export["member"]["id"] == cedar.ids["alice"]
    assert export["member"]["email"] == "alice@cedar.example"
    assert export["member"]["name"] == "Alice Cedar"
    assert export["member"]["roles"] == ["member"]
    assert export["member"]["organisation_id"] == cedar.id
    assert export["member"]["subject"] == "sub-cedar-alice"
    assert export["profile"]["display_name"] == "Alice Cedar"
    assert export["enrolments"] == [
        {
            "programme_id": cedar.programme_id,
            "role": "peer",
            "enrolled_at": export["enrolments"][0]["enrolled_at"],
        }
    ]
    assert [c["circle_id"] for c in export["circles"]] == [cedar.circle_id]
    assert export["circles"][0]["programme_id"] == cedar.programme_id
    assert export["circles"][0]["joined_at"]
    assert export["live_refresh_tokens"] >= 1
    # Never a secret, never anyone else.
    assert alice["refresh_token"] not in response.text
    assert token_hash(alice["refresh_token"]) not in response.text
    for other in ("bob", "carol", "dave", "admin"):
        assert cedar.ids[other] not in response.text
        assert cedar.people[other].email not in response.text

    admin_export = httpx.get(cedar.url(world, "/me/export"), headers=bearer(cedar.tokens["admin"]))
    assert admin_export.json()["invited_roles"] == ["organisation_admin"]
    assert admin_export.json()["facilitated_circles"] == [cedar.circle_id]

    with world.reader(cedar.tokens["admin"]) as http:
        client = http.post(
            cedar.url(world, f"/organisations/{cedar.id}/clients"),
            json={"name": "Cedar HR", "scopes": ["members:read"]},
        ).json()
    token = httpx.post(
        cedar.url(world, "/oauth/token"),
        data={"grant_type": "client_credentials"},
        auth=(client["client_id"], client["client_secret"]),
    ).json()
    assert httpx.get(cedar.url(world, "/me/export"), headers=bearer(token)).status_code == 403
    refused = httpx.delete(cedar.url(world, "/me"), headers=bearer(token))
    assert refused.status_code == 403


def test_a_member_erases_themselves_and_every_service_forgets_them(
    world: World, cedar: Cedar
) -> None:
    alice = cedar.tokens["alice"]
    alice_id = cedar.ids["alice"]

    def all_five_counted() -> bool:
        """evaluation counts Cedar's five people"""
        return _members_counted(world, cedar) == 5

    eventually(all_five_counted)

    unconfirmed = httpx.delete(cedar.url(world, "/me"), headers=bearer(alice))
    assert unconfirmed.status_code == 403
    assert "confirm" in unconfirmed.json()["detail"]
    someone_else = httpx.delete(
        cedar.url(world, "/me"), params={"confirm": cedar.ids["dave"]}, headers=bearer(alice)
    )
    assert someone_else.status_code == 403
    assert httpx.get(cedar.url(world, "/me"), headers=bearer(alice)).status_code == 200

    erased = httpx.delete(
        cedar.url(world, "/me"), params={"confirm": alice_id}, headers=bearer(alice)
    )
    assert erased.status_code == 200, erased.text
    receipt = erased.json()
    assert receipt["member_id"] == alice_id
    assert receipt["organisation_id"] == cedar.id
    assert "new, empty membership" in receipt["detail"]

    assert httpx.get(cedar.url(world, "/me"), headers=bearer(alice)).status_code in (401, 404)
    assert httpx.get(cedar.url(world, "/me/export"), headers=bearer(alice)).status_code == 404
    assert httpx.get(cedar.url(world, "/me/profile"), headers=bearer(alice)).status_code == 404
    # Her access token lives on until it expires, but writes nothing back into the tombstone.
    rewrite = httpx.put(
        cedar.url(world, "/me/profile"),
        headers=bearer(alice),
        json={
            "display_name": "Alice Cedar",
            "skills": ["curriculum design"],
            "time_zone": "Europe/London",
            "languages": ["en"],
            "meeting_modes": ["video"],
        },
    )
    assert rewrite.status_code == 404, rewrite.text
    refreshed = _refresh(world, alice)
    assert refreshed.status_code == 400
    assert refreshed.json()["error"] == "invalid_grant"
    # Erasing again is harmless: the same receipt.
    again = httpx.delete(
        cedar.url(world, "/me"), params={"confirm": alice_id}, headers=bearer(alice)
    )
    assert again.status_code == 200
    assert again.json()["erased_at"] == receipt["erased_at"]

    _assert_erased_everywhere(world, cedar, "alice")
    circle = httpx.get(
        cedar.url(world, f"/circles/{cedar.circle_id}"), headers=bearer(cedar.tokens["dave"])
    ).json()
    assert alice_id not in {m["member_id"] for m in circle["members"]}
    assert cedar.ids["dave"] in {m["member_id"] for m in circle["members"]}
    listed = httpx.get(
        cedar.url(world, f"/organisations/{cedar.id}/members"),
        headers=bearer(cedar.tokens["admin"]),
    )
    assert listed.status_code == 200, listed.text
    assert alice_id not in {m["id"] for m in listed.json()}

    def evaluation_forgot_her() -> bool:
        """evaluation's count of Cedar's members dropped by one"""
        return _members_counted(world, cedar) == 4

    eventually(evaluation_forgot_her, timeout=10)

    # Signing in again through the provider starts a new, empty membership.
    anew = sign_in_tokens(world.url("registry"), cedar.id, cedar.people["alice"])
    me = httpx.get(cedar.url(world, "/me"), headers=bearer(anew)).json()
    assert me["id"] != alice_id
    assert me["email"] == "alice@cedar.example"
    fresh = httpx.get(cedar.url(world, "/me/export"), headers=bearer(anew)).json()
    assert fresh["profile"] is None
    assert fresh["enrolments"] == []
    assert fresh["circles"] == []
    cedar.ids["alice"] = me["id"]

    def the_newcomer_is_counted() -> bool:
        """evaluation counts the new membership"""
        return _members_counted(world, cedar) == 5

    eventually(the_newcomer_is_counted, timeout=10)


def test_an_admin_erases_a_member_of_their_own_organisation_only(
    world: World, cedar: Cedar
) -> None:
    bob_id = cedar.ids["bob"]
    path = f"/organisations/{cedar.id}/members/{bob_id}"
    for outsider in (world.b.admin, world.a.admin, world.coordinator):
        refused = httpx.delete(cedar.url(world, path), headers=bearer(outsider))
        assert refused.status_code == 404, refused.text
    # B's admin naming its own organisation in the path finds no such member there.
    elsewhere = httpx.delete(
        cedar.url(world, f"/organisations/{world.b.id}/members/{bob_id}"),
        headers=bearer(world.b.admin),
    )
    assert elsewhere.status_code == 404
    # A member who is not an admin cannot erase a colleague.
    colleague = httpx.delete(cedar.url(world, path), headers=bearer(cedar.tokens["dave"]))
    assert colleague.status_code == 403
    assert (
        httpx.get(cedar.url(world, "/me"), headers=bearer(cedar.tokens["bob"])).status_code == 200
    )

    erased = httpx.delete(cedar.url(world, path), headers=bearer(cedar.tokens["admin"]))
    assert erased.status_code == 200, erased.text
    assert erased.json()["member_id"] == bob_id
    assert _refresh(world, cedar.tokens["bob"]).status_code == 400
    assert httpx.get(cedar.url(world, "/me"), headers=bearer(cedar.tokens["bob"])).status_code in (
        401,
        404,
    )
    _assert_erased_everywhere(world, cedar, "bob")
    with _mongo(world) as mongo:
        tombstone = mongo[_registry_db(world, cedar.id)]["members"].find_one({"_id": bob_id})
    assert tombstone is not None
    assert tombstone["erased_by"] == cedar.ids["admin"]

    def evaluation_forgot_him() -> bool:
        """evaluation's count of Cedar's members dropped by one"""
        return _members_counted(world, cedar) == 4

    eventually(evaluation_forgot_him, timeout=10)


def test_an_erasure_cut_short_after_the_tombstone_is_finished_at_start_up(
    world: World, cedar: Cedar
) -> None:
    """The state a crash right after the tombstone write leaves — tombstone and its
    `member.erased` in the outbox, refresh tokens, enrolment and circle place still there —
    is finished when the registry starts again."""
    carol_id = cedar.ids["carol"]
    counted = _members_counted(world, cedar)
    with _mongo(world) as mongo:
        members = mongo[_registry_db(world, cedar.id)]["members"]
        document = members.find_one({"_id": carol_id})
        assert document is not None
        now = datetime.now(UTC)
        event = new_event(
            MemberErased(member_id=carol_id, organisation_id=cedar.id, erased_at=now),
            organisation=cedar.id,
            subject=carol_id,
        )
        update = tombstone_update(document, now, "self")
        staged = stage([event], world.env["MENTORNET_TOPIC_PREFIX"])
        update["$set"].update({f"_outbox.{k}": v for k, v in staged.items()})
        assert members.update_one({"_id": carol_id}, update).modified_count == 1
        refresh_tokens = mongo[_registry_db(world, cedar.id)]["refresh_tokens"]
        assert refresh_tokens.count_documents({"member_id": carol_id}) >= 1

    registry = world.services["registry"]
    registry.stop()
    registry.start()
    registry.wait_ready()

    _assert_erased_everywhere(world, cedar, "carol")
    assert _refresh(world, cedar.tokens["carol"]).status_code == 400

    def evaluation_heard_of_it() -> bool:
        """the start-up sweep published member.erased and evaluation counted one fewer"""
        return _members_counted(world, cedar) == counted - 1

    eventually(evaluation_heard_of_it, timeout=15)
