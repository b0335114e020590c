"""The network co-ordinator's workspace: registering an organisation with its first admins, the
network's organisations and its programmes — each only as far as the services tell a network
co-ordinator (the registry's public profiles; the evaluation service's programme list and its
pooled figures, suppressed below five people). Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from services.portal.domain.dashboards import FigureProgramme, programme_label
from services.portal.domain.figures import FigureTable, figure_in
from services.portal.domain.forms import FormProblems, first
from services.portal.domain.wording import ORGANISATION_SIZES

FIELDS = ("name", "sector", "size", "country", "email_domains", "admin_emails")
MAX_ADMINS = 10
MAX_DOMAINS = 20
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


class OrganisationProfile(BaseModel):
    """What an organisation says about itself (its public profile)."""

    name: str
    sector: str | None = None
    size: str | None = None
    country: str | None = None
    email_domains: list[str] = Field(default_factory=list)


class Organisation(BaseModel):
    """An organisation of the network's directory."""

    id: str
    profile: OrganisationProfile
    joined_at: datetime | None = None


class NetworkStatistics(BaseModel):
    """The network as a whole (the evaluation service's, for network co-ordinators only)."""

    organisations: int = 0


@dataclass(frozen=True)
class RegistrationDraft:
    """The registration form as typed (kept when it comes back with problems)."""

    name: str = ""
    sector: str = ""
    size: str = ""
    country: str = ""
    email_domains: str = ""
    admin_emails: str = ""


def listed(text: str) -> list[str]:
    """Items typed one per line or separated by commas, semicolons or spaces."""
    return [item for item in re.split(r"[\s,;]+", text) if item]


def registration_from_form(
    form: Mapping[str, Sequence[str]],
) -> tuple[RegistrationDraft, dict[str, Any], FormProblems]:
    """The registry's registration body from the form, and what is wrong with it (each
    problem beside its field; the registry checks again, and has the last word on names and
    e-mail domains already taken)."""
    draft = RegistrationDraft(**{name: first(form, name) for name in FIELDS})
    problems: dict[str, str] = {}
    name = " ".join(draft.name.split())
    if not 2 <= len(name) <= 120:
        problems["name"] = "Give the organisation's name (2 to 120 characters)."
    sector = " ".join(draft.sector.split())
    if sector and not 2 <= len(sector) <= 60:
        problems["sector"] = "Describe the sector in 2 to 60 characters, or leave it empty."
    if draft.size and draft.size not in ORGANISATION_SIZES:
        problems["size"] = "Choose a size from the list."
    country = draft.country.upper()
    if country and not _COUNTRY.match(country):
        problems["country"] = "Give the country's two-letter code, like GB or IE."
    domains = [d.lower().lstrip("@") for d in listed(draft.email_domains)]
    bad = [d for d in domains if not _DOMAIN.match(d)]
    if bad:
        problems["email_domains"] = f"Not an e-mail domain: {', '.join(bad)}."
    elif len(set(domains)) != len(domains):
        problems["email_domains"] = "A domain is listed twice."
    elif len(domains) > MAX_DOMAINS:
        problems["email_domains"] = f"At most {MAX_DOMAINS} domains."
    admins = [e.lower() for e in listed(draft.admin_emails)]
    wrong = [e for e in admins if not _EMAIL.match(e)]
    if not admins:
        problems["admin_emails"] = "Name at least one first admin by their work e-mail."
    elif wrong:
        problems["admin_emails"] = f"Not an e-mail address: {', '.join(wrong)}."
    elif len(admins) > MAX_ADMINS:
        problems["admin_emails"] = f"At most {MAX_ADMINS} first admins."
    body: dict[str, Any] = {
        "name": name,
        "sector": sector or None,
        "size": draft.size or None,
        "country": country or None,
        "email_domains": domains,
        "admin_emails": admins,
    }
    return draft, body, FormProblems(problems)


def admins_outside_domains(body: Mapping[str, Any]) -> list[str]:
    """First admins whose e-mail is at none of the organisation's domains: they can still
    sign in by choosing the organisation from the list, not by e-mail alone."""
    domains = set(body.get("email_domains") or [])
    return [e for e in body.get("admin_emails") or [] if e.rpartition("@")[2] not in domains]


@dataclass(frozen=True)
class OrganisationEntry:
    """An organisation of the network with what the services say of it to the co-ordinator.
    A figure is its text ("suppressed" included); None means nothing is recorded, and a
    count of programmes is None when the list could not be fetched."""

    organisation: Organisation
    programmes: int | None
    enrolled: str | None
    relationships_started: str | None
    relationships_active: str | None

    @property
    def anchor(self) -> str:
        """Its element id on the page."""
        return f"organisation-{self.organisation.id}"


def organisation_entries(
    organisations: Sequence[Organisation],
    programmes: Sequence[FigureProgramme] | None,
    tables: Sequence[FigureTable] | None,
) -> list[OrganisationEntry]:
    """Each organisation, A to Z, with the programmes it takes part in and its row of
    the network's pooled figures (rows are labelled by organisation name)."""
    by_id = {t.id: t for t in tables or []}
    participation, relationships = by_id.get("participation"), by_id.get("relationships")

    def taking_part(organisation_id: str) -> int | None:
        if programmes is None:
            return None
        return sum(
            organisation_id in p.organisations or p.owner_organisation_id == organisation_id
            for p in programmes
        )

    entries = [
        OrganisationEntry(
            o,
            taking_part(o.id),
            figure_in(participation, o.profile.name, "enrolled"),
            figure_in(relationships, o.profile.name, "started"),
            figure_in(relationships, o.profile.name, "active"),
        )
        for o in organisations
    ]
    return sorted(entries, key=lambda e: e.organisation.profile.name.casefold())


@dataclass(frozen=True)
class ProgrammeEntry:
    """A programme of the network as the co-ordinator may know it."""

    id: str
    label: str
    named: bool
    model: str | None
    starts_on: date | None
    ends_on: date | None
    status: str | None
    owner: str | None
    organisations: tuple[str, ...]

    @property
    def anchor(self) -> str:
        """Its element id on the page."""
        return f"programme-{self.id}"


def programme_entries(
    programmes: Sequence[FigureProgramme],
    names: Mapping[str, str],
    organisations: Mapping[str, str],
) -> list[ProgrammeEntry]:
    """The network's programmes, the latest to start first, each named where the registry
    names it (the office's own) and with its organisations by name."""

    def name_of(organisation_id: str) -> str:
        return organisations.get(organisation_id, "an organisation that has left")

    entries = [
        ProgrammeEntry(
            id=p.id,
            label=programme_label(p, names),
            named=p.id in names,
            model=p.model,
            starts_on=p.starts_on,
            ends_on=p.ends_on,
            status=p.status,
            owner=name_of(p.owner_organisation_id) if p.owner_organisation_id else None,
            organisations=tuple(sorted((name_of(o) for o in p.organisations), key=str.casefold)),
        )
        for p in programmes
    ]
    return sorted(entries, key=lambda e: (e.starts_on or date.min, e.id), reverse=True)
