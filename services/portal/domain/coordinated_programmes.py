"""A programme as its co-ordinator reads it from the registry: its whole design, who
co-ordinates it, which organisations take part and which have still to accept, where it is in
its life and what the co-ordinator does next.

Seed 002 ("Mentoring: Supporting and Promoting Professional Development and Learning") gives
the lifecycle's work: design, brief the partners, train mentors and induct mentees, match,
support the relationships, monitor and evaluate. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime

from pydantic import BaseModel, Field

from services.portal.domain.matching import ProgrammeDesign

CIRCLE_MODELS = ("peer_circle", "x_market_circle")
# Programmes still being run first; a closed one is history.
_STATUS_ORDER = {"draft": 0, "open": 1, "running": 2, "closed": 3}


class OrganisationPair(BaseModel):
    """Two organisations mentoring each other (seed 004)."""

    first: str
    second: str


class FullDesign(ProgrammeDesign):
    """The design with the parts only its co-ordinator needs."""

    participating_organisations: list[str] = Field(default_factory=list)
    max_mentees_per_mentor: int = 1
    require_different_sectors: bool = False
    organisation_pairs: list[OrganisationPair] = Field(default_factory=list)  # seed 004


class CoordinatedProgramme(BaseModel):
    """A programme as the registry answers it."""

    id: str
    owner_organisation_id: str
    design: FullDesign
    status: str
    coordinators: list[str] = Field(default_factory=list)
    accepted_by: list[str] = Field(default_factory=list)
    created_at: datetime | None = None

    def coordinated_by(self, member_id: str) -> bool:
        """The member is one of its co-ordinators."""
        return member_id in self.coordinators

    @property
    def organisations(self) -> list[str]:
        """Every organisation taking part, the owner first."""
        others = [
            o for o in self.design.participating_organisations if o != self.owner_organisation_id
        ]
        return [self.owner_organisation_id, *others]

    @property
    def pending(self) -> list[str]:
        """Organisations invited that have not accepted yet."""
        return [o for o in self.organisations if o not in self.accepted_by]

    @property
    def circles(self) -> bool:
        """Peers grouped into circles (seed 001) rather than mentors paired with mentees."""
        return self.design.model in CIRCLE_MODELS


def mine(programmes: Iterable[CoordinatedProgramme], member_id: str) -> list[CoordinatedProgramme]:
    """The programmes the member co-ordinates: being designed, open and running first, newest
    first within each; closed ones last."""
    found = [p for p in programmes if p.coordinated_by(member_id)]
    newest = sorted(found, key=lambda p: p.created_at or datetime.min, reverse=True)
    return sorted(newest, key=lambda p: _STATUS_ORDER.get(p.status, 9))


def next_step(programme: CoordinatedProgramme, names: Mapping[str, str]) -> str:
    """What the co-ordinator does next, in a sentence."""
    if programme.status == "draft":
        if programme.pending:
            waiting = _listed(names.get(o, "an organisation") for o in programme.pending)
            return (
                f"Waiting for {waiting} to accept the invitation; you can publish the "
                "programme once every invited organisation has."
            )
        return "Publish it to open enrolment."
    if programme.status == "open":
        grouping = "a circle round" if programme.circles else "a matching round"
        return f"Enrolment is open: check who is ready on the readiness list, then run {grouping}."
    if programme.status == "running":
        return "Running: support the relationships and act on any monitoring alert."
    return "Closed: its dashboard and the survey comments tell how it went."


def publish_refusal(detail: str, names: Mapping[str, str]) -> str:
    """The registry's refusal to open the programme, in words, organisations by name."""
    text = re.sub(r"org_[a-z0-9]{12}", lambda m: names.get(m.group(0), "an organisation"), detail)
    if "waiting for these organisations to accept" in text:
        waiting = text.split(":", 1)[1].strip()
        return (
            f"An invited organisation has not accepted yet ({waiting}). Its admin accepts "
            "the invitation in the portal; then publish again."
        )
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _listed(items: Iterable[str]) -> str:
    words = list(items)
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


class OrganisationProfile(BaseModel):
    """What the directory says of an organisation."""

    name: str
    sector: str | None = None


class OrganisationEntry(BaseModel):
    """One organisation of the network's directory."""

    id: str
    profile: OrganisationProfile

    @property
    def name(self) -> str:
        """Its name."""
        return self.profile.name


def names_of(entries: Iterable[OrganisationEntry]) -> dict[str, str]:
    """Organisation names by id."""
    return {e.id: e.name for e in entries}
