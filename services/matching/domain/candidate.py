"""What matching knows of a programme and of the people enrolled in it (pure: no framework).

Built from the registry's events alone: the programme's terms, each enrolment, each member's
profile as matching needs it and their readiness (mentor training, mentee induction).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.registry import OrganisationPair

CIRCLE_MODELS = frozenset({"peer_circle", "x_market_circle"})


class ParticipantRole(StrEnum):
    """How a member takes part in a programme."""

    MENTOR = "mentor"
    MENTEE = "mentee"
    PEER = "peer"


class Availability(BaseModel):
    """A weekly window in the member's own time zone."""

    model_config = ConfigDict(frozen=True)

    day: str = Field(examples=["tue"])
    start: str = Field(examples=["09:00"])
    end: str = Field(examples=["11:30"])


class MatchingProfile(BaseModel):
    """A member's profile as `member.profile_updated` gives it to matching."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    display_name: str = Field(examples=["Alice Smith"])
    skills: list[str] = Field(default_factory=list, examples=[["service design"]])
    development_goals: list[str] = Field(default_factory=list)
    sector: str | None = Field(default=None, examples=["social care"])
    job_level: str | None = None
    location: str | None = None
    time_zone: str = "UTC"
    languages: list[str] = Field(default_factory=list, examples=[["en"]])
    availability: list[Availability] = Field(default_factory=list)
    meeting_modes: list[str] = Field(default_factory=list, examples=[["video"]])
    mentor_capacity: int = Field(default=0, ge=0, examples=[2])
    line_manager_id: str | None = None
    emcc_level: str | None = None
    mentor_roles: list[str] = Field(default_factory=list, examples=[["guide", "challenger"]])
    emcc_competences: list[str] = Field(
        default_factory=list, examples=[["building_the_relationship"]]
    )
    wanted_mentor_roles: list[str] = Field(default_factory=list, examples=[["challenger"]])
    share_across_organisations: bool = False


class Readiness(BaseModel):
    """Seed 002: mentors need mentor training, mentees (and peers) the induction."""

    model_config = ConfigDict(frozen=True)

    ready_as_mentor: bool = Field(default=False, examples=[True])
    ready_as_mentee: bool = Field(default=False, examples=[False])


class Withheld(BaseModel):
    """A profile that exists but that the viewer may not see: its member, of another
    organisation than the viewer's, has not consented to share it across organisations."""

    model_config = ConfigDict(frozen=True)


class ProgrammeTerms(BaseModel):
    """What matching needs of a programme (from `programme.published` and its status)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    owner_organisation_id: str = Field(examples=["org_3f9a1c2b7d4e"])
    organisations: list[str] = Field(examples=[["org_3f9a1c2b7d4e", "org_0a1b2c3d4e5f"]])
    coordinators: list[str] = Field(examples=[["mem_0c1d2e3f4a5b6c7d"]])
    model: str = Field(examples=["group"])
    max_mentees_per_mentor: int = Field(ge=1, examples=[2])
    status: str = Field(default="open", examples=["open"])
    direction: str = Field(default="conventional", examples=["reverse"])
    reverse_topics: list[str] = Field(default_factory=list, examples=[["digital tools"]])
    organisation_pairs: list[OrganisationPair] = Field(
        default_factory=list,
        examples=[[{"first": "org_3f9a1c2b7d4e", "second": "org_0a1b2c3d4e5f"}]],
        description="organisations mentoring each other (seed 004): people are matched only "
        "across the two of one pair",
    )

    @property
    def crosses_organisations(self) -> bool:
        """More than one organisation takes part: profiles must be shared to be matched."""
        return len({self.owner_organisation_id, *self.organisations}) > 1

    @property
    def is_circle(self) -> bool:
        """Peers in circles rather than mentors with mentees."""
        return self.model in CIRCLE_MODELS

    def is_coordinated_by(self, member_id: str) -> bool:
        """The member is one of the programme's co-ordinators."""
        return member_id in self.coordinators


class Enrolment(BaseModel):
    """A member enrolled in a programme in one role."""

    model_config = ConfigDict(frozen=True)

    programme_id: str
    member_id: str
    organisation_id: str
    role: ParticipantRole


class Candidate(BaseModel):
    """An enrolled member as the pool sees them: in it (`eligible`) or left out, and why."""

    model_config = ConfigDict(frozen=True)

    member_id: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])
    organisation_id: str = Field(examples=["org_3f9a1c2b7d4e"])
    role: ParticipantRole = Field(examples=["mentor"])
    eligible: bool = Field(examples=[True])
    exclusions: list[str] = Field(default_factory=list, examples=[["mentor training not complete"]])
    profile: MatchingProfile | None = Field(
        default=None, description="absent when there is none yet, or it is withheld from you"
    )
    readiness: Readiness | None = None
    capacity: int | None = Field(
        default=None, description="mentors: mentees they can still take in this programme"
    )
