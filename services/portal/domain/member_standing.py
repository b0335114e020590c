"""Where each of an organisation's members stands in their mentoring relationships, as its
admin may see it: the programme, their side, the phase of seed 002's lifecycle (Resource 17)
and whether it runs — never who the other party is, nor anything either of them wrote.
Pure: no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel

from services.portal.domain.organisation_members import OrganisationMember

SIDES = {"mentor": "Mentor", "mentee": "Mentee"}
STATUSES = {"active": "Running", "ended": "Ended"}


class RelationshipStatus(BaseModel):
    """One member's place in one relationship (the sessions service's admin view)."""

    member_id: str
    programme_id: str
    side: str
    phase: str
    status: str
    started_at: datetime
    ended_early: bool | None = None


@dataclass(frozen=True)
class Standing:
    """One member and their relationships, newest first."""

    member: str
    email: str | None
    rows: list[tuple[str, RelationshipStatus]]  # (programme name, status)


def standings(
    statuses: Iterable[RelationshipStatus],
    members: Iterable[OrganisationMember],
    programme_names: Mapping[str, str],
) -> list[Standing]:
    """The members with relationships, A to Z, each named from the organisation's member list
    (someone erased since is 'a former member')."""
    by_id = {m.id: m for m in members}
    grouped: dict[str, list[RelationshipStatus]] = {}
    for status in statuses:
        grouped.setdefault(status.member_id, []).append(status)
    found = []
    for member_id, rows in grouped.items():
        member = by_id.get(member_id)
        ordered = sorted(rows, key=lambda r: r.started_at, reverse=True)
        found.append(
            Standing(
                member.display if member else "A former member",
                member.email if member else None,
                [(programme_names.get(r.programme_id, "A programme"), r) for r in ordered],
            )
        )
    return sorted(found, key=lambda s: s.member.casefold())
