"""The demo's cohorts (deploy/localnet/demo_cohorts.py): the people who sign in for `./mentornet
up`'s mentoring must be ready for their role in the registry's eyes, and matchable in
matching's, or the demo's rounds would leave them out."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from deploy.localnet.demo import DEMO_ORGANISATIONS, MEMBERS_PER_ORGANISATION
from deploy.localnet.demo_cohorts import (
    PAIR_COHORTS,
    PEER_CIRCLE_PEERS,
    WEEKDAYS,
    CohortMember,
    as_recorded_by_hr,
    people_of,
    plan_cohorts,
)
from deploy.localnet.demo_people import demo_rows
from services.matching.domain.candidate import Candidate, MatchingProfile, ParticipantRole
from services.matching.domain.circle_grouping import CircleRules, group_into_circles
from services.matching.domain.constraints import MatchingRules, why_impossible
from services.registry.domain.member_import import (
    ExistingMember,
    ImportFormat,
    ImportPlan,
    parse,
    plan_import,
)
from services.registry.domain.profile import Profile

MODELS = {spec["name"]: model for spec, model in DEMO_ORGANISATIONS}
DOMAINS = {spec["name"]: spec["email_domains"][0] for spec, _ in DEMO_ORGANISATIONS}


@pytest.fixture(scope="module")
def rows() -> list[list[dict[str, Any]]]:
    """Each organisation's HR rows, as `seed` makes them."""
    return [
        demo_rows(
            spec["email_domains"][0], spec["sector"], spec["country"], MEMBERS_PER_ORGANISATION, n
        )
        for n, (spec, _) in enumerate(DEMO_ORGANISATIONS, start=1)
    ]


@pytest.fixture(scope="module")
def cohorts(rows: list[list[dict[str, Any]]]) -> list[CohortMember]:
    return plan_cohorts(DEMO_ORGANISATIONS, rows, "demo")


def candidate(member: CohortMember, n: int) -> Candidate:
    return Candidate(
        member_id=f"mem_{n:016d}",
        organisation_id=member.home,
        role=ParticipantRole(member.role),
        eligible=True,
        profile=MatchingProfile.model_validate(member.profile),
        capacity=member.profile["mentor_capacity"] or None,
    )


def test_every_profile_is_accepted_by_the_registry_and_ready_for_its_role(
    cohorts: list[CohortMember],
) -> None:
    for member in cohorts:
        profile = Profile.model_validate(member.profile)
        assert profile.share_across_organisations
        if member.role == "mentor":
            assert profile.ready_as_mentor and profile.mentor_capacity > 0
        else:
            assert profile.ready_as_mentee


def test_cohorts_have_their_models_sizes_and_nobody_is_in_two(
    cohorts: list[CohortMember],
) -> None:
    emails = [m.person.email for m in cohorts]
    assert len(emails) == len(set(emails))
    assert all(m.person.email.endswith("@" + DOMAINS[m.home]) for m in cohorts)
    roles = Counter((m.programme_of, m.role) for m in cohorts)
    for name, model in MODELS.items():
        if model in PAIR_COHORTS:  # the demo mentor and mentee come on top
            assert (roles[(name, "mentor")] + 1, roles[(name, "mentee")] + 1) == PAIR_COHORTS[model]
        elif model == "peer_circle":
            assert roles[(name, "peer")] + 2 == PEER_CIRCLE_PEERS
    # Each provider knows exactly the cohort members of its own organisation.
    assert sum(len(people_of(cohorts, name)) for name in MODELS) == len(cohorts)


def test_every_mentee_could_be_paired_with_every_mentor_of_their_programme(
    cohorts: list[CohortMember],
) -> None:
    by_programme: dict[str, list[Candidate]] = {}
    for n, member in enumerate(cohorts):
        by_programme.setdefault(member.programme_of, []).append(candidate(member, n))
    for name, model in MODELS.items():
        if model not in PAIR_COHORTS:
            continue
        people = by_programme[name]
        mentors = [c for c in people if c.role is ParticipantRole.MENTOR]
        mentees = [c for c in people if c.role is ParticipantRole.MENTEE]
        for mentee in mentees:
            for mentor in mentors:
                assert why_impossible(mentee, mentor, MatchingRules()) == [], (name, mentee)


def test_the_x_market_circle_places_every_peer_one_per_organisation(
    cohorts: list[CohortMember],
) -> None:
    owner = next(name for name, model in MODELS.items() if model == "x_market_circle")
    peers = [m for m in cohorts if m.programme_of == owner]
    # The owner's demo mentor and mentee enrol as peers too.
    demo = [CohortMember(p.person, owner, owner, "peer", p.profile) for p in peers[:2]]
    candidates = [candidate(m, n) for n, m in enumerate(peers + demo)]
    plan = group_into_circles(candidates, CircleRules(one_per_organisation=True))
    assert plan.unplaced == ()
    assert len(plan.circles) == 2
    assert len({m.home for m in peers}) == len(MODELS) - 1


def utc_windows(profile: dict[str, Any], monday: date) -> list[tuple[datetime, datetime]]:
    """A profile's weekly slots in UTC, in the week of `monday`."""
    zone = ZoneInfo(profile["time_zone"])
    windows = []
    for slot in profile["availability"]:
        day = monday + timedelta(days=WEEKDAYS.index(slot["day"]))
        start = datetime.combine(day, time.fromisoformat(slot["start"]), zone)
        end = datetime.combine(day, time.fromisoformat(slot["end"]), zone)
        windows.append((start.astimezone(UTC), end.astimezone(UTC)))
    return windows


@pytest.mark.parametrize("monday", [date(2027, 1, 4), date(2027, 7, 5)], ids=["jan", "jul"])
def test_any_two_cohort_members_share_a_weekly_time_in_either_season(
    cohorts: list[CohortMember], monday: date
) -> None:
    zones = {m.profile["time_zone"]: m.profile for m in cohorts}
    assert len(zones) >= 2  # Aotearoa and Europe
    for a in zones.values():
        for b in zones.values():
            assert any(
                max(s1, s2) < min(e1, e2)
                for s1, e1 in utc_windows(a, monday)
                for s2, e2 in utc_windows(b, monday)
            ), (a["time_zone"], b["time_zone"])


def test_re_importing_the_hr_rows_leaves_the_profiles_the_cohort_wrote(
    rows: list[list[dict[str, Any]]], cohorts: list[CohortMember]
) -> None:
    """Every `up` re-imports the rows; the cohort's own profiles (with their weekly times)
    must come through it unchanged, or a re-run would change the demo."""
    ids = itertools.count(1)

    def reimport(file: list[dict[str, Any]], mine: dict[str, CohortMember]) -> ImportPlan:
        existing = {
            email: ExistingMember(f"mem_{n:016d}", email, Profile.model_validate(member.profile))
            for n, (email, member) in enumerate(mine.items())
        }
        parsed = parse(json.dumps(file).encode(), ImportFormat.JSON)
        return plan_import(parsed, existing, lambda: f"mem_{next(ids):016d}")

    for (spec, _), file in zip(DEMO_ORGANISATIONS, rows, strict=True):
        mine = {c.person.email: c for c in cohorts if c.home == spec["name"]}
        if not mine:  # the X-market owner: only its demo mentor and mentee take part
            continue
        recorded = reimport(as_recorded_by_hr(file, cohorts), mine)
        assert [w.email for w in recorded.writes if w.email in mine] == [], spec["name"]
        # The rows as the HR system first made them would have changed them back.
        assert [w.email for w in reimport(file, mine).writes if w.email in mine]
