"""Proposals and their states (pure: no framework, no database).

A proposal pairs a mentee with a mentor in a programme. Its life:

    proposed --approve (co-ordinator)--> approved --both parties accept--> accepted
        |                                   |
        +--reject (co-ordinator)--> rejected |
        +--decline (mentee or mentor)-------+--> declined

- Proposals from a round or a co-ordinator start `proposed` and need a co-ordinator's approval;
  a self-match request starts `approved` (no approval needed).
- Either party may accept their own side at any time before the end; the proposal becomes
  `accepted` (and `match.accepted` is published) when it is approved and both have accepted.
- Either party may decline an open proposal (no blame; a reason code, never free text).
- A pair has at most one proposal ever: a declined or rejected pair is never proposed again.
- `version` rises by one with every change, so a write conditioned on it applies exactly once.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from services.matching.domain.candidate import Candidate, ParticipantRole
from services.matching.domain.scoring import CriterionScore
from shared.errors import ConflictError, NotFoundError


class ProposalStatus(StrEnum):
    """Where a proposal is in its life."""

    PROPOSED = "proposed"
    APPROVED = "approved"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    REJECTED = "rejected"


OPEN = frozenset({ProposalStatus.PROPOSED, ProposalStatus.APPROVED})
HOLDING = OPEN | {ProposalStatus.ACCEPTED}
"""A mentee with a holding proposal is left out of new rounds; mentors' capacity counts them."""


class Origin(StrEnum):
    """Who proposed the pair."""

    ROUND = "round"
    COORDINATOR = "coordinator"
    REQUEST = "request"


class Side(StrEnum):
    """A party's side of a proposal."""

    MENTEE = "mentee"
    MENTOR = "mentor"


class DeclineReason(StrEnum):
    """No-blame reasons a party may give for declining (codes, never free text)."""

    NOT_A_GOOD_FIT = "not_a_good_fit"
    NO_TIME = "no_time"
    CIRCUMSTANCES_CHANGED = "circumstances_changed"
    PREFER_NOT_TO_SAY = "prefer_not_to_say"


def proposal_id(programme_id: str, mentee_id: str, mentor_id: str) -> str:
    """The one id a pair's proposal in a programme can have (so a pair is proposed once)."""
    digest = hashlib.sha256(f"{programme_id}:{mentee_id}:{mentor_id}".encode()).hexdigest()
    return f"prp_{digest[:16]}"


class Proposal(BaseModel):
    """A proposed pairing and what each side and the co-ordinators did with it."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(examples=["prp_9a8b7c6d5e4f3a2b"])
    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    mentee_id: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])
    mentee_organisation_id: str = Field(examples=["org_0a1b2c3d4e5f"])
    mentor_id: str = Field(examples=["mem_0c1d2e3f4a5b6c7d"])
    mentor_organisation_id: str = Field(examples=["org_3f9a1c2b7d4e"])
    origin: Origin = Field(examples=["round"])
    status: ProposalStatus = Field(examples=["proposed"])
    score: float = Field(ge=0, le=1, examples=[0.74])
    scores: list[CriterionScore] = Field(default_factory=list)
    mentee_accepted: bool = Field(default=False, examples=[False])
    mentor_accepted: bool = Field(default=False, examples=[False])
    declined_by: Side | None = Field(default=None, examples=[None])
    decline_reason: DeclineReason | None = Field(default=None, examples=[None])
    created_at: datetime
    accepted_at: datetime | None = None
    version: int = Field(default=0, ge=0)

    def side_of(self, member_id: str) -> Side | None:
        """The caller's side of the pair, if they are one of its parties."""
        if member_id == self.mentee_id:
            return Side.MENTEE
        if member_id == self.mentor_id:
            return Side.MENTOR
        return None

    @property
    def pair(self) -> tuple[str, str]:
        """(mentee id, mentor id)."""
        return (self.mentee_id, self.mentor_id)


class Change(BaseModel):
    """A proposal after a step, and whether that step completed the match."""

    model_config = ConfigDict(frozen=True)

    proposal: Proposal
    completed: bool = False


def _next(p: Proposal, **changes: object) -> Proposal:
    return p.model_copy(update={**changes, "version": p.version + 1})


def _party(p: Proposal, member_id: str) -> Side:
    side = p.side_of(member_id)
    if side is None:
        raise NotFoundError(f"no proposal {p.id!r} of yours")
    return side


def approve(p: Proposal, now: datetime) -> Change:
    """A co-ordinator approves a proposed pair (completes it if both already accepted)."""
    if p.status is not ProposalStatus.PROPOSED:
        raise ConflictError(f"the proposal is {p.status.value}; only a proposed one is approved")
    return _complete_if_ready(_next(p, status=ProposalStatus.APPROVED), now)


def reject(p: Proposal) -> Change:
    """A co-ordinator rejects an open pair (not one both parties already agreed)."""
    if p.status not in OPEN:
        raise ConflictError(f"the proposal is {p.status.value}; only an open one is rejected")
    return Change(proposal=_next(p, status=ProposalStatus.REJECTED))


def accept(p: Proposal, member_id: str, now: datetime) -> Change:
    """A party accepts their own side; completes the match when approved and both agreed."""
    side = _party(p, member_id)
    if p.status not in OPEN:
        raise ConflictError(f"the proposal is {p.status.value}; it can no longer be accepted")
    if p.mentee_accepted if side is Side.MENTEE else p.mentor_accepted:
        raise ConflictError("you have already accepted this proposal")
    field = "mentee_accepted" if side is Side.MENTEE else "mentor_accepted"
    return _complete_if_ready(_next(p, **{field: True}), now)


def decline(p: Proposal, member_id: str, reason: DeclineReason | None) -> Change:
    """A party declines an open proposal (no blame): the pair is never proposed again."""
    side = _party(p, member_id)
    if p.status not in OPEN:
        raise ConflictError(f"the proposal is {p.status.value}; it can no longer be declined")
    return Change(
        proposal=_next(p, status=ProposalStatus.DECLINED, declined_by=side, decline_reason=reason)
    )


def _complete_if_ready(p: Proposal, now: datetime) -> Change:
    if p.status is ProposalStatus.APPROVED and p.mentee_accepted and p.mentor_accepted:
        return Change(
            proposal=p.model_copy(update={"status": ProposalStatus.ACCEPTED, "accepted_at": now}),
            completed=True,
        )
    return Change(proposal=p)


def still_to_match(pool: Iterable[Candidate], existing: Sequence[Proposal]) -> list[Candidate]:
    """The pool for a new round: mentees with an open or accepted proposal are left out, and
    each mentor's capacity is reduced by their open and accepted proposals."""
    holding = [p for p in existing if p.status in HOLDING]
    taken = {p.mentee_id for p in holding}
    used = Counter(p.mentor_id for p in holding)
    result: list[Candidate] = []
    for c in pool:
        if c.role is ParticipantRole.MENTEE and c.member_id in taken:
            continue
        if c.role is ParticipantRole.MENTOR and c.capacity is not None and used[c.member_id]:
            c = c.model_copy(update={"capacity": max(0, c.capacity - used[c.member_id])})
        result.append(c)
    return result


def proposed_before(existing: Iterable[Proposal]) -> list[tuple[str, str]]:
    """Every pair that ever had a proposal: a declined or rejected pair is never proposed
    again (and an open or accepted one exists already)."""
    return [p.pair for p in existing]
