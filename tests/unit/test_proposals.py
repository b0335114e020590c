"""Proposal state rules: proposed → approved → accepted by both; declines; who may do what."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.matching.domain.candidate import Candidate, ParticipantRole
from services.matching.domain.proposals import (
    DeclineReason,
    Origin,
    Proposal,
    ProposalStatus,
    Side,
    accept,
    approve,
    decline,
    proposal_id,
    proposed_before,
    reject,
    still_to_match,
)
from shared.errors import ConflictError, NotFoundError

NOW = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)
LATER = datetime(2027, 1, 12, 9, 0, tzinfo=UTC)
MENTEE, MENTOR, STRANGER = "mem_mentee", "mem_mentor", "mem_stranger"


def proposal(status: ProposalStatus = ProposalStatus.PROPOSED, **changes: object) -> Proposal:
    base = Proposal(
        id=proposal_id("prg_1", MENTEE, MENTOR),
        programme_id="prg_1",
        mentee_id=MENTEE,
        mentee_organisation_id="org_b",
        mentor_id=MENTOR,
        mentor_organisation_id="org_a",
        origin=Origin.ROUND,
        status=status,
        score=0.7,
        created_at=NOW,
    )
    return base.model_copy(update=changes)


def test_the_happy_path_completes_once_when_approved_and_both_accepted() -> None:
    step = approve(proposal(), NOW)
    assert step.proposal.status is ProposalStatus.APPROVED and not step.completed
    step = accept(step.proposal, MENTEE, NOW)
    assert step.proposal.mentee_accepted and not step.completed
    step = accept(step.proposal, MENTOR, LATER)
    assert step.completed
    assert step.proposal.status is ProposalStatus.ACCEPTED
    assert step.proposal.accepted_at == LATER
    with pytest.raises(ConflictError):
        accept(step.proposal, MENTOR, LATER)


def test_acceptances_before_approval_wait_for_it_and_approval_completes() -> None:
    p = accept(proposal(), MENTOR, NOW).proposal
    step = accept(p, MENTEE, NOW)
    assert not step.completed and step.proposal.status is ProposalStatus.PROPOSED
    done = approve(step.proposal, LATER)
    assert done.completed and done.proposal.status is ProposalStatus.ACCEPTED


def test_a_self_match_request_needs_no_approval() -> None:
    p = proposal(ProposalStatus.APPROVED, origin=Origin.REQUEST)
    assert not accept(p, MENTEE, NOW).completed
    assert accept(accept(p, MENTEE, NOW).proposal, MENTOR, NOW).completed


def test_each_party_accepts_only_once_and_only_their_own_side() -> None:
    p = accept(proposal(ProposalStatus.APPROVED), MENTEE, NOW).proposal
    with pytest.raises(ConflictError):
        accept(p, MENTEE, NOW)
    assert not p.mentor_accepted


def test_a_third_party_is_told_nothing_exists() -> None:
    with pytest.raises(NotFoundError):
        accept(proposal(ProposalStatus.APPROVED), STRANGER, NOW)
    with pytest.raises(NotFoundError):
        decline(proposal(ProposalStatus.APPROVED), STRANGER, None)


@pytest.mark.parametrize(("who", "side"), [(MENTEE, Side.MENTEE), (MENTOR, Side.MENTOR)])
def test_either_party_declines_an_open_proposal_without_blame(who: str, side: Side) -> None:
    for status in (ProposalStatus.PROPOSED, ProposalStatus.APPROVED):
        step = decline(proposal(status), who, DeclineReason.NO_TIME)
        assert step.proposal.status is ProposalStatus.DECLINED
        assert step.proposal.declined_by is side
        assert step.proposal.decline_reason is DeclineReason.NO_TIME
        assert not step.completed


@pytest.mark.parametrize(
    "status", [ProposalStatus.ACCEPTED, ProposalStatus.DECLINED, ProposalStatus.REJECTED]
)
def test_nothing_moves_a_finished_proposal(status: ProposalStatus) -> None:
    p = proposal(status)
    with pytest.raises(ConflictError):
        approve(p, NOW)
    with pytest.raises(ConflictError):
        reject(p)
    with pytest.raises(ConflictError):
        accept(p, MENTEE, NOW)
    with pytest.raises(ConflictError):
        decline(p, MENTOR, None)


def test_only_a_proposed_pair_is_approved_and_an_open_one_rejected() -> None:
    approved = approve(proposal(), NOW).proposal
    with pytest.raises(ConflictError):
        approve(approved, NOW)
    assert reject(approved).proposal.status is ProposalStatus.REJECTED
    assert reject(proposal()).proposal.status is ProposalStatus.REJECTED


def test_every_step_moves_the_version_on() -> None:
    first = proposal()
    second = approve(first, NOW).proposal
    third = accept(second, MENTEE, NOW).proposal
    fourth = accept(third, MENTOR, NOW).proposal
    assert [p.version for p in (first, second, third, fourth)] == [0, 1, 2, 3]


def test_a_pair_has_one_proposal_id_per_programme() -> None:
    assert proposal_id("prg_1", MENTEE, MENTOR) == proposal_id("prg_1", MENTEE, MENTOR)
    assert proposal_id("prg_1", MENTEE, MENTOR) != proposal_id("prg_2", MENTEE, MENTOR)
    assert proposal_id("prg_1", MENTEE, MENTOR) != proposal_id("prg_1", MENTOR, MENTEE)


def candidate(member: str, role: ParticipantRole, capacity: int | None = None) -> Candidate:
    return Candidate(
        member_id=member,
        organisation_id="org_a",
        role=role,
        eligible=True,
        capacity=capacity,
    )


def test_a_new_round_leaves_out_held_mentees_and_counts_capacity() -> None:
    pool = [
        candidate(MENTOR, ParticipantRole.MENTOR, capacity=3),
        candidate(MENTEE, ParticipantRole.MENTEE),
        candidate("mem_declined", ParticipantRole.MENTEE),
        candidate("mem_open", ParticipantRole.MENTEE),
        candidate("mem_free", ParticipantRole.MENTEE),
    ]
    existing = [
        proposal(ProposalStatus.ACCEPTED),
        proposal(ProposalStatus.DECLINED, mentee_id="mem_declined"),
        proposal(ProposalStatus.APPROVED, mentee_id="mem_open"),
    ]
    left = {c.member_id: c for c in still_to_match(pool, existing)}
    assert set(left) == {MENTOR, "mem_declined", "mem_free"}
    assert left[MENTOR].capacity == 1  # 3 less one accepted and one open
    assert ("mem_declined", MENTOR) in proposed_before(existing)
    assert still_to_match(pool, [proposal(s) for s in (ProposalStatus.REJECTED,)])[0].capacity == 3
