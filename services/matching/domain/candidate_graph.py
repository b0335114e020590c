"""A round's candidate graph: every possible (mentee, mentor) pair and its score, vectorised.

The pool's mentees and mentors (eligible, with a profile; mentors with capacity left) are
encoded once as numpy arrays (`_encode`): small integer codes for organisations, sectors, job
and EMCC levels, language sets and sets of ways of meeting; 0/1 matrices for goal and skill
words, skill phrases and time segments of the common reference week (the week cut at every slot
boundary, so a matrix product gives the exact minutes two people are both free).

The pairs are then scored block by block of mentees, densely, as a few matrix products:

- one product of *linear* features gives every term that depends only on codes (contrast,
  challenge, the sector part of context, the language and meeting-mode parts of compatibility,
  care), each mentee row holding that mentee's precomputed table against the mentor codes; the
  hard constraints that depend on codes (a language and a way of meeting in common, different
  organisations or sectors when the rules say so) enter the same product as a large penalty;
- three more products give shared goal words, skills the goals name and minutes both are free,
  each capped as `scoring` caps it (no shared minute is a penalty too);
- line managers, the same person and ended pairs are a short list of forbidden cells.

This dense pass is in float32 and only *selects*: each mentee's best `top_k` (plus a margin)
possible mentors. The selected pairs are then scored exactly, in float64, by `scoring`'s own
formulas on their gathered features (a test checks they agree with `score_pair` exactly), and
the best `top_k` per mentee kept (ties broken by mentor id). With `top_k=None` every possible
pair is kept and scored exactly. Pruning can lose optimality only against the full graph of
possible pairs, never break a constraint. Cost: O(mentees x mentors x features) BLAS work,
shared by two threads (the graph is the same whichever thread takes which block), O(mentees x
K) memory for the edges.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from threading import Barrier, BrokenBarrierError, Lock

import numpy as np
import numpy.typing as npt
from threadpoolctl import threadpool_limits

from services.matching.domain.candidate import Candidate, ParticipantRole
from services.matching.domain.collector import paused_collector
from services.matching.domain.compatibility import languages_of, meeting_options, weekly_windows
from services.matching.domain.constraints import MatchingRules
from services.matching.domain.scoring import (
    CONVENTIONAL,
    EMCC_COMPETENCE_COUNT,
    EMCC_LEVELS,
    ENOUGH_MINUTES,
    JOB_LEVELS,
    ROLE_SHARE,
    Criterion,
    Direction,
    Num,
    PairFeatures,
    Suggestion,
    Weights,
    criterion_scores,
    explained,
    gap_fit,
    rank,
    score_pair,
)
from services.matching.domain.vocabulary import normalised, words_of, words_of_all
from shared.heap import give_back_free_memory

Ints = npt.NDArray[np.int64]
F32 = npt.NDArray[np.float32]
Bools = npt.NDArray[np.bool_]

SCALE = 1_000_000
"""A score of 1.0 is worth this many integer units in the assignment."""
DEFAULT_TOP_K = 30
DEFAULT_MENTOR_K = 60
"""Besides each mentee's best `DEFAULT_TOP_K` mentors, each mentor's best mentees are kept:
without them, mentors in nobody's top K would sit idle while the optimum needs them."""
MARGIN = 10
"""Extra mentors per mentee the float32 pass selects, so float rounding never costs one of the
exact best `top_k`."""
DENSE_WORKERS = 2
"""Threads sharing the dense pass. Its matrix products already use every core (BLAS), but
the sorting, masking and gathering between them run on one, outside the GIL: two threads,
with one BLAS thread each, keep both cores busy throughout."""
BLOCK_CELLS = 1_000_000
"""About how many (mentee, mentor) cells a block of the dense pass holds (at most 256 rows):
each thread's block and its temporaries are ~40 bytes a cell."""
_ONE_DENSE_PASS = Lock()
_ID_BITS = 21
_PENALTY = -16.0
_FEASIBLE = -8.0
"""Dense scores above this are possible pairs (each broken constraint costs 16, scores <= 1)."""


@dataclass(frozen=True, eq=False)
class CandidateGraph:
    """Possible (mentee, mentor) pairs as parallel edge arrays, sorted by mentee then by
    score (highest first) then by mentor id."""

    mentees: tuple[Candidate, ...]
    mentors: tuple[Candidate, ...]
    capacity: Ints
    mentee_of: Ints
    mentor_of: Ints
    score: Num
    value: Ints
    possible_pairs: int
    top_k: int | None
    criteria: Num = field(default_factory=lambda: np.zeros((0, len(Criterion))))
    """Each kept pair's criterion scores, one column per `Criterion` (empty when not known)."""
    direction: Direction = CONVENTIONAL
    """The programme's direction the pairs were scored in (seed 004)."""

    @property
    def edges(self) -> int:
        """How many pairs the graph keeps."""
        return len(self.value)


def is_mentee(candidate: Candidate) -> bool:
    """In the pool as a mentee, with a profile."""
    return (
        candidate.role is ParticipantRole.MENTEE
        and candidate.eligible
        and candidate.profile is not None
    )


def is_mentor(candidate: Candidate) -> bool:
    """In the pool as a mentor, with a profile and capacity left."""
    return (
        candidate.role is ParticipantRole.MENTOR
        and candidate.eligible
        and candidate.profile is not None
        and (candidate.capacity or 0) > 0
    )


class _Codes:
    """Small integer codes for labels (ids, sectors, words, sets), in first-seen order."""

    def __init__(self) -> None:
        self.index: dict[object, int] = {}

    def __call__(self, label: object) -> int:
        if label is None:
            return -1
        return self.index.setdefault(label, len(self.index))

    def get(self, label: object) -> int:
        return -1 if label is None else self.index.get(label, -1)

    def __len__(self) -> int:
        return len(self.index)


def _indicator(rows: Sequence[Iterable[int]], width: int) -> F32:
    """A 0/1 matrix with a 1 at each (row, listed column)."""
    r = [i for i, cols in enumerate(rows) for _ in cols]
    c = [j for cols in rows for j in cols]
    matrix = np.zeros((len(rows), max([width, 1, *(j + 1 for j in c)])), dtype=np.float32)
    matrix[r, c] = 1.0
    return matrix


def _one_hot(codes: Ints, width: int) -> F32:
    matrix = np.zeros((len(codes), max(width, 1)), dtype=np.float32)
    matrix[np.arange(len(codes)), codes] = 1.0
    return matrix


@dataclass(frozen=True)
class _SetTable:
    """Each side's set (of languages or meeting options) as a code, and per code pair how many
    they share and `scoring`'s share (shared / fewest)."""

    mentee: Ints
    mentor: Ints
    shared: Num  # mentee set x mentor set
    share: Num
    mentee_size: Num
    mentor_size: Num


def _set_table(
    mentee_sets: Sequence[frozenset[str]], mentor_sets: Sequence[frozenset[str]]
) -> _SetTable:
    # A member only counts for what the other side could share: an option nobody on the other
    # side has (face to face in a place no mentor is) is left out of their key (its size still
    # counts), so the table stays small however many places there are.
    on_mentee: frozenset[str] = frozenset().union(*mentee_sets)
    on_mentor: frozenset[str] = frozenset().union(*mentor_sets)
    e_keys: dict[tuple[tuple[str, ...], int], int] = {}
    r_keys: dict[tuple[tuple[str, ...], int], int] = {}

    def code(
        keys: dict[tuple[tuple[str, ...], int], int], s: frozenset[str], other: frozenset[str]
    ) -> int:
        key = (tuple(sorted(x for x in s if x in other)), len(s))
        return keys.setdefault(key, len(keys))

    mentee = np.array([code(e_keys, s, on_mentor) for s in mentee_sets], dtype=np.int64)
    mentor = np.array([code(r_keys, s, on_mentee) for s in mentor_sets], dtype=np.int64)
    items = _Codes()
    e_inc = _indicator([[items(x) for x in k] for k, _ in e_keys], 0)
    r_inc = _indicator([[items(x) for x in k] for k, _ in r_keys], len(items))
    e_inc = _widen(e_inc, r_inc.shape[1])
    shared = (e_inc @ r_inc.T).astype(np.float64)
    e_size = np.array([n for _, n in e_keys], dtype=np.float64)
    r_size = np.array([n for _, n in r_keys], dtype=np.float64)
    fewest = np.minimum(e_size[:, None], r_size[None, :])
    share = np.minimum(1.0, shared / np.maximum(fewest, 1.0))
    return _SetTable(mentee, mentor, shared, share, e_size[mentee], r_size[mentor])


def _widen(matrix: F32, width: int) -> F32:
    if matrix.shape[1] >= width:
        return matrix
    pad = np.zeros((matrix.shape[0], width - matrix.shape[1]), dtype=np.float32)
    return np.hstack([matrix, pad])


def _time(mentees: Sequence[Candidate], mentors: Sequence[Candidate]) -> tuple[F32, F32]:
    """Mentee x segment (0/1) and mentor x segment (minutes) of the common reference week, cut
    at every boundary of anybody's weekly windows: their product is the minutes both are free."""
    people = [c.profile for c in (*mentees, *mentors) if c.profile is not None]
    windows = [weekly_windows(p) for p in people]
    who = np.array([i for i, w in enumerate(windows) for _ in w], dtype=np.int64)
    starts = np.array([s for w in windows for s, _ in w], dtype=np.int64)
    ends = np.array([e for w in windows for _, e in w], dtype=np.int64)
    boundaries = np.unique(np.concatenate([starts, ends, [0, 7 * 24 * 60]]))
    segments = max(len(boundaries) - 1, 1)
    lo = np.searchsorted(boundaries, starts)
    hi = np.searchsorted(boundaries, ends)
    # Windows are merged and disjoint: +1 where one begins, -1 where it ends, summed along.
    # int8 (at most one window open at a time): a large round's people x segments stays small.
    steps = np.zeros((len(people), segments + 1), dtype=np.int8)
    np.add.at(steps, (who, lo), 1)
    np.add.at(steps, (who, hi), -1)
    free = np.cumsum(steps[:, :segments], axis=1, dtype=np.int8)
    del steps
    n = len(mentees)
    # Segments where only one side is ever free add nothing to any product.
    used: Bools = np.asarray(free[:n].any(axis=0) & free[n:].any(axis=0), dtype=np.bool_)
    if not used.any():
        used[0] = True
    lengths = np.diff(boundaries).astype(np.float32) if len(boundaries) > 1 else np.ones(1)
    mentee_free = free[:n][:, used].astype(np.float32)
    mentor_minutes = free[n:][:, used].astype(np.float32) * lengths[used][None, :]
    return mentee_free, np.ascontiguousarray(mentor_minutes, dtype=np.float32)


@dataclass(frozen=True)
class _Words:
    """Mentee goal words against mentor skill words, skill phrases and sectors."""

    goal_count: Num  # all meaningful words of each mentee's goals
    goals: F32  # mentee x useful words
    skills: F32  # mentor x useful words
    named_phrases: F32  # mentee x skill phrases their goals name
    mentor_phrases: F32  # mentor x skill phrases
    sector_named: F32  # mentee x sector: the goals name the sector


def _words(mentees: Sequence[Candidate], mentors: Sequence[Candidate], sectors: _Codes) -> _Words:
    goal_sets = [words_of_all(c.profile.development_goals) for c in mentees if c.profile]
    mentor_profiles = [c.profile for c in mentors if c.profile]
    skill_sets = [words_of_all(p.skills) for p in mentor_profiles]
    phrase_sets = [frozenset(w for w in map(words_of, p.skills) if w) for p in mentor_profiles]
    phrases = _Codes()
    for sets in phrase_sets:
        for phrase in sorted(sets, key=sorted):
            phrases(phrase)
    sector_sets = [words_of(str(s)) for s in sectors.index]
    useful = _Codes()
    for w in sorted(frozenset().union(*goal_sets) & frozenset().union(*skill_sets, *sector_sets)):
        useful(w)
    goals = _indicator(
        [[useful.get(w) for w in s if w in useful.index] for s in goal_sets], len(useful)
    )
    skills = _indicator(
        [[useful.get(w) for w in s if w in useful.index] for s in skill_sets], len(useful)
    )

    def named(groups: Sequence[frozenset[str]]) -> F32:
        # mentee x group: 1 where every word of the (non-empty) group is among the goal words
        inc = np.zeros((max(len(useful), 1), max(len(groups), 1)), dtype=np.float32)
        length = np.zeros(max(len(groups), 1), dtype=np.float32)
        for j, group in enumerate(groups):
            length[j] = len(group)
            for w in group:
                if w in useful.index:
                    inc[useful.index[w], j] = 1.0
        counts = goals @ inc
        return np.asarray((counts == length[None, :]) & (length[None, :] > 0), dtype=np.float32)

    phrase_list = [p for p in phrases.index if isinstance(p, frozenset)]
    return _Words(
        goal_count=np.array([len(s) for s in goal_sets], dtype=np.float64),
        goals=goals,
        skills=skills,
        named_phrases=named(phrase_list),
        mentor_phrases=_indicator(
            [[phrases.get(p) for p in sets] for sets in phrase_sets], len(phrases)
        ),
        sector_named=named(sector_sets),
    )


@dataclass(frozen=True)
class _Care:
    """Seed 003's mentor roles and EMCC competences: the roles each mentee asks for, weighted
    by one over how many they ask for, the roles each mentor takes, and how many competences
    each mentor has developed."""

    wanted: F32  # mentee x role, 1/|asked| where asked
    wanted_count: Num
    taken: F32  # mentor x role, 0/1
    competences: Num


def _care(mentees: Sequence[Candidate], mentors: Sequence[Candidate]) -> _Care:
    roles = _Codes()
    asked = [[roles(r) for r in c.profile.wanted_mentor_roles] for c in mentees if c.profile]
    taken = [[roles(r) for r in c.profile.mentor_roles] for c in mentors if c.profile]
    count = np.array([len(set(a)) for a in asked], dtype=np.float64)
    wanted = _indicator(asked, len(roles))
    wanted /= np.maximum(count, 1.0)[:, None].astype(np.float32)
    return _Care(
        wanted=wanted,
        wanted_count=count,
        taken=_indicator(taken, wanted.shape[1]),
        competences=np.array(
            [len(set(c.profile.emcc_competences)) for c in mentors if c.profile], dtype=np.float64
        ),
    )


@dataclass(frozen=True)
class _Round:
    """The round's people as arrays: what the dense pass multiplies and what exact scoring
    gathers."""

    # the dense pass (float32, already weighted and divided by the weights' sum)
    linear: tuple[F32, F32]
    goals: tuple[F32, F32]
    goal_factor: F32
    named: tuple[F32, F32]
    time: tuple[F32, F32]
    caps: tuple[
        float, float, float, float, float
    ]  # goals, named scale, named cap, time scale, time cap
    forbidden: tuple[Ints, Ints]
    back: tuple[F32, F32, F32] | None  # two-way: mentee skills, mentor goals, mentor factor
    # exact features
    words: _Words
    languages: _SetTable
    options: _SetTable
    organisation: tuple[Ints, Ints]
    sector: tuple[Ints, Ints]
    job: tuple[Ints, Ints]
    emcc: tuple[Ints, Ints]
    care: _Care
    back_goal_count: Num  # two-way: all meaningful words of each mentor's goals
    direction: Direction


def _gap_table(levels: int) -> Num:
    """gap_fit of (mentor level - mentee level), indexed [mentee level + 1, mentor level + 1]
    (index 0: not known)."""
    ranks = np.arange(-1, levels)
    return gap_fit((ranks[None, :] - ranks[:, None]).astype(np.float64))


def _encode(
    mentees: Sequence[Candidate],
    mentors: Sequence[Candidate],
    rules: MatchingRules,
    weights: Weights,
    direction: Direction,
) -> _Round:
    e_profiles = [c.profile for c in mentees if c.profile is not None]
    r_profiles = [c.profile for c in mentors if c.profile is not None]
    orgs, sectors = _Codes(), _Codes()
    org_e = np.array([orgs(c.organisation_id) for c in mentees], dtype=np.int64)
    org_r = np.array([orgs(c.organisation_id) for c in mentors], dtype=np.int64)
    sec_e = np.array([sectors(normalised(p.sector)) for p in e_profiles], dtype=np.int64)
    sec_r = np.array([sectors(normalised(p.sector)) for p in r_profiles], dtype=np.int64)
    job_e = np.array([rank(p.job_level, JOB_LEVELS) for p in e_profiles], dtype=np.int64)
    job_r = np.array([rank(p.job_level, JOB_LEVELS) for p in r_profiles], dtype=np.int64)
    emcc_e = np.array([rank(p.emcc_level, EMCC_LEVELS) for p in e_profiles], dtype=np.int64)
    emcc_r = np.array([rank(p.emcc_level, EMCC_LEVELS) for p in r_profiles], dtype=np.int64)
    langs = _set_table([languages_of(p) for p in e_profiles], [languages_of(p) for p in r_profiles])
    opts = _set_table(
        [meeting_options(p) for p in e_profiles], [meeting_options(p) for p in r_profiles]
    )
    words = _words(mentees, mentors, sectors)
    total = weights.sum()
    w = {c: weights.of(c) / total for c in Criterion}
    n_e = len(mentees)

    care = _care(mentees, mentors)
    # Two-way: goals ↔ skills is the mean of both directions, each half the weight.
    goals_cap = w[Criterion.GOALS_SKILLS] * (0.5 if direction.two_way else 1.0)

    # Mentee rows: each one's values against every mentor code, in blocks of columns.
    const = np.full((n_e, 1), 0.5 * w[Criterion.CARE] + 0.5 * w[Criterion.CONTRAST])
    const[words.goal_count == 0, 0] += 0.5 * goals_cap
    const[care.wanted_count > 0, 0] -= w[Criterion.CARE] * ROLE_SHARE * 0.5
    wanted_cols = w[Criterion.CARE] * ROLE_SHARE * care.wanted
    # A mentor's own part (EMCC competences; two-way, their goals when they state none),
    # through a column of ones on the mentee side.
    mentor_own = (
        w[Criterion.CARE] * (1.0 - ROLE_SHARE) * 0.5 * care.competences / EMCC_COMPETENCE_COUNT
    )
    back: tuple[F32, F32, F32] | None = None
    back_count = np.zeros(len(mentors), dtype=np.float64)
    if direction.two_way:
        reverse = _words(mentors, mentees, sectors)
        back_count = reverse.goal_count
        mentor_own = mentor_own + np.where(back_count == 0, 0.5 * goals_cap, 0.0)
        factor = (2.0 * goals_cap / np.maximum(back_count, 1.0)).astype(np.float32)
        back = (reverse.skills, reverse.goals, factor)
    org_cols = np.zeros((n_e, max(len(orgs), 1)))
    org_cols[np.arange(n_e), org_e] = -0.5 * w[Criterion.CONTRAST] + (
        _PENALTY if rules.different_organisations else 0.0
    )
    if rules.organisation_pairs:
        # Seed 004, organisations mentoring each other: a mentee meets only mentors of their
        # organisation's partner (-1: in no pair, so every column is out).
        partners = rules.partners()
        partner = np.array(
            [orgs.get(partners.get(str(label))) for label in orgs.index], dtype=np.int64
        )
        allowed = np.arange(org_cols.shape[1])[None, :] == partner[org_e][:, None]
        org_cols += np.where(allowed, 0.0, _PENALTY)
    ns = len(sectors)
    cols = np.arange(ns + 1)
    known = (sec_e[:, None] >= 0) & (cols[None, :] < ns)
    same = (sec_e[:, None] >= 0) & (sec_e[:, None] == cols[None, :])
    named_sector = np.hstack([words.sector_named[:, :ns], np.zeros((n_e, 1), np.float32)]) == 1
    sector_cols = w[Criterion.CONTRAST] * 0.5 * np.where(known, 1.0 - same, 0.5) + w[
        Criterion.CONTEXT
    ] * 0.5 * np.where(named_sector, 1.0, np.where(same, 0.75, 0.0))
    if rules.different_sectors:
        sector_cols += np.where(known & ~same, 0.0, _PENALTY)
    # Reverse mentoring (seed 004) prefers the gap the other way round: the table transposed.
    job_gaps = _gap_table(len(JOB_LEVELS))
    jobs = (
        w[Criterion.CHALLENGE]
        * 0.7
        * np.where(
            (np.arange(-1, len(JOB_LEVELS)) >= 0)[None, :]
            & (np.arange(-1, len(JOB_LEVELS)) >= 0)[:, None],
            job_gaps.T if direction.reverse else job_gaps,
            0.5,
        )
    )
    er = np.arange(-1, len(EMCC_LEVELS)).astype(np.float64)
    emcc_table = np.where(
        (er[:, None] >= 0) & (er[None, :] >= 0),
        _gap_table(len(EMCC_LEVELS)),
        np.where(er[None, :] >= 0, 0.4 + 0.2 * np.maximum(er[None, :], 0), 0.5),
    )
    emccs = w[Criterion.CHALLENGE] * 0.3 * emcc_table
    compat = w[Criterion.COMPATIBILITY] / 3.0

    def set_cols(table: _SetTable) -> Num:
        return compat * table.share + np.where(table.shared > 0, 0.0, _PENALTY)

    e_lin = np.hstack(
        [
            const,
            org_cols,
            sector_cols,
            jobs[job_e + 1],
            emccs[emcc_e + 1],
            set_cols(langs)[langs.mentee],
            set_cols(opts)[opts.mentee],
            wanted_cols,
            np.ones((n_e, 1)),
        ]
    ).astype(np.float32)
    r_lin = np.hstack(
        [
            np.ones((len(mentors), 1), dtype=np.float32),
            _one_hot(org_r, org_cols.shape[1]),
            _one_hot(np.where(sec_r >= 0, sec_r, ns), ns + 1),
            _one_hot(job_r + 1, len(JOB_LEVELS) + 1),
            _one_hot(emcc_r + 1, len(EMCC_LEVELS) + 1),
            _one_hot(langs.mentor, langs.shared.shape[1]),
            _one_hot(opts.mentor, opts.shared.shape[1]),
            care.taken,
            mentor_own[:, None].astype(np.float32),
        ]
    )
    goal_factor = (2.0 * goals_cap / np.maximum(words.goal_count, 1.0)).astype(np.float32)
    named_cap = 0.5 * w[Criterion.CONTEXT]
    return _Round(
        linear=(e_lin, r_lin),
        goals=(words.goals, words.skills),
        goal_factor=goal_factor,
        named=(words.named_phrases, words.mentor_phrases),
        time=_time(mentees, mentors),
        caps=(goals_cap, named_cap / 2.0, named_cap, compat / ENOUGH_MINUTES, compat),
        forbidden=_forbidden(mentees, mentors, rules),
        words=words,
        languages=langs,
        options=opts,
        organisation=(org_e, org_r),
        sector=(sec_e, sec_r),
        job=(job_e, job_r),
        emcc=(emcc_e, emcc_r),
        care=care,
        back=back,
        back_goal_count=back_count,
        direction=direction,
    )


def _forbidden(
    mentees: Sequence[Candidate], mentors: Sequence[Candidate], rules: MatchingRules
) -> tuple[Ints, Ints]:
    """(mentee, mentor) cells never possible whatever they score: the same person, a line
    manager either way, an ended pair; sorted by mentee."""
    mentee_index = {c.member_id: i for i, c in enumerate(mentees)}
    mentor_index = {c.member_id: j for j, c in enumerate(mentors)}
    cells: set[tuple[int, int]] = set()
    for member, i in mentee_index.items():
        if member in mentor_index:
            cells.add((i, mentor_index[member]))
    for i, c in enumerate(mentees):
        boss = c.profile.line_manager_id if c.profile else None
        if boss is not None and boss in mentor_index:
            cells.add((i, mentor_index[boss]))
    for j, c in enumerate(mentors):
        boss = c.profile.line_manager_id if c.profile else None
        if boss is not None and boss in mentee_index:
            cells.add((mentee_index[boss], j))
    for a, b in rules.ended_pairs:
        for x, y in ((a, b), (b, a)):
            if x in mentee_index and y in mentor_index:
                cells.add((mentee_index[x], mentor_index[y]))
    ordered = sorted(cells)
    return (
        np.array([i for i, _ in ordered], dtype=np.int64),
        np.array([j for _, j in ordered], dtype=np.int64),
    )


def _f(values: npt.ArrayLike) -> Num:
    return np.asarray(values, dtype=np.float64)


@dataclass
class _Block:
    """One block of mentees' picked cells with their dense values and raw products."""

    lo: int
    rows: Ints
    cols: Ints
    dense: F32
    shared_goals: F32
    named: F32
    overlap: F32
    back_shared: F32  # two-way: the mentor's goal words the mentee's skills share
    row_floor: F32  # each row's keep-th best dense score (the mentee's own picks)

    def kept(self, mentor_floor: F32) -> _Block:
        """The cells still among their mentee's or their mentor's best once the whole round
        has been seen (the mentors' thresholds only rise block after block)."""
        ok = (self.dense >= self.row_floor[self.rows]) | (self.dense >= mentor_floor[self.cols])
        return _Block(
            self.lo,
            self.rows[ok],
            self.cols[ok],
            self.dense[ok],
            self.shared_goals[ok],
            self.named[ok],
            self.overlap[ok],
            self.back_shared[ok],
            self.row_floor,
        )


def _exact(enc: _Round, block: _Block, weights: Weights) -> tuple[Num, Ints, Num]:
    """`scoring`'s exact float64 totals, integer values and criterion scores (one column per
    criterion) of the picked cells."""
    r, j = block.rows, block.cols
    gi = r + block.lo
    job_e, job_r = enc.job[0][gi], enc.job[1][j]
    emcc_e, emcc_r = enc.emcc[0][gi], enc.emcc[1][j]
    sec_e, sec_r = enc.sector[0][gi], enc.sector[1][j]
    langs, opts = enc.languages, enc.options
    features = PairFeatures(
        goal_words=enc.words.goal_count[gi],
        shared_goal_words=_f(block.shared_goals),
        shared_languages=langs.shared[langs.mentee[gi], langs.mentor[j]],
        fewest_languages=np.minimum(langs.mentee_size[gi], langs.mentor_size[j]),
        overlap_minutes=_f(block.overlap),
        shared_options=opts.shared[opts.mentee[gi], opts.mentor[j]],
        fewest_options=np.minimum(opts.mentee_size[gi], opts.mentor_size[j]),
        same_organisation=_f(enc.organisation[0][gi] == enc.organisation[1][j]),
        sectors_known=_f((sec_e >= 0) & (sec_r >= 0)),
        same_sector=_f((sec_e >= 0) & (sec_e == sec_r)),
        seniority_known=_f((job_e >= 0) & (job_r >= 0)),
        seniority_gap=_f(job_e - job_r if enc.direction.reverse else job_r - job_e),
        emcc_both_known=_f((emcc_e >= 0) & (emcc_r >= 0)),
        emcc_gap=_f(emcc_r - emcc_e),
        mentor_emcc_known=_f(emcc_r >= 0),
        mentor_emcc=_f(np.maximum(emcc_r, 0)),
        sector_named=_f((sec_r >= 0) & (enc.words.sector_named[gi, np.maximum(sec_r, 0)] == 1)),
        named_skills=_f(block.named),
        wanted_roles=enc.care.wanted_count[gi],
        roles_met=_f(np.count_nonzero(enc.care.wanted[gi] * enc.care.taken[j], axis=1)),
        mentor_competences=enc.care.competences[j],
        two_way=np.full(len(gi), float(enc.direction.two_way)),
        back_goal_words=enc.back_goal_count[j],
        back_shared_goal_words=_f(block.back_shared),
    )
    scores = criterion_scores(features)
    total = weights.total(scores)
    criteria = np.column_stack([scores[c] for c in Criterion]) if len(total) else _no_criteria()
    return total, np.rint(total * SCALE).astype(np.int64), criteria


def _no_criteria() -> Num:
    return np.zeros((0, len(Criterion)))


@dataclass(frozen=True)
class _Scored:
    """One block's pairs that scored above zero: round-wide rows, exact totals and values,
    criterion scores, and whether each is among its mentor's best."""

    rows: Ints
    cols: Ints
    total: Num
    value: Ints
    criteria: Num
    by_mentor: Bools


def _scored(enc: _Round, block: _Block, mentor_floor: F32, weights: Weights) -> _Scored:
    total, value, criteria = _exact(enc, block, weights)
    ok = value > 0
    return _Scored(
        block.rows[ok] + block.lo,
        block.cols[ok],
        total[ok],
        value[ok],
        criteria[ok],
        (block.dense >= mentor_floor[block.cols])[ok],
    )


def _drained(items: list[_Block]) -> Iterator[_Block]:
    """The items in order, each let go of by the list as it is taken."""
    items.reverse()
    while items:
        yield items.pop()


class _Picker:
    """The dense pass: block by block of mentees, each mentee's best `keep` cells and each
    mentor's best `mentor_keep` cells so far (a running threshold per mentor: a cell below the
    mentor's k-th best already seen can never be among their best).

    Threads may pick blocks at once: each block's cells are merged into the mentors' best
    under a lock, so a block sees every cell merged before it; in whichever order the blocks
    come, `_Block.kept` with the round's final floor leaves the same cells."""

    def __init__(self, enc: _Round, keep: int | None, mentor_keep: int) -> None:
        self.enc, self.keep = enc, keep
        self._lock = Lock()  # the running figures, when threads pick blocks at once
        width = enc.linear[1].shape[0]
        self.mentor_keep = min(mentor_keep, width) if keep is not None else 0
        self.best = np.full((width, self.mentor_keep), -np.inf, dtype=np.float32)
        self.possible = 0

    def block(self, lo: int, hi: int) -> _Block:
        """One block's dense float32 scores and the cells picked from them."""
        enc, b = self.enc, slice(lo, hi)
        score = enc.linear[0][b] @ enc.linear[1].T
        goals_cap, named_scale, named_cap, time_scale, time_cap = enc.caps
        shared_goals = enc.goals[0][b] @ enc.goals[1].T
        term = np.multiply(shared_goals, enc.goal_factor[b, None])
        np.minimum(term, goals_cap, out=term)
        score += term
        named = enc.named[0][b] @ enc.named[1].T
        np.multiply(named, named_scale, out=term)
        np.minimum(term, named_cap, out=term)
        score += term
        overlap = enc.time[0][b] @ enc.time[1].T
        np.multiply(overlap, time_scale, out=term)
        np.minimum(term, time_cap, out=term)
        score += term
        back_shared = self._back(b, term)
        if back_shared is not None:
            score += term
        # No shared minute is a broken constraint: its penalty added as arithmetic (overlaps
        # are whole minutes, so min(overlap, 1) - 1 is -1 exactly where there is none), three
        # times quicker than a masked write.
        np.minimum(overlap, np.float32(1.0), out=term)
        term -= np.float32(1.0)
        term *= np.float32(-_PENALTY)
        score += term
        fr, fc = enc.forbidden
        at = slice(*np.searchsorted(fr, [lo, hi]))
        score[fr[at] - lo, fc[at]] = _PENALTY
        possible = score > _FEASIBLE
        with self._lock:
            self.possible += int(np.count_nonzero(possible))
        width = score.shape[1]
        threshold = np.full(hi - lo, _FEASIBLE, dtype=np.float32)
        if self.keep is None or self.keep >= width:
            picked = possible
        else:
            # Each row's keep-th best value by a full (SIMD) sort of the row: far faster than
            # argpartition on rows where most cells hold the same penalty.
            threshold = np.sort(score, axis=1)[:, width - self.keep].copy()  # not a view
            np.maximum(threshold, np.float32(_FEASIBLE), out=threshold)
            picked = score >= threshold[:, None]
            if self.mentor_keep:
                picked |= score >= self._merged(score)[None, :]
        cells = np.flatnonzero(picked)  # a third of np.nonzero's cost on a 2-D mask
        rows, cols = np.divmod(cells, width)
        return _Block(
            lo,
            rows,
            cols,
            score.ravel()[cells],
            shared_goals.ravel()[cells],
            named.ravel()[cells],
            overlap.ravel()[cells],
            back_shared.ravel()[cells]
            if back_shared is not None
            else np.zeros(len(cells), np.float32),
            threshold,
        )

    def _back(self, b: slice, term: F32) -> F32 | None:
        """Two-way: the block's shared words of mentor goals and mentee skills, with their
        capped term written into `term`; None otherwise."""
        if self.enc.back is None:
            return None
        skills, goals, factor = self.enc.back
        shared: F32 = skills[b] @ goals.T
        np.multiply(shared, factor[None, :], out=term)
        np.minimum(term, self.enc.caps[0], out=term)
        return shared

    def _merged(self, score: F32) -> F32:
        """Each mentor's best so far with the block's cells merged in: the new floor (the
        mentor's k-th best, at least feasible) a cell must reach to be among them."""
        with self._lock:
            merged = np.hstack([self.best, score.T])
            merged.sort(axis=1)
            self.best = np.ascontiguousarray(merged[:, -self.mentor_keep :])
            floor: F32 = np.maximum(self.best[:, 0], np.float32(_FEASIBLE))
            return floor

    def mentor_floor(self) -> F32:
        """Each mentor's k-th best dense score over the whole round (-inf when none)."""
        if not self.mentor_keep:
            return np.full(self.best.shape[0], np.inf, dtype=np.float32)
        return np.asarray(self.best[:, 0], dtype=np.float32)


def candidate_graph(
    candidates: Iterable[Candidate],
    rules: MatchingRules,
    weights: Weights | None = None,
    *,
    top_k: int | None = DEFAULT_TOP_K,
    mentor_k: int = DEFAULT_MENTOR_K,
    direction: Direction = CONVENTIONAL,
) -> CandidateGraph:
    """Every possible pair of the pool's mentees and mentors, scored in the programme's
    `direction`; with `top_k`, only each mentee's `top_k` best mentors and each mentor's
    `mentor_k` best mentees (None: all)."""
    with paused_collector():
        graph = _candidate_graph(candidates, rules, weights, top_k, mentor_k, direction)
    give_back_free_memory()  # the temporaries of the round's last steps
    return graph


def _candidate_graph(
    candidates: Iterable[Candidate],
    rules: MatchingRules,
    weights: Weights | None,
    top_k: int | None,
    mentor_k: int,
    direction: Direction,
) -> CandidateGraph:
    weights = weights or Weights()
    pool = list(candidates)
    mentees = tuple(sorted((c for c in pool if is_mentee(c)), key=lambda c: c.member_id))
    mentors = tuple(sorted((c for c in pool if is_mentor(c)), key=lambda c: c.member_id))
    capacity = np.array([c.capacity or 0 for c in mentors], dtype=np.int64)
    if not mentees or not mentors:
        return _empty(mentees, mentors, capacity, top_k, direction)
    if len(mentors) >= 1 << _ID_BITS:
        raise ValueError(f"at most {1 << _ID_BITS} mentors in one round")
    enc = _encode(mentees, mentors, rules, weights, direction)
    picker = _Picker(enc, None if top_k is None else top_k + MARGIN, mentor_k)
    block_rows = min(256, max(32, BLOCK_CELLS // len(mentors)))
    starts = range(0, len(mentees), block_rows)
    all_picked = Barrier(DENSE_WORKERS)

    def share(w: int) -> list[_Scored]:
        # A thread scores the blocks it picked: glibc gives each thread a memory arena of its
        # own, and what one thread frees only that thread's allocations reuse (scored on
        # another thread, the picks' memory sat idle: 100 MB more at 30,000 x 10,000).
        try:
            mine = [
                picker.block(lo, min(lo + block_rows, len(mentees)))
                for lo in starts[w::DENSE_WORKERS]
            ]
        except BaseException:
            all_picked.abort()  # the other threads stop waiting
            raise
        try:
            all_picked.wait()  # the mentors' floors are final
        except BrokenBarrierError:
            return []  # another thread failed: its error is the round's
        floor = picker.mentor_floor()
        return [_scored(enc, b.kept(floor), floor, weights) for b in _drained(mine)]

    # One BLAS thread each: two threads whose products each want every core would fight
    # over them (measured: slower than one thread). The limit is the process's, so rounds
    # take turns (each uses every core anyway).
    with (
        _ONE_DENSE_PASS,
        threadpool_limits(limits=1, user_api="blas"),
        ThreadPoolExecutor(DENSE_WORKERS) as threads,
    ):
        scored = [s for part in threads.map(share, range(DENSE_WORKERS)) for s in part]
    give_back_free_memory()  # what the threads freed (their arenas' free memory)
    gi, j = np.concatenate([s.rows for s in scored]), np.concatenate([s.cols for s in scored])
    value, total = (
        np.concatenate([s.value for s in scored]),
        np.concatenate([s.total for s in scored]),
    )
    by_mentor = np.concatenate([s.by_mentor for s in scored])
    criteria = np.concatenate([_no_criteria(), *(s.criteria for s in scored)])
    order = _best_per_mentee(gi, j, value, top_k, by_mentor)
    return CandidateGraph(
        mentees=mentees,
        mentors=mentors,
        capacity=capacity,
        mentee_of=gi[order],
        mentor_of=j[order],
        score=total[order],
        value=value[order],
        possible_pairs=picker.possible if top_k is not None else len(order),
        top_k=top_k,
        criteria=criteria[order],
        direction=direction,
    )


def _best_per_mentee(
    rows: Ints, cols: Ints, value: Ints, top_k: int | None, also: Bools | None = None
) -> Ints:
    """Edge positions sorted by mentee, best value first, then mentor id; at most top_k each
    besides those `also` keeps (a mentor's best)."""
    key = (value << _ID_BITS) | ((1 << _ID_BITS) - 1 - cols)
    order = _by_row_then_highest(rows, key)
    if top_k is None:
        return order
    sorted_rows = rows[order]
    first = np.searchsorted(sorted_rows, sorted_rows, side="left")
    kept = np.arange(len(order)) - first < top_k
    if also is not None and len(also):
        kept |= also[order]
    return order[kept]


def _by_row_then_highest(rows: Ints, key: Ints) -> Ints:
    """Positions sorted by row, then by `key` (all >= 0, unique within a row) highest first:
    one sort of a combined key where both fit in 62 bits (ten times quicker than
    `np.lexsort` on a round's edges), else `np.lexsort`."""
    if not len(rows):
        return np.zeros(0, dtype=np.int64)
    bits = int(key.max()).bit_length()
    if int(rows.max()).bit_length() + bits > 62:
        return np.lexsort((-key, rows))
    return np.argsort((rows << bits) | ((1 << bits) - 1 - key))


def _empty(
    mentees: tuple[Candidate, ...],
    mentors: tuple[Candidate, ...],
    capacity: Ints,
    top_k: int | None,
    direction: Direction,
) -> CandidateGraph:
    none = np.zeros(0, dtype=np.int64)
    return CandidateGraph(
        mentees=mentees,
        mentors=mentors,
        capacity=capacity,
        mentee_of=none,
        mentor_of=none,
        score=np.zeros(0, dtype=np.float64),
        value=none,
        possible_pairs=0,
        top_k=top_k,
        direction=direction,
    )


def top_suggestions(
    mentee: Candidate,
    candidates: Iterable[Candidate],
    rules: MatchingRules,
    weights: Weights | None = None,
    limit: int = 5,
    direction: Direction = CONVENTIONAL,
) -> list[Suggestion]:
    """Self-match: a mentee's best possible mentors, best first, each with its reasons."""
    mentors = [c for c in candidates if is_mentor(c)]
    graph = candidate_graph(
        [mentee, *mentors], rules, weights, top_k=limit, mentor_k=0, direction=direction
    )
    return [score_pair(mentee, graph.mentors[int(j)], weights, direction) for j in graph.mentor_of]


def suggestions_of(graph: CandidateGraph, edges: Ints, weights: Weights) -> list[Suggestion]:
    """The suggestions (scores and reasons) of some of the graph's pairs, e.g. a round's
    proposals: the scores come from the graph (computed once, vectorised), only the reasons'
    sentences are written per pair."""
    weight = weights.as_tuple()
    criteria, totals = graph.criteria[edges].tolist(), graph.score[edges].tolist()
    mentees, mentors = graph.mentee_of[edges].tolist(), graph.mentor_of[edges].tolist()
    with paused_collector():
        return [
            explained(graph.mentees[i], graph.mentors[j], weight, scores, total, graph.direction)
            for i, j, scores, total in zip(mentees, mentors, criteria, totals, strict=True)
        ]
