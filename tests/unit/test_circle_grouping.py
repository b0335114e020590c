"""Peer circles (matching's domain): sizes 4-8, X-market rules, everybody placed when the rules
allow it, deterministic, and more diverse than a random grouping."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.matching import network, random_grouping
from services.matching.domain.candidate import Candidate, MatchingProfile, ParticipantRole
from services.matching.domain.circle_grouping import (
    NOT_A_PEER,
    SECTOR_UNKNOWN,
    TOO_FEW,
    CirclePlan,
    CircleRules,
    _construct,
    _eligible,
    _Grouping,
    _swap_gains,
    diversity_of,
    greedy_circles,
    group_into_circles,
)
from services.matching.domain.vocabulary import normalised

SECTORS = (None, "health", "social care", "education", "housing", "finance", "retail")
GOALS = (
    "lead a team through change",
    "manage budgets",
    "move into social care",
    "speak in public",
    "build a network",
)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def peer(rng: random.Random, n: int, organisations: int, manager: str | None = None) -> Candidate:
    eligible = rng.random() < 0.9
    return Candidate(
        member_id=f"mem_peer_{n:03d}",
        organisation_id=f"org_{rng.randrange(organisations)}",
        role=ParticipantRole.PEER,
        eligible=eligible,
        exclusions=[] if eligible else ["mentee induction not complete"],
        profile=MatchingProfile(
            display_name=f"Peer {n}",
            development_goals=rng.sample(GOALS, rng.randint(0, 3)),
            sector=rng.choice(SECTORS),
            line_manager_id=manager,
        ),
    )


@st.composite
def peers(draw: st.DrawFn, managers: bool = True) -> dict[str, Any]:
    n = draw(st.integers(0, 60))
    organisations = draw(st.integers(1, 12))
    rng = random.Random(draw(st.integers(0, 2**32)))
    people = []
    for i in range(n):
        other = rng.choice([j for j in range(n) if j != i] or [i])
        boss = f"mem_peer_{other:03d}" if managers and other != i and rng.random() < 0.15 else None
        people.append(peer(rng, i, organisations, boss))
    one_per_org = draw(st.booleans())
    rules = CircleRules(
        one_per_organisation=one_per_org,
        one_per_sector=one_per_org and draw(st.booleans()),
    )
    return {"peers": people, "rules": rules, "seed": draw(st.integers(0, 1000))}


def check(plan: CirclePlan, people: list[Candidate], rules: CircleRules) -> None:
    by_id = {c.member_id: c for c in people}
    placed = [m for circle in plan.circles for m in circle]
    assert len(placed) == len(set(placed))
    assert sorted(placed + [u.member_id for u in plan.unplaced]) == sorted(by_id)
    for circle in plan.circles:
        assert rules.min_size <= len(circle) <= rules.max_size
        members = [by_id[m] for m in circle]
        assert all(c.eligible and c.role is ParticipantRole.PEER for c in members)
        if rules.one_per_organisation:
            assert len({c.organisation_id for c in members}) == len(members)
        if rules.one_per_sector:
            sectors = [normalised(c.profile.sector) for c in members if c.profile]
            assert None not in sectors and len(set(sectors)) == len(members)
        for c in members:
            assert c.profile is not None
            assert c.profile.line_manager_id not in circle
    assert plan.diversity.circles == len(plan.circles)
    assert plan.diversity.placed == len(placed)


@FAST
@given(peers())
def test_circles_keep_every_rule(case: dict[str, Any]) -> None:
    plan = group_into_circles(case["peers"], case["rules"], seed=case["seed"])
    check(plan, case["peers"], case["rules"])
    check(
        greedy_circles(case["peers"], case["rules"], seed=case["seed"]),
        case["peers"],
        case["rules"],
    )


@FAST
@given(peers(managers=False))
def test_everybody_is_placed_when_the_organisation_rule_allows_it(case: dict[str, Any]) -> None:
    rules: CircleRules = case["rules"]
    if rules.one_per_sector:
        rules = rules.model_copy(update={"one_per_sector": False})
    eligible = [c for c in case["peers"] if c.eligible]
    largest = max(Counter(c.organisation_id for c in eligible).values(), default=0)
    plan = group_into_circles(case["peers"], rules, seed=case["seed"])
    if len(eligible) >= rules.min_size and (
        not rules.one_per_organisation or largest <= len(eligible) // rules.min_size
    ):
        assert sum(len(c) for c in plan.circles) == len(eligible)


@FAST
@given(peers(), st.randoms(use_true_random=False))
def test_the_grouping_is_deterministic(case: dict[str, Any], rng: random.Random) -> None:
    first = group_into_circles(case["peers"], case["rules"], seed=case["seed"])
    shuffled = list(case["peers"])
    rng.shuffle(shuffled)
    assert group_into_circles(shuffled, case["rules"], seed=case["seed"]) == first


@FAST
@given(peers())
def test_local_search_never_makes_it_worse(case: dict[str, Any]) -> None:
    ours = group_into_circles(case["peers"], case["rules"], seed=case["seed"])
    greedy = greedy_circles(case["peers"], case["rules"], seed=case["seed"])
    assert ours.diversity.worth >= greedy.diversity.worth - 1e-9


@FAST
@given(peers())
def test_looking_only_at_changed_circles_makes_the_same_swaps(case: dict[str, Any]) -> None:
    incremental = group_into_circles(case["peers"], case["rules"], seed=case["seed"], passes=6)
    everybody = group_into_circles(
        case["peers"], case["rules"], seed=case["seed"], passes=6, incremental=False
    )
    assert incremental == everybody


def _worth(g: _Grouping) -> float:
    return sum(g.worth_of(c) for c in range(len(g.members)))


def _swap(g: _Grouping, a: int, b: int) -> None:
    ca, cb = g.remove(a), g.remove(b)
    g.add(b, ca)
    g.add(a, cb)


@FAST
@given(peers(managers=False))
def test_swap_gains_are_what_a_swap_adds_to_the_worth(case: dict[str, Any]) -> None:
    """Every gain against a swap made and measured, before and after swaps are made."""
    eligible, _ = _eligible(case["peers"], case["rules"])
    g, _, _ = _construct(eligible, case["rules"], case["seed"], 1.0)
    placed = np.flatnonzero(g.circle_of >= 0) if g is not None else np.array([])
    if g is None or not len(placed):
        return
    gains = _swap_gains(g, placed)
    rng = random.Random(case["seed"])
    for _ in range(3):
        a = rng.choice(placed.tolist())
        found = gains.gains(int(np.searchsorted(placed, a)), slice(None))
        for kb, b in enumerate(placed.tolist()):
            ca, cb = int(g.circle_of[a]), int(g.circle_of[b])
            if ca == cb or not (g.allowed(a, cb, leaving=b) and g.allowed(b, ca, leaving=a)):
                assert found[kb] == -np.inf
                continue
            before = _worth(g)
            _swap(g, a, b)
            assert found[kb] == pytest.approx(_worth(g) - before, abs=1e-9)
            _swap(g, a, b)
        # Make the best swap, so the next look checks the kept-up-to-date gains.
        kb = int(np.argmax(found))
        if found[kb] > -np.inf:
            b = int(placed[kb])
            ca, cb = int(g.circle_of[a]), int(g.circle_of[b])
            _swap(g, a, b)
            members = np.searchsorted(placed, g.members[ca] + g.members[cb])
            gains.swapped(int(np.searchsorted(placed, a)), kb, members)


def test_the_x_market_example_more_diverse_than_random() -> None:
    programme, pool, _ = network(300, 0, seed=5, model="x_market_circle")
    rules = CircleRules.for_programme(programme)
    plan = group_into_circles(pool, rules, seed=1)
    check(plan, pool, rules)
    assert all(u.reason.startswith("not in the pool") for u in plan.unplaced)
    eligible = [c for c in pool if c.eligible]
    rand = diversity_of(random_grouping(eligible, len(plan.circles), seed=1))
    d = plan.diversity
    assert d.organisation_spread == 1.0 > rand.organisation_spread
    assert d.sector_spread > rand.sector_spread
    assert d.shared_goals > rand.shared_goals
    assert 4 <= d.mean_size <= 8


def test_sectors_must_be_known_when_one_per_sector() -> None:
    rng = random.Random(3)
    people = [peer(rng, i, 12) for i in range(30)]
    people = [c.model_copy(update={"eligible": True}) for c in people]
    plan = group_into_circles(people, CircleRules(one_per_organisation=True, one_per_sector=True))
    unknown = {c.member_id for c in people if c.profile and c.profile.sector is None}
    assert {u.member_id for u in plan.unplaced if u.reason == SECTOR_UNKNOWN} == unknown


def test_too_few_peers_and_wrong_roles() -> None:
    rng = random.Random(0)
    few = [peer(rng, i, 3).model_copy(update={"eligible": True}) for i in range(3)]
    mentor = few[0].model_copy(update={"member_id": "mem_mentor", "role": ParticipantRole.MENTOR})
    plan = group_into_circles([*few, mentor], CircleRules())
    assert plan.circles == ()
    reasons = {u.member_id: u.reason for u in plan.unplaced}
    assert reasons["mem_mentor"] == NOT_A_PEER.format(role="mentor")
    assert {reasons[c.member_id] for c in few} == {TOO_FEW}


def test_rules_follow_the_programme_and_sizes_are_checked() -> None:
    programme, _, _ = network(0, 0, seed=1, model="x_market_circle")
    assert CircleRules.for_programme(programme, different_sectors=True).one_per_sector
    peer_circle = programme.model_copy(update={"model": "peer_circle"})
    assert not CircleRules.for_programme(peer_circle).one_per_organisation
    with pytest.raises(ValueError, match="min_size"):
        CircleRules(min_size=6, target_size=5)
