"""Scoring with reasons (matching's domain): goals ↔ skills and the five Cs of seed 003,
availability across time zones, weights, and the hard constraints' explanations."""

from __future__ import annotations

from typing import Any

import pytest

from services.matching.domain.candidate import (
    Availability,
    Candidate,
    MatchingProfile,
    ParticipantRole,
    ProgrammeTerms,
)
from services.matching.domain.compatibility import (
    common_windows,
    meeting_options,
    overlap_minutes,
    weekly_windows,
)
from services.matching.domain.constraints import (
    DIRECT_REPORT,
    ENDED,
    LINE_MANAGER,
    NO_LANGUAGE,
    NO_MODE,
    NO_TIME,
    NOT_PAIRED,
    ONESELF,
    SAME_ORGANISATION,
    MatchingRules,
    why_impossible,
)
from services.matching.domain.scoring import (
    CONVENTIONAL,
    NO_PREFERENCES,
    Criterion,
    Direction,
    Weights,
    score_pair,
)
from services.matching.domain.vocabulary import words_of
from shared.contracts.registry import OrganisationPair

A, B = "org_aaaaaaaaaaaa", "org_bbbbbbbbbbbb"
TUE_9_11 = [Availability(day="tue", start="09:00", end="11:00")]


def profile(**fields: Any) -> MatchingProfile:
    base: dict[str, Any] = {
        "display_name": "Someone",
        "languages": ["en"],
        "meeting_modes": ["video"],
        "availability": TUE_9_11,
        "time_zone": "Europe/London",
    }
    return MatchingProfile(**{**base, **fields})


def mentee(member: str = "mem_e", org: str = A, **fields: Any) -> Candidate:
    fields.setdefault("display_name", "Alice")
    return Candidate(
        member_id=member,
        organisation_id=org,
        role=ParticipantRole.MENTEE,
        eligible=True,
        profile=profile(**fields),
    )


def mentor(member: str = "mem_r", org: str = B, capacity: int = 2, **fields: Any) -> Candidate:
    fields.setdefault("display_name", "Bob")
    fields.setdefault("mentor_capacity", capacity)
    return Candidate(
        member_id=member,
        organisation_id=org,
        role=ParticipantRole.MENTOR,
        eligible=True,
        profile=profile(**fields),
        capacity=capacity,
    )


def slots(day: str, start: str, end: str) -> list[Availability]:
    return [Availability(day=day, start=start, end=end)]


# --- time zones -----------------------------------------------------------------------------


def test_overlap_converts_both_time_zones_to_one_week() -> None:
    # January: London is UTC+0, Paris UTC+1. Paris 10:00-12:00 is 09:00-11:00 in London.
    london = profile(availability=slots("tue", "09:00", "11:00"))
    paris = profile(time_zone="Europe/Paris", availability=slots("tue", "10:00", "12:00"))
    assert overlap_minutes(weekly_windows(london), weekly_windows(paris)) == 120


def test_the_same_clock_time_in_different_zones_may_not_overlap() -> None:
    london = profile(availability=slots("tue", "09:00", "10:00"))
    new_york = profile(time_zone="America/New_York", availability=slots("tue", "09:00", "10:00"))
    assert overlap_minutes(weekly_windows(london), weekly_windows(new_york)) == 0


def test_overlap_crosses_midnight_into_the_next_day() -> None:
    # New York Mon 22:00-24:00 (UTC-5) is Tue 03:00-05:00 UTC.
    new_york = profile(time_zone="America/New_York", availability=slots("mon", "22:00", "24:00"))
    london = profile(availability=slots("tue", "04:00", "06:00"))
    assert overlap_minutes(weekly_windows(new_york), weekly_windows(london)) == 60


def test_overlap_wraps_round_the_end_of_the_week() -> None:
    # Sydney Mon 08:00-10:00 (UTC+11 in January) is Sun 21:00-23:00 UTC, the week's end.
    sydney = profile(time_zone="Australia/Sydney", availability=slots("mon", "08:00", "10:00"))
    london = profile(availability=slots("sun", "21:30", "22:00"))
    assert weekly_windows(sydney) == ((6 * 1440 + 21 * 60, 6 * 1440 + 23 * 60),)
    assert overlap_minutes(weekly_windows(sydney), weekly_windows(london)) == 30


def test_offsets_of_quarter_hours_count() -> None:
    # Kathmandu is UTC+5:45: 14:45-15:45 there is 09:00-10:00 UTC.
    kathmandu = profile(time_zone="Asia/Kathmandu", availability=slots("tue", "14:45", "15:45"))
    london = profile(availability=slots("tue", "09:30", "10:30"))
    assert overlap_minutes(weekly_windows(kathmandu), weekly_windows(london)) == 30


def test_a_slot_wrapping_past_sunday_is_split() -> None:
    auckland = profile(time_zone="Pacific/Auckland", availability=slots("mon", "11:00", "14:00"))
    windows = weekly_windows(auckland)  # UTC+13: Sun 22:00 to Mon 01:00 UTC
    assert windows == ((0, 60), (7 * 1440 - 120, 7 * 1440))


def test_an_unknown_time_zone_has_no_time_and_says_so() -> None:
    lost = mentee(time_zone="Mars/Olympus_Mons")
    assert lost.profile is not None
    assert weekly_windows(lost.profile) == ()
    reasons = why_impossible(lost, mentor(), MatchingRules())
    assert NO_TIME in reasons
    assert any("time zone 'Mars/Olympus_Mons' is not known" in r for r in reasons)


def test_overlapping_slots_of_one_member_are_merged() -> None:
    busy = profile(
        availability=[
            Availability(day="wed", start="09:00", end="11:00"),
            Availability(day="wed", start="10:00", end="12:00"),
        ]
    )
    assert weekly_windows(busy) == ((2 * 1440 + 540, 2 * 1440 + 720),)


# --- meeting and language -------------------------------------------------------------------


def test_face_to_face_needs_the_same_location() -> None:
    leeds = profile(meeting_modes=["face_to_face"], location="Leeds")
    also_leeds = profile(meeting_modes=["face_to_face"], location=" leeds ")
    york = profile(meeting_modes=["face_to_face"], location="York")
    assert meeting_options(leeds) & meeting_options(also_leeds)
    assert not meeting_options(leeds) & meeting_options(york)
    a = mentee(meeting_modes=["face_to_face"], location="Leeds")
    assert NO_MODE in why_impossible(
        a, mentor(meeting_modes=["face_to_face"], location="York"), MatchingRules()
    )


def test_language_subtags_share_a_language() -> None:
    a = mentee(languages=["en-GB"])
    assert why_impossible(a, mentor(languages=["en"]), MatchingRules()) == []
    assert NO_LANGUAGE in why_impossible(a, mentor(languages=["cy"]), MatchingRules())


# --- hard constraints, explained ------------------------------------------------------------


def test_a_good_pair_is_possible() -> None:
    assert why_impossible(mentee(), mentor(), MatchingRules()) == []


def test_every_broken_rule_is_named() -> None:
    a = mentee(member="mem_x", org=A, line_manager_id="mem_x")
    b = mentor(
        member="mem_x",
        org=A,
        languages=["fr"],
        meeting_modes=["telephone"],
        availability=slots("fri", "16:00", "17:00"),
    )
    rules = MatchingRules(different_organisations=True, ended_pairs=frozenset({("mem_x", "mem_x")}))
    reasons = why_impossible(a, b, rules)
    for expected in (ONESELF, ENDED, SAME_ORGANISATION, NO_TIME, NO_MODE, NO_LANGUAGE):
        assert expected in reasons


def test_line_manager_both_ways() -> None:
    report = mentee(member="mem_e", line_manager_id="mem_r")
    assert LINE_MANAGER.format(mentor="Bob", mentee="Alice") in why_impossible(
        report, mentor(member="mem_r"), MatchingRules()
    )
    boss = mentor(member="mem_r", line_manager_id="mem_e")
    assert DIRECT_REPORT.format(mentor="Bob", mentee="Alice") in why_impossible(
        mentee(member="mem_e"), boss, MatchingRules()
    )


def test_an_ended_pair_is_ended_either_way_round() -> None:
    rules = MatchingRules.for_programme(_programme(), ended_pairs=[("mem_r", "mem_e")])
    assert ENDED in why_impossible(mentee(), mentor(), rules)


def test_readiness_roles_and_capacity() -> None:
    not_ready = mentee().model_copy(
        update={"eligible": False, "exclusions": ["mentee induction not complete"]}
    )
    assert any("induction" in r for r in why_impossible(not_ready, mentor(), MatchingRules()))
    full = mentor().model_copy(update={"capacity": 0})
    assert any("no capacity" in r for r in why_impossible(mentee(), full, MatchingRules()))
    assert any(
        "not as a mentor" in r
        for r in why_impossible(mentee(), mentee(member="m2"), MatchingRules())
    )


def test_organisations_paired_by_the_programme_match_only_across_their_pair() -> None:
    c = "org_cccccccccccc"
    pairs = [OrganisationPair(first=B, second=A)]
    terms = _programme((A, B, c)).model_copy(update={"organisation_pairs": pairs})
    rules = MatchingRules.for_programme(terms)
    assert rules.organisation_pairs == frozenset({(A, B)})
    assert why_impossible(mentee(org=A), mentor(org=B), rules) == []
    assert NOT_PAIRED in why_impossible(mentee(org=A), mentor(org=c), rules)
    assert NOT_PAIRED in why_impossible(mentee(org=A), mentor(org=A), rules)
    unpaired = MatchingRules.for_programme(_programme((A, B, c)))
    assert why_impossible(mentee(org=A), mentor(org=c), unpaired) == []


def test_sectors_must_differ_and_be_known_when_required() -> None:
    rules = MatchingRules(different_sectors=True)
    assert why_impossible(mentee(sector="health"), mentor(sector="education"), rules) == []
    assert any(
        "both work in" in r
        for r in why_impossible(mentee(sector="Health"), mentor(sector="health"), rules)
    )
    assert any("not known" in r for r in why_impossible(mentee(), mentor(sector="health"), rules))


# --- scores and reasons ---------------------------------------------------------------------


def test_every_criterion_has_a_score_in_range_and_reasons() -> None:
    s = score_pair(mentee(), mentor())
    assert [c.criterion for c in s.scores] == list(Criterion)
    for c in s.scores:
        assert 0.0 <= c.score <= 1.0
        assert c.reasons and all(isinstance(r, str) and r for r in c.reasons)
    assert 0.0 <= s.total <= 1.0
    assert s.reasons[0].startswith("goals_skills: ")


def test_the_total_is_the_weighted_mean() -> None:
    weights = Weights(goals_skills=1, compatibility=2, contrast=3, challenge=4, context=5, care=6)
    s = score_pair(mentee(), mentor(), weights)
    expected = sum(weights.of(c.criterion) * c.score for c in s.scores) / 21
    assert s.total == pytest.approx(expected, abs=1e-12)


def test_weights_change_the_ranking() -> None:
    same_org = mentor(member="mem_1", org=A, skills=["change management", "team leadership"])
    other_org = mentor(member="mem_2", org=B, skills=["cooking"])
    alice = mentee(development_goals=["lead a team through change"])
    goals_first = Weights(goals_skills=10, contrast=0)
    contrast_first = Weights(goals_skills=0, contrast=10)
    assert (
        score_pair(alice, same_org, goals_first).total
        > score_pair(alice, other_org, goals_first).total
    )
    assert (
        score_pair(alice, same_org, contrast_first).total
        < score_pair(alice, other_org, contrast_first).total
    )


def test_weights_need_one_above_zero_and_default_per_programme() -> None:
    with pytest.raises(ValueError, match="at least one"):
        Weights(goals_skills=0, compatibility=0, contrast=0, challenge=0, context=0, care=0)
    assert Weights.for_programme(_programme(organisations=(A,))).contrast == 1.0
    assert Weights.for_programme(_programme(organisations=(A, B))).contrast == 2.0


def test_goals_meet_skills_with_a_readable_reason() -> None:
    alice = mentee(development_goals=["lead a team through change", "manage budgets"])
    good = score_pair(alice, mentor(skills=["change management", "budgeting", "team leadership"]))
    poor = score_pair(alice, mentor(skills=["knitting"]))
    assert good.score_of(Criterion.GOALS_SKILLS) > poor.score_of(Criterion.GOALS_SKILLS) == 0.0
    reasons = next(c.reasons for c in good.scores if c.criterion is Criterion.GOALS_SKILLS)
    assert (
        "Alice's goal 'lead a team through change' meets Bob's skill 'change management'" in reasons
    )
    none_stated = score_pair(mentee(), mentor())
    assert none_stated.score_of(Criterion.GOALS_SKILLS) == 0.5


def test_compatibility_reasons_show_time_in_both_zones() -> None:
    alice = mentee(availability=slots("tue", "09:00", "11:00"), languages=["en", "cy"])
    bob = mentor(
        time_zone="Europe/Paris",
        availability=slots("tue", "10:00", "12:00"),
        languages=["cy", "en"],
        meeting_modes=["video", "telephone"],
    )
    s = score_pair(alice, bob)
    reasons = next(c.reasons for c in s.scores if c.criterion is Criterion.COMPATIBILITY)
    assert "both speak English, Welsh" in reasons
    when = "Tue 09:00-11:00 (Europe/London) = Tue 10:00-12:00 (Europe/Paris)"
    assert f"both free 2 h a week, e.g. {when}" in reasons
    assert "both can meet by video" in reasons
    short = score_pair(alice, mentor(availability=slots("tue", "10:30", "11:00")))
    assert short.score_of(Criterion.COMPATIBILITY) < s.score_of(Criterion.COMPATIBILITY)


def test_contrast_prefers_another_organisation_and_sector() -> None:
    alice = mentee(org=A, sector="health")
    across = score_pair(alice, mentor(org=B, sector="education"))
    inside = score_pair(alice, mentor(org=A, sector="health"))
    assert across.score_of(Criterion.CONTRAST) == 1.0
    assert inside.score_of(Criterion.CONTRAST) == 0.0
    assert "contrast: different sectors: health and education" in across.reasons
    assert "contrast: from one organisation" in inside.reasons


@pytest.mark.parametrize("mentor_level", ["senior", "manager"])
def test_challenge_prefers_one_or_two_levels_above(mentor_level: str) -> None:
    alice = mentee(job_level="practitioner")
    stretch = score_pair(alice, mentor(job_level=mentor_level))
    assert stretch.score_of(Criterion.CHALLENGE) > score_pair(
        alice, mentor(job_level="practitioner")
    ).score_of(Criterion.CHALLENGE)
    assert stretch.score_of(Criterion.CHALLENGE) > score_pair(
        alice, mentor(job_level="entry")
    ).score_of(Criterion.CHALLENGE)
    wide = score_pair(alice, mentor(job_level="executive"))
    assert stretch.score_of(Criterion.CHALLENGE) > wide.score_of(Criterion.CHALLENGE)


def test_challenge_counts_the_mentors_emcc_level() -> None:
    alice = mentee(job_level="entry")
    master = score_pair(alice, mentor(job_level="senior", emcc_level="master_practitioner"))
    foundation = score_pair(alice, mentor(job_level="senior", emcc_level="foundation"))
    assert master.score_of(Criterion.CHALLENGE) > foundation.score_of(Criterion.CHALLENGE)
    assert any("EMCC master practitioner" in r for r in master.reasons)
    assert any("two levels more senior" in r for r in master.reasons)


def test_context_values_a_sector_or_expertise_the_goals_name() -> None:
    alice = mentee(sector="health", development_goals=["move into social care", "learn budgeting"])
    named = score_pair(alice, mentor(sector="social care", skills=["budgeting", "social care"]))
    same = score_pair(alice, mentor(sector="health"))
    other = score_pair(alice, mentor(sector="retail"))
    assert named.score_of(Criterion.CONTEXT) == 1.0
    assert same.score_of(Criterion.CONTEXT) == 0.375
    assert other.score_of(Criterion.CONTEXT) == 0.0
    assert any("works in social care, which Alice's goals name" in r for r in named.reasons)


def test_care_is_neutral_without_preferences() -> None:
    s = score_pair(mentee(), mentor())
    assert s.score_of(Criterion.CARE) == 0.5
    assert next(c.reasons for c in s.scores if c.criterion is Criterion.CARE) == [NO_PREFERENCES]


def test_scoring_needs_profiles() -> None:
    nobody = mentee().model_copy(update={"profile": None})
    with pytest.raises(ValueError, match="profile"):
        score_pair(nobody, mentor())


def test_words_drop_small_words_and_plurals() -> None:
    assert words_of("Lead a Team through Changes") == {"lead", "team", "change"}
    assert words_of("data analysis, business") == {"data", "analysis", "business"}
    assert common_windows(((0, 10),), ((5, 20),)) == ((5, 10),)


def _programme(organisations: tuple[str, ...] = (A, B)) -> ProgrammeTerms:
    return ProgrammeTerms(
        programme_id="prg_000000000001",
        owner_organisation_id=organisations[0],
        organisations=list(organisations),
        coordinators=[],
        model="one_to_one",
        max_mentees_per_mentor=1,
    )


# --- seed 003: mentor roles and EMCC competences, under care ---------------------------------


def test_care_counts_the_roles_the_mentee_asks_for_that_the_mentor_takes() -> None:
    alice = mentee(wanted_mentor_roles=["challenger", "guide"])
    both = score_pair(alice, mentor(mentor_roles=["guide", "challenger", "reflector"]))
    one = score_pair(alice, mentor(mentor_roles=["challenger"]))
    none = score_pair(alice, mentor(mentor_roles=["confidant"]))
    assert both.score_of(Criterion.CARE) == pytest.approx(0.85)
    assert one.score_of(Criterion.CARE) == pytest.approx(0.5)
    assert none.score_of(Criterion.CARE) == pytest.approx(0.15)
    assert (
        "care: Alice asks for a mentor who is a challenger and guide; Bob takes the role of "
        "challenger and guide" in both.reasons
    )
    assert "care: Bob does not take the role of guide" in one.reasons


def test_care_counts_the_emcc_competences_a_mentor_has_developed() -> None:
    developed = score_pair(
        mentee(),
        mentor(emcc_competences=["understanding_self", "building_the_relationship", "evaluation"]),
    )
    assert developed.score_of(Criterion.CARE) == pytest.approx(0.5 + 0.3 * 0.5 * 3 / 8)
    assert (
        "care: Bob has developed 3 of the 8 EMCC competences: understanding self, building the "
        "relationship, evaluation" in developed.reasons
    )
    assert "care: Alice asks for no particular mentor role (neutral)" in developed.reasons


# --- seed 004: reverse and two-way mentoring -------------------------------------------------

REVERSE = Direction(reverse=True, topics=("digital tools", "social media"))


def test_a_reverse_programme_prefers_the_mentor_one_or_two_levels_below() -> None:
    director = mentee(job_level="director")
    junior = mentor(job_level="senior")
    senior = mentor(job_level="executive")
    reverse_junior = score_pair(director, junior, direction=REVERSE)
    reverse_senior = score_pair(director, senior, direction=REVERSE)
    assert reverse_junior.score_of(Criterion.CHALLENGE) > reverse_senior.score_of(
        Criterion.CHALLENGE
    )
    assert reverse_junior.score_of(Criterion.CHALLENGE) > score_pair(director, junior).score_of(
        Criterion.CHALLENGE
    )
    assert (
        "challenge: Bob is two levels less senior (senior; Alice is director): reverse "
        "mentoring, as this programme asks, with Bob mentoring Alice on digital tools, social "
        "media" in reverse_junior.reasons
    )
    assert any("this programme asks for reverse mentoring" in r for r in reverse_senior.reasons)


def test_a_two_way_pair_is_scored_on_both_directions() -> None:
    two_way = Direction(two_way=True)
    alice = mentee(development_goals=["learn budgeting"], skills=["social media"])
    complementary = mentor(skills=["budgeting"], development_goals=["use social media"])
    one_sided = mentor(skills=["budgeting"], development_goals=["learn welsh"])
    good = score_pair(alice, complementary, direction=two_way)
    poor = score_pair(alice, one_sided, direction=two_way)
    assert good.score_of(Criterion.GOALS_SKILLS) == 1.0
    assert poor.score_of(Criterion.GOALS_SKILLS) == 0.5
    assert score_pair(alice, one_sided).score_of(Criterion.GOALS_SKILLS) == 1.0
    assert (
        "goals_skills: Bob mentors Alice: Alice's goal 'learn budgeting' meets Bob's skill "
        "'budgeting'" in good.reasons
    )
    assert (
        "goals_skills: Alice mentors Bob: Bob's goal 'use social media' meets Alice's skill "
        "'social media'" in good.reasons
    )
    assert (
        "goals_skills: Alice mentors Bob: Alice's skills do not touch Bob's goals" in poor.reasons
    )


def test_a_programmes_direction_comes_from_its_terms() -> None:
    terms = ProgrammeTerms(
        programme_id="prg_7c1d2e3f4a5b",
        owner_organisation_id=A,
        organisations=[A],
        coordinators=[],
        model="one_to_one",
        max_mentees_per_mentor=1,
        direction="reverse",
        reverse_topics=["digital tools"],
    )
    assert Direction.of(terms) == Direction(reverse=True, topics=("digital tools",))
    earlier = terms.model_copy(update={"direction": "conventional", "reverse_topics": []})
    assert Direction.of(earlier) == CONVENTIONAL


def test_a_less_senior_mentor_in_a_conventional_programme_is_not_called_reverse_mentoring() -> None:
    reasons = score_pair(mentee(job_level="senior"), mentor(job_level="practitioner")).reasons
    (seniority,) = [r for r in reasons if "less senior" in r]
    assert "reverse" not in seniority
    assert "less room to stretch Alice" in seniority
