"""A partner organisation of the network: who it is, and its joining.

Pure domain: no I/O. Names are unique across the network, compared without case or spacing,
so "Northshore  Care Trust" cannot join twice as "northshore care trust".
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from services.registry.domain.member import normalise_email
from shared.contracts.registry import OrganisationJoined

_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class OrganisationSize(StrEnum):
    """Headcount bands, so X-market groups can mix sizes (seed 004)."""

    MICRO = "micro"  # under 10 people
    SMALL = "small"  # 10-49
    MEDIUM = "medium"  # 50-249
    LARGE = "large"  # 250 and more


class OrganisationProfile(BaseModel):
    """What an organisation says about itself when it joins."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    name: str = Field(min_length=2, max_length=120, examples=["Northshore Care Trust"])
    sector: str | None = Field(default=None, min_length=2, max_length=60, examples=["social care"])
    size: OrganisationSize | None = Field(default=None, examples=["medium"])
    country: str | None = Field(
        default=None, pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2", examples=["GB"]
    )
    email_domains: list[str] = Field(
        default_factory=list, max_length=20, examples=[["northshore.example"]]
    )

    @field_validator("name")
    @classmethod
    def _printable_name(cls, value: str) -> str:
        if not value.isprintable():
            raise ValueError("the name must not contain control characters")
        return " ".join(value.split())

    @field_validator("email_domains")
    @classmethod
    def _valid_domains(cls, value: list[str]) -> list[str]:
        cleaned = [d.strip().lower() for d in value]
        bad = [d for d in cleaned if not _DOMAIN.match(d)]
        if bad:
            raise ValueError(f"not e-mail domains: {', '.join(bad)}")
        if len(set(cleaned)) != len(cleaned):
            raise ValueError("e-mail domains are listed twice")
        return cleaned


class OrganisationRegistration(OrganisationProfile):
    """A network co-ordinator registers an organisation and names its first admins; each
    becomes an admin on first signing in with that (verified) e-mail address."""

    admin_emails: list[str] = Field(
        min_length=1, max_length=10, examples=[["it-lead@northshore-care.example"]]
    )

    @field_validator("admin_emails")
    @classmethod
    def _emails(cls, value: list[str]) -> list[str]:
        return [normalise_email(v) for v in value]

    def profile(self) -> OrganisationProfile:
        """The profile part."""
        return OrganisationProfile.model_validate(self.model_dump(exclude={"admin_emails"}))


class Organisation(BaseModel):
    """A member organisation of the network."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(pattern=r"^org_[a-z0-9]{12}$", examples=["org_3f9a1c2b7d4e"])
    profile: OrganisationProfile
    joined_at: AwareDatetime

    @property
    def name_key(self) -> str:
        """The name as compared for uniqueness."""
        return name_key(self.profile.name)


def name_key(name: str) -> str:
    """Case- and spacing-insensitive form of an organisation name."""
    return " ".join(name.split()).casefold()


def new_organisation_id() -> str:
    """A fresh, unguessable organisation id."""
    return f"org_{secrets.token_hex(6)}"


def join(
    profile: OrganisationProfile, *, now: datetime, organisation_id: str
) -> tuple[Organisation, OrganisationJoined]:
    """An organisation joins: the organisation, and the event that tells the network."""
    organisation = Organisation(id=organisation_id, profile=profile, joined_at=now)
    event = OrganisationJoined(
        organisation_id=organisation.id,
        name=profile.name,
        sector=profile.sector,
        country=profile.country,
        joined_at=now,
    )
    return organisation, event


def domains_taken(
    profile: OrganisationProfile, organisations: list[Organisation], *, except_id: str | None
) -> list[str]:
    """Which of the profile's e-mail domains another organisation already signs people in
    with: a domain leads to one organisation's provider, so it cannot belong to two."""
    taken = {
        domain
        for organisation in organisations
        if organisation.id != except_id
        for domain in organisation.profile.email_domains
    }
    return [d for d in profile.email_domains if d in taken]
