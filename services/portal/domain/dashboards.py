"""The three dashboards — the network's, an organisation's, a programme's — and their filters:
who each is for, which filters it offers, and the filters read from a page's address into the
evaluation service's query (whole months only). Pure: no I/O.

Figures are only ever drawn over whole calendar months: a period of arbitrary days would let
two overlapping periods be subtracted to isolate one day's events (or one person's).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from urllib.parse import urlencode

from pydantic import BaseModel, Field

from services.portal.domain.forms import FormProblems
from services.portal.domain.local_time import day
from services.portal.domain.wording import MODELS, words

_MONTH = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")
_ID = re.compile(r"^[A-Za-z0-9_:.-]{1,120}$")


class Audience(StrEnum):
    """Who a dashboard is for."""

    NETWORK = "network"
    ORGANISATION = "organisation"
    PROGRAMME = "programme"


TITLES = {
    Audience.NETWORK: "Network outcomes",
    Audience.ORGANISATION: "Our organisation's outcomes",
    Audience.PROGRAMME: "Programme outcomes",
}
LEADS = {
    Audience.NETWORK: "Pooled across the network's organisations, a row per organisation.",
    Audience.ORGANISATION: "Your organisation's people and the relationships they are in, "
    "a row per programme.",
    Audience.PROGRAMME: "A programme you co-ordinate, a row per organisation taking part.",
}
# Who may open each (the evaluation service decides; these only choose what the portal offers).
ROLES = {
    Audience.NETWORK: "network_coordinator",
    Audience.ORGANISATION: "organisation_admin",
    Audience.PROGRAMME: "programme_coordinator",
}
# The filters each dashboard offers, in the order of its form.
FILTERS = {
    Audience.NETWORK: ("organisation_id", "programme_id", "since", "until", "rows"),
    Audience.ORGANISATION: ("programme_id", "since", "until"),
    Audience.PROGRAMME: ("programme_id", "organisation_id", "since", "until", "rows"),
}
# What the rows of the network's and a programme's tables are (seed 004: organisations
# mentoring each other are read a row per pair); '' is the evaluation service's default.
ROWS = {"": "One per organisation", "organisation_pair": "One per organisation pair"}


def dashboards_for(roles: frozenset[str]) -> list[Audience]:
    """The dashboards to offer someone with these roles."""
    return [audience for audience in Audience if ROLES[audience] in roles]


@dataclass(frozen=True)
class Filters:
    """A dashboard's filters as typed: ids chosen from lists, months as YYYY-MM."""

    organisation_id: str = ""
    programme_id: str = ""
    since: str = ""
    until: str = ""
    rows: str = ""

    def query(self, audience: Audience) -> str:
        """The page's own query string ('' for none), for links that keep the filters."""
        pairs = [(n, getattr(self, n)) for n in FILTERS[audience] if getattr(self, n)]
        return f"?{urlencode(pairs)}" if pairs else ""

    def service_params(self, audience: Audience) -> list[tuple[str, str]]:
        """The evaluation service's query: months widened to their first and last days; the
        programme dashboard's programme is in its path, not its query."""
        params: list[tuple[str, str]] = []
        for name in FILTERS[audience]:
            typed = getattr(self, name)
            if not typed or (audience is Audience.PROGRAMME and name == "programme_id"):
                continue
            if name == "since":
                typed = _first_day(typed).isoformat()
            elif name == "until":
                typed = _last_day(typed).isoformat()
            params.append((name, typed))
        return params

    @property
    def any(self) -> bool:
        """Some filter is set."""
        return bool(
            self.organisation_id or self.programme_id or self.since or self.until or self.rows
        )


def _year_month(text: str) -> tuple[int, int] | None:
    found = _MONTH.match(text)
    if not found:
        return None
    year, month = int(found.group(1)), int(found.group(2))
    return (year, month) if 1 <= month <= 12 and 1900 <= year <= 2999 else None


def _first_day(text: str) -> date:
    year, month = _year_month(text) or (1900, 1)
    return date(year, month, 1)


def _last_day(text: str) -> date:
    year, month = _year_month(text) or (2999, 12)
    return date(year, month, calendar.monthrange(year, month)[1])


def filters_from_query(
    audience: Audience, query: Mapping[str, str]
) -> tuple[Filters, FormProblems]:
    """A page's filters from its address, and what is wrong with them (each beside its
    field). Filters the dashboard does not offer are ignored; a day is read as its month."""
    typed = {n: (query.get(n) or "").strip()[:120] for n in FILTERS[audience]}
    problems: dict[str, str] = {}
    for name in ("organisation_id", "programme_id"):
        if typed.get(name) and not _ID.match(typed[name]):
            problems[name] = "Choose one from the list."
    if typed.get("rows", "") not in ROWS:
        problems["rows"] = "Choose one from the list."
    for name in ("since", "until"):
        value = typed.get(name, "")
        if value:
            parsed = _year_month(value)
            if parsed is None:
                problems[name] = "Give a month as year and month, like 2027-01."
            else:
                typed[name] = f"{parsed[0]:04d}-{parsed[1]:02d}"
    filters = Filters(**typed)
    if (
        "since" not in problems
        and "until" not in problems
        and filters.since
        and filters.until
        and filters.since > filters.until
    ):
        problems["until"] = "This month is before the first one: swap them."
    return filters, FormProblems(problems)


class FigureProgramme(BaseModel):
    """A programme whose figures the person may see or filter by (the evaluation service
    knows no names: the registry names those of the person's own organisation)."""

    id: str
    model: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    status: str | None = None
    owner_organisation_id: str | None = None
    organisations: list[str] = Field(default_factory=list)


class NamedProgramme(BaseModel):
    """A programme as the registry shows it to the people of the organisations taking part
    (only its name and co-ordinators are read here)."""

    class Design(BaseModel):
        """Its design: only the name."""

        name: str

    id: str
    design: Design
    coordinators: list[str] = Field(default_factory=list)


class DirectoryEntry(BaseModel):
    """An organisation of the network's directory (only its name is read here)."""

    class Profile(BaseModel):
        """Its public profile: only the name."""

        name: str

    id: str
    profile: Profile


@dataclass(frozen=True)
class Choice:
    """An option of a filter's list."""

    value: str
    label: str


def programme_label(programme: FigureProgramme, names: Mapping[str, str]) -> str:
    """A programme in words: its name where the registry gave it; else its kind and dates,
    with its reference (nothing else tells two unnamed programmes apart)."""
    if programme.id in names:
        return names[programme.id]
    kind = words(MODELS, programme.model) if programme.model else "A programme"
    when = ""
    if programme.starts_on and programme.ends_on:
        when = f", {day(programme.starts_on)} to {day(programme.ends_on)}"
    return f"{kind}{when} ({programme.id})"


def programme_choices(
    programmes: Sequence[FigureProgramme], names: Mapping[str, str]
) -> list[Choice]:
    """The programme filter's options, named ones first, A to Z."""
    choices = [Choice(p.id, programme_label(p, names)) for p in programmes]
    return sorted(choices, key=lambda c: (c.value not in names, c.label.casefold()))


def organisation_choices(
    organisations: Sequence[DirectoryEntry], only: Sequence[str] = ()
) -> list[Choice]:
    """The organisation filter's options, A to Z (only those in `only`, when given)."""
    kept = [o for o in organisations if not only or o.id in only]
    return sorted((Choice(o.id, o.profile.name) for o in kept), key=lambda c: c.label.casefold())


def default_programme(
    filters: Filters,
    programmes: Sequence[FigureProgramme],
    registry: Sequence[NamedProgramme],
    member_id: str,
) -> Filters:
    """The programme dashboard's programme: the one chosen, else the first the person
    co-ordinates (as the registry says), else the first they may list."""
    if filters.programme_id or not programmes:
        return filters
    listed = {p.id for p in programmes}
    mine = [p.id for p in registry if member_id in p.coordinators and p.id in listed]
    return replace(filters, programme_id=mine[0] if mine else programmes[0].id)
