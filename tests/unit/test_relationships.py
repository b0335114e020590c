"""The relationship lifecycle's rules and agreement versioning (seed 002, Resources 5, 17)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.sessions.domain.relationships import (
    PHASES,
    AgreementTerms,
    AgreementVersion,
    EndReason,
    Party,
    Phase,
    PhaseBackwardsError,
    Relationship,
    RelationshipEndedError,
    Side,
    Status,
    agreements_of,
    check_active,
    check_can_join,
    check_can_sign,
    check_chosen_reason,
    check_move,
    ends_on_erasure,
    is_early,
    lives_in_network,
    next_version,
    relationship_id,
)
from shared.contracts.sessions import AgreementSigned, RelationshipEnded
from shared.errors import ConflictError, DomainError

NOW = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)
TERMS = AgreementTerms(
    duration="12 months",
    meeting_frequency="monthly",
    contact_between_meetings="e-mail every two weeks",
    confidentiality="what we say stays between us",
    mentor_responsibilities=["create a safe learning environment"],
    mentee_responsibilities=["keep joint records"],
)


def relationship(mentee_org: str = "org_a", mentor_org: str = "org_b") -> Relationship:
    return Relationship(
        id=relationship_id("prp_1"),
        proposal_id="prp_1",
        programme_id="prg_1",
        mentees=[Party(member_id="mem_e", organisation_id=mentee_org)],
        mentor=Party(member_id="mem_r", organisation_id=mentor_org),
        phase=Phase.BUILDING_RAPPORT,
        status=Status.ACTIVE,
        started_at=NOW,
    )


def test_the_lifecycle_is_resource_17_in_order() -> None:
    assert [p.value for p in PHASES] == [
        "building_rapport",
        "setting_direction",
        "progression",
        "winding_up",
        "moving_on",
    ]


@pytest.mark.parametrize(("current", "target"), [(a, b) for a in PHASES for b in PHASES])
def test_phases_move_forwards_only(current: Phase, target: Phase) -> None:
    if PHASES.index(target) > PHASES.index(current):
        check_move(current, target)
    elif target == current:
        with pytest.raises(ConflictError):
            check_move(current, target)
    else:
        with pytest.raises(PhaseBackwardsError) as refused:
            check_move(current, target)
        assert refused.value.status == 422


def test_ending_before_winding_up_is_early() -> None:
    assert is_early(Phase.BUILDING_RAPPORT) and is_early(Phase.PROGRESSION)
    assert not is_early(Phase.WINDING_UP) and not is_early(Phase.MOVING_ON)


def test_an_ended_relationship_changes_no_more() -> None:
    r = relationship()
    check_active(r)
    with pytest.raises(RelationshipEndedError) as refused:
        check_active(r.model_copy(update={"status": Status.ENDED}))
    assert refused.value.status == 409


def test_one_relationship_per_proposal_and_where_it_lives() -> None:
    assert relationship_id("prp_1") == relationship_id("prp_1") != relationship_id("prp_2")
    a, b = (
        Party(member_id="m1", organisation_id="org_a"),
        Party(member_id="m2", organisation_id="org_b"),
    )
    assert lives_in_network(a, [b], 0)
    assert not lives_in_network(a, [a.model_copy(update={"member_id": "m3"})], 1)
    # A group relationship in a programme of several organisations may gain mentees from
    # another organisation later: it lives in the network database from the start.
    assert lives_in_network(a, [a.model_copy(update={"member_id": "m3"})], 2)
    r = relationship()
    assert r.participants == ["mem_r", "mem_e"]
    assert r.side_of("mem_e") is Side.MENTEE and r.side_of("mem_r") is Side.MENTOR
    assert r.side_of("mem_other") is None


def test_erasing_the_mentor_or_the_only_mentee_ends_it_a_group_goes_on() -> None:
    r = relationship()
    assert ends_on_erasure(r, "mem_e") and ends_on_erasure(r, "mem_r")
    assert not ends_on_erasure(r, "mem_x")  # not a party
    assert not ends_on_erasure(r.model_copy(update={"status": Status.ENDED}), "mem_e")
    group = r.model_copy(
        update={"mentees": [*r.mentees, Party(member_id="mem_f", organisation_id="org_a")]}
    )
    assert not ends_on_erasure(group, "mem_e")  # mem_f and the mentor go on
    assert ends_on_erasure(group, "mem_r")  # no group without its mentor


def test_no_party_chooses_the_reason_an_erasure_gets() -> None:
    with pytest.raises(DomainError) as refused:
        check_chosen_reason(EndReason.LEFT_THE_NETWORK)
    assert refused.value.status == 422
    for reason in EndReason:
        if reason is not EndReason.LEFT_THE_NETWORK:
            check_chosen_reason(reason)


def test_a_group_takes_up_to_four_mentees_each_once() -> None:
    r = relationship()
    newcomer = Party(member_id="mem_n", organisation_id="org_a")
    assert check_can_join(r, newcomer, 4)
    assert not check_can_join(r, newcomer, 1)  # the programme's own limit
    assert not check_can_join(r, r.mentees[0], 4)  # already in it
    full = r.model_copy(
        update={"mentees": [Party(member_id=f"m{i}", organisation_id="org_a") for i in range(4)]}
    )
    assert not check_can_join(full, newcomer, 8)  # seed 002: one to four mentees
    assert not check_can_join(r.model_copy(update={"status": Status.ENDED}), newcomer, 4)


def version(n: int, signed: tuple[str, ...] = ()) -> AgreementVersion:
    return AgreementVersion(
        relationship_id="rel_1",
        version=n,
        terms=TERMS,
        drafted_by="mem_e",
        drafted_at=NOW,
        signatures=dict.fromkeys(signed, NOW),
    )


def test_drafting_makes_a_new_version_each_time() -> None:
    assert next_version(None) == 1
    assert next_version(version(1, ("mem_e", "mem_r"))) == 2
    assert agreements_of("rel_1") != agreements_of("rel_2")


def test_each_party_signs_the_latest_version_once() -> None:
    with pytest.raises(ConflictError):
        check_can_sign(None, 1, "mem_e")
    latest = version(2)
    assert check_can_sign(latest, 2, "mem_e") is latest
    with pytest.raises(ConflictError):
        check_can_sign(latest, 1, "mem_e")  # an old version cannot be signed
    with pytest.raises(ConflictError):
        check_can_sign(version(2, ("mem_e",)), 2, "mem_e")  # signing twice


def test_in_force_only_when_every_party_signed() -> None:
    parties = ["mem_e", "mem_r"]
    assert not version(1).signed_by_all(parties)
    assert not version(1, ("mem_e",)).signed_by_all(parties)
    assert version(1, ("mem_e", "mem_r")).signed_by_all(parties)


def test_events_carry_no_agreement_text_or_free_text_reason() -> None:
    assert "terms" not in AgreementSigned.model_fields
    assert not set(TERMS.model_dump()) & set(AgreementSigned.model_fields)
    assert RelationshipEnded.model_fields["reason"].description == "a reason code"
