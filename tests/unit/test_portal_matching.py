"""The portal's reading of matching and enrolment: where a proposal stands from each side, the
order of the list, a decline's reason code, reasons in plain words, and the registry's
refusals of an enrolment in words a member can act on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from services.portal.domain.enrolments import not_ready, refusal, role_from_form, roles_of
from services.portal.domain.matching import (
    CriterionScore,
    Programme,
    ProgrammeDesign,
    Proposal,
    fit_in_words,
    reasons,
)
from services.portal.domain.profiles import Profile
from services.portal.domain.proposals import as_match, decline_from_form, ordered, standing

MENTEE, MENTOR = "mem_mentee000000000", "mem_mentor000000000"
NOW = datetime(2027, 3, 1, tzinfo=UTC)


def _proposal(pid: str = "prp_1", **fields: Any) -> Proposal:
    base: dict[str, Any] = {
        "id": pid,
        "programme_id": "prg_1",
        "mentee_id": MENTEE,
        "mentee_organisation_id": "org_b",
        "mentor_id": MENTOR,
        "mentor_organisation_id": "org_a",
        "origin": "round",
        "status": "proposed",
        "score": 0.7,
        "created_at": NOW,
    }
    return Proposal.model_validate({**base, **fields})


def _programme(model: str = "one_to_one", status: str = "open") -> Programme:
    design = ProgrammeDesign(
        name="Leaders",
        purpose="Grow leaders",
        model=model,
        starts_on=NOW.date(),
        ends_on=NOW.date() + timedelta(days=300),
        meeting_every_days=28,
        min_meeting_minutes=45,
        max_meeting_minutes=90,
    )
    return Programme(
        id="prg_1",
        owner_organisation_id="org_a",
        design=design,
        status=status,
        accepted_by=["org_a"],
    )


def test_an_open_proposal_waits_for_the_party_who_has_not_answered() -> None:
    fresh = standing(_proposal(), MENTEE)
    assert (fresh.summary, fresh.tone, fresh.open) == ("Waiting for your answer", "warn", True)
    assert "has still to approve it" in fresh.detail
    answered = _proposal(status="approved", mentee_accepted=True)
    mine = standing(answered, MENTEE)
    assert mine.summary == "You accepted" and mine.open and "has approved it" in mine.detail
    theirs = standing(answered, MENTOR)
    assert theirs.summary == "Waiting for your answer"
    assert "The other person has accepted too." in theirs.detail


def test_a_decline_is_told_without_blame_and_only_the_decliner_sees_their_reason() -> None:
    declined = _proposal(status="declined", declined_by="mentor", decline_reason="no_time")
    mine = standing(declined, MENTOR)
    assert mine.summary == "You declined" and not mine.open
    assert "I don't have the time right now" in mine.detail
    theirs = standing(declined, MENTEE)
    assert theirs.summary == "Not going ahead" and "No blame" in theirs.detail
    assert "time" not in theirs.detail and "mentor" not in theirs.detail
    assert standing(_proposal(status="accepted"), MENTEE).tone == "good"
    assert not standing(_proposal(status="rejected"), MENTEE).open


def test_waiting_proposals_come_first_then_open_then_settled_newest_first() -> None:
    settled = _proposal("prp_settled", status="declined", created_at=NOW + timedelta(days=3))
    old_wait = _proposal("prp_old", created_at=NOW)
    new_wait = _proposal("prp_new", created_at=NOW + timedelta(days=1))
    answered = _proposal("prp_answered", mentee_accepted=True, created_at=NOW + timedelta(days=2))
    found = ordered([settled, old_wait, answered, new_wait], MENTEE)
    assert [p.id for p in found] == ["prp_new", "prp_old", "prp_answered", "prp_settled"]


def test_a_decline_reason_is_a_code_or_nothing() -> None:
    assert decline_from_form({"reason": ["no_time"]}) == ("no_time", decline_from_form({})[1])
    reason, problems = decline_from_form({"reason": [""]})
    assert reason is None and not problems
    reason, problems = decline_from_form({"reason": ["you were rude"]})
    assert reason is None and "reason" in problems.fields


def test_reasons_in_plain_words_strongest_weighted_first_uncounted_left_out() -> None:
    scores = [
        CriterionScore(criterion="care", score=1.0, weight=0.0, reasons=["no preferences stated"]),
        CriterionScore(
            criterion="compatibility", score=0.5, weight=1.0, reasons=["both speak English"]
        ),
        CriterionScore(
            criterion="contrast", score=0.4, weight=2.0, reasons=["from different organisations"]
        ),
        CriterionScore(criterion="goals_skills", score=0.9, weight=1.0, reasons=[]),
    ]
    found = reasons(scores)
    assert [r.title for r in found] == ["Your goals and their skills", "Contrast", "Compatibility"]
    assert found[0].meaning.startswith("What one wants to learn")
    assert found[0].strength == "a strong fit" and found[2].strength == "a good fit"
    assert found[2].reasons == ["both speak English"]
    assert fit_in_words(0.1) == "a weak fit" and fit_in_words(0.3) == "a partial fit"
    unknown = reasons(
        [
            CriterionScore(
                criterion="care", score=0.5, weight=1.0, reasons=["no preferences stated"]
            ),
            CriterionScore(
                criterion="challenge",
                score=0.5,
                weight=1.0,
                reasons=[
                    "a job level is not known (neutral)",
                    "Ana's EMCC level is not known (neutral)",
                ],
            ),
        ]
    )
    assert [r.strength for r in unknown] == ["not known either way"] * 2, "neutral is not a fit"
    assert unknown[1].reasons == ["a job level is not known", "Ana's EMCC level is not known"]
    match = as_match(_proposal(scores=[s.model_dump() for s in scores]), MENTOR)
    assert match.side == "mentor" and match.id == "prp_1" and len(match.reasons) == 3


def test_who_can_enrol_as_what_and_when() -> None:
    assert roles_of(_programme()) == ("mentee", "mentor")
    assert roles_of(_programme("x_market_circle")) == ("peer",)
    assert _programme().open_to("org_a")
    assert not _programme(status="running").open_to("org_a"), "the registry enrols while open"
    assert not _programme().open_to("org_b"), "not accepted by that organisation"
    assert role_from_form({"role": ["mentor"]}) == "mentor"
    assert role_from_form({"role": ["coordinator"]}) is None


def test_readiness_is_named_before_a_member_tries() -> None:
    assert not_ready(None, "mentee") == "write your profile first: matching needs it"
    untrained = Profile(display_name="A")
    assert not_ready(untrained, "mentor") == "your mentor training is not recorded yet"
    assert not_ready(untrained, "peer") == "your induction is not recorded yet"
    trained = Profile.model_validate(
        {"display_name": "A", "mentor_training_completed_on": "2026-01-05"}
    )
    assert not_ready(trained, "mentor") is None


def test_the_registrys_refusals_in_words_with_the_way_to_the_profile() -> None:
    training = refusal(422, "mentor training is not complete: record its date in your profile")
    assert training.see_profile and "mentor training" in training.message
    assert "record its date" not in training.message, "members do not declare readiness"
    induction = refusal(
        422, "the mentee induction is not complete: record its date in your profile"
    )
    assert induction.see_profile and "induction" in induction.message
    no_profile = refusal(422, "write your profile first (PUT /me/profile)")
    assert no_profile.see_profile and "PUT" not in no_profile.message
    assert refusal(409, "you are enrolled in this programme already").message == (
        "You are already enrolled in this programme."
    )
    assert not refusal(422, "the programme is running, not open for enrolment").see_profile
    assert refusal(422, "something new").message == "Something new."
