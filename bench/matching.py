"""bench/matching: matching rounds and circles on synthetic networks of 20 organisations.

Pure domain code, no servers. Three phases, each timed:

a. a full one-to-many round: 10,000 mentees and 3,000 mentors with capacities 1-4 (the pool
   rule, hard constraints and scoring on the sparse top-K candidate graph, then min-cost flow);
   target under 10 s. Pairs must come from different organisations (X-market). Its total
   score is printed beside a greedy baseline's on the same graph, and the time to give every
   proposal its reasons.
b. exactness: 1,000 mentees x 400 mentors, the full graph of possible pairs (no pruning):
   min-cost flow against scipy's linear_sum_assignment on the dense matrix expanded to one
   column per mentor place plus one "unmatched" column per mentee (impossible pairs forbidden).
   The two integer totals must be equal. The top-K flow's total on that instance shows what
   pruning costs.
c. 2,000 peers into X-market circles of 4-8 (target under 5 s), with the diversity achieved
   beside a random grouping's and the greedy construction's.

Progress lines first; the last line is one JSON object of the figures.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from services.matching.domain.assignment import greedy_assignment, optimal_assignment
from services.matching.domain.candidate import (
    Availability,
    Candidate,
    Enrolment,
    MatchingProfile,
    ParticipantRole,
    ProgrammeTerms,
    Readiness,
)
from services.matching.domain.candidate_graph import CandidateGraph, candidate_graph
from services.matching.domain.circle_grouping import (
    CircleRules,
    diversity_of,
    greedy_circles,
    group_into_circles,
)
from services.matching.domain.constraints import MatchingRules
from services.matching.domain.pool import candidate_pool
from services.matching.domain.scoring import Weights, score_pair

ORGANISATIONS = 20
SECTORS = (
    "health",
    "social care",
    "education",
    "local government",
    "housing",
    "charity",
    "finance",
    "technology",
    "retail",
    "transport",
)
# (time zone, weight, locations)
ZONES = (
    ("Europe/London", 45, ("London", "Leeds", "Manchester")),
    ("Europe/Paris", 15, ("Paris", "Lyon")),
    ("Europe/Dublin", 5, ("Dublin",)),
    ("America/New_York", 10, ("New York", "Boston")),
    ("Asia/Kolkata", 10, ("Mumbai", "Bengaluru")),
    ("Australia/Sydney", 5, ("Sydney",)),
    ("America/Los_Angeles", 5, ("Los Angeles",)),
    ("Asia/Kathmandu", 5, ("Kathmandu",)),
)
SKILLS = (
    "service design",
    "safeguarding",
    "budgeting",
    "coaching",
    "data analysis",
    "nursing",
    "change management",
    "team leadership",
    "public speaking",
    "stakeholder management",
    "project management",
    "negotiation",
    "fundraising",
    "digital transformation",
    "policy writing",
    "people management",
    "financial planning",
    "quality improvement",
    "community engagement",
    "procurement",
    "strategy",
    "mentoring",
    "risk management",
    "housing law",
    "curriculum design",
    "software delivery",
    "customer service",
    "operations",
    "health and safety",
    "equality and inclusion",
)
GOALS = (
    "lead a team through change",
    "become a mentor",
    "move into management",
    "manage a budget with confidence",
    "get better at public speaking",
    "understand data analysis",
    "build stakeholder management skills",
    "step into strategy work",
    "improve quality improvement methods",
    "learn digital transformation",
    "grow as a people manager",
    "negotiate with suppliers",
    "write policy that lands",
    "deliver projects on time",
    "move from nursing into leadership",
    "raise funds for a charity",
    "understand housing law",
    "work across health and social care",
    "lead equality and inclusion work",
    "manage risk in operations",
)
LANGUAGES = ("fr", "cy", "hi", "es", "pl", "ne")
MODES = ("video", "telephone", "face_to_face", "messaging")
JOBS = ("entry", "practitioner", "senior", "manager", "director", "executive")
EMCC = ("foundation", "practitioner", "senior_practitioner", "master_practitioner")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat")


def _member_id(rng: random.Random) -> str:
    return "mem_" + "".join(rng.choice("0123456789abcdef") for _ in range(16))


def _profile(
    rng: random.Random, sector: str, mentor: bool, manager: str | None, capacity: int
) -> MatchingProfile:
    zone, _, places = rng.choices(ZONES, weights=[z[1] for z in ZONES])[0]
    languages = ["en"] if rng.random() < 0.92 else [rng.choice(LANGUAGES)]
    if rng.random() < 0.2:
        languages.append(rng.choice(LANGUAGES))
    modes = ["video"] if rng.random() < 0.85 else []
    modes += [m for m in MODES[1:] if rng.random() < 0.35]
    slots = []
    for _ in range(rng.randint(1, 4)):
        start = rng.randint(16, 34)  # half-hours: 08:00 to 17:00
        length = rng.randint(2, 6)
        end = min(start + length, 48)
        slots.append(
            Availability(
                day=rng.choice(DAYS),
                start=f"{start // 2:02d}:{30 * (start % 2):02d}",
                end=f"{end // 2:02d}:{30 * (end % 2):02d}" if end < 48 else "24:00",
            )
        )
    level = rng.randint(2, 5) if mentor else rng.randint(0, 3)
    return MatchingProfile(
        display_name=f"{'Mentor' if mentor else 'Mentee'} {rng.randrange(10**6)}",
        skills=rng.sample(SKILLS, rng.randint(2, 5)),
        development_goals=rng.sample(GOALS, rng.randint(1, 3)),
        sector=sector if rng.random() < 0.95 else None,
        job_level=JOBS[level] if rng.random() < 0.9 else None,
        location=rng.choice(places),
        time_zone=zone,
        languages=sorted(set(languages)),
        availability=slots,
        meeting_modes=modes or ["telephone"],
        mentor_capacity=capacity,
        line_manager_id=manager,
        emcc_level=rng.choice(EMCC) if mentor and rng.random() < 0.7 else None,
        share_across_organisations=rng.random() < 0.97,
    )


@dataclass(frozen=True)
class Synthetic:
    """What the registry's events would have told matching about one programme."""

    programme: ProgrammeTerms
    enrolments: list[Enrolment]
    profiles: dict[str, MatchingProfile | None]
    readiness: dict[str, Readiness]
    ended: list[tuple[str, str]]

    def pool(self) -> list[Candidate]:
        """The programme's candidate pool (the pool rule)."""
        return candidate_pool(self.programme, self.enrolments, self.profiles, self.readiness)


def network(
    mentees: int, mentors: int, seed: int, model: str = "group"
) -> tuple[ProgrammeTerms, list[Candidate], list[tuple[str, str]]]:
    """A synthetic programme's terms, pool and ended pairs."""
    synthetic = synthetic_network(mentees, mentors, seed, model)
    return synthetic.programme, synthetic.pool(), synthetic.ended


def synthetic_network(mentees: int, mentors: int, seed: int, model: str = "group") -> Synthetic:
    """A synthetic programme over 20 organisations (organisation sizes skewed), with readiness,
    consent, line managers and some pairs whose relationship ended."""
    rng = random.Random(seed)
    orgs = [f"org_{k:012d}" for k in range(ORGANISATIONS)]
    sector_of = {o: SECTORS[k % len(SECTORS)] for k, o in enumerate(orgs)}
    programme = ProgrammeTerms(
        programme_id="prg_bench0000001",
        owner_organisation_id=orgs[0],
        organisations=orgs,
        coordinators=["mem_c000000000000001"],
        model=model,
        max_mentees_per_mentor=4,
    )
    enrolments: list[Enrolment] = []
    profiles: dict[str, MatchingProfile | None] = {}
    readiness: dict[str, Readiness] = {}
    mentor_ids_by_org: dict[str, list[str]] = {o: [] for o in orgs}
    roles = [(ParticipantRole.MENTOR, mentors), (ParticipantRole.MENTEE, mentees)]
    if model.endswith("circle"):
        roles = [(ParticipantRole.PEER, mentees)]
    for role, count in roles:
        for _ in range(count):
            org = orgs[min(int(rng.expovariate(1 / 6)), ORGANISATIONS - 1)]
            member = _member_id(rng)
            is_mentor = role is ParticipantRole.MENTOR
            bosses = mentor_ids_by_org[org]
            manager = rng.choice(bosses) if bosses and rng.random() < 0.2 else None
            profiles[member] = _profile(
                rng, sector_of[org], is_mentor, manager, rng.randint(1, 4) if is_mentor else 0
            )
            ready = rng.random() < 0.95
            readiness[member] = Readiness(ready_as_mentor=ready, ready_as_mentee=ready)
            enrolments.append(
                Enrolment(
                    programme_id=programme.programme_id,
                    member_id=member,
                    organisation_id=org,
                    role=role,
                )
            )
            if is_mentor:
                bosses.append(member)
    mentee_ids = [e.member_id for e in enrolments if e.role is ParticipantRole.MENTEE]
    mentor_ids = [e.member_id for e in enrolments if e.role is ParticipantRole.MENTOR]
    ended = []
    if mentee_ids and mentor_ids:
        ended = [
            (rng.choice(mentee_ids), rng.choice(mentor_ids)) for _ in range(len(mentee_ids) // 10)
        ]
    return Synthetic(programme, enrolments, profiles, readiness, ended)


def exact_dense_value(graph: CandidateGraph) -> int:
    """The best total integer value by linear_sum_assignment on the expanded dense matrix: one
    column per mentor place, one 'unmatched' column per mentee; impossible pairs forbidden."""
    n = len(graph.mentees)
    if n == 0:
        return 0
    places = np.repeat(np.arange(len(graph.mentors)), graph.capacity)
    first_place = np.concatenate([[0], np.cumsum(graph.capacity)[:-1]]).astype(np.int64)
    forbidden = float(graph.value.sum() + 1) if graph.edges else 1.0
    cost = np.full((n, len(places) + n), forbidden, dtype=np.float64)
    cost[:, len(places) :] = 0.0
    for i, j, v in zip(graph.mentee_of, graph.mentor_of, graph.value, strict=True):
        start = first_place[j]
        cost[i, start : start + graph.capacity[j]] = -float(v)
    rows, cols = linear_sum_assignment(cost)
    chosen = cost[rows, cols]
    if (chosen >= forbidden).any():
        raise RuntimeError("the exact solver used a forbidden pair")
    return int(np.rint(-chosen.sum()))


def _timed(label: str, started: float) -> float:
    seconds = time.perf_counter() - started
    print(f"  {label}: {seconds:.2f} s", flush=True)
    return round(seconds, 3)


def round_phase(args: argparse.Namespace) -> dict[str, Any]:
    """Phase a: a full round at scale."""
    print(f"a. round: {args.mentees:,} mentees, {args.mentors:,} mentors ...", flush=True)
    t = time.perf_counter()
    synthetic = synthetic_network(args.mentees, args.mentors, args.seed)
    generate = _timed("synthetic network", t)
    t = time.perf_counter()
    pool = synthetic.pool()
    pool_s = _timed(f"pool rule: {sum(c.eligible for c in pool):,} of {len(pool):,} eligible", t)
    programme, ended = synthetic.programme, synthetic.ended
    rules = MatchingRules.for_programme(programme, ended_pairs=ended, different_organisations=True)
    weights = Weights.for_programme(programme)
    t = time.perf_counter()
    graph = candidate_graph(pool, rules, weights, top_k=args.top_k)
    graph_s = _timed(
        f"constraints + scoring: {graph.possible_pairs:,} possible pairs, {graph.edges:,} kept",
        t,
    )
    t = time.perf_counter()
    best = optimal_assignment(graph)
    flow_s = _timed(f"min-cost flow: {len(best.pairings):,} pairs", t)
    t = time.perf_counter()
    greedy = greedy_assignment(graph)
    greedy_s = _timed(f"greedy baseline: {len(greedy.pairings):,} pairs", t)
    t = time.perf_counter()
    by_id = {c.member_id: c for c in pool if c.role is not ParticipantRole.PEER}
    explained = [score_pair(by_id[p.mentee_id], by_id[p.mentor_id], weights) for p in best.pairings]
    reasons_s = _timed(f"reasons for {len(explained):,} proposals", t)
    round_s = round(pool_s + graph_s + flow_s, 3)
    print(
        f"  round {round_s:.2f} s (+ reasons {reasons_s:.2f} s); total score "
        f"{best.total_score:,.2f} vs greedy {greedy.total_score:,.2f}",
        flush=True,
    )
    return {
        "mentees_in_pool": len(graph.mentees),
        "mentors_in_pool": len(graph.mentors),
        "mentor_places": int(graph.capacity.sum()),
        "possible_pairs": graph.possible_pairs,
        "graph_edges": graph.edges,
        "top_k": args.top_k,
        "generate_s": generate,
        "pool_s": pool_s,
        "graph_s": graph_s,
        "flow_s": flow_s,
        "round_s": round_s,
        "reasons_s": reasons_s,
        "round_with_reasons_s": round(round_s + reasons_s, 3),
        "greedy_s": greedy_s,
        "matched": len(best.pairings),
        "greedy_matched": len(greedy.pairings),
        "total_score": round(best.total_score, 4),
        "greedy_total_score": round(greedy.total_score, 4),
        "round_under_10s": round_s < 10.0,
    }


def exact_phase(args: argparse.Namespace) -> dict[str, Any]:
    """Phase b: flow against the dense exact solver on the same unpruned graph."""
    print(
        f"b. exactness: {args.exact_mentees:,} mentees x {args.exact_mentors:,} mentors ...",
        flush=True,
    )
    programme, pool, ended = network(args.exact_mentees, args.exact_mentors, args.seed + 1)
    rules = MatchingRules.for_programme(programme, ended_pairs=ended, different_organisations=True)
    weights = Weights.for_programme(programme)
    full = candidate_graph(pool, rules, weights, top_k=None)
    t = time.perf_counter()
    flow = optimal_assignment(full)
    flow_s = _timed(f"min-cost flow on all {full.edges:,} possible pairs", t)
    t = time.perf_counter()
    exact = exact_dense_value(full)
    places = int(full.capacity.sum())
    lsa_s = _timed(
        f"linear_sum_assignment on {len(full.mentees):,} x {places + len(full.mentees):,}", t
    )
    pruned = optimal_assignment(candidate_graph(pool, rules, weights, top_k=args.top_k))
    print(
        f"  flow {flow.total_value:,} = exact {exact:,}: {flow.total_value == exact}; "
        f"top-{args.top_k} flow {pruned.total_value:,}",
        flush=True,
    )
    return {
        "exact_mentees": len(full.mentees),
        "exact_mentors": len(full.mentors),
        "exact_edges": full.edges,
        "exact_flow_value": flow.total_value,
        "exact_dense_value": exact,
        "exact_equal": flow.total_value == exact,
        "exact_flow_s": flow_s,
        "exact_lsa_s": lsa_s,
        "exact_topk_value": pruned.total_value,
        "exact_topk_loss": round(1 - pruned.total_value / exact, 6) if exact else 0.0,
    }


def random_grouping(peers: Sequence[Candidate], circles: int, seed: int) -> list[list[Candidate]]:
    """Peers shuffled and dealt into balanced circles, ignoring every rule."""
    order = list(peers)
    random.Random(seed).shuffle(order)
    return [order[k::circles] for k in range(circles)]


def circles_phase(args: argparse.Namespace) -> dict[str, Any]:
    """Phase c: X-market circles."""
    print(f"c. circles: {args.peers:,} peers ...", flush=True)
    programme, pool, _ = network(args.peers, 0, args.seed + 2, model="x_market_circle")
    rules = CircleRules.for_programme(programme)
    t = time.perf_counter()
    plan = group_into_circles(pool, rules, seed=args.seed)
    ours_s = _timed(f"grouping: {len(plan.circles)} circles, {len(plan.unplaced)} unplaced", t)
    t = time.perf_counter()
    greedy = greedy_circles(pool, rules, seed=args.seed)
    greedy_s = _timed("greedy construction alone", t)
    peers = [c for c in pool if c.eligible]
    rand = diversity_of(random_grouping(peers, len(plan.circles), args.seed))
    for label, d in (("ours", plan.diversity), ("greedy", greedy.diversity), ("random", rand)):
        print(
            f"  {label:>6}: organisations/circle {d.organisations_per_circle:.2f}, "
            f"sectors/circle {d.sectors_per_circle:.2f}, spread {d.organisation_spread:.3f}/"
            f"{d.sector_spread:.3f}, shared goals {d.shared_goals:.3f}, worth {d.worth:.3f}",
            flush=True,
        )
    sizes = [len(c) for c in plan.circles]
    return {
        "peers_in_pool": len(peers),
        "circles": len(plan.circles),
        "circle_sizes": [min(sizes, default=0), max(sizes, default=0)],
        "unplaced": len(plan.unplaced),
        "unplaced_eligible": sum(not u.reason.startswith("not in the pool") for u in plan.unplaced),
        "circles_s": ours_s,
        "circles_under_5s": ours_s < 5.0,
        "greedy_circles_s": greedy_s,
        "diversity": _figures(plan.diversity.model_dump()),
        "greedy_diversity": _figures(greedy.diversity.model_dump()),
        "random_diversity": _figures(rand.model_dump()),
    }


def _figures(d: dict[str, Any]) -> dict[str, Any]:
    keys = ("organisations_per_circle", "sectors_per_circle", "shared_goals", "worth")
    return {k: round(float(d[k]), 4) for k in keys}


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, run the three phases, and print the figures."""
    parser = argparse.ArgumentParser(prog="bench/matching", description=__doc__.split("\n\n")[0])
    parser.add_argument("--mentees", type=int, default=10_000, help="phase a (default 10000)")
    parser.add_argument("--mentors", type=int, default=3_000, help="phase a (default 3000)")
    parser.add_argument("--top-k", type=int, default=40, help="mentors kept per mentee (40)")
    parser.add_argument("--exact-mentees", type=int, default=1_000, help="phase b (1000)")
    parser.add_argument("--exact-mentors", type=int, default=400, help="phase b (400)")
    parser.add_argument("--peers", type=int, default=2_000, help="phase c (default 2000)")
    parser.add_argument("--seed", type=int, default=7, help="synthetic data seed (7)")
    args = parser.parse_args(argv)
    figures: dict[str, Any] = {}
    figures.update(round_phase(args))
    figures.update(exact_phase(args))
    figures.update(circles_phase(args))
    print("targets: round < 10 s, flow total = exact total, circles < 5 s")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
