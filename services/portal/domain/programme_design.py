"""Designing a programme: the guided form's parts, the words that explain each choice, and the
design a filled-in form gives (or what is wrong with it, beside each field).

The parts follow seed 002 ("Mentoring: Supporting and Promoting Professional Development and
Learning"): step 1, identify the purpose ("what do we as an organisation hope to achieve
through mentoring?"); step 2, a plan with the programme's goals and expected outcomes; its four
mentoring models (one-to-one, group with one mentor and one to four mentees, two-by-two, team),
with the peer circles of seed 001 ("The Power of Peer Mentoring") and the X Market circles of
seed 004 ("Mentoring - How?, Who?, Where?"); the selection criteria, with mentor training and
mentee induction mandatory before matching; planning meetings (Resource 5's exemplar
agreement: at least once a month, one to two hours); and, step 3, partners taking part
with one co-ordinator across them. The registry checks the same rules again. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services.portal.domain.forms import FormProblems, first, from_service, text_lines

FIELDS = (
    "name",
    "purpose",
    "goals",
    "expected_outcomes",
    "model",
    "max_mentees_per_mentor",
    "eligibility",
    "meeting_every_days",
    "min_meeting_minutes",
    "max_meeting_minutes",
    "starts_on",
    "ends_on",
    "participating_organisations",
    "self_match",
    "require_different_sectors",
    "direction",
    "reverse_topics",
)

# Each model with what it means for the people in it (seed 002's four, seeds 001 and 004's).
MODELS = {
    "one_to_one": (
        "One-to-one",
        "Each mentee is matched with a dedicated mentor who supports their professional and "
        "personal development.",
    ),
    "group": (
        "Group",
        "One experienced mentor meets a group of one to four mentees over a set period, to "
        "work together on shared challenges; the mentor offers one-to-one sessions if asked.",
    ),
    "two_by_two": (
        "Two-by-two",
        "Two mentors with two mentees: a new mentor works alongside an experienced one, and "
        "mentees draw on a wider pool of skills.",
    ),
    "team": (
        "Team",
        "One or two experienced mentors from outside a work team mentor a group of mentees "
        "in that team, who share its goals.",
    ),
    "peer_circle": (
        "Peer circle",
        "Peers of equal standing meet as a circle of four to eight, with no expert: each "
        "session in one of the circle's formats, under ground rules they agree.",
    ),
    "x_market_circle": (
        "X Market circle",
        "A peer circle whose members come from different organisations, sectors and sizes, "
        "learning from each other to find different practice, not best practice.",
    ),
}
# Which way knowledge flows in a pair (seed 004, "Mentoring - How?, Who?, Where?").
DIRECTIONS = {
    "conventional": "The more experienced person mentors the less experienced one",
    "reverse": "Reverse: the less senior person mentors the more senior one on named topics, "
    "such as digital tools, lived experience or a new generation's view",
    "two_way": "Two-way: each of a pair mentors the other, on different topics (in pairs of two; "
    "both need mentor training and the mentee induction)",
}
CIRCLE_MODELS = ("peer_circle", "x_market_circle")
PAIR_MODELS = tuple(m for m in MODELS if m not in CIRCLE_MODELS)

# The bounds the registry keeps (the same numbers, so a problem shows before it is sent).
BOUNDS = {
    "meeting_every_days": (7, 92),
    "min_meeting_minutes": (15, 480),
    "max_meeting_minutes": (15, 480),
    "max_mentees_per_mentor": (1, 4),
}
LENGTHS = {"name": (3, 120), "purpose": (10, 2000), "eligibility": (0, 1000)}
MOST_GOALS = 10


@dataclass(frozen=True)
class DesignForm:
    """What the form holds, as typed (kept when it comes back with problems)."""

    name: str = ""
    purpose: str = ""
    goals: str = ""
    expected_outcomes: str = ""
    model: str = "one_to_one"
    max_mentees_per_mentor: str = "1"
    eligibility: str = ""
    meeting_every_days: str = "28"
    min_meeting_minutes: str = "60"
    max_meeting_minutes: str = "120"
    starts_on: str = ""
    ends_on: str = ""
    participating_organisations: tuple[str, ...] = field(default_factory=tuple)
    self_match: bool = False
    require_different_sectors: bool = False
    direction: str = "conventional"
    reverse_topics: str = ""
    # Seed 004, organisations mentoring each other: (first, second) of each pair row, as chosen.
    organisation_pairs: tuple[tuple[str, str], ...] = field(default_factory=tuple)


PAIR_ROWS = 3  # pair rows the form offers


def blank_design(today: date) -> DesignForm:
    """A new design's starting values: monthly meetings of one to two hours (Resource 5's
    exemplar agreement), starting in a month and running for a year."""
    starts = date.fromordinal(today.toordinal() + 30)
    ends = date.fromordinal(starts.toordinal() + 364)
    return DesignForm(starts_on=starts.isoformat(), ends_on=ends.isoformat())


def design_from_form(
    form: Mapping[str, Sequence[str]], known_organisations: Collection[str], own: str = ""
) -> tuple[DesignForm, dict[str, Any] | None, FormProblems]:
    """The form as typed, the registry's request body (None while anything is wrong), and each
    problem beside its field (`own`: the designer's organisation, which may be paired)."""
    typed = DesignForm(
        name=first(form, "name"),
        purpose=first(form, "purpose"),
        goals=first(form, "goals"),
        expected_outcomes=first(form, "expected_outcomes"),
        model=first(form, "model"),
        max_mentees_per_mentor=first(form, "max_mentees_per_mentor") or "1",
        eligibility=first(form, "eligibility"),
        meeting_every_days=first(form, "meeting_every_days"),
        min_meeting_minutes=first(form, "min_meeting_minutes"),
        max_meeting_minutes=first(form, "max_meeting_minutes"),
        starts_on=first(form, "starts_on"),
        ends_on=first(form, "ends_on"),
        participating_organisations=tuple(
            dict.fromkeys(v for v in form.get("participating_organisations", []) if v)
        ),
        self_match=first(form, "self_match") == "yes",
        require_different_sectors=first(form, "require_different_sectors") == "yes",
        direction=first(form, "direction") or "conventional",
        reverse_topics=first(form, "reverse_topics"),
        organisation_pairs=tuple(
            (first(form, f"pair_{n}_first"), first(form, f"pair_{n}_second"))
            for n in range(1, PAIR_ROWS + 1)
        ),
    )
    problems: dict[str, str] = {}
    for name, (low, high) in LENGTHS.items():
        value = getattr(typed, name)
        if len(value) < low:
            problems[name] = f"write at least {low} characters"
        elif len(value) > high:
            problems[name] = f"keep it to {high} characters or fewer"
    goals, outcomes = text_lines(typed.goals), text_lines(typed.expected_outcomes)
    if not goals:
        problems["goals"] = "name at least one goal, one per line"
    elif len(goals) > MOST_GOALS:
        problems["goals"] = f"keep to {MOST_GOALS} goals or fewer"
    if len(outcomes) > MOST_GOALS:
        problems["expected_outcomes"] = f"keep to {MOST_GOALS} outcomes or fewer"
    if typed.model not in MODELS:
        problems["model"] = "choose how people will be mentored"
    numbers = {
        name: _whole(getattr(typed, name), low, high, problems, name)
        for name, (low, high) in BOUNDS.items()
    }
    shortest, longest = numbers["min_meeting_minutes"], numbers["max_meeting_minutes"]
    if shortest is not None and longest is not None and longest < shortest:
        problems["max_meeting_minutes"] = (
            f"the longest meeting cannot be shorter than the shortest ({shortest} minutes)"
        )
    mentees = numbers["max_mentees_per_mentor"]
    if typed.model == "one_to_one" and mentees not in (None, 1):
        problems["max_mentees_per_mentor"] = "a one-to-one programme has one mentee per mentor"
    starts = _day(typed.starts_on, problems, "starts_on")
    ends = _day(typed.ends_on, problems, "ends_on")
    if starts is not None and ends is not None and ends <= starts:
        problems["ends_on"] = "the programme must end after it starts"
    unknown = [o for o in typed.participating_organisations if o not in known_organisations]
    if unknown:
        problems["participating_organisations"] = "choose organisations from the list"
    if typed.require_different_sectors and typed.model != "x_market_circle":
        problems["require_different_sectors"] = (
            "only an X Market circle asks for members from different sectors"
        )
    if typed.self_match and typed.model in CIRCLE_MODELS:
        problems["self_match"] = "a circle has no mentors to choose from: peers are all equals"
    topics = _directed(typed, problems)
    pairs = _pairs(typed, own, problems)
    if problems:
        return typed, None, FormProblems(problems, "Please correct the parts marked below.")
    body: dict[str, Any] = {
        "name": typed.name,
        "purpose": typed.purpose,
        "goals": goals,
        "expected_outcomes": outcomes,
        "model": typed.model,
        "starts_on": typed.starts_on,
        "ends_on": typed.ends_on,
        "meeting_every_days": numbers["meeting_every_days"],
        "min_meeting_minutes": shortest,
        "max_meeting_minutes": longest,
        "eligibility": typed.eligibility,
        "participating_organisations": list(typed.participating_organisations),
        "max_mentees_per_mentor": 1 if typed.model in CIRCLE_MODELS else mentees,
        "require_different_sectors": typed.require_different_sectors,
        "self_match": typed.self_match,
        "direction": typed.direction,
        "reverse_topics": topics,
    }
    if pairs:
        body["organisation_pairs"] = pairs
    return typed, body, FormProblems()


def _directed(typed: DesignForm, problems: dict[str, str]) -> list[str]:
    """The reverse-mentoring topics, and what is wrong with the direction (seed 004)."""
    topics = text_lines(typed.reverse_topics)
    if typed.direction not in DIRECTIONS:
        problems["direction"] = "choose which way the mentoring goes"
    elif typed.direction != "conventional" and typed.model in CIRCLE_MODELS:
        problems["direction"] = "reverse and two-way mentoring are for pairs, not circles"
    elif typed.direction == "two_way" and typed.model != "one_to_one":
        problems["direction"] = "two-way mentoring pairs people one to one"
    elif typed.direction == "reverse" and not topics:
        problems["reverse_topics"] = (
            "name the topics on which the less senior mentor the more senior, one a line"
        )
    elif typed.direction != "reverse" and topics:
        problems["reverse_topics"] = "topics belong to a reverse programme: choose reverse"
    if len(topics) > MOST_GOALS:
        problems["reverse_topics"] = f"keep to {MOST_GOALS} topics or fewer"
    return topics


def _pairs(typed: DesignForm, own: str, problems: dict[str, str]) -> list[dict[str, str]]:
    """The organisation pairs chosen (seed 004): rows left empty are none; each pair is two
    different organisations taking part, each organisation in one pair, in a programme that
    pairs people."""
    chosen = [list(pair) for pair in typed.organisation_pairs if any(pair)]
    taking_part = {own, *typed.participating_organisations}
    named = [o for pair in chosen for o in pair]
    if not chosen:
        return []
    if typed.model in CIRCLE_MODELS:
        problems["organisation_pairs"] = "organisations are paired in programmes that pair people"
    elif not all(a and b for a, b in chosen):
        problems["organisation_pairs"] = "choose both organisations of each pair"
    elif any(a == b for a, b in chosen):
        problems["organisation_pairs"] = "a pair is two different organisations"
    elif len(set(named)) != len(named):
        problems["organisation_pairs"] = "put each organisation in one pair at most"
    elif not set(named) <= taking_part:
        problems["organisation_pairs"] = "pair only your organisation and those you invite"
    return [{"first": a, "second": b} for a, b in chosen]


# The registry's rules that span fields come back about the whole body; each belongs by a
# field of the form, found by its words.
_BODY_RULES = (
    ("end after it starts", "ends_on"),
    ("organisation pair", "organisation_pairs"),
    ("organisations are paired", "organisation_pairs"),
    ("longest meeting", "max_meeting_minutes"),
    ("one mentee per mentor", "max_mentees_per_mentor"),
    ("different sectors", "require_different_sectors"),
    ("reverse-mentoring topic", "reverse_topics"),
    ("name the topics", "reverse_topics"),
    ("two-way", "direction"),
    ("listed twice", "participating_organisations"),
    ("no such organisations", "participating_organisations"),
)


def design_refusal(detail: str, fields: Mapping[str, str]) -> FormProblems:
    """The registry's refusal of a design, each problem beside its field where one fits."""
    placed: dict[str, str] = {}
    overall: list[str] = []
    for path, message in {**fields, "": detail}.items():
        words = re.sub(r"^Value error, ", "", message)
        if path not in ("", "body"):
            placed[path] = words
            continue
        found = next((name for phrase, name in _BODY_RULES if phrase in words), None)
        if found is not None:
            placed[found] = words
        elif path == "body":
            overall.append(words)
    if not placed:
        return from_service("; ".join(overall) or detail, {}, FIELDS)
    return from_service(detail, placed, FIELDS)


def _whole(value: str, low: int, high: int, problems: dict[str, str], name: str) -> int | None:
    if not re.fullmatch(r"\d{1,4}", value.strip()):
        problems[name] = f"give a whole number from {low} to {high}"
        return None
    number = int(value)
    if not low <= number <= high:
        problems[name] = f"give a whole number from {low} to {high}, not {number}"
        return None
    return number


def _day(value: str, problems: dict[str, str], name: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems[name] = "give a date, like 2027-01-11"
        return None
