"""A member's profile: what matching needs to suggest good pairs and circles.

Seed 003 (the five Cs) and seed 002 (selection criteria; mentor training and mentee induction
are mandatory before matching) decide the fields. Every field is validated, with errors a
person can act on.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Self
from zoneinfo import available_timezones

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_TIME_ZONES = frozenset(available_timezones())
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Z]{2})?")


class MeetingMode(StrEnum):
    """How a pair can meet (seed 002: face-to-face, telephone, e-mentoring)."""

    FACE_TO_FACE = "face_to_face"
    TELEPHONE = "telephone"
    VIDEO = "video"
    MESSAGING = "messaging"


class JobLevel(StrEnum):
    """Seniority, for the 'challenge' of seed 003 (a useful gap, not too wide)."""

    ENTRY = "entry"
    PRACTITIONER = "practitioner"
    SENIOR = "senior"
    MANAGER = "manager"
    DIRECTOR = "director"
    EXECUTIVE = "executive"


class EmccLevel(StrEnum):
    """European Mentoring and Coaching Council levels (seed 003)."""

    FOUNDATION = "foundation"
    PRACTITIONER = "practitioner"
    SENIOR_PRACTITIONER = "senior_practitioner"
    MASTER_PRACTITIONER = "master_practitioner"


class MentorRole(StrEnum):
    """The roles a mentor takes (seed 003, the NIHR guide 'Before embarking on a mentoring
    relationship', "What are the different roles of the mentor?")."""

    GUIDE = "guide"
    CONFIDANT = "confidant"
    PROFESSIONAL_FRIEND = "professional_friend"
    SOUNDING_BOARD = "sounding_board"
    CHALLENGER = "challenger"
    PERFORMANCE_COACH = "performance_coach"
    REFLECTOR = "reflector"
    ROLE_MODEL = "role_model"


class EmccCompetence(StrEnum):
    """The eight EMCC competence categories (seed 003, "Introduction to the EMCC Global mentor
    competency framework")."""

    UNDERSTANDING_SELF = "understanding_self"
    COMMITMENT_TO_SELF_DEVELOPMENT = "commitment_to_self_development"
    MANAGING_THE_CONTRACT = "managing_the_contract"
    BUILDING_THE_RELATIONSHIP = "building_the_relationship"
    ENABLING_INSIGHT_AND_LEARNING = "enabling_insight_and_learning"
    OUTCOME_AND_ACTION_ORIENTATION = "outcome_and_action_orientation"
    USE_OF_MODELS_AND_TECHNIQUES = "use_of_models_and_techniques"
    EVALUATION = "evaluation"


class Weekday(StrEnum):
    """Days of the week."""

    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


class AvailabilitySlot(BaseModel):
    """A weekly window, in the member's own time zone."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    day: Weekday = Field(examples=["tue"])
    start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", examples=["09:00"])
    end: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$", examples=["11:30"])

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end <= self.start:
            raise ValueError(f"the slot on {self.day} ends ({self.end}) before it starts")
        return self


def _cleaned_list(values: list[str], what: str, max_length: int) -> list[str]:
    cleaned = [" ".join(v.split()) for v in values]
    if any(not v for v in cleaned):
        raise ValueError(f"{what} must not be blank")
    if any(len(v) > max_length for v in cleaned):
        raise ValueError(f"each of the {what} is at most {max_length} characters")
    if len({v.casefold() for v in cleaned}) != len(cleaned):
        raise ValueError(f"{what} are listed twice")
    return cleaned


class Profile(BaseModel):
    """What a member says about themselves."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    display_name: str = Field(min_length=1, max_length=80, examples=["Alice Smith"])
    skills: list[str] = Field(
        default_factory=list, max_length=30, examples=[["service design", "safeguarding"]]
    )
    development_goals: list[str] = Field(
        default_factory=list, max_length=10, examples=[["lead a team through change"]]
    )
    sector: str | None = Field(default=None, min_length=2, max_length=60, examples=["social care"])
    job_level: JobLevel | None = Field(default=None, examples=["senior"])
    location: str | None = Field(default=None, max_length=100, examples=["Leeds, UK"])
    time_zone: str = Field(default="UTC", examples=["Europe/London"])
    languages: list[str] = Field(
        default_factory=lambda: ["en"], min_length=1, max_length=10, examples=[["en", "cy"]]
    )
    availability: list[AvailabilitySlot] = Field(default_factory=list, max_length=21)
    meeting_modes: list[MeetingMode] = Field(
        default_factory=lambda: [MeetingMode.VIDEO],
        min_length=1,
        examples=[["video", "face_to_face"]],
    )
    mentor_capacity: int = Field(
        default=0, ge=0, le=10, description="how many mentees at once (0: not a mentor)"
    )
    line_manager_id: str | None = Field(
        default=None,
        pattern=r"^mem_[a-z0-9]{16}$",
        description="never matched with their line manager",
    )
    mentor_training_completed_on: date | None = Field(default=None, examples=["2026-09-14"])
    mentee_induction_completed_on: date | None = Field(default=None, examples=["2026-09-21"])
    emcc_level: EmccLevel | None = Field(default=None, examples=["practitioner"])
    mentor_roles: list[MentorRole] = Field(
        default_factory=list,
        description="as a mentor: the roles they take (seed 003)",
        examples=[["guide", "challenger"]],
    )
    emcc_competences: list[EmccCompetence] = Field(
        default_factory=list,
        description="as a mentor: the EMCC competence categories they have developed (seed 003)",
        examples=[["building_the_relationship", "enabling_insight_and_learning"]],
    )
    wanted_mentor_roles: list[MentorRole] = Field(
        default_factory=list,
        max_length=3,
        description="as a mentee: the roles they ask of a mentor (at most three); matching "
        "scores them under care",
        examples=[["challenger"]],
    )
    share_across_organisations: bool = Field(
        default=False,
        description="consent: other organisations' members and matching may see the shared "
        "part of this profile (name, skills, sector, goals summary, organisation)",
    )

    @field_validator("skills")
    @classmethod
    def _skills(cls, value: list[str]) -> list[str]:
        return _cleaned_list(value, "skills", 50)

    @field_validator("development_goals")
    @classmethod
    def _goals(cls, value: list[str]) -> list[str]:
        return _cleaned_list(value, "development goals", 200)

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        if value not in _TIME_ZONES:
            raise ValueError(f"{value!r} is not an IANA time zone (e.g. Europe/London)")
        return value

    @field_validator("languages")
    @classmethod
    def _languages(cls, value: list[str]) -> list[str]:
        for code in value:
            if not _LANGUAGE.fullmatch(code):
                raise ValueError(f"{code!r} is not a language code (e.g. en, mi, pt-BR)")
        if len(set(value)) != len(value):
            raise ValueError("languages are listed twice")
        return value

    @field_validator("meeting_modes")
    @classmethod
    def _modes(cls, value: list[MeetingMode]) -> list[MeetingMode]:
        if len(set(value)) != len(value):
            raise ValueError("meeting modes are listed twice")
        return value

    @field_validator("mentor_roles", "emcc_competences", "wanted_mentor_roles")
    @classmethod
    def _once_each(cls, value: list[StrEnum]) -> list[StrEnum]:
        if len(set(value)) != len(value):
            raise ValueError("a role or competence is listed twice")
        return value

    @field_validator("mentor_training_completed_on", "mentee_induction_completed_on")
    @classmethod
    def _not_future(cls, value: date | None) -> date | None:
        if value is not None and value > date.today():
            raise ValueError("a completion date cannot be in the future")
        return value

    def check_for(self, member_id: str) -> None:
        """Rules that need to know whose profile it is."""
        if self.line_manager_id == member_id:
            raise ValueError("you cannot be your own line manager")

    @property
    def ready_as_mentor(self) -> bool:
        """Seed 002: a mentor is matched only after mentor training."""
        return self.mentor_training_completed_on is not None

    @property
    def ready_as_mentee(self) -> bool:
        """Seed 002: a mentee is matched only after the induction."""
        return self.mentee_induction_completed_on is not None


# What the organisation records of a member (its admin or HR system, by import), never the
# member: mentor training, the mentee induction (seed 002: mandatory before matching) and the
# EMCC accreditation. A member's own profile write keeps the organisation's values.
ORGANISATION_FIELDS = (
    "mentor_training_completed_on",
    "mentee_induction_completed_on",
    "emcc_level",
)


def with_organisation_record(written: Profile, before: Profile | None) -> Profile:
    """The profile a member wrote, with the organisation's record of their training and
    accreditation as it was (none yet, for a first profile): not self-certified."""
    kept = {f: getattr(before, f) if before else None for f in ORGANISATION_FIELDS}
    return written.model_copy(update=kept)


class SharedProfile(BaseModel):
    """The shape another organisation's member may see, and only with consent."""

    member_id: str
    organisation_id: str
    display_name: str
    skills: list[str]
    sector: str | None
    goals_summary: str = Field(description="the development goals, joined and shortened")


def shared_view(member_id: str, organisation_id: str, profile: Profile) -> SharedProfile:
    """What crosses an organisation's border, when the member consented."""
    summary = "; ".join(profile.development_goals)
    return SharedProfile(
        member_id=member_id,
        organisation_id=organisation_id,
        display_name=profile.display_name,
        skills=profile.skills,
        sector=profile.sector,
        goals_summary=summary if len(summary) <= 200 else summary[:197] + "...",
    )


class PersonCard(BaseModel):
    """How one person is named to a caller: only what that caller may see (a page's names)."""

    member_id: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])
    organisation_id: str = Field(examples=["org_3f9a1c2b7d4e"])
    organisation_name: str | None = Field(default=None, examples=["Northshore Care Trust"])
    display_name: str | None = Field(
        default=None,
        description="none when the caller may not see it (another organisation's member who "
        "has not consented to share their profile, or someone unknown)",
        examples=["Aroha Ngata"],
    )
    former_member: bool = Field(default=False, description="erased: left the network")


def card_for(
    caller_organisation: str,
    member_id: str,
    organisation_id: str,
    organisation_name: str | None,
    record: dict[str, object] | None,
) -> PersonCard:
    """A person as the caller may see them: in full within their own organisation, across
    organisations only by the member's consent, and an erased member as a former member."""
    card = PersonCard(
        member_id=member_id, organisation_id=organisation_id, organisation_name=organisation_name
    )
    if record is None:
        return card
    if record.get("erased_at") is not None:
        return card.model_copy(update={"former_member": True})
    raw = record.get("profile")
    profile = Profile.model_validate(raw) if isinstance(raw, dict) else None
    if organisation_id != caller_organisation:
        shared = profile.display_name if profile and profile.share_across_organisations else None
        return card.model_copy(update={"display_name": shared})
    name = profile.display_name if profile else record.get("name")
    return card.model_copy(update={"display_name": name if isinstance(name, str) else None})
