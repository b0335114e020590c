"""A member's proposed matches as they read them: where each stands, from their own side, in
words; which come first; and a decline's reason, a code and never free text. Declining carries
no blame (seed 002: "the opportunity for a rematch for participants, with a no blame policy").
Pure: no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from services.portal.domain.forms import FormProblems, first
from services.portal.domain.matching import Proposal, Reason, reasons
from services.portal.domain.wording import DECLINE_REASONS

OPEN = ("proposed", "approved")


@dataclass(frozen=True)
class Standing:
    """Where a proposal stands for one of its parties."""

    summary: str  # a short tag
    detail: str  # a sentence
    tone: str  # "warn" (waits on them), "good" (agreed), or "" (settled otherwise)
    open: bool  # still open: they may accept (if not yet) or decline


def standing(proposal: Proposal, me: str) -> Standing:
    """The proposal's status and both answers, in words, from `me`'s side."""
    side = proposal.side_of(me)
    mine = proposal.mentee_accepted if side == "mentee" else proposal.mentor_accepted
    theirs = proposal.mentor_accepted if side == "mentee" else proposal.mentee_accepted
    if proposal.status == "accepted":
        return Standing(
            "Accepted by you both",
            "You both accepted: your mentoring relationship has started.",
            "good",
            False,
        )
    if proposal.status == "declined":
        if proposal.declined_by == side:
            reason = DECLINE_REASONS.get(proposal.decline_reason or "")
            said = f" You said: “{reason}”." if reason else ""
            return Standing(
                "You declined",
                f"You declined, without blame.{said} The programme will look again for you.",
                "",
                False,
            )
        return Standing(
            "Not going ahead",
            "This match is not going ahead. No blame attaches to anyone; the programme will "
            "look again.",
            "",
            False,
        )
    if proposal.status == "rejected":
        return Standing(
            "Not taken forward",
            "The programme's co-ordinator did not take this match forward; they will look again.",
            "",
            False,
        )
    approval = (
        "The programme's co-ordinator has approved it."
        if proposal.status == "approved"
        else "The programme's co-ordinator has still to approve it."
    )
    other = (
        "The other person has accepted too." if theirs else "The other person has not answered yet."
    )
    if mine:
        return Standing("You accepted", f"You accepted. {other} {approval}", "good", True)
    return Standing("Waiting for your answer", f"{other} {approval}", "warn", True)


@dataclass(frozen=True)
class Match:
    """A proposal as one of its parties reads it."""

    proposal: Proposal
    side: str  # mentor or mentee: what they would be
    standing: Standing
    reasons: list[Reason]

    @property
    def id(self) -> str:
        """The proposal's id (the page's anchor for it)."""
        return self.proposal.id


def as_match(proposal: Proposal, me: str) -> Match:
    """The proposal from `me`'s side, with why it was made in plain words."""
    return Match(
        proposal, proposal.side_of(me) or "", standing(proposal, me), reasons(proposal.scores)
    )


def ordered(proposals: Sequence[Proposal], me: str) -> list[Proposal]:
    """Those waiting for the member first, then the other open ones, then the settled ones;
    newest first within each."""

    def rank(p: Proposal) -> int:
        if p.awaits(me):
            return 0
        return 1 if p.status in OPEN else 2

    newest_first = sorted(proposals, key=lambda p: p.created_at, reverse=True)
    return sorted(newest_first, key=rank)


def decline_from_form(form: Mapping[str, Sequence[str]]) -> tuple[str | None, FormProblems]:
    """The reason code chosen (none is fine), or the problem with what was sent."""
    reason = first(form, "reason")
    if not reason:
        return None, FormProblems()
    if reason not in DECLINE_REASONS:
        return None, FormProblems({"reason": "choose one of the reasons listed, or none"})
    return reason, FormProblems()
