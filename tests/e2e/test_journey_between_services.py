"""One mentoring journey through the real service at each end of every event: nothing is
posed by a hand-built event, so each service reads what another service really published.

Two organisations of the test's own join (registry); one designs a one-to-one programme the
other accepts; a mentor of the first and a mentee of the second write their profiles and enrol
(registry → matching: the candidate pool). The programme's co-ordinator proposes the pair and
approves it, and both accept (matching → sessions: the relationship starts; matching →
notifications: both are mailed; matching → evaluation: the match is on record). The mentee
ends the relationship early (sessions → matching: the pair cannot be proposed again;
sessions → evaluation: the ending is on record). Where the other pairs run for real:
registry → evaluation in test_first_flow.py, registry → notifications (contacts, invitations)
and sessions → notifications (agreements, meetings) and evaluation → notifications (the
alerts digest) in test_notifications.py.
"""

from __future__ import annotations

import json
import secrets
from datetime import date, timedelta
from typing import Any

import pytest
from pymongo import MongoClient

from tests.e2e.conftest import Crowd, World, add_crowd
from tests.e2e.consumed import topic_end, wait_consumed, wait_outbox_published
from tests.e2e.mailpit import Inbox
from tests.e2e.programme_setup import call, design, ok
from tests.e2e.test_candidate_pool import member_id_of
from tests.e2e.test_first_flow import eventually
from tests.e2e.training_records import record_training

pytestmark = pytest.mark.e2e

TRAINED = str(date.today() - timedelta(days=40))


def _profile(name: str, sector: str, **fields: Any) -> dict[str, Any]:
    return {
        "display_name": name,
        "skills": ["service design", "team leadership"],
        "development_goals": ["lead a team through change"],
        "sector": sector,
        "job_level": "manager",
        "time_zone": "Europe/London",
        "languages": ["en"],
        "availability": [{"day": "tue", "start": "09:00", "end": "12:00"}],
        "meeting_modes": ["video"],
        "share_across_organisations": True,
        **fields,
    }


def _on_record(world: World, service: str, crowds: list[Crowd], text: str) -> bool:
    """Whether any document `service` keeps for the network or these organisations holds
    `text` (read as an auditor would)."""
    base = f"{world.env['MENTORNET_DB_PREFIX']}_{service}"
    names = {f"{base}_network", *(f"{base}_o_{c.id}" for c in crowds)}
    mongo: MongoClient[dict[str, Any]] = MongoClient(world.env["MENTORNET_MONGO_URL"])
    with mongo:
        for name in sorted(names & set(mongo.list_database_names())):
            for collection in mongo[name].list_collection_names():
                for document in mongo[name][collection].find({}):
                    if text in json.dumps(document, default=str):
                        return True
    return False


def test_a_relationship_from_enrolment_to_its_end_through_every_service(world: World) -> None:
    key = secrets.token_hex(2)
    harbour = add_crowd(world, f"jh{key}", f"Journey Harbour {key}", "health", 1)
    reef = add_crowd(world, f"jr{key}", f"Journey Reef {key}", "engineering", 1)
    crowds = [harbour, reef]
    mentor, mentee = harbour.people[0], reef.people[0]
    ids = {"mentor": member_id_of(world, mentor), "mentee": member_id_of(world, mentee)}
    ok(
        call(
            world,
            "registry",
            mentor,
            "PUT",
            "/me/profile",
            _profile(
                "Aroha Mentor",
                "health",
                mentor_capacity=1,
                mentor_training_completed_on=TRAINED,
            ),
        )
    )
    ok(
        call(
            world,
            "registry",
            mentee,
            "PUT",
            "/me/profile",
            _profile("Ben Mentee", "engineering", mentee_induction_completed_on=TRAINED),
        )
    )
    # Training and induction are the organisations' to record (their HR import), not the
    # members'.
    registry = world.url("registry")
    record_training(registry, harbour.id, harbour.admin, mentor, mentor_on=TRAINED)
    record_training(registry, reef.id, reef.admin, mentee, mentee_on=TRAINED)
    terms = design(
        f"Journey {key}",
        "Leaders of different sectors learning from each other",
        "confident delegation",
        participating_organisations=[reef.id],
    )
    programme = ok(call(world, "registry", harbour.admin, "POST", "/programmes", terms))["id"]
    ok(call(world, "registry", reef.admin, "POST", f"/programmes/{programme}/acceptance"))
    ok(
        call(
            world,
            "registry",
            harbour.admin,
            "POST",
            f"/programmes/{programme}/status",
            {"status": "open"},
        )
    )
    for tokens, role in ((mentor, "mentor"), (mentee, "mentee")):
        ok(
            call(
                world,
                "registry",
                tokens,
                "POST",
                f"/programmes/{programme}/enrolments",
                {"role": role},
            )
        )

    # registry → matching: both in the candidate pool.
    def pooled() -> bool:
        """matching's candidate pool holds the mentor and the mentee"""
        pool = call(
            world, "matching", harbour.admin, "GET", f"/programmes/{programme}/candidate-pool"
        )
        return pool.status_code == 200 and pool.json()["eligible"] >= 2

    eventually(pooled, timeout=60)
    pair = {"mentee_id": ids["mentee"], "mentor_id": ids["mentor"]}
    proposal = ok(
        call(world, "matching", harbour.admin, "POST", f"/programmes/{programme}/proposals", pair)
    )["id"]
    ok(call(world, "matching", harbour.admin, "POST", f"/proposals/{proposal}/approve"))
    for tokens in (mentee, mentor):
        ok(call(world, "matching", tokens, "POST", f"/proposals/{proposal}/accept"))

    # matching → sessions: the relationship starts.
    def started() -> list[dict[str, Any]]:
        listed = call(world, "sessions", mentee, "GET", "/members/me/relationships")
        return [r for r in listed.json() if r["programme_id"] == programme]

    eventually(lambda: bool(started()), timeout=60)
    [relationship] = started()
    rel = relationship["id"]
    # matching → notifications: both parties hear that their match is agreed.
    inbox = Inbox()
    for person in (harbour.persons[0], reef.persons[0]):
        [mail] = inbox.wait(
            person.email, "proposal_accepted", timeout=60, where=lambda m: proposal in m.delivery
        )
        assert mail.subject == "Your mentoring match is agreed"
    # matching → evaluation, sessions → evaluation: the match and the relationship on record.
    eventually(lambda: _on_record(world, "evaluation", crowds, proposal), timeout=60)
    eventually(lambda: _on_record(world, "evaluation", crowds, rel), timeout=60)

    ended = call(
        world,
        "sessions",
        mentee,
        "POST",
        f"/relationships/{rel}/end",
        {"reason": "not_a_good_fit", "rematch_requested": True},
    )
    assert ended.status_code == 200, ended.text
    # sessions → matching: once matching has read the ending, the pair is one it will never
    # propose again, in any programme (its rules' ended pairs; a hand proposal of the same pair
    # is refused already, as proposed before).
    wait_outbox_published(world, "sessions")
    wait_consumed(world, "matching", topic_end(world, "sessions"))
    mongo: MongoClient[dict[str, Any]] = MongoClient(world.env["MENTORNET_MONGO_URL"])
    with mongo:
        network = mongo[f"{world.env['MENTORNET_DB_PREFIX']}_matching_network"]
        ended_pairs = list(network["ended_pairs"].find({"programme_id": programme}))
    assert [sorted(d["members"]) for d in ended_pairs] == [sorted(ids.values())], ended_pairs
    again = call(
        world, "matching", harbour.admin, "POST", f"/programmes/{programme}/proposals", pair
    )
    assert again.status_code == 422, again.text
