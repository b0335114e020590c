"""Peer circles: groups of four to eight equals with spread and shared challenges.

A good circle (seeds 001 and 004) mixes organisations and sectors (seed 003's *contrast*) and
its members share challenges: their development goals overlap. A circle's worth is

    distinct organisations + distinct known sectors
    + goal_weight x (each member's summed goal similarity to the others, averaged)

where goal similarity is the Jaccard index of two members' goal words. Hard rules, never broken:
sizes within [min_size, max_size]; in an X-market circle one member per organisation, and one
per sector when the programme requires it; never one's line manager or direct report.

The heuristic, deterministic for a given input and seed:

1. *Construction*: the number of circles is set so sizes are balanced around `target_size`
   (and no organisation or sector has more members than there are circles, where the rules
   say one each). Peers are placed most-constrained first (largest organisation, then largest
   sector, then a seeded order), each into the allowed circle with room where they add the most;
   a peer that fits nowhere is placed by moving one member elsewhere, when that is allowed.
   If someone is still left out, dealing the peers round the circles, grouped by
   organisation, is used instead when it leaves fewer out.
2. *Local search*: each member in turn (a seeded order) swaps with the member of another
   circle that raises the total worth most, while the rules still hold; passes repeat until
   one changes nothing (or `passes` is reached). Swaps keep the sizes.

Cost: construction O(N x circles), each local-search pass O(N^2), both vectorised; memory
O(N^2) for the goal similarities (fine for thousands of peers per programme).
Everybody is placed when the rules allow it: always when only the organisation rule applies
(no organisation larger than the number of circles); with the sector rule too, on a best-effort
basis (a one-move repair). The others are returned with a reason.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.matching.domain.candidate import Candidate, ParticipantRole, ProgrammeTerms
from services.matching.domain.circle_swaps import SwapGains, SwapRules
from services.matching.domain.vocabulary import normalised, words_of_all

MIN_SIZE, MAX_SIZE, TARGET_SIZE = 4, 8, 6
PASSES = 6
NOT_IN_POOL = "not in the pool: {why}"
NOT_A_PEER = "takes part as {role}, not as a peer"
SECTOR_UNKNOWN = "their sector is not known, and these circles take one member per sector"
TOO_FEW = "fewer peers than the smallest circle can hold"
NO_ROOM = "no circle could take them without breaking the circles' rules"

Ints = npt.NDArray[np.int64]
Num = npt.NDArray[np.float64]


class CircleRules(BaseModel):
    """The rules for grouping one programme's peers."""

    model_config = ConfigDict(frozen=True)

    one_per_organisation: bool = False
    one_per_sector: bool = False
    min_size: int = Field(default=MIN_SIZE, ge=2)
    max_size: int = Field(default=MAX_SIZE, ge=2)
    target_size: int = Field(default=TARGET_SIZE, ge=2)

    @model_validator(mode="after")
    def _sizes(self) -> CircleRules:
        if not self.min_size <= self.target_size <= self.max_size:
            raise ValueError("sizes must satisfy min_size <= target_size <= max_size")
        return self

    @classmethod
    def for_programme(
        cls, programme: ProgrammeTerms, *, different_sectors: bool = False
    ) -> CircleRules:
        """An X-market circle takes one member per organisation (and per sector if required)."""
        x_market = programme.model == "x_market_circle"
        return cls(one_per_organisation=x_market, one_per_sector=x_market and different_sectors)


@dataclass(frozen=True)
class Unplaced:
    """A peer left out of every circle, and why."""

    member_id: str
    reason: str


class Diversity(BaseModel):
    """How mixed and how well-matched a grouping's circles are (means over circles)."""

    model_config = ConfigDict(frozen=True)

    circles: int
    placed: int
    unplaced: int
    mean_size: float
    organisations_per_circle: float
    sectors_per_circle: float
    organisation_spread: float = Field(description="distinct organisations / size")
    sector_spread: float = Field(description="distinct known sectors / size")
    shared_goals: float = Field(description="mean goal similarity (Jaccard) of member pairs")
    worth: float = Field(description="mean worth of a circle (the objective)")


@dataclass(frozen=True)
class CirclePlan:
    """Circles (member ids), the peers left out, and the diversity achieved."""

    circles: tuple[tuple[str, ...], ...]
    unplaced: tuple[Unplaced, ...]
    diversity: Diversity


@dataclass
class _Peers:
    ids: list[str]
    organisation: Ints
    sector: Ints
    manager: Ints
    similarity: Num


def _encode(peers: Sequence[Candidate]) -> _Peers:
    orgs: dict[str, int] = {}
    sectors: dict[str, int] = {}
    index = {c.member_id: i for i, c in enumerate(peers)}
    words = [words_of_all(c.profile.development_goals) if c.profile else frozenset() for c in peers]
    vocab: dict[str, int] = {}
    for ws in words:
        for w in sorted(ws):
            vocab.setdefault(w, len(vocab))
    goals = np.zeros((len(peers), max(len(vocab), 1)), dtype=np.float32)
    for i, ws in enumerate(words):
        for w in ws:
            goals[i, vocab[w]] = 1.0
    similarity = (goals @ goals.T).astype(np.float64)  # shared words, then Jaccard
    size = goals.sum(axis=1, dtype=np.float64)
    union = size[:, None] + size[None, :]
    union -= similarity
    # In place (the matrices are large); no shared words where the union is empty, so 0/1.
    np.maximum(union, 1.0, out=union)
    similarity /= union
    np.fill_diagonal(similarity, 0.0)
    sector_of = [normalised(c.profile.sector) if c.profile else None for c in peers]
    return _Peers(
        ids=[c.member_id for c in peers],
        organisation=np.array(
            [orgs.setdefault(c.organisation_id, len(orgs)) for c in peers], dtype=np.int64
        ),
        sector=np.array(
            [-1 if s is None else sectors.setdefault(s, len(sectors)) for s in sector_of],
            dtype=np.int64,
        ),
        manager=np.array(
            [index.get(c.profile.line_manager_id or "", -1) if c.profile else -1 for c in peers],
            dtype=np.int64,
        ),
        similarity=similarity,
    )


def _circle_count(p: _Peers, rules: CircleRules) -> int:
    n = len(p.ids)
    lower, upper = -(-n // rules.max_size), n // rules.min_size
    count = min(max(round(n / rules.target_size), lower), upper)
    if rules.one_per_organisation:
        count = max(count, min(int(np.bincount(p.organisation).max()), upper))
    known = p.sector[p.sector >= 0]
    if rules.one_per_sector and len(known):
        count = max(count, min(int(np.bincount(known).max()), upper))
    return count


class _Grouping:
    """Circles under construction, with the counts that make rule checks O(1)."""

    def __init__(self, p: _Peers, rules: CircleRules, count: int, goal_weight: float) -> None:
        self.p, self.rules, self.goal_weight = p, rules, goal_weight
        n = len(p.ids)
        base, extra = divmod(n, count)
        self.cap = np.array([base + (k < extra) for k in range(count)], dtype=np.int64)
        self.members: list[list[int]] = [[] for _ in range(count)]
        self.size = np.zeros(count, dtype=np.int64)
        self.orgs = np.zeros((count, int(p.organisation.max()) + 1), dtype=np.int64)
        self.sectors = np.zeros((count, max(int(p.sector.max()) + 1, 1)), dtype=np.int64)
        self.circle_of = np.full(n, -1, dtype=np.int64)
        self.has_managers = bool((p.manager >= 0).any())
        bosses = p.manager[p.manager >= 0]
        self.related = set(np.flatnonzero(p.manager >= 0).tolist()) | set(bosses.tolist())

    def _conflict(self, x: int, others: Iterable[int]) -> bool:
        manager = self.p.manager
        return any(manager[x] == y or manager[y] == x for y in others)

    def allowed(self, x: int, circle: int, leaving: int = -1) -> bool:
        """x may join `circle` (from which `leaving` is about to go) under the rules."""
        o, s = self.p.organisation[x], self.p.sector[x]
        same_org = leaving >= 0 and self.p.organisation[leaving] == o
        if self.rules.one_per_organisation and self.orgs[circle, o] - same_org > 0:
            return False
        same_sector = leaving >= 0 and self.p.sector[leaving] == s
        if self.rules.one_per_sector and self.sectors[circle, s] - same_sector > 0:
            return False
        if self.has_managers:
            return not self._conflict(x, (y for y in self.members[circle] if y != leaving))
        return True

    def add(self, x: int, circle: int) -> None:
        self.members[circle].append(x)
        self.size[circle] += 1
        self.orgs[circle, self.p.organisation[x]] += 1
        if self.p.sector[x] >= 0:
            self.sectors[circle, self.p.sector[x]] += 1
        self.circle_of[x] = circle

    def remove(self, x: int) -> int:
        circle = int(self.circle_of[x])
        self.members[circle].remove(x)
        self.size[circle] -= 1
        self.orgs[circle, self.p.organisation[x]] -= 1
        if self.p.sector[x] >= 0:
            self.sectors[circle, self.p.sector[x]] -= 1
        self.circle_of[x] = -1
        return circle

    def place(self, x: int) -> bool:
        """Put x where they add most; else make room by moving one member; else False."""
        o, s = self.p.organisation[x], self.p.sector[x]
        open_ = self.size < self.cap
        ok = open_.copy()
        if self.rules.one_per_organisation:
            ok &= self.orgs[:, o] == 0
        if self.rules.one_per_sector:
            ok &= self.sectors[:, s] == 0
        candidates = np.flatnonzero(ok).tolist()
        if x in self.related:  # only then can a line manager rule forbid an open circle
            candidates = [c for c in candidates if self.allowed(x, c)]
        if candidates:
            self.add(x, self._best(x, candidates))
            return True
        return self._make_room(x)

    def _best(self, x: int, circles: list[int]) -> int:
        placed = np.flatnonzero(self.circle_of >= 0)
        goal_sum = np.bincount(
            self.circle_of[placed], weights=self.p.similarity[x, placed], minlength=len(self.cap)
        )
        c = np.array(circles, dtype=np.int64)
        gain = (self.orgs[c, self.p.organisation[x]] == 0).astype(np.float64)
        if self.p.sector[x] >= 0:
            gain += self.sectors[c, self.p.sector[x]] == 0
        gain += self.goal_weight * 2.0 * goal_sum[c] / np.maximum(self.cap[c] - 1, 1)
        room = self.cap[c] - self.size[c]
        best = np.lexsort((c, -room, -np.round(gain, 9)))[0]
        return int(c[best])

    def _make_room(self, x: int) -> bool:
        open_ = np.flatnonzero(self.size < self.cap)
        for a in np.flatnonzero(self.cap > 0).tolist():
            for y in list(self.members[a]):
                if not self.allowed(x, a, leaving=y):
                    continue
                for b in open_:
                    if int(b) != a and self.allowed(y, int(b)):
                        self.remove(y)
                        self.add(y, int(b))
                        self.add(x, a)
                        return True
        return False

    def worth_of(self, circle: int) -> float:
        """The objective's value for one circle."""
        members = self.members[circle]
        if not members:
            return 0.0
        idx = np.array(members)
        sim = float(self.p.similarity[np.ix_(idx, idx)].sum()) / 2.0
        sectors = int((self.sectors[circle] > 0).sum())
        distinct = int((self.orgs[circle] > 0).sum()) + sectors
        return distinct + self.goal_weight * 2.0 * sim / max(len(members) - 1, 1)


def _eligible(
    peers: Iterable[Candidate], rules: CircleRules
) -> tuple[list[Candidate], list[Unplaced]]:
    ok: list[Candidate] = []
    out: list[Unplaced] = []
    for c in sorted(peers, key=lambda c: c.member_id):
        if c.role is not ParticipantRole.PEER:
            out.append(Unplaced(c.member_id, NOT_A_PEER.format(role=c.role.value)))
        elif not c.eligible or c.profile is None:
            why = "; ".join(c.exclusions) or "no profile"
            out.append(Unplaced(c.member_id, NOT_IN_POOL.format(why=why)))
        elif rules.one_per_sector and normalised(c.profile.sector) is None:
            out.append(Unplaced(c.member_id, SECTOR_UNKNOWN))
        else:
            ok.append(c)
    return ok, out


def _construct(
    peers: Sequence[Candidate], rules: CircleRules, seed: int, goal_weight: float
) -> tuple[_Grouping | None, _Peers, list[Unplaced]]:
    p = _encode(peers)
    if len(peers) < rules.min_size:
        return None, p, [Unplaced(i, TOO_FEW) for i in p.ids]
    g = _Grouping(p, rules, _circle_count(p, rules), goal_weight)
    rng = random.Random(seed)  # noqa: S311 (seeded on purpose: deterministic)
    tiebreak = list(range(len(p.ids)))
    rng.shuffle(tiebreak)
    org_size = np.bincount(p.organisation)
    sector_size = np.bincount(np.maximum(p.sector, 0))
    order = sorted(
        range(len(p.ids)),
        key=lambda i: (
            -int(org_size[p.organisation[i]]),
            -int(sector_size[p.sector[i]]) if p.sector[i] >= 0 else 0,
            tiebreak[i],
        ),
    )
    left_out = [x for x in order if not g.place(x)]
    if left_out:
        dealt = _Grouping(p, rules, len(g.cap), goal_weight)
        dealt_out = _deal(
            dealt,
            sorted(
                order, key=lambda i: (-org_size[p.organisation[i]], p.organisation[i], p.sector[i])
            ),
        )
        if len(dealt_out) < len(left_out):
            g, left_out = dealt, dealt_out
    if left_out:
        g.cap[:] = rules.max_size
        left_out = [x for x in left_out if not g.place(x)] + _dissolve_small(g)
    return g, p, [Unplaced(p.ids[x], NO_ROOM) for x in sorted(left_out)]


def _deal(g: _Grouping, order: list[int]) -> list[int]:
    """The fallback construction: deal peers, grouped by organisation, round the circles.
    With one member per organisation required and no organisation larger than the number of
    circles, this places everybody (each organisation's members land in distinct circles)."""
    left: list[int] = []
    turn = 0
    count = len(g.cap)
    for x in order:
        for step in range(count):
            c = (turn + step) % count
            if g.size[c] < g.cap[c] and g.allowed(x, c):
                g.add(x, c)
                turn = c + 1
                break
        else:
            left.append(x)
    return left


def _dissolve_small(g: _Grouping) -> list[int]:
    """Circles below the minimum size give their members to circles with room."""
    left: list[int] = []
    for circle in range(len(g.members)):
        if 0 < g.size[circle] < g.rules.min_size:
            g.cap[circle] = 0
            while g.members[circle]:
                x = g.members[circle][0]
                g.remove(x)
                if not g.place(x):
                    left.append(x)
    return left


def _swap_gains(g: _Grouping, placed: Ints) -> SwapGains:
    """The swap gains of the placed members (numbered by their place in `placed`)."""
    p = g.p
    everyone = len(placed) == len(p.ids)  # then the similarities need no copy
    return SwapGains(
        p.similarity if everyone else np.ascontiguousarray(p.similarity[np.ix_(placed, placed)]),
        g.circle_of[placed].copy(),
        g.goal_weight * 2.0 / np.maximum(g.size - 1, 1).astype(np.float64),
        p.organisation[placed],
        p.sector[placed],
        g.orgs,
        g.sectors,
        SwapRules(g.rules.one_per_organisation, g.rules.one_per_sector),
    )


def _improve(g: _Grouping, seed: int, passes: int, incremental: bool = True) -> None:
    """Best-swap local search: each member in turn (seeded order) swaps with the member of
    another circle that raises the total worth most, if any; until a pass changes nothing.

    The gains of one member against everybody come at once from `SwapGains`. A member whose
    last look found no gain, and whose circle has not changed since, only looks at the members
    of the circles that changed since (the gains with the others are as they were): later
    passes, where few circles change, cost a fraction of the first. `incremental=False` looks
    at everybody every time (the same swaps, slower)."""
    p = g.p
    placed = np.flatnonzero(g.circle_of >= 0)
    if len(set(g.circle_of[placed].tolist())) < 2:
        return
    n, count = len(placed), len(g.members)
    local = np.full(len(p.ids), -1, dtype=np.int64)
    local[placed] = np.arange(n)
    gains = _swap_gains(g, placed)
    circle = gains.circle
    changed = np.zeros(count, dtype=np.int64)
    changed_of = np.zeros(n, dtype=np.int64)  # changed[circle], kept per member
    seen = np.full(n, -1, dtype=np.int64)
    clock = 0
    rng = random.Random(seed + 1)  # noqa: S311 (seeded on purpose: deterministic)
    order = placed.tolist()
    for _ in range(passes):
        rng.shuffle(order)
        moved = False
        for a in order:
            ka = int(local[a])
            ca = int(circle[ka])
            among: Ints | slice = slice(None)  # everybody (a view: no copies)
            if incremental and seen[ka] >= 0 and changed[ca] <= seen[ka]:
                among = np.flatnonzero(changed_of > seen[ka])
                if not len(among):
                    seen[ka] = clock
                    continue
            gain = gains.gains(ka, among)
            k = int(np.argmax(gain))
            if gain[k] <= 1e-9:
                seen[ka] = clock
                continue
            kb = k if isinstance(among, slice) else int(among[k])
            b, cb = int(placed[kb]), int(circle[kb])
            if g.has_managers and not (g.allowed(b, ca, leaving=a) and g.allowed(a, cb, leaving=b)):
                seen[ka] = -1  # its best swap is forbidden: look at everybody next time
                continue
            g.remove(a)
            g.remove(b)
            g.add(b, ca)
            g.add(a, cb)
            members = local[np.array(g.members[ca] + g.members[cb], dtype=np.int64)]
            gains.swapped(ka, kb, members)
            clock += 1
            changed[ca] = changed[cb] = changed_of[members] = clock
            moved = True
        if not moved:
            return


def _plan(g: _Grouping | None, p: _Peers, unplaced: list[Unplaced]) -> CirclePlan:
    circles: list[tuple[str, ...]] = []
    worths: list[float] = []
    if g is not None:
        for c in range(len(g.members)):
            if g.members[c]:
                circles.append(tuple(sorted(p.ids[x] for x in g.members[c])))
                worths.append(g.worth_of(c))
    order = sorted(range(len(circles)), key=lambda k: circles[k])
    index = {m: i for i, m in enumerate(p.ids)}
    groups = [[index[m] for m in circles[k]] for k in order]
    return CirclePlan(
        circles=tuple(circles[k] for k in order),
        unplaced=tuple(sorted(unplaced, key=lambda u: u.member_id)),
        diversity=_diversity(p, groups, len(unplaced), [worths[k] for k in order]),
    )


def _diversity(p: _Peers, groups: list[list[int]], unplaced: int, worths: list[float]) -> Diversity:
    def mean(values: list[float]) -> float:
        return float(np.mean(values)) if values else 0.0

    orgs = [len({int(p.organisation[x]) for x in g}) for g in groups]
    sectors = [len({int(p.sector[x]) for x in g if p.sector[x] >= 0}) for g in groups]
    shared = [mean([float(p.similarity[x, y]) for x, y in combinations(g, 2)]) for g in groups]
    return Diversity(
        circles=len(groups),
        placed=sum(len(g) for g in groups),
        unplaced=unplaced,
        mean_size=mean([float(len(g)) for g in groups]),
        organisations_per_circle=mean([float(o) for o in orgs]),
        sectors_per_circle=mean([float(s) for s in sectors]),
        organisation_spread=mean([o / len(g) for o, g in zip(orgs, groups, strict=True)]),
        sector_spread=mean([s / len(g) for s, g in zip(sectors, groups, strict=True)]),
        shared_goals=mean(shared),
        worth=mean(worths),
    )


def greedy_circles(
    peers: Iterable[Candidate], rules: CircleRules, *, seed: int = 0, goal_weight: float = 1.0
) -> CirclePlan:
    """The construction alone: each peer into the circle where they add most (a baseline)."""
    eligible, unplaced = _eligible(peers, rules)
    g, p, left = _construct(eligible, rules, seed, goal_weight)
    return _plan(g, p, unplaced + left)


def group_into_circles(
    peers: Iterable[Candidate],
    rules: CircleRules,
    *,
    seed: int = 0,
    passes: int = PASSES,
    goal_weight: float = 1.0,
    incremental: bool = True,
) -> CirclePlan:
    """Circles for a programme's peers: construction, then at most `passes` passes of
    best-swap local search (`incremental=False`: every member looks at everybody on every
    look, the same swaps at several times the cost)."""
    eligible, unplaced = _eligible(peers, rules)
    g, p, left = _construct(eligible, rules, seed, goal_weight)
    if g is not None:
        _improve(g, seed, passes, incremental)
    return _plan(g, p, unplaced + left)


def diversity_of(circles: Sequence[Sequence[Candidate]], *, goal_weight: float = 1.0) -> Diversity:
    """The diversity of any grouping (e.g. a random one), measured as `group_into_circles`'s."""
    everyone = [c for circle in circles for c in circle]
    if not everyone:
        return _diversity(_encode([]), [], 0, [])
    p = _encode(everyone)
    rules = CircleRules(min_size=2, max_size=max([len(c) for c in circles] + [2]), target_size=2)
    g = _Grouping(p, rules, max(len(circles), 1), goal_weight)
    groups: list[list[int]] = []
    k = 0
    for number, circle in enumerate(circles):
        group = list(range(k, k + len(circle)))
        k += len(circle)
        for x in group:
            g.add(x, number)
        groups.append(group)
    worths = [g.worth_of(c) for c in range(len(circles))]
    return _diversity(p, groups, 0, worths)
