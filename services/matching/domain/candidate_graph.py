"""A round's candidate graph: every possible (mentee, mentor) pair and its score, vectorised.

The pool's mentees and mentors (eligible, with a profile; mentors with capacity left) are
encoded once as numpy arrays: codes for people, line managers, organisations and sectors;
0/1 matrices for languages, ways of meeting, goal and skill words, skill phrases and time
segments of the common reference week (the week cut at every slot boundary, so a matrix
product gives the exact minutes two people are both free). The pairs are then computed block by
block of mentees: the hard constraints of `constraints` as boolean masks, and the scores of
`scoring` by the very same formulas as `score_pair` (a test checks they agree exactly).

The graph is *sparse*: only possible pairs whose score is above 0 are kept, and with `top_k`
each mentee keeps only their K best mentors (ties broken by mentor id). Pruning can lose
optimality only against the full graph of possible pairs, never break a constraint; with
`top_k=None` nothing is pruned. Cost: O(mentees x mentors) vectorised work, O(mentees x K)
memory for the edges.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from services.matching.domain.candidate import Candidate, ParticipantRole
from services.matching.domain.compatibility import languages_of, meeting_options, weekly_windows
from services.matching.domain.constraints import MatchingRules
from services.matching.domain.scoring import (
    EMCC_LEVELS,
    JOB_LEVELS,
    Num,
    PairFeatures,
    Suggestion,
    Weights,
    criterion_scores,
    rank,
    score_pair,
)
from services.matching.domain.vocabulary import normalised, words_of, words_of_all

Ints = npt.NDArray[np.int64]
F32 = npt.NDArray[np.float32]

SCALE = 1_000_000
"""A score of 1.0 is worth this many integer units in the assignment."""
DEFAULT_TOP_K = 40
_ID_BITS = 21


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
    """Small integer codes for labels (ids, sectors, words), in first-seen order."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def __call__(self, label: str | None) -> int:
        if label is None:
            return -1
        return self.index.setdefault(label, len(self.index))

    def get(self, label: str | None) -> int:
        return -1 if label is None else self.index.get(label, -1)


def _indicator(rows: Sequence[Sequence[int]], width: int) -> F32:
    """A 0/1 matrix with a 1 at each (row, listed column); at least `width` columns."""
    width = max([width, 1] + [j + 1 for cols in rows for j in cols])
    matrix = np.zeros((len(rows), width), dtype=np.float32)
    for i, cols in enumerate(rows):
        matrix[i, list(cols)] = 1.0
    return matrix


@dataclass(frozen=True)
class _Side:
    person: Ints
    manager: Ints
    organisation: Ints
    sector: Ints
    job: Ints
    emcc: Ints
    languages: F32
    n_languages: Num
    options: F32
    n_options: Num
    time: F32


def _side(
    people: Sequence[Candidate],
    people_codes: _Codes,
    org_codes: _Codes,
    sector_codes: _Codes,
    language_codes: _Codes,
    option_codes: _Codes,
    boundaries: Ints,
    segment_minutes: Num | None,
) -> _Side:
    profiles = [c.profile for c in people if c.profile is not None]
    langs = [languages_of(p) for p in profiles]
    opts = [meeting_options(p) for p in profiles]
    time = np.zeros((len(people), max(len(boundaries) - 1, 1)), dtype=np.float32)
    for i, p in enumerate(profiles):
        for start, end in weekly_windows(p):
            lo, hi = np.searchsorted(boundaries, [start, end])
            time[i, lo:hi] = 1.0
    if segment_minutes is not None:
        time = (time * segment_minutes[None, :]).astype(np.float32)
    return _Side(
        person=np.array([people_codes(c.member_id) for c in people], dtype=np.int64),
        manager=np.array([people_codes.get(p.line_manager_id) for p in profiles], dtype=np.int64),
        organisation=np.array([org_codes(c.organisation_id) for c in people], dtype=np.int64),
        sector=np.array([sector_codes(normalised(p.sector)) for p in profiles], dtype=np.int64),
        job=np.array([rank(p.job_level, JOB_LEVELS) for p in profiles], dtype=np.int64),
        emcc=np.array([rank(p.emcc_level, EMCC_LEVELS) for p in profiles], dtype=np.int64),
        languages=_indicator([[language_codes(x) for x in sorted(s)] for s in langs], 0),
        n_languages=np.array([len(s) for s in langs], dtype=np.float64),
        options=_indicator([[option_codes(x) for x in sorted(s)] for s in opts], 0),
        n_options=np.array([len(s) for s in opts], dtype=np.float64),
        time=time,
    )


def _widen(matrix: F32, width: int) -> F32:
    if matrix.shape[1] >= width:
        return matrix
    pad = np.zeros((matrix.shape[0], width - matrix.shape[1]), dtype=np.float32)
    return np.hstack([matrix, pad])


@dataclass(frozen=True)
class _Words:
    """Mentee goal words against mentor skills, skill phrases and sectors."""

    goal_count: Num  # all meaningful words of each mentee's goals
    goals: F32  # mentee x useful words
    skills: F32  # mentor x useful words
    phrase_words: F32  # useful words x skill phrases
    phrase_length: Num
    mentor_phrases: F32  # mentor x skill phrases
    sector_words: F32  # useful words x sectors
    sector_length: Num


def _words(mentees: Sequence[Candidate], mentors: Sequence[Candidate], sectors: _Codes) -> _Words:
    goal_sets = [words_of_all(c.profile.development_goals) for c in mentees if c.profile]
    mentor_profiles = [c.profile for c in mentors if c.profile]
    skill_sets = [words_of_all(p.skills) for p in mentor_profiles]
    phrase_sets = [frozenset(w for w in map(words_of, p.skills) if w) for p in mentor_profiles]
    phrases = _Codes()
    for sets in phrase_sets:
        for phrase in sorted(sets, key=sorted):
            phrases(" ".join(sorted(phrase)))
    sector_sets = [words_of(s) for s in sectors.index]
    all_goal_words = frozenset().union(*goal_sets)
    other_words = frozenset().union(*skill_sets, *sector_sets)
    useful = _Codes()
    for w in sorted(all_goal_words & other_words):
        useful(w)
    n_useful = max(len(useful.index), 1)
    phrase_list = list(phrases.index)
    return _Words(
        goal_count=np.array([len(s) for s in goal_sets], dtype=np.float64),
        goals=_indicator(
            [[useful.get(w) for w in s if w in useful.index] for s in goal_sets], n_useful
        ),
        skills=_indicator(
            [[useful.get(w) for w in s if w in useful.index] for s in skill_sets], n_useful
        ),
        phrase_words=_incidence(useful, [p.split(" ") for p in phrase_list]),
        phrase_length=np.array([len(p.split(" ")) for p in phrase_list] or [0], dtype=np.float64),
        mentor_phrases=_indicator(
            [[phrases.get(" ".join(sorted(p))) for p in sets] for sets in phrase_sets],
            len(phrase_list),
        ),
        sector_words=_incidence(useful, sector_sets),
        sector_length=np.array([len(s) for s in sector_sets] or [0], dtype=np.float64),
    )


def _incidence(words: _Codes, groups: Sequence[Iterable[str]]) -> F32:
    """words x groups: 1 where the group has the word."""
    matrix = np.zeros((max(len(words.index), 1), max(len(groups), 1)), dtype=np.float32)
    for j, group in enumerate(groups):
        for w in group:
            if w in words.index:
                matrix[words.index[w], j] = 1.0
    return matrix


def _named(counts: F32, lengths: Num) -> F32:
    named = (counts.astype(np.float64) == lengths[None, :]) & (lengths[None, :] > 0)
    return np.asarray(named, dtype=np.float32)


def _f(values: npt.ArrayLike) -> Num:
    return np.asarray(values, dtype=np.float64)


def candidate_graph(
    candidates: Iterable[Candidate],
    rules: MatchingRules,
    weights: Weights | None = None,
    *,
    top_k: int | None = DEFAULT_TOP_K,
    block_rows: int = 512,
) -> CandidateGraph:
    """Every possible pair of the pool's mentees and mentors, scored; at most `top_k` per
    mentee (None: all of them)."""
    weights = weights or Weights()
    pool = list(candidates)
    mentees = tuple(sorted((c for c in pool if is_mentee(c)), key=lambda c: c.member_id))
    mentors = tuple(sorted((c for c in pool if is_mentor(c)), key=lambda c: c.member_id))
    capacity = np.array([c.capacity or 0 for c in mentors], dtype=np.int64)
    if not mentees or not mentors:
        return _empty(mentees, mentors, capacity, top_k)
    if len(mentors) >= 1 << _ID_BITS:
        raise ValueError(f"at most {1 << _ID_BITS} mentors in one round")

    people, orgs, sectors, langs, opts = _Codes(), _Codes(), _Codes(), _Codes(), _Codes()
    for c in (*mentees, *mentors):
        people(c.member_id)
    cuts = {0, 7 * 24 * 60}
    for c in (*mentees, *mentors):
        if c.profile is not None:
            for start, end in weekly_windows(c.profile):
                cuts.update((start, end))
    boundaries = np.array(sorted(cuts), dtype=np.int64)
    lengths = np.diff(boundaries).astype(np.float64)
    e = _side(mentees, people, orgs, sectors, langs, opts, boundaries, None)
    r = _side(mentors, people, orgs, sectors, langs, opts, boundaries, lengths)
    e_langs, r_langs = _widen(e.languages, len(langs.index)), _widen(r.languages, len(langs.index))
    e_opts, r_opts = _widen(e.options, len(opts.index)), _widen(r.options, len(opts.index))
    words = _words(mentees, mentors, sectors)
    ended = _ended(mentees, mentors, rules)

    rows: list[Ints] = []
    cols: list[Ints] = []
    vals: list[Ints] = []
    scores: list[Num] = []
    possible = 0
    for lo in range(0, len(mentees), block_rows):
        hi = min(lo + block_rows, len(mentees))
        b = slice(lo, hi)
        ok = e.person[b, None] != r.person[None, :]
        ok &= e.manager[b, None] != r.person[None, :]
        ok &= e.person[b, None] != r.manager[None, :]
        if rules.different_organisations:
            ok &= e.organisation[b, None] != r.organisation[None, :]
        if rules.different_sectors:
            ok &= (e.sector[b, None] >= 0) & (r.sector[None, :] >= 0)
            ok &= e.sector[b, None] != r.sector[None, :]
        shared_langs = e_langs[b] @ r_langs.T
        ok &= shared_langs > 0
        shared_opts = e_opts[b] @ r_opts.T
        ok &= shared_opts > 0
        overlap = e.time[b] @ r.time.T
        ok &= overlap > 0
        in_block = (ended[0] >= lo) & (ended[0] < hi)
        ok[ended[0][in_block] - lo, ended[1][in_block]] = False
        i, j = np.nonzero(ok)
        gi = i + lo
        goals_b = words.goals[b]
        sector_named = _named(goals_b @ words.sector_words, words.sector_length)
        named_phrases = _named(goals_b @ words.phrase_words, words.phrase_length)
        job_e, job_r = e.job[gi], r.job[j]
        emcc_e, emcc_r = e.emcc[gi], r.emcc[j]
        sec_e, sec_r = e.sector[gi], r.sector[j]
        features = PairFeatures(
            goal_words=words.goal_count[gi],
            shared_goal_words=_f((goals_b @ words.skills.T)[i, j]),
            shared_languages=_f(shared_langs[i, j]),
            fewest_languages=np.minimum(e.n_languages[gi], r.n_languages[j]),
            overlap_minutes=_f(overlap[i, j]),
            shared_options=_f(shared_opts[i, j]),
            fewest_options=np.minimum(e.n_options[gi], r.n_options[j]),
            same_organisation=_f(e.organisation[gi] == r.organisation[j]),
            sectors_known=_f((sec_e >= 0) & (sec_r >= 0)),
            same_sector=_f((sec_e >= 0) & (sec_e == sec_r)),
            seniority_known=_f((job_e >= 0) & (job_r >= 0)),
            seniority_gap=_f(job_r - job_e),
            emcc_both_known=_f((emcc_e >= 0) & (emcc_r >= 0)),
            emcc_gap=_f(emcc_r - emcc_e),
            mentor_emcc_known=_f(emcc_r >= 0),
            mentor_emcc=_f(np.maximum(emcc_r, 0)),
            sector_named=_f((sec_r >= 0) & (sector_named[i, np.maximum(sec_r, 0)] == 1)),
            named_skills=_f((named_phrases @ words.mentor_phrases.T)[i, j]),
        )
        total = weights.total(criterion_scores(features))
        value = np.rint(total * SCALE).astype(np.int64)
        keep = value > 0
        gi, j, total, value = gi[keep], j[keep], total[keep], value[keep]
        possible += len(value)
        order = _best_per_mentee(gi, j, value, top_k)
        rows.append(gi[order])
        cols.append(j[order])
        vals.append(value[order])
        scores.append(total[order])
    return CandidateGraph(
        mentees=mentees,
        mentors=mentors,
        capacity=capacity,
        mentee_of=np.concatenate(rows),
        mentor_of=np.concatenate(cols),
        score=np.concatenate(scores),
        value=np.concatenate(vals),
        possible_pairs=possible,
        top_k=top_k,
    )


def _best_per_mentee(rows: Ints, cols: Ints, value: Ints, top_k: int | None) -> Ints:
    """Edge positions sorted by mentee, best value first, then mentor id; at most top_k each."""
    key = (value << _ID_BITS) | ((1 << _ID_BITS) - 1 - cols)
    order = np.lexsort((-key, rows))
    if top_k is None:
        return order
    sorted_rows = rows[order]
    first = np.searchsorted(sorted_rows, sorted_rows, side="left")
    return order[np.arange(len(order)) - first < top_k]


def _ended(
    mentees: Sequence[Candidate], mentors: Sequence[Candidate], rules: MatchingRules
) -> tuple[Ints, Ints]:
    if not rules.ended_pairs:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    mentee_index = {c.member_id: i for i, c in enumerate(mentees)}
    mentor_index = {c.member_id: j for j, c in enumerate(mentors)}
    pairs = [
        (mentee_index[x], mentor_index[y])
        for a, b in sorted(rules.ended_pairs)
        for x, y in ((a, b), (b, a))
        if x in mentee_index and y in mentor_index
    ]
    return (
        np.array([i for i, _ in pairs], dtype=np.int64),
        np.array([j for _, j in pairs], dtype=np.int64),
    )


def _empty(
    mentees: tuple[Candidate, ...],
    mentors: tuple[Candidate, ...],
    capacity: Ints,
    top_k: int | None,
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
    )


def top_suggestions(
    mentee: Candidate,
    candidates: Iterable[Candidate],
    rules: MatchingRules,
    weights: Weights | None = None,
    limit: int = 5,
) -> list[Suggestion]:
    """Self-match: a mentee's best possible mentors, best first, each with its reasons."""
    mentors = [c for c in candidates if is_mentor(c)]
    graph = candidate_graph([mentee, *mentors], rules, weights, top_k=limit)
    return [score_pair(mentee, graph.mentors[int(j)], weights) for j in graph.mentor_of]
