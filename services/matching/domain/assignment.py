"""One-to-one and group assignment: the pairs that maximise the round's total score.

The candidate graph (`candidate_graph`) holds only possible pairs, each worth its score in
integer units (`SCALE` per 1.0, always above 0). The best assignment, with each mentee having
at most one mentor and each mentor at most their capacity, is a min-cost flow (OR-Tools'
SimpleMinCostFlow, exact on integer costs):

    source -(1, 0)-> mentee -(1, -value)-> mentor -(capacity, 0)-> sink
    source -(mentees, 0)-> sink        (a mentee may stay unmatched)

Unmatched mentees are allowed; the flow maximises the total value, not the number of pairs.
Arcs are added in mentee-id then score then mentor-id order, so the result is the same for the
same input. Cost: O(V + E) arcs; the solver is cost-scaling push-relabel, in practice near
linear on these bipartite graphs. `greedy_assignment` is the baseline it is measured against.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from ortools.graph.python.min_cost_flow import SimpleMinCostFlow

from services.matching.domain.candidate_graph import SCALE, CandidateGraph, Ints


@dataclass(frozen=True)
class Pairing:
    """A proposed (mentee, mentor) pair and its total score."""

    mentee_id: str
    mentor_id: str
    score: float


@dataclass(frozen=True)
class Assignment:
    """The pairs of a round (by mentee id) and the mentees left without a mentor."""

    pairings: tuple[Pairing, ...]
    unmatched: tuple[str, ...]
    total_value: int
    """The sum of the chosen pairs' integer values (what the solver maximises)."""
    chosen: Ints = field(compare=False, repr=False)
    """The chosen edges' positions in the graph."""

    @property
    def total_score(self) -> float:
        """The sum of the chosen pairs' scores (each in [0, 1])."""
        return self.total_value / SCALE

    def mentees_of(self, mentor_id: str) -> list[str]:
        """The mentees proposed to one mentor."""
        return [p.mentee_id for p in self.pairings if p.mentor_id == mentor_id]


def _assignment(graph: CandidateGraph, chosen: Ints) -> Assignment:
    chosen = np.sort(chosen)
    matched = set(graph.mentee_of[chosen].tolist())
    return Assignment(
        pairings=tuple(
            Pairing(
                mentee_id=graph.mentees[int(graph.mentee_of[k])].member_id,
                mentor_id=graph.mentors[int(graph.mentor_of[k])].member_id,
                score=float(graph.score[k]),
            )
            for k in chosen
        ),
        unmatched=tuple(c.member_id for i, c in enumerate(graph.mentees) if i not in matched),
        total_value=int(graph.value[chosen].sum()),
        chosen=chosen,
    )


def optimal_assignment(graph: CandidateGraph) -> Assignment:
    """The assignment of greatest total score within capacities (exact, min-cost flow)."""
    n, m = len(graph.mentees), len(graph.mentors)
    if graph.edges == 0:
        return _assignment(graph, np.zeros(0, dtype=np.int64))
    source, sink = 0, n + m + 1
    active = np.unique(graph.mentee_of)
    flow = SimpleMinCostFlow()
    pair_arcs = flow.add_arcs_with_capacity_and_unit_cost(
        (graph.mentee_of + 1).astype(np.int32),
        (graph.mentor_of + 1 + n).astype(np.int32),
        np.ones(graph.edges, dtype=np.int64),
        -graph.value,
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        np.full(len(active), source, dtype=np.int32),
        (active + 1).astype(np.int32),
        np.ones(len(active), dtype=np.int64),
        np.zeros(len(active), dtype=np.int64),
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        np.arange(n + 1, n + m + 1, dtype=np.int32),
        np.full(m, sink, dtype=np.int32),
        graph.capacity.astype(np.int64),
        np.zeros(m, dtype=np.int64),
    )
    flow.add_arc_with_capacity_and_unit_cost(source, sink, len(active), 0)
    flow.set_node_supply(source, len(active))
    flow.set_node_supply(sink, -len(active))
    status = flow.solve()
    if status != SimpleMinCostFlow.OPTIMAL:
        raise RuntimeError(f"the assignment solver stopped with {status}")
    flows = np.asarray(flow.flows(np.asarray(pair_arcs, dtype=np.int32)), dtype=np.int64)
    return _assignment(graph, np.flatnonzero(flows > 0).astype(np.int64))


def greedy_assignment(graph: CandidateGraph) -> Assignment:
    """The baseline: take the best remaining pair while both sides can still take it."""
    order = np.lexsort((graph.mentor_of, graph.mentee_of, -graph.value))
    left = graph.capacity.astype(np.int64).tolist()
    taken = [False] * len(graph.mentees)
    chosen: list[int] = []
    mentee_of, mentor_of = graph.mentee_of.tolist(), graph.mentor_of.tolist()
    for k in order.tolist():
        i, j = mentee_of[k], mentor_of[k]
        if not taken[i] and left[j] > 0:
            taken[i] = True
            left[j] -= 1
            chosen.append(k)
    return _assignment(graph, np.array(chosen, dtype=np.int64))
