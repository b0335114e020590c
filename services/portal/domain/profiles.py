"""A member's own record and profile as the portal reads and writes them (the registry's
profile: what matching needs, seed 003's five Cs and seed 002's readiness). Pure: no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from pydantic import BaseModel, Field


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
    share_across_organisations: bool = False


def lines(text: str) -> list[str]:
    """A textarea's non-empty lines, tidied (one skill or goal per line)."""
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def profile_from_form(form: Mapping[str, Sequence[str]], current: Profile | None) -> dict[str, Any]:
    """The profile a form describes, as the registry takes it; what the form does not show
    (availability, line manager, training dates, EMCC level) is kept as it was."""

    def one(name: str) -> str:
        values = form.get(name, [])
        return values[0].strip() if values else ""

    kept = current.model_dump(mode="json") if current else {}
    capacity = one("mentor_capacity")
    return {
        **kept,
        "display_name": one("display_name"),
        "skills": lines(one("skills")),
        "development_goals": lines(one("development_goals")),
        "sector": one("sector") or None,
        "job_level": one("job_level") or None,
        "location": one("location") or None,
        "time_zone": one("time_zone") or "UTC",
        "languages": [x.strip() for x in one("languages").split(",") if x.strip()] or ["en"],
        "meeting_modes": list(form.get("meeting_modes", [])) or ["video"],
        "mentor_capacity": int(capacity) if capacity.isdigit() else capacity,
        "share_across_organisations": one("share_across_organisations") == "yes",
    }
