"""A circle programme's circles as matching forms them, and the peers still waiting for one.

Seed 001 ("The Power of Peer Mentoring") has peer mentoring groups of equals, no expert among
them; seed 004's X Market circles bring people of different organisations and sectors
together. Matching groups the enrolled peers into circles of four to eight with the most spread
across organisations and sectors. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from pydantic import BaseModel, Field

from services.portal.domain.matching_rounds import Waiting
from services.portal.domain.readiness import Candidate, Enrolment, in_words


class CircleMember(BaseModel):
    """A peer in a circle."""

    member_id: str
    organisation_id: str


class FormedCircle(BaseModel):
    """A circle matching formed."""

    id: str
    programme_id: str
    members: list[CircleMember] = Field(default_factory=list)
    formed_at: datetime

    @property
    def organisations(self) -> int:
        """How many organisations its members come from."""
        return len({m.organisation_id for m in self.members})


class FormedCircles(BaseModel):
    """A programme's circles."""

    programme_id: str
    circles: list[FormedCircle] = Field(default_factory=list)


def waiting_for_a_circle(
    enrolments: Iterable[Enrolment],
    circles: Iterable[FormedCircle],
    pool: Mapping[str, Candidate],
) -> list[Waiting]:
    """Enrolled peers in no circle yet, with why: not ready, or simply not grouped yet (a
    round places peers in circles of four or more, so a few may wait for others to enrol)."""
    placed = {m.member_id for c in circles for m in c.members}
    found = []
    for enrolment in sorted(enrolments, key=lambda e: e.enrolled_at):
        if enrolment.role != "peer" or enrolment.member_id in placed:
            continue
        candidate = pool.get(enrolment.member_id)
        if candidate is None:
            why = "Matching has not heard of this enrolment yet."
        elif not candidate.eligible:
            listed = "; ".join(in_words(e) for e in candidate.exclusions)
            why = f"Not ready: {listed}." if listed else "Not ready yet."
        else:
            why = "Ready: the next circle round places them."
        found.append(Waiting(enrolment, why))
    return found
