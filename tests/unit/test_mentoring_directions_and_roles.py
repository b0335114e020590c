"""Seed 003's mentor roles and EMCC competences on a profile, and seed 004's reverse and two-way
programmes: what the registry accepts and refuses, and what the portal's forms send."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from services.portal.domain.agreements import terms_from_form
from services.portal.domain.profiles import Profile as PortalProfile
from services.portal.domain.profiles import draft_of, profile_from_form
from services.portal.domain.programme_design import design_from_form
from services.registry.domain.profile import Profile
from services.registry.domain.programme import (
    ParticipantRole,
    Programme,
    ProgrammeDesign,
    ProgrammeStatus,
    check_enrolment,
)
from services.sessions.domain.action_plans import GoalDraft
from services.sessions.domain.relationships import (
    AgreementTerms,
    Direction,
    NotTwoWayError,
    Party,
    Phase,
    Relationship,
    Status,
    check_direction,
    check_directions,
)
from shared.contracts.registry import MemberProfile, ProgrammePublished
from shared.errors import DomainError

DESIGN: dict[str, Any] = {
    "name": "Digital reverse",
    "purpose": "Senior leaders learn digital tools from new colleagues",
    "goals": ["confident with social media"],
    "model": "one_to_one",
    "starts_on": date(2027, 1, 11),
    "ends_on": date(2027, 12, 17),
    "meeting_every_days": 28,
    "min_meeting_minutes": 45,
    "max_meeting_minutes": 90,
}


def test_a_profile_keeps_roles_competences_and_the_roles_asked_for() -> None:
    profile = Profile(
        display_name="Bo",
        mentor_roles=["guide", "challenger"],
        emcc_competences=["understanding_self"],
        wanted_mentor_roles=["sounding_board"],
    )
    assert [r.value for r in profile.mentor_roles] == ["guide", "challenger"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"mentor_roles": ["wizard"]}, "Input should be 'guide'"),
        ({"mentor_roles": ["guide", "guide"]}, "listed twice"),
        ({"emcc_competences": ["charisma"]}, "understanding_self"),
        ({"wanted_mentor_roles": ["guide", "confidant", "reflector", "role_model"]}, "at most 3"),
    ],
)
def test_a_profile_refuses_unknown_or_repeated_roles(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Profile(display_name="Bo", **fields)


def test_a_reverse_programme_names_its_topics() -> None:
    design = ProgrammeDesign(
        **DESIGN, direction="reverse", reverse_topics=[" digital   tools", "social media"]
    )
    assert design.reverse_topics == ["digital tools", "social media"]
    assert ProgrammeDesign(**DESIGN).direction == "conventional"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"direction": "reverse"}, "name the topics"),
        ({"reverse_topics": ["digital tools"]}, "belong to a reverse programme"),
        ({"direction": "two_way", "model": "group", "max_mentees_per_mentor": 2}, "one to one"),
        ({"direction": "reverse", "reverse_topics": ["x"], "model": "peer_circle"}, "pairs"),
        ({"direction": "reverse", "reverse_topics": ["AI", "ai"]}, "listed twice"),
    ],
)
def test_directions_that_make_no_sense_are_refused(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ProgrammeDesign(**{**DESIGN, **fields})


def test_in_two_way_mentoring_each_enrols_with_training_and_induction() -> None:
    programme = Programme(
        id="prg_7c1d2e3f4a5b",
        owner_organisation_id="org_a",
        design=ProgrammeDesign(**DESIGN, direction="two_way"),
        status=ProgrammeStatus.OPEN,
        coordinators=["mem_c"],
        accepted_by=["org_a"],
        created_at=datetime(2027, 1, 4, tzinfo=UTC),
    )
    with pytest.raises(ValueError, match="both mentor training and the mentee induction"):
        check_enrolment(
            programme, ParticipantRole.MENTEE, ready_as_mentor=False, ready_as_mentee=True
        )
    check_enrolment(programme, ParticipantRole.MENTOR, ready_as_mentor=True, ready_as_mentee=True)


PROFILE_FORM = {
    "display_name": ["Bo"],
    "time_zone": ["UTC"],
    "languages": ["en"],
    "meeting_modes": ["video"],
    "mentor_capacity": ["1"],
    "mentor_roles": ["challenger", "guide"],
    "emcc_competences": ["evaluation"],
    "wanted_mentor_roles": ["confidant"],
}


def test_the_profile_form_sends_roles_in_the_guides_order_and_shows_them_again() -> None:
    _, body, problems = profile_from_form(PROFILE_FORM, None)
    assert not problems
    assert body["mentor_roles"] == ["guide", "challenger"]
    assert body["emcc_competences"] == ["evaluation"]
    assert body["wanted_mentor_roles"] == ["confidant"]
    again = draft_of(PortalProfile.model_validate(body), "Bo", "UTC")
    assert again.mentor_roles == ("guide", "challenger")


def test_the_profile_form_asks_for_at_most_three_roles_and_known_ones() -> None:
    four = {
        **PROFILE_FORM,
        "wanted_mentor_roles": ["guide", "confidant", "reflector", "role_model"],
    }
    _, _, problems = profile_from_form(four, None)
    assert "at most 3" in problems.fields["wanted_mentor_roles"]
    _, _, problems = profile_from_form({**PROFILE_FORM, "mentor_roles": ["wizard"]}, None)
    assert problems.fields["mentor_roles"] == "choose from the ones listed"


DESIGN_FORM = {
    "name": ["Digital reverse"],
    "purpose": ["Senior leaders learn digital tools from new colleagues"],
    "goals": ["confident with social media"],
    "model": ["one_to_one"],
    "max_mentees_per_mentor": ["1"],
    "meeting_every_days": ["28"],
    "min_meeting_minutes": ["45"],
    "max_meeting_minutes": ["90"],
    "starts_on": ["2027-01-11"],
    "ends_on": ["2027-12-17"],
}


def test_the_design_form_sends_a_reverse_programme_with_its_topics() -> None:
    form = {**DESIGN_FORM, "direction": ["reverse"], "reverse_topics": ["digital tools\nAI\n"]}
    _, body, problems = design_from_form(form, [])
    assert not problems and body is not None
    assert body["direction"] == "reverse"
    assert body["reverse_topics"] == ["digital tools", "AI"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"direction": ["reverse"]}, "reverse_topics", "name the topics"),
        ({"direction": ["two_way"], "model": ["group"]}, "direction", "one to one"),
        ({"direction": ["sideways"]}, "direction", "choose"),
    ],
)
def test_the_design_form_places_direction_problems(
    changes: dict[str, list[str]], field: str, message: str
) -> None:
    _, body, problems = design_from_form({**DESIGN_FORM, **changes}, [])
    assert body is None
    assert message in problems.fields[field]


def test_events_published_before_these_fields_still_read() -> None:
    """Topics keep events from before roles and directions existed: they read as none."""
    profile = MemberProfile.model_validate(
        {
            "display_name": "Bo",
            "skills": [],
            "development_goals": [],
            "time_zone": "UTC",
            "languages": ["en"],
            "meeting_modes": ["video"],
            "mentor_capacity": 1,
            "share_across_organisations": False,
        }
    )
    assert profile.mentor_roles == [] and profile.wanted_mentor_roles == []
    published = ProgrammePublished.model_validate(
        {
            "programme_id": "prg_7c1d2e3f4a5b",
            "owner_organisation_id": "org_a",
            "organisations": ["org_a"],
            "coordinators": ["mem_c"],
            "model": "one_to_one",
            "starts_on": "2027-01-11",
            "ends_on": "2027-12-17",
            "meeting_every_days": 28,
            "min_meeting_minutes": 45,
            "max_meeting_minutes": 90,
            "max_mentees_per_mentor": 1,
            "require_different_sectors": False,
            "self_match": False,
        }
    )
    assert published.direction == "conventional" and published.reverse_topics == []


def _relationship(*, two_way: bool) -> Relationship:
    return Relationship(
        id="rel_5d2c7a9e1b3f4a6c",
        proposal_id="prp_9a8b7c6d5e4f3a2b",
        programme_id="prg_7c1d2e3f4a5b",
        mentor=Party(member_id="mem_r", organisation_id="org_a"),
        mentees=[Party(member_id="mem_e", organisation_id="org_a")],
        phase=Phase.BUILDING_RAPPORT,
        status=Status.ACTIVE,
        started_at=datetime(2027, 1, 4, tzinfo=UTC),
        two_way=two_way,
    )


TERMS = AgreementTerms(
    duration="a year",
    meeting_frequency="monthly",
    contact_between_meetings="e-mail",
    confidentiality="between us",
    mentor_responsibilities=[],
    mentee_responsibilities=[],
    mentor_mentors_on=["budgeting"],
)


def test_a_two_way_agreement_names_the_topics_both_ways_and_only_it_does() -> None:
    with pytest.raises(DomainError, match="each of you mentors the other"):
        check_directions(_relationship(two_way=True), TERMS)
    both = TERMS.model_copy(update={"mentee_mentors_on": ["social media"]})
    check_directions(_relationship(two_way=True), both)
    check_directions(_relationship(two_way=False), TERMS)
    with pytest.raises(NotTwoWayError, match="belongs to a two-way relationship"):
        check_directions(_relationship(two_way=False), both)


def test_only_a_two_way_relationship_says_which_way_the_mentoring_went() -> None:
    check_direction(_relationship(two_way=True), Direction.MENTEE_TO_MENTOR)
    check_direction(_relationship(two_way=False), None)
    with pytest.raises(NotTwoWayError, match="leave direction out"):
        check_direction(_relationship(two_way=False), Direction.BOTH)
    with pytest.raises(ValidationError):
        GoalDraft(term="long", text="post weekly", direction="both")  # a goal is one person's


def test_the_agreement_form_of_a_two_way_pair_asks_for_topics_both_ways() -> None:
    form = {
        "duration": ["a year"],
        "meeting_frequency": ["monthly"],
        "contact_between_meetings": ["e-mail"],
        "confidentiality": ["between us"],
        "mentor_mentors_on": ["budgeting\n"],
    }
    terms, problems = terms_from_form({**form, "two_way": ["yes"]})
    assert terms.mentor_mentors_on == ["budgeting"]
    assert list(problems.fields) == ["mentee_mentors_on"]
    _, problems = terms_from_form(form)
    assert not problems
