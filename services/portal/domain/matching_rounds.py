"""A programme's matching as its co-ordinator runs and reviews it: a round's progress in
words, its proposals grouped by what the co-ordinator does with them, who is waiting for the
next round, and a pair the co-ordinator proposes (a swap) with matching's refusal in words.

Seed 002 ("Mentoring: Supporting and Promoting Professional Development and Learning") puts
matching and re-matching with the co-ordinator, with a no-blame rematch; the reasons for each
pair are seed 003's five Cs (`matching.reasons`). Pure: no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, Field

from services.portal.domain.forms import FormProblems, first
from services.portal.domain.matching import Proposal, Reason, fit_in_words, reasons
from services.portal.domain.readiness import Candidate, Enrolment, in_words

HOLDING = ("proposed", "approved", "accepted")
# Where a proposal stands, as its co-ordinator reads it.
REVIEW_STATUSES = {
    "proposed": "Waiting for your review",
    "approved": "Approved: waiting for both to accept",
    "accepted": "Accepted by both",
    "declined": "Declined",
    "rejected": "Not taken forward",
}  # a mentee with one of these is not waiting
STEPS = ("scoring pairs", "assigning", "writing proposals")


class RoundResult(BaseModel):
    """What a finished round made."""

    programme_id: str
    proposals: list[str] = Field(default_factory=list)
    unmatched: list[str] = Field(default_factory=list)
    total_score: float = 0.0


class RoundJob(BaseModel):
    """A round started as a job, as matching reports it."""

    id: str
    state: str
    done: int = 0
    total: int | None = None
    step: str = ""
    started_at: datetime
    finished_at: datetime | None = None
    error: str | None = None
    result: RoundResult | None = None

    @property
    def running(self) -> bool:
        """Still going: the page keeps asking."""
        return self.state == "running"

    @property
    def steps(self) -> int:
        """How many steps a round has."""
        return self.total or len(STEPS)

    @property
    def progress(self) -> str:
        """How far it has got, in words."""
        if self.state == "done":
            return "The round has finished."
        if self.state == "failed":
            reason = (self.error or "it stopped").rstrip(".")
            return f"The round did not finish: {reason}."
        step = self.step or STEPS[0]
        at = min(self.done + 1, self.steps)
        return f"Step {at} of {self.steps}: {step}."


@dataclass(frozen=True)
class Review:
    """A proposal as its co-ordinator reviews it."""

    proposal: Proposal
    reasons: list[Reason]

    @property
    def id(self) -> str:
        """The proposal's id (the page's anchor for it)."""
        return self.proposal.id

    @property
    def fit(self) -> str:
        """The pair's overall fit, in words."""
        return fit_in_words(self.proposal.score)

    @property
    def answers(self) -> str:
        """Where the two parties stand, in words."""
        p = self.proposal
        if p.status == "accepted":
            return "Both accepted: their relationship has started."
        if p.status == "declined":
            who = {"mentee": "The mentee", "mentor": "The mentor"}.get(p.declined_by or "", "")
            return f"{who or 'One of them'} declined, without blame."
        if p.status == "rejected":
            return "You did not take this pair forward."
        said = [
            side
            for side, accepted in (
                ("the mentee", p.mentee_accepted),
                ("the mentor", p.mentor_accepted),
            )
            if accepted
        ]
        if len(said) == 2:
            return "Both have accepted."
        if said:
            return f"Accepted by {said[0]} so far."
        return "Neither has answered yet."


@dataclass(frozen=True)
class Proposals:
    """A programme's proposals, by what the co-ordinator does with them."""

    to_review: list[Review]  # proposed: approve, reject or swap
    approved: list[Review]  # waiting for both parties to accept
    accepted: list[Review]
    settled: list[Review]  # declined or rejected

    @property
    def all(self) -> list[Review]:
        """Every proposal."""
        return [*self.to_review, *self.approved, *self.accepted, *self.settled]


def grouped(proposals: Iterable[Proposal], only: Sequence[str] | None = None) -> Proposals:
    """The proposals (those of one round only, if `only` names them) by what they wait for,
    best fit first."""
    chosen = [p for p in proposals if only is None or p.id in only]
    ordered = sorted(chosen, key=lambda p: p.score, reverse=True)

    def of(*statuses: str) -> list[Review]:
        return [Review(p, reasons(p.scores)) for p in ordered if p.status in statuses]

    return Proposals(of("proposed"), of("approved"), of("accepted"), of("declined", "rejected"))


@dataclass(frozen=True)
class Waiting:
    """Someone enrolled who has no open or accepted match."""

    enrolment: Enrolment
    why: str


def waiting(
    enrolments: Iterable[Enrolment],
    proposals: Sequence[Proposal],
    pool: Mapping[str, Candidate],
    unmatched: Iterable[str] = (),
) -> list[Waiting]:
    """Mentees with no open or accepted proposal (each with why: not ready, left unmatched by
    the last round, declined or not taken forward, or not in a round yet), then mentors with
    none at all and room for more."""
    holding = {p.mentee_id for p in proposals if p.status in HOLDING}
    mentoring = {p.mentor_id for p in proposals if p.status in HOLDING}
    settled = {p.mentee_id: p for p in proposals if p.status in ("declined", "rejected")}
    left_out = set(unmatched)
    mentees: list[Waiting] = []
    mentors: list[Waiting] = []
    for enrolment in sorted(enrolments, key=lambda e: e.enrolled_at):
        candidate = pool.get(enrolment.member_id)
        if candidate is not None and not candidate.eligible:
            reasons_now = "; ".join(in_words(e) for e in candidate.exclusions)
            why = f"Not ready: {reasons_now}." if reasons_now else "Not ready yet."
        elif candidate is None:
            why = "Matching has not heard of this enrolment yet."
        else:
            why = ""
        if enrolment.role == "mentee" and enrolment.member_id not in holding:
            if not why:
                if enrolment.member_id in left_out:
                    why = "The last round found no suitable mentor with room."
                elif enrolment.member_id in settled:
                    why = _after(settled[enrolment.member_id])
                else:
                    why = "Not in a round yet."
            mentees.append(Waiting(enrolment, why))
        elif enrolment.role == "mentor" and enrolment.member_id not in mentoring:
            mentors.append(Waiting(enrolment, why or "No mentee yet."))
    return [*mentees, *mentors]


def _after(proposal: Proposal) -> str:
    if proposal.status == "rejected":
        return "Their last proposed pair was not taken forward; back in the pool."
    return "Their last match was declined, without blame; back in the pool."


def pair_from_form(
    form: Mapping[str, Sequence[str]],
) -> tuple[dict[str, str], FormProblems]:
    """The mentee and mentor chosen for a pair (each must be chosen)."""
    pair = {"mentee_id": first(form, "mentee_id"), "mentor_id": first(form, "mentor_id")}
    problems = {
        name: f"choose the {name.removesuffix('_id')}" for name, value in pair.items() if not value
    }
    return pair, FormProblems(problems, "Choose both people." if problems else None)


def impossible_pair(detail: str) -> list[str]:
    """Matching's refusal of a pair ("this pair cannot be matched: a; b") as its reasons,
    each a sentence."""
    _, colon, rest = detail.partition(": ")
    listed = rest if colon and "cannot be matched" in detail else detail
    return [_sentence(r) for r in listed.split("; ") if r.strip()]


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."
