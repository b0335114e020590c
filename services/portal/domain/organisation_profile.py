"""An organisation's profile as its admin reads and edits it: name, sector, size, country and
the e-mail domains its people sign in with (a domain leads to one organisation's provider, so
the registry refuses one another organisation holds). Pure: no I/O."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from services.portal.domain.forms import FormProblems, first

FIELDS = ("name", "sector", "size", "country", "email_domains")
# Headcount bands, as the registry keeps them (X Market circles mix sizes).
SIZES = {
    "micro": "Fewer than 10 people",
    "small": "10 to 49 people",
    "medium": "50 to 249 people",
    "large": "250 people or more",
}
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


class OrganisationProfile(BaseModel):
    """What an organisation says about itself."""

    name: str
    sector: str | None = None
    size: str | None = None
    country: str | None = None
    email_domains: list[str] = Field(default_factory=list)


class Organisation(BaseModel):
    """A partner organisation of the network."""

    id: str
    profile: OrganisationProfile
    joined_at: datetime


@dataclass(frozen=True)
class ProfileDraft:
    """The profile form's values, as typed."""

    name: str = ""
    sector: str = ""
    size: str = ""
    country: str = ""
    email_domains: str = ""  # one per line


def draft_of(profile: OrganisationProfile) -> ProfileDraft:
    """The form filled in with the profile as it is."""
    return ProfileDraft(
        name=profile.name,
        sector=profile.sector or "",
        size=profile.size or "",
        country=profile.country or "",
        email_domains="\n".join(profile.email_domains),
    )


def domains_in(text: str) -> list[str]:
    """E-mail domains typed one per line (or separated by commas or spaces), lower case, an
    `@` in front forgiven."""
    return [d.strip().lstrip("@").lower() for d in re.split(r"[\s,;]+", text) if d.strip()]


def profile_from_form(
    form: Mapping[str, Sequence[str]],
) -> tuple[ProfileDraft, dict[str, Any], FormProblems]:
    """The draft as typed, the registry's request body, and what is wrong with it."""
    draft = ProfileDraft(
        name=first(form, "name"),
        sector=first(form, "sector"),
        size=first(form, "size"),
        country=first(form, "country").upper(),
        email_domains=first(form, "email_domains"),
    )
    domains = domains_in(draft.email_domains)
    problems: dict[str, str] = {}
    if not 2 <= len(draft.name) <= 120:
        problems["name"] = "give the organisation's name (2 to 120 characters)"
    if draft.sector and not 2 <= len(draft.sector) <= 60:
        problems["sector"] = "a sector is 2 to 60 characters, or leave it empty"
    if draft.size and draft.size not in SIZES:
        problems["size"] = "choose one of the sizes"
    if draft.country and not _COUNTRY.match(draft.country):
        problems["country"] = "two letters (ISO 3166), e.g. GB or NZ, or leave it empty"
    bad = [d for d in domains if not _DOMAIN.match(d)]
    if bad:
        problems["email_domains"] = f"not e-mail domains: {', '.join(bad)}"
    elif len(set(domains)) != len(domains):
        problems["email_domains"] = "a domain is listed twice"
    elif len(domains) > 20:
        problems["email_domains"] = "at most 20 domains"
    body = {
        "name": draft.name,
        "sector": draft.sector or None,
        "size": draft.size or None,
        "country": draft.country or None,
        "email_domains": domains,
    }
    message = "Please correct the fields marked below." if problems else None
    return draft, body, FormProblems(problems, message)
