"""The pool rule (matching's domain): who of a programme's enrolled members can be matched."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.matching.adapters.latest import Versioned, newest, version_of
from services.matching.domain.candidate import (
    Enrolment,
    MatchingProfile,
    ParticipantRole,
    ProgrammeTerms,
    Readiness,
    Withheld,
)
from services.matching.domain.pool import (
    FULL,
    NO_CAPACITY,
    NO_PROFILE,
    NOT_CONSENTING,
    NOT_INDUCTED,
    NOT_PARTICIPATING,
    NOT_TRAINED,
    WRONG_ROLE_FOR_CIRCLE,
    WRONG_ROLE_FOR_PAIRS,
    assess,
    candidate_pool,
)

A, B, C = "org_aaaaaaaaaaaa", "org_bbbbbbbbbbbb", "org_cccccccccccc"
MENTOR = Readiness(ready_as_mentor=True)
MENTEE = Readiness(ready_as_mentee=True)


def programme(
    organisations: tuple[str, ...] = (A, B), model: str = "group", max_mentees: int = 2
) -> ProgrammeTerms:
    return ProgrammeTerms(
        programme_id="prg_000000000001",
        owner_organisation_id=organisations[0],
        organisations=list(organisations),
        coordinators=["mem_c000000000000001"],
        model=model,
        max_mentees_per_mentor=max_mentees,
    )


def enrolment(role: ParticipantRole, organisation: str = A, n: int = 1) -> Enrolment:
    return Enrolment(
        programme_id="prg_000000000001",
        member_id=f"mem_{n:016d}",
        organisation_id=organisation,
        role=role,
    )


def profile(*, consent: bool = True, capacity: int = 3, name: str = "Ana") -> MatchingProfile:
    return MatchingProfile(
        display_name=name,
        skills=["service design"],
        languages=["en"],
        meeting_modes=["video"],
        mentor_capacity=capacity,
        share_across_organisations=consent,
    )


def test_a_ready_consenting_mentor_is_in_with_capacity_capped_by_the_programme() -> None:
    c = assess(programme(max_mentees=2), enrolment(ParticipantRole.MENTOR), profile(), MENTOR)
    assert c.eligible and c.exclusions == []
    assert c.capacity == 2  # their own 3, capped by the programme's 2


def test_capacity_below_the_programme_cap_is_the_mentors_own_less_their_mentees() -> None:
    terms = programme(max_mentees=4)
    mentor = enrolment(ParticipantRole.MENTOR)
    assert assess(terms, mentor, profile(capacity=3), MENTOR).capacity == 3
    assert assess(terms, mentor, profile(capacity=3), MENTOR, matched=1).capacity == 2
    full = assess(terms, mentor, profile(capacity=3), MENTOR, matched=3)
    assert not full.eligible and full.exclusions == [FULL] and full.capacity == 0


def test_a_mentor_with_no_capacity_at_all_is_left_out() -> None:
    c = assess(programme(), enrolment(ParticipantRole.MENTOR), profile(capacity=0), MENTOR)
    assert not c.eligible and c.exclusions == [NO_CAPACITY]


def test_readiness_is_for_the_role() -> None:
    terms = programme()
    mentee_ready = Readiness(ready_as_mentor=False, ready_as_mentee=True)
    as_mentor = assess(terms, enrolment(ParticipantRole.MENTOR), profile(), mentee_ready)
    assert as_mentor.exclusions == [NOT_TRAINED]
    as_mentee = assess(terms, enrolment(ParticipantRole.MENTEE), profile(), MENTOR)
    assert as_mentee.exclusions == [NOT_INDUCTED]
    assert assess(terms, enrolment(ParticipantRole.MENTEE), profile(), MENTEE).eligible
    assert assess(
        programme(model="peer_circle"), enrolment(ParticipantRole.PEER), profile(), MENTEE
    ).eligible


def test_unknown_readiness_is_not_ready() -> None:
    c = assess(programme(), enrolment(ParticipantRole.MENTEE), profile(), None)
    assert c.exclusions == [NOT_INDUCTED]


def test_consent_is_needed_only_when_the_programme_crosses_organisations() -> None:
    private = profile(consent=False)
    crossing = assess(programme((A, B)), enrolment(ParticipantRole.MENTEE), private, MENTEE)
    assert not crossing.eligible and crossing.exclusions == [NOT_CONSENTING]
    own = assess(programme((A,)), enrolment(ParticipantRole.MENTEE), private, MENTEE)
    assert own.eligible
    assert not programme((A,)).crosses_organisations
    assert programme((A, B)).crosses_organisations


def test_no_profile_yet_is_a_reason_and_every_other_reason_is_given_too() -> None:
    c = assess(programme(), enrolment(ParticipantRole.MENTOR), None, None)
    assert not c.eligible
    assert c.exclusions == [NO_PROFILE, NOT_TRAINED]
    assert c.capacity is None and c.profile is None


def test_a_withheld_profile_says_only_that_it_is_not_shared() -> None:
    c = assess(programme(), enrolment(ParticipantRole.MENTOR, B), Withheld(), MENTOR)
    assert not c.eligible and c.exclusions == [NOT_CONSENTING]
    assert c.profile is None and c.readiness is None and c.capacity is None


def test_roles_must_fit_the_model_and_organisations_must_take_part() -> None:
    circle = assess(
        programme(model="x_market_circle"), enrolment(ParticipantRole.MENTOR), profile(), MENTOR
    )
    assert WRONG_ROLE_FOR_CIRCLE in circle.exclusions
    pairs = assess(programme(), enrolment(ParticipantRole.PEER), profile(), MENTEE)
    assert pairs.exclusions == [WRONG_ROLE_FOR_PAIRS]
    outsider = assess(programme((A, B)), enrolment(ParticipantRole.MENTEE, C), profile(), MENTEE)
    assert outsider.exclusions == [NOT_PARTICIPATING]


def test_the_pool_lists_the_eligible_first_by_role_then_name_and_ignores_other_programmes() -> None:
    terms = programme()
    enrolments = [
        enrolment(ParticipantRole.MENTEE, A, 1),
        enrolment(ParticipantRole.MENTOR, B, 2),
        enrolment(ParticipantRole.MENTEE, B, 3),
        enrolment(ParticipantRole.MENTOR, A, 4),
        enrolment(ParticipantRole.MENTEE, A, 5).model_copy(update={"programme_id": "prg_x"}),
    ]
    profiles = {
        "mem_0000000000000001": profile(name="Zoe"),
        "mem_0000000000000002": profile(name="Bob"),
        "mem_0000000000000003": profile(name="Amy", consent=False),
        "mem_0000000000000004": profile(name="Cal"),
    }
    readiness = {
        "mem_0000000000000001": MENTEE,
        "mem_0000000000000002": MENTOR,
        "mem_0000000000000003": MENTEE,
        "mem_0000000000000004": Readiness(),
    }
    pool = candidate_pool(terms, enrolments, profiles, readiness)
    assert [(c.member_id[-1], c.eligible) for c in pool] == [
        ("2", True),  # mentor Bob
        ("1", True),  # mentee Zoe
        ("4", False),  # mentor Cal, not trained
        ("3", False),  # mentee Amy, not consenting
    ]
    assert pool[2].exclusions == [NOT_TRAINED]
    assert pool[3].exclusions == [NOT_CONSENTING]


@pytest.mark.parametrize("members", [0, 1, 7])
def test_an_empty_or_unready_pool_is_still_a_list(members: int) -> None:
    enrolments = [enrolment(ParticipantRole.MENTEE, A, n) for n in range(members)]
    pool = candidate_pool(programme(), enrolments, {}, {})
    assert len(pool) == members
    assert all(c.exclusions == [NO_PROFILE, NOT_INDUCTED] for c in pool)


def test_event_versions_are_exact_microseconds_and_the_newest_wins() -> None:
    t = datetime(2027, 3, 1, 9, 30, 0, 123456, tzinfo=UTC)
    assert version_of(t + timedelta(microseconds=1)) == version_of(t) + 1
    items = [
        Versioned("m1", 5, {"v": "a"}),
        Versioned("m2", 3, {"v": "b"}),
        Versioned("m1", 4, {"v": "old"}),
        Versioned("m1", 5, {"v": "later in the log"}),
    ]
    assert {i.document_id: i.fields["v"] for i in newest(items)} == {
        "m1": "later in the log",
        "m2": "b",
    }
