"""Seed 003's mentor roles and seed 004's reverse and two-way mentoring, end to end: profiles
and programmes through the registry's API, the candidate pool from its real events, and a
matching round whose proposal honours them and says so in its reasons."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import Any

import pytest

from tests.e2e.conftest import Crowd, World, add_crowd
from tests.e2e.programme_setup import call, design, ok, open_and_enrol, profile
from tests.e2e.test_candidate_pool import member_id_of
from tests.e2e.test_first_flow import eventually
from tests.e2e.training_records import record_training

pytestmark = pytest.mark.e2e

TRAINED = str(date.today() - timedelta(days=40))


def _profile(name: str, **fields: Any) -> dict[str, Any]:
    return profile(name, "retail", **fields)


def _design(key: str, **fields: Any) -> dict[str, Any]:
    return design(
        f"Directions {key}",
        "Colleagues learning from each other whatever their seniority",
        "digital confidence",
        **fields,
    )


def _roles(crowd: Crowd, *roles: str) -> list[tuple[dict[str, Any], str]]:
    """The crowd's first people enrolling in these roles, in order."""
    return [(crowd.people[n], role) for n, role in enumerate(roles)]


def _reasons(proposal: dict[str, Any]) -> list[str]:
    return [f"{s['criterion']}: {r}" for s in proposal["scores"] for r in s["reasons"]]


def test_a_reverse_programme_proposes_the_less_senior_mentor_who_takes_the_role_asked_for(
    world: World,
) -> None:
    key = secrets.token_hex(2)
    crowd = add_crowd(world, f"rv{key}", f"Reverse Retail {key}", "retail", 3)
    director, junior, executive = crowd.people
    registry = world.url("registry")
    # A role nobody knows is refused with the roles there are.
    wrong = call(
        world, "registry", director, "PUT", "/me/profile", _profile("D", mentor_roles=["wizard"])
    )
    assert wrong.status_code == 422 and "challenger" in wrong.text, wrong.text
    people = (
        (
            director,
            _profile(
                "Dana Director",
                job_level="director",
                development_goals=["use social media with confidence"],
                wanted_mentor_roles=["challenger"],
            ),
        ),
        (
            junior,
            _profile(
                "Jo Junior",
                job_level="senior",
                skills=["social media"],
                mentor_capacity=1,
                mentor_roles=["challenger", "sounding_board"],
                emcc_competences=["building_the_relationship", "evaluation"],
            ),
        ),
        (
            executive,
            _profile(
                "Eve Executive",
                job_level="executive",
                skills=["social media"],
                mentor_capacity=1,
                mentor_roles=["guide"],
            ),
        ),
    )
    for tokens, body in people:
        ok(call(world, "registry", tokens, "PUT", "/me/profile", body))
    mine = ok(call(world, "registry", junior, "GET", "/me/profile"))
    assert mine["mentor_roles"] == ["challenger", "sounding_board"]
    record_training(registry, crowd.id, crowd.admin, director, mentee_on=TRAINED)
    for tokens in (junior, executive):
        record_training(registry, crowd.id, crowd.admin, tokens, mentor_on=TRAINED)
    # A reverse programme names what the less senior mentor the more senior on.
    untopical = call(
        world, "registry", crowd.admin, "POST", "/programmes", _design(key, direction="reverse")
    )
    assert untopical.status_code == 422 and "name the topics" in untopical.text, untopical.text
    terms = _design(key, direction="reverse", reverse_topics=["social media", "digital tools"])
    programme = open_and_enrol(world, crowd, terms, _roles(crowd, "mentee", "mentor", "mentor"))
    shown = ok(call(world, "registry", crowd.admin, "GET", f"/programmes/{programme}"))
    assert shown["design"]["direction"] == "reverse"

    round_ = ok(call(world, "matching", crowd.admin, "POST", f"/programmes/{programme}/rounds"))
    [proposal] = round_["proposals"]
    assert proposal["mentee_id"] == member_id_of(world, director)
    assert proposal["mentor_id"] == member_id_of(world, junior)
    reasons = _reasons(proposal)
    assert (
        "challenge: Jo Junior is two levels less senior (senior; Dana Director is director): "
        "reverse mentoring, as this programme asks, with Jo Junior mentoring Dana Director on "
        "social media, digital tools" in reasons
    ), reasons
    assert (
        "care: Dana Director asks for a mentor who is a challenger; Jo Junior takes the role of "
        "challenger" in reasons
    ), reasons
    assert any("has developed 2 of the 8 EMCC competences" in r for r in reasons), reasons


def test_a_two_way_programme_pairs_people_whose_skills_meet_each_others_goals(
    world: World,
) -> None:
    key = secrets.token_hex(2)
    crowd = add_crowd(world, f"tw{key}", f"Two Way Retail {key}", "retail", 4)
    alice, bo, cy, half_ready = crowd.people
    registry = world.url("registry")
    people = (
        (alice, _profile("Alice", development_goals=["learn budgeting"], skills=["social media"])),
        (
            bo,
            _profile(
                "Bo",
                skills=["budgeting"],
                development_goals=["use social media"],
                mentor_capacity=1,
            ),
        ),
        (
            cy,
            _profile(
                "Cy", skills=["budgeting"], development_goals=["learn welsh"], mentor_capacity=1
            ),
        ),
        (half_ready, _profile("Hal")),
    )
    for tokens, body in people:
        ok(call(world, "registry", tokens, "PUT", "/me/profile", body))
    for tokens in (alice, bo, cy):
        record_training(
            registry, crowd.id, crowd.admin, tokens, mentor_on=TRAINED, mentee_on=TRAINED
        )
    record_training(registry, crowd.id, crowd.admin, half_ready, mentee_on=TRAINED)
    grouped = call(
        world,
        "registry",
        crowd.admin,
        "POST",
        "/programmes",
        _design(key, direction="two_way", model="group", max_mentees_per_mentor=2),
    )
    assert grouped.status_code == 422 and "one to one" in grouped.text, grouped.text
    programme = open_and_enrol(
        world, crowd, _design(key, direction="two_way"), _roles(crowd, "mentee", "mentor", "mentor")
    )
    # Each of a pair mentors the other: both trainings are needed, whichever side one enrols on.
    refused = call(
        world,
        "registry",
        half_ready,
        "POST",
        f"/programmes/{programme}/enrolments",
        {"role": "mentee"},
    )
    assert refused.status_code in (409, 422), refused.text
    assert "both mentor training and the mentee induction" in refused.text

    round_ = ok(call(world, "matching", crowd.admin, "POST", f"/programmes/{programme}/rounds"))
    [proposal] = round_["proposals"]
    assert proposal["mentor_id"] == member_id_of(world, bo)
    reasons = _reasons(proposal)
    assert (
        "goals_skills: Bo mentors Alice: Alice's goal 'learn budgeting' meets Bo's skill "
        "'budgeting'" in reasons
    ), reasons
    assert (
        "goals_skills: Alice mentors Bo: Bo's goal 'use social media' meets Alice's skill "
        "'social media'" in reasons
    ), reasons

    # Both accept: the relationship is two-way, and its records say who mentors whom.
    ok(call(world, "matching", crowd.admin, "POST", f"/proposals/{proposal['id']}/approve"))
    for tokens in (alice, bo):
        ok(call(world, "matching", tokens, "POST", f"/proposals/{proposal['id']}/accept"))

    def started() -> list[dict[str, Any]]:
        listed = call(world, "sessions", alice, "GET", "/members/me/relationships")
        return [r for r in listed.json() if r["programme_id"] == programme]

    eventually(lambda: bool(started()), timeout=60)
    [relationship] = started()
    assert relationship["two_way"] is True
    base = f"/relationships/{relationship['id']}"
    terms = {
        "duration": "a year",
        "meeting_frequency": "monthly",
        "contact_between_meetings": "e-mail",
        "confidentiality": "what we say stays between us",
        "mentor_responsibilities": [],
        "mentee_responsibilities": [],
        "mentor_mentors_on": ["budgeting"],
    }
    one_way = call(world, "sessions", alice, "PUT", f"{base}/agreement", terms)
    assert one_way.status_code == 422, one_way.text
    assert "names the topics each of you mentors the other on" in one_way.text
    terms["mentee_mentors_on"] = ["social media"]
    ok(call(world, "sessions", alice, "PUT", f"{base}/agreement", terms))
    agreed = ok(call(world, "sessions", bo, "GET", f"{base}/agreement"))
    assert agreed["terms"]["mentee_mentors_on"] == ["social media"]
    log = {"met_on": str(date.today()), "topics": ["posting"], "direction": "mentee_to_mentor"}
    written = ok(call(world, "sessions", alice, "POST", f"{base}/logs", log))
    assert written["direction"] == "mentee_to_mentor"
    goal = {"term": "long", "text": "post on the team channel", "direction": "mentee_to_mentor"}
    added = ok(call(world, "sessions", bo, "POST", f"{base}/action-plan/goals", goal))
    assert added["direction"] == "mentee_to_mentor"
    both = call(
        world, "sessions", bo, "POST", f"{base}/action-plan/goals", {**goal, "direction": "both"}
    )
    assert both.status_code == 422, both.text
