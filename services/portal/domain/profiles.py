"""A member's own record and profile as the portal reads and writes them (the registry's
profile: what matching needs, seed 003's five Cs and seed 002's readiness), and the profile
form: what was typed, kept as typed, and the profile it makes. Pure: no I/O.

Readiness is not the member's to declare: seed 002 ("Mentoring: Supporting and Promoting
Professional Development and Learning") makes mentor training and mentee induction mandatory
before matching, provided by the programme; the form never changes their dates.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from services.portal.domain.forms import FormProblems, first, text_lines
from services.portal.domain.time_zones import is_zone
from services.portal.domain.wording import (
    EMCC_COMPETENCES,
    JOB_LEVELS,
    MEETING_MODES,
    MENTOR_ROLES,
    WEEKDAYS,
)


class MemberRecord(BaseModel):
    """Who the member is to the registry."""

    id: str
    organisation_id: str
    email: str | None = None
    name: str | None = None
    roles: list[str] = Field(default_factory=list)


class Availability(BaseModel):
    """A weekly window."""

    day: str
    start: str
    end: str


class Profile(BaseModel):
    """The member's profile, every field the registry keeps."""

    display_name: str
    skills: list[str] = Field(default_factory=list)
    development_goals: list[str] = Field(default_factory=list)
    sector: str | None = None
    job_level: str | None = None
    location: str | None = None
    time_zone: str = "UTC"
    languages: list[str] = Field(default_factory=lambda: ["en"])
    availability: list[Availability] = Field(default_factory=list)
    meeting_modes: list[str] = Field(default_factory=lambda: ["video"])
    mentor_capacity: int = 0
    line_manager_id: str | None = None
    mentor_training_completed_on: date | None = None
    mentee_induction_completed_on: date | None = None
    emcc_level: str | None = None
    mentor_roles: list[str] = Field(default_factory=list)
    emcc_competences: list[str] = Field(default_factory=list)
    wanted_mentor_roles: list[str] = Field(default_factory=list)
    share_across_organisations: bool = False


# The form's fields, as a service refusal names them (`availability.0.end` → availability).
FIELDS = (
    "display_name",
    "skills",
    "development_goals",
    "sector",
    "job_level",
    "location",
    "time_zone",
    "languages",
    "meeting_modes",
    "mentor_capacity",
    "availability",
    "mentor_roles",
    "emcc_competences",
    "wanted_mentor_roles",
    "share_across_organisations",
)
MOST_WANTED_ROLES = 3
# Rows of weekly windows the form offers: the member's own, one spare, at least this many.
WINDOW_ROWS = 3
MAX_WINDOWS = 21
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_LANGUAGE = re.compile(r"^([a-z]{2,3})(?:-([a-z]{2}))?$", re.IGNORECASE)


@dataclass(frozen=True)
class WindowDraft:
    """One row of weekly availability as typed."""

    day: str = ""
    start: str = ""
    end: str = ""

    @property
    def blank(self) -> bool:
        """Nothing typed in the row."""
        return not (self.day or self.start or self.end)


@dataclass(frozen=True)
class ProfileDraft:
    """The profile form's values as the person typed them (shown again on a problem)."""

    display_name: str = ""
    skills: str = ""
    development_goals: str = ""
    sector: str = ""
    job_level: str = ""
    location: str = ""
    time_zone: str = "UTC"
    other_zone: str = ""
    languages: str = "en"
    meeting_modes: tuple[str, ...] = ("video",)
    mentor_capacity: str = "0"
    availability: tuple[WindowDraft, ...] = field(default_factory=tuple)
    mentor_roles: tuple[str, ...] = ()
    emcc_competences: tuple[str, ...] = ()
    wanted_mentor_roles: tuple[str, ...] = ()
    share_across_organisations: bool = False

    @property
    def window_rows(self) -> list[WindowDraft]:
        """The rows the form shows: every typed window and at least one spare."""
        rows = [w for w in self.availability if not w.blank]
        spare = max(WINDOW_ROWS - len(rows), 1)
        return (rows + [WindowDraft()] * spare)[: max(MAX_WINDOWS, len(rows))]


def draft_of(profile: Profile | None, name: str, zone: str) -> ProfileDraft:
    """The form for a stored profile, or a first one with the name and zone known so far."""
    if profile is None:
        return ProfileDraft(display_name=name, time_zone=zone if is_zone(zone) else "UTC")
    return ProfileDraft(
        display_name=profile.display_name,
        skills="\n".join(profile.skills),
        development_goals="\n".join(profile.development_goals),
        sector=profile.sector or "",
        job_level=profile.job_level or "",
        location=profile.location or "",
        time_zone=profile.time_zone,
        languages=", ".join(profile.languages),
        meeting_modes=tuple(profile.meeting_modes),
        mentor_capacity=str(profile.mentor_capacity),
        availability=tuple(WindowDraft(w.day, w.start, w.end) for w in profile.availability),
        mentor_roles=tuple(profile.mentor_roles),
        emcc_competences=tuple(profile.emcc_competences),
        wanted_mentor_roles=tuple(profile.wanted_mentor_roles),
        share_across_organisations=profile.share_across_organisations,
    )


def draft_from_form(form: Mapping[str, Sequence[str]]) -> ProfileDraft:
    """What the form posted, as typed (rows of availability paired up by position)."""
    days, starts, ends = (
        list(form.get(n, [])) for n in ("window_day", "window_start", "window_end")
    )
    rows = max(len(days), len(starts), len(ends))
    windows = tuple(
        WindowDraft(*(_at(values, n) for values in (days, starts, ends))) for n in range(rows)
    )
    return ProfileDraft(
        display_name=first(form, "display_name"),
        skills=_text(form, "skills"),
        development_goals=_text(form, "development_goals"),
        sector=first(form, "sector"),
        job_level=first(form, "job_level"),
        location=first(form, "location"),
        time_zone=first(form, "time_zone"),
        other_zone=first(form, "other_zone"),
        languages=first(form, "languages"),
        meeting_modes=tuple(v for v in form.get("meeting_modes", []) if v),
        mentor_capacity=first(form, "mentor_capacity"),
        availability=windows[:MAX_WINDOWS],
        mentor_roles=_ticked(form, "mentor_roles"),
        emcc_competences=_ticked(form, "emcc_competences"),
        wanted_mentor_roles=_ticked(form, "wanted_mentor_roles"),
        share_across_organisations=first(form, "share_across_organisations") == "yes",
    )


def profile_from_form(
    form: Mapping[str, Sequence[str]], current: Profile | None
) -> tuple[ProfileDraft, dict[str, Any], FormProblems]:
    """The draft as typed, the profile it describes as the registry takes it, and each problem
    beside its field. What the form does not show (line manager, training and induction dates,
    EMCC level) is kept as it was."""
    draft = draft_from_form(form)
    body, problems = profile_body(draft, current)
    return draft, body, problems


def profile_body(
    draft: ProfileDraft, current: Profile | None
) -> tuple[dict[str, Any], FormProblems]:
    """The registry's profile from a draft, and what must be put right first."""
    problems: dict[str, str] = {}
    name = " ".join(draft.display_name.split())
    if not name:
        problems["display_name"] = "give the name people will know you by"
    elif len(name) > 80:
        problems["display_name"] = "at most 80 characters"
    skills = _listed(draft.skills, "skills", 30, 50, problems)
    goals = _listed(draft.development_goals, "development_goals", 10, 200, problems)
    sector = " ".join(draft.sector.split())
    if sector and not 2 <= len(sector) <= 60:
        problems["sector"] = "between 2 and 60 characters, like social care"
    if draft.job_level and draft.job_level not in JOB_LEVELS:
        problems["job_level"] = "choose one of the levels listed"
    if len(draft.location) > 100:
        problems["location"] = "at most 100 characters"
    zone = _zone(draft, problems)
    languages = _languages(draft.languages, problems)
    modes = [m for m in MEETING_MODES if m in draft.meeting_modes]
    if not modes or len(modes) != len(set(draft.meeting_modes)):
        problems["meeting_modes"] = "choose at least one way you can meet"
    capacity = draft.mentor_capacity.strip() or "0"
    if not capacity.isdigit() or not 0 <= int(capacity) <= 10:
        problems["mentor_capacity"] = "a whole number from 0 (not mentoring) to 10"
    windows = _windows(draft.availability, problems)
    roles = _chosen(draft.mentor_roles, MENTOR_ROLES, "mentor_roles", problems)
    competences = _chosen(draft.emcc_competences, EMCC_COMPETENCES, "emcc_competences", problems)
    wanted = _chosen(draft.wanted_mentor_roles, MENTOR_ROLES, "wanted_mentor_roles", problems)
    if len(wanted) > MOST_WANTED_ROLES:
        problems["wanted_mentor_roles"] = (
            f"choose at most {MOST_WANTED_ROLES} roles, the ones that matter most to you"
        )
    kept = current.model_dump(mode="json") if current else {}
    body = {
        **kept,
        "display_name": name,
        "skills": skills,
        "development_goals": goals,
        "sector": sector or None,
        "job_level": draft.job_level or None,
        "location": draft.location.strip() or None,
        "time_zone": zone,
        "languages": languages,
        "meeting_modes": modes,
        "mentor_capacity": int(capacity) if capacity.isdigit() else 0,
        "availability": windows,
        "mentor_roles": roles,
        "emcc_competences": competences,
        "wanted_mentor_roles": wanted,
        "share_across_organisations": draft.share_across_organisations,
    }
    message = "Please correct the fields marked below." if problems else None
    return body, FormProblems(problems, message)


def _at(values: list[str], n: int) -> str:
    return values[n].strip() if n < len(values) else ""


def _text(form: Mapping[str, Sequence[str]], name: str) -> str:
    values = form.get(name) or []
    return values[0] if values else ""


def _ticked(form: Mapping[str, Sequence[str]], name: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in form.get(name, []) if v))


def _chosen(
    ticked: Sequence[str], offered: Mapping[str, str], name: str, problems: dict[str, str]
) -> list[str]:
    """The ticked codes in the order offered; a code not offered is a problem beside its field."""
    if any(code not in offered for code in ticked):
        problems[name] = "choose from the ones listed"
    return [code for code in offered if code in ticked]


def _listed(text: str, name: str, most: int, longest: int, problems: dict[str, str]) -> list[str]:
    """A textarea's lines, each once (the first spelling kept), within the registry's limits."""
    seen: dict[str, str] = {}
    for line in text_lines(text):
        seen.setdefault(line.casefold(), line)
    items = list(seen.values())
    too_long = [i for i in items if len(i) > longest]
    if too_long:
        problems[name] = f"each line is at most {longest} characters: shorten “{too_long[0]}”"
    elif len(items) > most:
        problems[name] = f"at most {most} lines, not {len(items)}"
    return items


def _zone(draft: ProfileDraft, problems: dict[str, str]) -> str:
    if draft.other_zone:
        if is_zone(draft.other_zone):
            return draft.other_zone
        problems["other_zone"] = (
            f"“{draft.other_zone}” is not a time zone we know: type its name like "
            "America/Argentina/Salta, or choose one from the list"
        )
        return draft.time_zone or "UTC"
    if not is_zone(draft.time_zone):
        problems["time_zone"] = "choose your time zone from the list"
    return draft.time_zone


def _languages(text: str, problems: dict[str, str]) -> list[str]:
    codes: list[str] = []
    for token in re.split(r"[,\s;]+", text.strip()):
        if not token:
            continue
        found = _LANGUAGE.match(token)
        if found is None:
            problems["languages"] = f"“{token}” is not a language code: use codes like en, mi, cy"
            continue
        language, region = found.groups()
        code = language.lower() + (f"-{region.upper()}" if region else "")
        if code not in codes:
            codes.append(code)
    if not codes and "languages" not in problems:
        problems["languages"] = "name at least one language you can mentor in, like en"
    if len(codes) > 10:
        problems["languages"] = "at most 10 languages"
    return codes


def _windows(rows: Sequence[WindowDraft], problems: dict[str, str]) -> list[dict[str, str]]:
    windows: list[dict[str, str]] = []
    for n, row in enumerate(rows, start=1):
        if row.blank:
            continue
        key = f"window_{n}"
        if row.day not in WEEKDAYS or not _TIME.match(row.start) or not _TIME.match(row.end):
            problems[key] = "give the day, the time it starts and the time it ends"
        elif row.end <= row.start:
            problems[key] = "the window must end after it starts"
        else:
            windows.append({"day": row.day, "start": row.start, "end": row.end})
    if any(k.startswith("window_") for k in problems):
        problems.setdefault("availability", "put right the windows marked below")
    return windows
