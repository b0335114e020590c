"""Peer circles as the sessions service keeps them (seed 001, "Peer Mentoring Group": a group
that meets on a regular basis to mentor each other, all equals, no designated mentor).

A circle starts from matching's `circle.formed`; it meets on its programme's cadence. Before
its first session every member accepts the circle's contract (seed 001, "Contracting for
Mentoring Groups"). A circle is a network record: it lives in the sessions network
database with its `participants`, whatever organisations its members come from.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from pydantic import BaseModel, Field

from services.sessions.domain.relationships import Party
from shared.errors import ConflictError

# Seed 001 (001_13834a7d60d9318f.txt), "Contracting for Mentoring Groups", in the wording the
# registry shows when a member joins (services/registry/domain/circle.py); copied, because a
# service never imports another's code. Every member accepts it before the first session.
CONTRACT: tuple[str, ...] = (
    "People do the best they can with the resources they have",
    "Voluntary: you are in control",
    "Supportive and non-competitive",
    "OK to make mistakes",
    "Avoid advice giving",
    "Confidential, and no post-mortems",
)
# A circle is 4-8 people; matching forms them. Sessions takes what matching formed,
# within a generous bound, rather than refusing (and re-reading forever) an event it cannot fix.
MAX_MEMBERS = 50


class Circle(BaseModel):
    """A peer circle: its members (current ones; an erased member leaves the list and is
    counted in `former_members`) and the cadence it meets on."""

    id: str = Field(examples=["cir_1a2b3c4d5e6f7a8b"])
    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    members: list[Party] = Field(max_length=MAX_MEMBERS)
    former_members: int = Field(
        default=0, ge=0, examples=[0], description="members erased since it formed"
    )
    formed_at: datetime
    cadence_days: int = Field(
        ge=1, examples=[28], description="days between sessions: the programme's cadence"
    )

    @property
    def participants(self) -> list[str]:
        """The member ids of its (current) members: they alone read and write in it."""
        return [m.member_id for m in self.members]

    def member(self, member_id: str) -> Party | None:
        """`member_id`'s membership, if they are a member."""
        return next((m for m in self.members if m.member_id == member_id), None)


class ContractPendingError(ConflictError):
    """A circle meets only once every member has accepted its contract (seed 001)."""

    error = "contract_pending"


def contract_version() -> str:
    """A short fingerprint of the contract's wording: an acceptance records which text it
    accepted, so a later change of wording is visible beside old acceptances."""
    return hashlib.sha256("\n".join(CONTRACT).encode()).hexdigest()[:12]


def awaiting_acceptance(circle: Circle, accepted: set[str]) -> list[str]:
    """The members who have not accepted the contract yet, in the circle's order."""
    return [m for m in circle.participants if m not in accepted]


def check_contract_accepted(circle: Circle, accepted: set[str]) -> None:
    """Refuse to arrange a session until every member accepted the contract (409).

    Why at scheduling, not at the session's start: a scheduled date is an invitation, and
    seed 001 contracts the group *before* it meets; a date arranged first would press the
    others to accept a contract that is voluntary. The reason names only how many are
    missing, not who (the members can see who on the contract page)."""
    missing = awaiting_acceptance(circle, accepted)
    if missing:
        raise ContractPendingError(
            f"{len(missing)} of {len(circle.members)} members have not accepted the circle's "
            "contract yet; sessions can be scheduled once every member has "
            "(POST /circles/{id}/contract/acceptances)"
        )
