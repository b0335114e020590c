"""Programmes another organisation invited this one to: taking part starts when an admin of
each participating organisation accepts (seed 002: a programme's partners agree its design
before it opens). Pure: no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel, Field


class InvitedDesign(BaseModel):
    """What the admin reads before accepting."""

    name: str
    purpose: str
    model: str
    starts_on: date
    ends_on: date
    meeting_every_days: int
    min_meeting_minutes: int
    max_meeting_minutes: int
    eligibility: str = ""
    goals: list[str] = Field(default_factory=list)
    participating_organisations: list[str] = Field(default_factory=list)


class InvitedProgramme(BaseModel):
    """A programme the organisation takes part in, or is invited to."""

    id: str
    owner_organisation_id: str
    design: InvitedDesign
    status: str
    accepted_by: list[str] = Field(default_factory=list)

    @property
    def organisations(self) -> list[str]:
        """Every organisation taking part, the owner first."""
        others = [
            o for o in self.design.participating_organisations if o != self.owner_organisation_id
        ]
        return [self.owner_organisation_id, *others]


@dataclass(frozen=True)
class Invitation:
    """A programme waiting for this organisation's acceptance, and who else has accepted."""

    programme: InvitedProgramme
    invited_by: str
    accepted: list[str]
    waiting: list[str]


def invitations(
    programmes: Iterable[InvitedProgramme], organisation_id: str, names: dict[str, str]
) -> tuple[list[Invitation], list[InvitedProgramme]]:
    """The programmes waiting for `organisation_id`'s acceptance (oldest start first, with the
    organisations named), and those it has accepted."""

    def named(o: str) -> str:
        return names.get(o, "another organisation")

    waiting, accepted = [], []
    for p in programmes:
        if organisation_id not in p.organisations:
            continue
        if organisation_id in p.accepted_by:
            accepted.append(p)
            continue
        waiting.append(
            Invitation(
                p,
                names.get(p.owner_organisation_id, "another organisation"),
                [
                    names.get(o, "another organisation")
                    for o in p.organisations
                    if o in p.accepted_by
                ],
                [
                    names.get(o, "another organisation")
                    for o in p.organisations
                    if o not in p.accepted_by and o != organisation_id
                ],
            )
        )
    return sorted(waiting, key=lambda i: i.programme.design.starts_on), accepted
