"""How well a mentor suits a mentee, criterion by criterion, with reasons a person can read.

The criteria are goals ↔ skills and the five Cs of seed 003 ("What to consider when choosing a
mentor or mentee"):

- **compatibility**: "someone that will put you at ease, you can talk with freely": shared
  languages, weekly time both are free (time zones taken into account) and ways of meeting;
- **contrast**: "someone that is different to you ... different personal and professional
  background": another organisation, another sector (wanted for X-market);
- **challenge**: "someone that will challenge you": a useful seniority gap (one or two job levels
  above the mentee is best; equal or reversed is worse) and the mentor's EMCC level (seed 003's
  Foundation, Practitioner, Senior and Master Practitioner);
- **context**: "someone with the knowledge and expertise to guide and support you on your
  journey": the mentor's sector or skills named in the mentee's goals, or the mentee's sector;
- **care**: "someone that is compassionate and has emotional intelligence, self-aware and
  empathetic", as the mentee asks for it: the mentor roles of seed 003 ("What are the different
  roles of the mentor?": guide, confidant, challenger, ...) the mentee asks for that the mentor
  takes, and how many of the eight EMCC competence categories the mentor has developed. With
  neither stated, care is a neutral 0.5.

A programme's direction (seed 004, the AcceleratePerformance article "Mentoring - How?, Who?,
Where?") turns two of them round: in **reverse** mentoring the less senior person mentors the
more senior on the programme's named topics, so challenge prefers the mentor one or two levels
*below*; in **two-way** mentoring each of the pair mentors the other, so goals ↔ skills is the
mean of both directions (the mentee's goals against the mentor's skills, and the mentor's goals
against the mentee's skills).

Every criterion scores in [0, 1]; the total is the weighted mean (weights per programme).
The formulas work on numpy arrays of *pair features* so that one pair (`score_pair`, with
reasons) and a whole round (`candidate_graph`, vectorised) give exactly the same numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Self, TypeVar

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.matching.domain.candidate import Candidate, MatchingProfile, ProgrammeTerms
from services.matching.domain.compatibility import (
    common_windows,
    duration_label,
    language_label,
    languages_of,
    local_label,
    meeting_options,
    option_label,
    weekly_windows,
)
from services.matching.domain.vocabulary import named_in, normalised, words_of, words_of_all

Num = npt.NDArray[np.float64]

JOB_LEVELS = ("entry", "practitioner", "senior", "manager", "director", "executive")
EMCC_LEVELS = ("foundation", "practitioner", "senior_practitioner", "master_practitioner")
ENOUGH_MINUTES = 180.0
"""Weekly minutes both are free from which compatibility's availability part is full."""
NO_PREFERENCES = "no preferences stated"
EMCC_COMPETENCE_COUNT = 8
"""Seed 003's eight EMCC competence categories."""
ROLE_SHARE = 0.7
"""Care: the share of the asked-for roles the mentor takes counts this much; the EMCC
competences the rest."""


@dataclass(frozen=True)
class Direction:
    """Which way a programme's pairs mentor (seed 004): the more senior the less (the default),
    reverse (the less senior the more senior, on the programme's topics), or two-way."""

    reverse: bool = False
    two_way: bool = False
    topics: tuple[str, ...] = ()

    @classmethod
    def of(cls, programme: ProgrammeTerms) -> Direction:
        """A programme's direction, from its terms."""
        return cls(
            reverse=programme.direction == "reverse",
            two_way=programme.direction == "two_way",
            topics=tuple(programme.reverse_topics),
        )


CONVENTIONAL = Direction()


class Criterion(StrEnum):
    """What a pair is scored on: goals ↔ skills and the five Cs of seed 003."""

    GOALS_SKILLS = "goals_skills"
    COMPATIBILITY = "compatibility"
    CONTRAST = "contrast"
    CHALLENGE = "challenge"
    CONTEXT = "context"
    CARE = "care"


class Weights(BaseModel):
    """How much each criterion counts in a programme (any non-negative numbers, not all 0)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    goals_skills: float = Field(default=3.0, ge=0, le=100)
    compatibility: float = Field(default=2.0, ge=0, le=100)
    contrast: float = Field(default=1.0, ge=0, le=100)
    challenge: float = Field(default=1.5, ge=0, le=100)
    context: float = Field(default=1.5, ge=0, le=100)
    care: float = Field(default=1.0, ge=0, le=100)

    @model_validator(mode="after")
    def _some_weight(self) -> Self:
        if self.sum() <= 0:
            raise ValueError("at least one criterion must have a weight above 0")
        return self

    @classmethod
    def for_programme(cls, programme: ProgrammeTerms) -> Weights:
        """Sensible defaults: contrast counts double when the programme crosses organisations
        or is an X-market circle."""
        if programme.crosses_organisations or programme.model == "x_market_circle":
            return cls(contrast=2.0)
        return cls()

    def of(self, criterion: Criterion) -> float:
        """The weight of one criterion."""
        value: float = getattr(self, criterion.value)
        return value

    def as_tuple(self) -> tuple[float, ...]:
        """The weights in `Criterion` order."""
        return tuple(self.of(c) for c in Criterion)

    def sum(self) -> float:
        """All weights added up."""
        return sum(self.of(c) for c in Criterion)

    def total(self, scores: Mapping[Criterion, Num]) -> Num:
        """The weighted mean of per-criterion scores (same order of operations everywhere)."""
        acc = np.zeros_like(scores[Criterion.CARE])
        for criterion in Criterion:
            acc = acc + self.of(criterion) * scores[criterion]
        return np.asarray(acc / self.sum(), dtype=np.float64)


@dataclass(frozen=True)
class PairFeatures:
    """What scoring needs to know of (mentee, mentor) pairs, as counts and 0/1 flags."""

    goal_words: Num
    shared_goal_words: Num
    shared_languages: Num
    fewest_languages: Num
    overlap_minutes: Num
    shared_options: Num
    fewest_options: Num
    same_organisation: Num
    sectors_known: Num
    same_sector: Num
    seniority_known: Num
    seniority_gap: Num
    emcc_both_known: Num
    emcc_gap: Num
    mentor_emcc_known: Num
    mentor_emcc: Num
    sector_named: Num
    named_skills: Num
    wanted_roles: Num
    roles_met: Num
    mentor_competences: Num
    two_way: Num
    back_goal_words: Num
    back_shared_goal_words: Num


def gap_fit(gap: Num) -> Num:
    """Seed 003's challenge: a gap of one or two levels is best, equal or reversed worse."""
    return np.asarray(
        np.select(
            [gap >= 4, gap == 3, gap >= 1, gap == 0, gap == -1],
            [0.5, 0.7, 1.0, 0.35, 0.15],
            default=0.05,
        ),
        dtype=np.float64,
    )


def _goals_met(goal_words: Num, shared: Num) -> Num:
    return np.asarray(
        np.where(goal_words == 0, 0.5, np.minimum(1.0, 2.0 * shared / np.maximum(goal_words, 1.0))),
        dtype=np.float64,
    )


def _share(shared: Num, fewest: Num) -> Num:
    return np.asarray(np.minimum(1.0, shared / np.maximum(fewest, 1.0)), dtype=np.float64)


def criterion_scores(f: PairFeatures) -> dict[Criterion, Num]:
    """Each criterion's score in [0, 1] for every pair described by `f`."""
    goals = _goals_met(f.goal_words, f.shared_goal_words)
    goals = np.where(
        f.two_way == 1,
        0.5 * (goals + _goals_met(f.back_goal_words, f.back_shared_goal_words)),
        goals,
    )
    compatibility = (
        _share(f.shared_languages, f.fewest_languages)
        + np.minimum(1.0, f.overlap_minutes / ENOUGH_MINUTES)
        + _share(f.shared_options, f.fewest_options)
    ) / 3.0
    contrast = 0.5 * (1.0 - f.same_organisation) + 0.5 * np.where(
        f.sectors_known == 1, 1.0 - f.same_sector, 0.5
    )
    emcc = np.where(
        f.emcc_both_known == 1,
        gap_fit(f.emcc_gap),
        np.where(f.mentor_emcc_known == 1, 0.4 + 0.2 * f.mentor_emcc, 0.5),
    )
    challenge = 0.7 * np.where(f.seniority_known == 1, gap_fit(f.seniority_gap), 0.5) + 0.3 * emcc
    context = 0.5 * np.where(
        f.sector_named == 1, 1.0, np.where(f.same_sector == 1, 0.75, 0.0)
    ) + 0.5 * np.minimum(1.0, f.named_skills / 2.0)
    # Each part is 0.5 (neutral) when nothing is stated, so care is exactly 0.5 then.
    roles = np.where(f.wanted_roles == 0, 0.5, f.roles_met / np.maximum(f.wanted_roles, 1.0))
    competences = 0.5 * f.mentor_competences / EMCC_COMPETENCE_COUNT
    care = 0.5 + ROLE_SHARE * (roles - 0.5) + (1.0 - ROLE_SHARE) * competences
    scores = {
        Criterion.GOALS_SKILLS: goals,
        Criterion.COMPATIBILITY: compatibility,
        Criterion.CONTRAST: contrast,
        Criterion.CHALLENGE: challenge,
        Criterion.CONTEXT: context,
        Criterion.CARE: care,
    }
    return {c: np.asarray(s, dtype=np.float64) for c, s in scores.items()}


class CriterionScore(BaseModel):
    """One criterion's score for a pair, its weight, and why."""

    model_config = ConfigDict(frozen=True)

    criterion: Criterion = Field(examples=["compatibility"])
    score: float = Field(ge=0, le=1, examples=[0.83])
    weight: float = Field(ge=0, examples=[2.0])
    reasons: list[str] = Field(examples=[["both speak English"]])


class Suggestion(BaseModel):
    """A possible pair with its total score (the weighted mean) and per-criterion scores."""

    model_config = ConfigDict(frozen=True)

    mentee_id: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])
    mentor_id: str = Field(examples=["mem_0c1d2e3f4a5b6c7d"])
    mentor_organisation_id: str | None = Field(
        default=None,
        examples=["org_3f9a1c2b7d4e"],
        description="the mentor's organisation, so a self-match mentee can see who they are",
    )
    total: float = Field(ge=0, le=1, examples=[0.74])
    scores: list[CriterionScore]

    def score_of(self, criterion: Criterion) -> float:
        """One criterion's score."""
        return next(s.score for s in self.scores if s.criterion is criterion)

    @property
    def reasons(self) -> list[str]:
        """Every reason, each prefixed by its criterion."""
        return [f"{s.criterion.value}: {r}" for s in self.scores for r in s.reasons]


@lru_cache(maxsize=4096)
def rank(value: str | None, levels: tuple[str, ...]) -> int:
    """A level's position on its ladder, or -1 when it is not known."""
    key = normalised(value)
    key = key.replace(" ", "_") if key else None
    return levels.index(key) if key in levels else -1


def _skill_word_sets(profile: MatchingProfile) -> frozenset[frozenset[str]]:
    return frozenset(w for w in (words_of(s) for s in profile.skills) if w)


def pair_features(
    mentee: MatchingProfile,
    mentee_org: str,
    mentor: MatchingProfile,
    mentor_org: str,
    direction: Direction = CONVENTIONAL,
) -> PairFeatures:
    """The features of one pair (the scalar twin of the vectorised round). The seniority gap
    is taken the way the programme prefers it: mentor above mentee, or below when reverse."""
    goal_words = words_of_all(mentee.development_goals)
    back_goal_words = words_of_all(mentor.development_goals)
    wanted = set(mentee.wanted_mentor_roles)
    skill_words = words_of_all(mentor.skills)
    langs_a, langs_b = languages_of(mentee), languages_of(mentor)
    opts_a, opts_b = meeting_options(mentee), meeting_options(mentor)
    sector_a, sector_b = normalised(mentee.sector), normalised(mentor.sector)
    job_a, job_b = rank(mentee.job_level, JOB_LEVELS), rank(mentor.job_level, JOB_LEVELS)
    emcc_a, emcc_b = rank(mentee.emcc_level, EMCC_LEVELS), rank(mentor.emcc_level, EMCC_LEVELS)
    sector_words = words_of(sector_b) if sector_b else frozenset()
    overlap = sum(e - s for s, e in common_windows(weekly_windows(mentee), weekly_windows(mentor)))
    values = {
        "goal_words": len(goal_words),
        "shared_goal_words": len(goal_words & skill_words),
        "shared_languages": len(langs_a & langs_b),
        "fewest_languages": min(len(langs_a), len(langs_b)),
        "overlap_minutes": overlap,
        "shared_options": len(opts_a & opts_b),
        "fewest_options": min(len(opts_a), len(opts_b)),
        "same_organisation": int(mentee_org == mentor_org),
        "sectors_known": int(sector_a is not None and sector_b is not None),
        "same_sector": int(sector_a is not None and sector_a == sector_b),
        "seniority_known": int(job_a >= 0 and job_b >= 0),
        "seniority_gap": job_a - job_b if direction.reverse else job_b - job_a,
        "emcc_both_known": int(emcc_a >= 0 and emcc_b >= 0),
        "emcc_gap": emcc_b - emcc_a,
        "mentor_emcc_known": int(emcc_b >= 0),
        "mentor_emcc": max(emcc_b, 0),
        "sector_named": int(bool(sector_words) and sector_words <= goal_words),
        "named_skills": sum(1 for w in _skill_word_sets(mentor) if w <= goal_words),
        "wanted_roles": len(wanted),
        "roles_met": len(wanted & set(mentor.mentor_roles)),
        "mentor_competences": len(set(mentor.emcc_competences)),
        "two_way": int(direction.two_way),
        "back_goal_words": len(back_goal_words),
        "back_shared_goal_words": len(back_goal_words & words_of_all(mentee.skills)),
    }
    return PairFeatures(**{k: np.asarray(float(v)) for k, v in values.items()})


_LEVEL_GAP = {1: "one level", 2: "two levels", 3: "three levels"}


def _gap_words(gap: int) -> str:
    return _LEVEL_GAP.get(abs(gap), f"{abs(gap)} levels")


@lru_cache(maxsize=65536)
def _links(goals: tuple[str, ...], skills: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Each goal with the first skill sharing a word with it."""
    links: list[tuple[str, str]] = []
    for goal in goals:
        for skill in skills:
            if words_of(goal) & words_of(skill):
                links.append((goal, skill))
                break
    return tuple(links)


def _goals_reasons(
    mentee: MatchingProfile, mentor: MatchingProfile, direction: Direction
) -> list[str]:
    reasons = _one_way(mentee, mentor)
    if not direction.two_way:
        return reasons
    # Seed 004's two-way mentoring: each mentors the other, so both directions are read.
    a, b = mentee.display_name, mentor.display_name
    return [f"{b} mentors {a}: {r}" for r in reasons] + [
        f"{a} mentors {b}: {r}" for r in _one_way(mentor, mentee)
    ]


def _one_way(learner: MatchingProfile, giver: MatchingProfile) -> list[str]:
    a, b = learner.display_name, giver.display_name
    if not learner.development_goals:
        return [f"{a} has not stated development goals (neutral)"]
    links = [
        f"{a}'s goal '{goal}' meets {b}'s skill '{skill}'"
        for goal, skill in _links(tuple(learner.development_goals), tuple(giver.skills))
    ]
    if not links:
        return [f"{b}'s skills do not touch {a}'s goals"]
    return links[:3]


@lru_cache(maxsize=4096)
def _languages_reason(a: frozenset[str], b: frozenset[str]) -> str:
    langs = sorted(language_label(c) for c in a & b)
    return "both speak " + ", ".join(langs) if langs else "no language in common"


@lru_cache(maxsize=65536)
def _options_reason(a: frozenset[str], b: frozenset[str]) -> str:
    options = sorted(a & b)
    if options:
        return "both can meet by " + ", ".join(option_label(o) for o in options)
    return "no way of meeting in common (face to face needs the same location)"


def _compatibility_reasons(mentee: MatchingProfile, mentor: MatchingProfile) -> list[str]:
    reasons = [_languages_reason(languages_of(mentee), languages_of(mentor))]
    common = common_windows(weekly_windows(mentee), weekly_windows(mentor))
    minutes = sum(e - s for s, e in common)
    if common:
        first = common[0]
        when = local_label(first, mentee.time_zone)
        if mentor.time_zone != mentee.time_zone:
            when += f" = {local_label(first, mentor.time_zone)}"
        reasons.append(f"both free {duration_label(minutes)} a week, e.g. {when}")
    else:
        reasons.append("no weekly time when both are free (time zones taken into account)")
    reasons.append(_options_reason(meeting_options(mentee), meeting_options(mentor)))
    return reasons


def _contrast_reasons(
    mentee: MatchingProfile, mentee_org: str, mentor: MatchingProfile, mentor_org: str
) -> list[str]:
    reasons = [
        "from different organisations" if mentee_org != mentor_org else "from one organisation"
    ]
    sa, sb = normalised(mentee.sector), normalised(mentor.sector)
    if sa is None or sb is None:
        reasons.append("a sector is not known (neutral)")
    elif sa != sb:
        reasons.append(f"different sectors: {mentee.sector} and {mentor.sector}")
    else:
        reasons.append(f"the same sector ({mentor.sector})")
    return reasons


def _seniority_reason(
    mentee: MatchingProfile, mentor: MatchingProfile, direction: Direction
) -> str:
    a, b = mentee.display_name, mentor.display_name
    ja, jb = rank(mentee.job_level, JOB_LEVELS), rank(mentor.job_level, JOB_LEVELS)
    if ja < 0 or jb < 0:
        return "a job level is not known (neutral)"
    gap = jb - ja
    levels = f"({mentor.job_level}; {a} is {mentee.job_level})"
    if gap == 0:
        return f"{b} and {a} are at the same level ({mentor.job_level}): little stretch"
    if direction.reverse:
        # Seed 004: the less senior mentor the more senior, on the programme's topics.
        topics = ", ".join(direction.topics) or "the programme's topics"
        if -2 <= gap <= -1:
            return (
                f"{b} is {_gap_words(gap)} less senior {levels}: reverse mentoring, as this "
                f"programme asks, with {b} mentoring {a} on {topics}"
            )
        if gap < -2:
            return f"{b} is {_gap_words(gap)} less senior {levels}: reverse mentoring, a wide gap"
        return (
            f"{b} is {_gap_words(gap)} more senior {levels}: this programme asks for reverse "
            f"mentoring, a less senior mentor on {topics}"
        )
    if 1 <= gap <= 2:
        return f"{b} is {_gap_words(gap)} more senior {levels}: room to stretch {a}"
    if gap > 2:
        return f"{b} is {_gap_words(gap)} more senior {levels}: a wide gap"
    # Not reverse mentoring: this programme did not ask for it, so it is less stretch.
    return f"{b} is {_gap_words(gap)} less senior {levels}: less room to stretch {a}"


def _challenge_reasons(
    mentee: MatchingProfile, mentor: MatchingProfile, direction: Direction
) -> list[str]:
    a, b = mentee.display_name, mentor.display_name
    reasons = [_seniority_reason(mentee, mentor, direction)]
    ea, eb = rank(mentee.emcc_level, EMCC_LEVELS), rank(mentor.emcc_level, EMCC_LEVELS)
    if eb >= 0:
        level = EMCC_LEVELS[eb].replace("_", " ")
        extra = f", {a} is {EMCC_LEVELS[ea].replace('_', ' ')}" if ea >= 0 else ""
        reasons.append(f"{b} is an EMCC {level} mentor{extra}")
    else:
        reasons.append(f"{b}'s EMCC level is not known (neutral)")
    return reasons


def _context_reasons(mentee: MatchingProfile, mentor: MatchingProfile) -> list[str]:
    a, b = mentee.display_name, mentor.display_name
    goal_words = words_of_all(mentee.development_goals)
    reasons: list[str] = []
    sa, sb = normalised(mentee.sector), normalised(mentor.sector)
    if sb is not None and named_in(sb, goal_words):
        reasons.append(f"{b} works in {mentor.sector}, which {a}'s goals name")
    elif sb is not None and sa == sb:
        reasons.append(f"{b} knows {a}'s sector ({mentor.sector})")
    else:
        reasons.append(f"{b}'s sector is not one {a}'s goals name")
    named = [s for s in mentor.skills if named_in(s, goal_words)]
    if named:
        reasons.append(f"{a}'s goals name {b}'s expertise: " + ", ".join(named[:3]))
    return reasons


def _care_reasons(mentee: MatchingProfile, mentor: MatchingProfile) -> list[str]:
    a, b = mentee.display_name, mentor.display_name
    wanted = mentee.wanted_mentor_roles
    if not wanted and not mentor.emcc_competences:
        return [NO_PREFERENCES]
    reasons: list[str] = []
    if wanted:
        taken = [r for r in wanted if r in mentor.mentor_roles]
        missing = [r for r in wanted if r not in mentor.mentor_roles]
        if taken:
            reasons.append(
                f"{a} asks for a mentor who is a {_roles_words(wanted)}; {b} takes the role of "
                f"{_roles_words(taken)}"
            )
        if missing:
            reasons.append(f"{b} does not take the role of {_roles_words(missing)}")
    else:
        reasons.append(f"{a} asks for no particular mentor role (neutral)")
    developed = mentor.emcc_competences
    if developed:
        named = ", ".join(c.replace("_", " ") for c in developed[:3])
        more = f" and {len(developed) - 3} more" if len(developed) > 3 else ""
        reasons.append(
            f"{b} has developed {len(developed)} of the 8 EMCC competences: {named}{more}"
        )
    else:
        reasons.append(f"{b} has not said which EMCC competences they have developed (neutral)")
    return reasons


def _roles_words(roles: Sequence[str]) -> str:
    words = [r.replace("_", " ") for r in roles]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def score_pair(
    mentee: Candidate,
    mentor: Candidate,
    weights: Weights | None = None,
    direction: Direction = CONVENTIONAL,
) -> Suggestion:
    """A (mentee, mentor) pair scored by criterion, with reasons. For peers, `mentee` is the
    one whose goals are served. Both need a profile; feasibility is `constraints`' business."""
    if mentee.profile is None or mentor.profile is None:
        raise ValueError("both members need a profile to be scored")
    weights = weights or Weights()
    a, b = mentee.profile, mentor.profile
    features = pair_features(a, mentee.organisation_id, b, mentor.organisation_id, direction)
    scores = criterion_scores(features)
    total = float(weights.total(scores))
    return explained(
        mentee, mentor, weights.as_tuple(), [float(scores[c]) for c in Criterion], total, direction
    )


def explained(
    mentee: Candidate,
    mentor: Candidate,
    weights: Sequence[float],
    scores: Sequence[float],
    total: float,
    direction: Direction = CONVENTIONAL,
) -> Suggestion:
    """A pair's suggestion from the weights, its criterion scores (both in `Criterion` order)
    and total, as computed by `criterion_scores` and `Weights.total`, with the reasons for each
    criterion."""
    if mentee.profile is None or mentor.profile is None:
        raise ValueError("both members need a profile to be scored")
    a, b = mentee.profile, mentor.profile
    reasons = (
        _goals_reasons(a, b, direction),
        _compatibility_reasons(a, b),
        _contrast_reasons(a, mentee.organisation_id, b, mentor.organisation_id),
        _challenge_reasons(a, b, direction),
        _context_reasons(a, b),
        _care_reasons(a, b),
    )
    return _built(
        Suggestion,
        {
            "mentee_id": mentee.member_id,
            "mentor_id": mentor.member_id,
            "mentor_organisation_id": mentor.organisation_id,
            "total": min(1.0, max(0.0, total)),
            "scores": [
                _built(
                    CriterionScore,
                    {
                        "criterion": c,
                        "score": min(1.0, max(0.0, score)),
                        "weight": weight,
                        "reasons": why,
                    },
                )
                for c, score, weight, why in zip(_CRITERIA, scores, weights, reasons, strict=True)
            ],
        },
    )


_CRITERIA = tuple(Criterion)
_M = TypeVar("_M", bound=BaseModel)


def _built(model: type[_M], values: dict[str, object]) -> _M:
    """A model from values known valid (every field given, every number clamped to its range
    by the caller), without validation: what `model_construct` does less its per-field
    bookkeeping, which costs more than the reasons themselves over a round's proposals."""
    built = model.__new__(model)
    object.__setattr__(built, "__dict__", values)
    object.__setattr__(built, "__pydantic_fields_set__", set(values))
    object.__setattr__(built, "__pydantic_extra__", None)
    object.__setattr__(built, "__pydantic_private__", None)
    return built
