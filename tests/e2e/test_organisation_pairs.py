"""Seed 004's organisations mentoring each other, end to end with real tokens: a programme of
four organisations paired two by two is designed and opened through the registry, people of
each enrol, matching's round pairs people only within an organisation pair (even where a
better-scoring pair crosses pairs), and the evaluation service's figures read a row per pair,
suppressed as every other row is."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import Any

import pytest

from tests.e2e.conftest import Crowd, World, add_crowd
from tests.e2e.programme_setup import call, design, ok, open_and_enrol, profile
from tests.e2e.test_candidate_pool import member_id_of
from tests.e2e.test_first_flow import eventually
from tests.e2e.test_outcome_figures import cell, expected, figures, shown
from tests.e2e.training_records import record_training

pytestmark = pytest.mark.e2e

TRAINED = str(date.today() - timedelta(days=40))


def _profile(name: str, **fields: Any) -> dict[str, Any]:
    return profile(name, "public services", "wed", share_across_organisations=True, **fields)


def _design(key: str, **fields: Any) -> dict[str, Any]:
    return design(
        f"Learning from each other {key}",
        "Organisations of differing size learning from each other's practice",
        "new practice",
        **fields,
    )


# Who each organisation enrols: the first pair six people (figures shown), the second four
# (figures suppressed). The council's first mentee wants budgeting, which only the housing
# association's mentor offers: the best score, but across the two pairs.
ROLES = {
    "council": ["mentee", "mentee", "mentor"],
    "charity": ["mentor", "mentor", "mentee"],
    "housing": ["mentee", "mentor"],
    "enterprise": ["mentee", "mentor"],
}


def test_a_programme_pairing_organisations_matches_people_only_within_a_pair(
    world: World,
) -> None:
    key = secrets.token_hex(2)
    names = {name: f"{name.title()} {key}" for name in ROLES}
    crowds: dict[str, Crowd] = {
        name: add_crowd(world, f"op{name[:3]}{key}", names[name], "public", len(roles))
        for name, roles in ROLES.items()
    }
    council, charity, housing, enterprise = crowds.values()
    registry = world.url("registry")
    people: dict[str, tuple[str, str]] = {}  # member id: (organisation key, role)
    for name, roles in ROLES.items():
        crowd = crowds[name]
        for n, (tokens, role) in enumerate(zip(crowd.people, roles, strict=True)):
            fields: dict[str, Any] = {"development_goals": ["learn welsh"], "skills": ["archery"]}
            if role == "mentor":
                fields["mentor_capacity"] = 1
            if (name, n) == ("council", 0):
                fields["development_goals"] = ["learn budgeting"]
            if (name, role) == ("housing", "mentor"):
                fields["skills"] = ["budgeting"]
            ok(
                call(
                    world,
                    "registry",
                    tokens,
                    "PUT",
                    "/me/profile",
                    _profile(f"{name} {n}", **fields),
                )
            )
            training = {"mentor_on": TRAINED} if role == "mentor" else {"mentee_on": TRAINED}
            record_training(registry, crowd.id, crowd.admin, tokens, **training)
            people[member_id_of(world, tokens)] = (name, role)

    others = [charity.id, housing.id, enterprise.id]
    pairs = [
        {"first": council.id, "second": charity.id},
        {"first": housing.id, "second": enterprise.id},
    ]
    # A pair must be of organisations taking part, and of two different ones: refused, saying so.
    for wrong, why in [
        ([{"first": council.id, "second": world.b.id}], "not taking part"),
        ([{"first": housing.id, "second": housing.id}], "two different organisations"),
    ]:
        refused = call(
            world,
            "registry",
            council.admin,
            "POST",
            "/programmes",
            _design(key, participating_organisations=others, organisation_pairs=wrong),
        )
        assert refused.status_code == 422, refused.text
        assert why in refused.text, refused.text

    everyone = [
        (tokens, role)
        for name, roles in ROLES.items()
        for tokens, role in zip(crowds[name].people, roles, strict=True)
    ]
    terms = _design(key, participating_organisations=others, organisation_pairs=pairs)
    programme = open_and_enrol(world, council, terms, everyone, [charity, housing, enterprise])
    designed = ok(call(world, "registry", council.admin, "GET", f"/programmes/{programme}"))
    assert designed["design"]["organisation_pairs"] == pairs

    # The programme's figures, a row per pair, before anyone is proposed: everyone enrolled
    # and ready, six people in the first pair, four in the second, suppressed exactly as rows
    # by organisation are (`figures` checks nothing shown is drawn from fewer than five).
    first = " & ".join(sorted((names["council"], names["charity"])))
    second = " & ".join(sorted((names["housing"], names["enterprise"])))
    by_pair = f"/programmes/{programme}/figures?rows=organisation_pair"

    def counted() -> bool:
        """the evaluation service has seen every enrolment"""
        participation = figures(world, council.admin, by_pair)["participation"]
        rows = {r["label"] for r in participation["rows"]}
        return rows == {first, second} and cell(participation, "all", "ready")["value"] == 10

    eventually(counted, timeout=90)
    participation = figures(world, council.admin, by_pair)["participation"]
    assert participation["row_heading"] == "organisation_pair"
    nobody = [(0, 0)] * 4
    rows = {first: [(6, 6), (6, 6), *nobody], second: [(4, 4), (4, 4), *nobody]}
    total = [(10, 10), (10, 10), *nobody]
    assert shown(participation) == expected(participation, rows, total)
    assert cell(participation, second, "enrolled")["suppressed"]  # four people: hidden
    # Only the programme's co-ordinators read them; another organisation's admin gets 404.
    outsider = call(world, "evaluation", housing.admin, "GET", by_pair)
    assert outsider.status_code == 404, outsider.text

    # The best-scoring pair crosses the two pairs: asked for by hand, it is refused, saying why.
    wants_budgeting = member_id_of(world, council.people[0])
    offers_budgeting = member_id_of(world, housing.people[1])
    asked = call(
        world,
        "matching",
        council.admin,
        "POST",
        f"/programmes/{programme}/proposals",
        {"mentee_id": wants_budgeting, "mentor_id": offers_budgeting},
    )
    assert asked.status_code == 422, asked.text
    assert "not paired in this programme" in asked.text, asked.text

    round_ = ok(call(world, "matching", council.admin, "POST", f"/programmes/{programme}/rounds"))
    proposals = round_["proposals"]
    partner = {
        "council": "charity",
        "charity": "council",
        "housing": "enterprise",
        "enterprise": "housing",
    }
    mentees = {m for m, (_, role) in people.items() if role == "mentee"}
    assert {p["mentee_id"] for p in proposals} == mentees, proposals
    for proposal in proposals:
        mentee_org, _ = people[proposal["mentee_id"]]
        mentor_org, _ = people[proposal["mentor_id"]]
        assert partner[mentee_org] == mentor_org, (mentee_org, mentor_org)

    # Asked again now that the mentee holds a proposal: refused for that,
    # not for being unenrolled, which they are not.
    again = call(
        world,
        "matching",
        council.admin,
        "POST",
        f"/programmes/{programme}/proposals",
        {"mentee_id": wants_budgeting, "mentor_id": offers_budgeting},
    )
    assert again.status_code == 422, again.text
    assert "already has an open or accepted proposal" in again.text, again.text
    assert "not enrolled" not in again.text, again.text

    # The same people in a programme that pairs no organisations: the round proposes the
    # cross-pair one, so the paired round above chose others because of the pairs.
    unpaired = _design(f"{key} unpaired", participating_organisations=[charity.id, housing.id])
    control = open_and_enrol(
        world,
        council,
        unpaired,
        [
            (council.people[0], "mentee"),
            (charity.people[0], "mentor"),
            (housing.people[1], "mentor"),
        ],
        [charity, housing],
    )
    round_ = ok(call(world, "matching", council.admin, "POST", f"/programmes/{control}/rounds"))
    assert [(p["mentee_id"], p["mentor_id"]) for p in round_["proposals"]] == [
        (wants_budgeting, offers_budgeting)
    ]
