"""Programmes, enrolments, proposals and suggestions as the portal reads them, and their
reasons in plain words (the five Cs of seed 003). Pure: no I/O."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from services.portal.domain.wording import CRITERIA


class ProgrammeDesign(BaseModel):
    """What a programme is for and how it runs (seed 002's design steps)."""

    name: str
    purpose: str
    goals: list[str] = Field(default_factory=list)
    expected_outcomes: list[str] = Field(default_factory=list)
    model: str
    starts_on: date
    ends_on: date
    meeting_every_days: int
    min_meeting_minutes: int
    max_meeting_minutes: int
    eligibility: str = ""
    self_match: bool = False
    direction: str = "conventional"  # seed 004: conventional, reverse or two_way
    reverse_topics: list[str] = Field(default_factory=list)


class Programme(BaseModel):
    """A programme of the member's organisation."""

    id: str
    owner_organisation_id: str
    design: ProgrammeDesign
    status: str
    accepted_by: list[str] = Field(default_factory=list)

    def open_to(self, organisation_id: str) -> bool:
        """Members of the organisation can enrol now: the registry takes enrolments while a
        programme is open (not once it runs), from organisations that accepted it."""
        return self.status == "open" and organisation_id in self.accepted_by

    @property
    def circles(self) -> bool:
        """A peer or X Market circle programme (people enrol as peers)."""
        return self.design.model in ("peer_circle", "x_market_circle")


class Enrolment(BaseModel):
    """How the member takes part in a programme."""

    programme_id: str
    role: str
    enrolled_at: datetime


class CriterionScore(BaseModel):
    """One criterion's score and its reasons."""

    criterion: str
    score: float
    weight: float
    reasons: list[str] = Field(default_factory=list)


class Proposal(BaseModel):
    """A proposed pair."""

    id: str
    programme_id: str
    mentee_id: str
    mentee_organisation_id: str
    mentor_id: str
    mentor_organisation_id: str
    origin: str
    status: str
    score: float
    scores: list[CriterionScore] = Field(default_factory=list)
    mentee_accepted: bool = False
    mentor_accepted: bool = False
    declined_by: str | None = None
    decline_reason: str | None = None
    created_at: datetime
    accepted_at: datetime | None = None

    def side_of(self, member_id: str) -> str | None:
        """'mentee', 'mentor' or None."""
        if member_id == self.mentee_id:
            return "mentee"
        return "mentor" if member_id == self.mentor_id else None

    def other(self, member_id: str) -> tuple[str, str]:
        """(organisation, member) of the other party."""
        if member_id == self.mentee_id:
            return self.mentor_organisation_id, self.mentor_id
        return self.mentee_organisation_id, self.mentee_id

    def awaits(self, member_id: str) -> bool:
        """Still open, and the member has not answered yet."""
        side = self.side_of(member_id)
        if self.status not in ("proposed", "approved") or side is None:
            return False
        return not (self.mentee_accepted if side == "mentee" else self.mentor_accepted)


class ProposalList(BaseModel):
    """A programme's proposals as the member sees them."""

    proposals: list[Proposal]


class Suggestion(BaseModel):
    """A mentor a self-match mentee could ask for."""

    mentor_id: str
    mentor_organisation_id: str | None = None
    total: float
    scores: list[CriterionScore] = Field(default_factory=list)


class SuggestionList(BaseModel):
    """The best possible mentors, best first."""

    suggestions: list[Suggestion]


class Reason(BaseModel):
    """One criterion's part in a match, in words."""

    title: str
    meaning: str
    percent: int
    reasons: list[str]
    known: bool = True  # False when the service had nothing to go on (it scores it neutral)

    @property
    def strength(self) -> str:
        """How well the pair meets the criterion, in words."""
        return fit_in_words(self.percent / 100) if self.known else "not known either way"


def fit_in_words(score: float) -> str:
    """A score from 0 to 1 as a person would say it."""
    if score >= 0.75:
        return "a strong fit"
    if score >= 0.5:
        return "a good fit"
    if score >= 0.25:
        return "a partial fit"
    return "a weak fit"


# How matching marks a reason it had nothing to go on for (a neutral score, not a good one).
_NEUTRAL = " (neutral)"
_NO_PREFERENCES = "no preferences stated"


def _neutral(phrase: str) -> bool:
    return phrase.endswith(_NEUTRAL) or phrase == _NO_PREFERENCES


def reasons(scores: list[CriterionScore]) -> list[Reason]:
    """Why a pair was suggested: the criteria that count, strongest first, in plain words; a
    criterion the service knew nothing about says so rather than passing for a fit."""
    counted = [s for s in scores if s.weight > 0]
    return [
        Reason(
            title=CRITERIA.get(s.criterion, (s.criterion, ""))[0],
            meaning=CRITERIA.get(s.criterion, ("", ""))[1],
            percent=round(s.score * 100),
            reasons=[r.removesuffix(_NEUTRAL) for r in s.reasons],
            known=not s.reasons or not all(_neutral(r) for r in s.reasons),
        )
        for s in sorted(counted, key=lambda s: s.score * s.weight, reverse=True)
    ]
