"""Who is enrolled in a programme and whether each can be matched, as matching's candidate
pool sees them, in words a co-ordinator can act on.

Seed 002 ("Mentoring: Supporting and Promoting Professional Development and Learning") makes
mentor training and mentee induction mandatory and their content agreed before matching; a
programme across organisations matches only people who agreed to share their profile with
them. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, Field

# matching's reasons for leaving someone out, as a co-ordinator would say them.
EXCLUSIONS = {
    "mentor training not complete": "mentor training not recorded yet (needed before matching)",
    "mentee induction not complete": "induction not recorded yet (needed before matching)",
    "no profile yet": "no profile yet: matching has nothing to go on",
    "not consenting to share across organisations": (
        "has not agreed to share their profile with the other organisations taking part"
    ),
    "no capacity for mentees (their mentor capacity is 0)": (
        "has said they can take no mentees just now (mentor capacity 0)"
    ),
    "no capacity left: already has as many mentees as allowed": (
        "already has as many mentees as the programme allows"
    ),
    "their organisation does not take part in this programme": (
        "their organisation does not take part in this programme"
    ),
    "a circle has peers, not mentors or mentees": "enrolled as a mentor or mentee in a circle",
    "this programme pairs mentors with mentees; peers are for circles": (
        "enrolled as a peer in a programme of pairs"
    ),
}
ROLE_ORDER = {"mentor": 0, "mentee": 1, "peer": 2}


class Enrolment(BaseModel):
    """An enrolment as the registry lists it for the programme's co-ordinators."""

    member_id: str
    organisation_id: str
    role: str
    enrolled_at: datetime


class Candidate(BaseModel):
    """An enrolled member as matching's pool assesses them (profile details left out)."""

    member_id: str
    organisation_id: str
    role: str
    eligible: bool
    exclusions: list[str] = Field(default_factory=list)
    capacity: int | None = None


class CandidatePool(BaseModel):
    """A programme's pool, everyone enrolled with why they are left out."""

    programme_id: str
    eligible: int = 0
    excluded: int = 0
    candidates: list[Candidate] = Field(default_factory=list)


@dataclass(frozen=True)
class ReadinessRow:
    """One enrolled person and whether matching can take them."""

    enrolment: Enrolment
    ready: bool | None  # None: matching has not heard of the enrolment yet
    reasons: list[str]  # why not, in words
    capacity: int | None  # mentors: mentees they can still take

    @property
    def summary(self) -> str:
        """A short tag."""
        if self.ready is None:
            return "Not known to matching yet"
        return "Ready to match" if self.ready else "Not ready"

    @property
    def tone(self) -> str:
        """'good', 'warn' or '' (not known yet)."""
        if self.ready is None:
            return ""
        return "good" if self.ready else "warn"


def in_words(exclusion: str) -> str:
    """One of matching's reasons, as a co-ordinator would say it."""
    return EXCLUSIONS.get(exclusion, exclusion)


def readiness_list(
    enrolments: Iterable[Enrolment], pool: CandidatePool | None
) -> list[ReadinessRow]:
    """Every enrolment with its readiness: not ready first (those are the ones to act on),
    then by role, earliest enrolled first."""
    assessed = {c.member_id: c for c in (pool.candidates if pool else [])}
    rows = []
    for enrolment in enrolments:
        candidate = assessed.get(enrolment.member_id)
        if candidate is None:
            rows.append(ReadinessRow(enrolment, None, [], None))
            continue
        reasons = [in_words(e) for e in candidate.exclusions]
        rows.append(ReadinessRow(enrolment, candidate.eligible, reasons, candidate.capacity))
    by_time = sorted(rows, key=lambda r: r.enrolment.enrolled_at)

    def rank(row: ReadinessRow) -> tuple[int, int]:
        unready = 0 if row.ready is False else 1 if row.ready is None else 2
        return unready, ROLE_ORDER.get(row.enrolment.role, 9)

    return sorted(by_time, key=rank)


def counts(rows: Sequence[ReadinessRow]) -> dict[str, int]:
    """How many are ready, not ready and not known to matching yet."""
    return {
        "ready": sum(1 for r in rows if r.ready is True),
        "not_ready": sum(1 for r in rows if r.ready is False),
        "unknown": sum(1 for r in rows if r.ready is None),
    }
