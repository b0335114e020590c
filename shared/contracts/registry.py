"""Events the registry publishes (topic `<prefix>.registry`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared.events.catalogue import catalogue
from shared.events.envelope import EventData
from shared.events.sealing import seal, unseal


@catalogue.register
class OrganisationJoined(EventData):
    """A partner organisation joined the network. Audience: the whole network."""

    event_type: ClassVar[str] = "organisation.joined"
    source: ClassVar[str] = "registry"

    organisation_id: str = Field(examples=["org_3f9a1c2b7d4e"])
    name: str = Field(examples=["Northshore Care Trust"])
    sector: str | None = Field(default=None, examples=["social care"])
    country: str | None = Field(default=None, examples=["GB"])
    joined_at: datetime


@catalogue.register
class OrganisationProfileUpdated(EventData):
    """An organisation's admin changed its profile. Audience: the whole network."""

    event_type: ClassVar[str] = "organisation.profile_updated"
    source: ClassVar[str] = "registry"

    organisation_id: str = Field(examples=["org_3f9a1c2b7d4e"])
    name: str = Field(examples=["Northshore Care Trust"])
    sector: str | None = Field(default=None, examples=["social care"])
    country: str | None = Field(default=None, examples=["GB"])


@catalogue.register
class MemberRegistered(EventData):
    """Someone signed in through their organisation's provider for the first time, or was
    imported by their organisation's HR system (bulk import)."""

    event_type: ClassVar[str] = "member.registered"
    source: ClassVar[str] = "registry"

    member_id: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])
    organisation_id: str = Field(examples=["org_3f9a1c2b7d4e"])
    roles: list[str] = Field(examples=[["member"]])
    registered_at: datetime


@catalogue.register
class RoleGranted(EventData):
    """A member was given a role (e.g. programme_coordinator)."""

    event_type: ClassVar[str] = "member.role_granted"
    source: ClassVar[str] = "registry"

    member_id: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])
    organisation_id: str = Field(examples=["org_3f9a1c2b7d4e"])
    role: str = Field(examples=["programme_coordinator"])
    granted_by: str = Field(examples=["mem_0c1d2e3f4a5b6c7d"])


@catalogue.register
class RoleRevoked(EventData):
    """A member lost a role."""

    event_type: ClassVar[str] = "member.role_revoked"
    source: ClassVar[str] = "registry"

    member_id: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])
    organisation_id: str = Field(examples=["org_3f9a1c2b7d4e"])
    role: str = Field(examples=["programme_coordinator"])
    revoked_by: str = Field(examples=["mem_0c1d2e3f4a5b6c7d"])


class AvailabilityWindow(BaseModel):
    """A weekly window in the member's time zone."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    day: str = Field(examples=["tue"])
    start: str = Field(examples=["09:00"])
    end: str = Field(examples=["11:30"])


FORMER_MEMBER = "former member"  # how a member whose data key was destroyed reads


class MemberProfile(BaseModel):
    """What a member's profile tells matching: personal data all of it, so it travels sealed
    under the member's data key inside `member.profile_updated` (never in the clear)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    display_name: str = Field(examples=["Alice Smith"])
    skills: list[str] = Field(examples=[["service design"]])
    development_goals: list[str] = Field(examples=[["lead a team through change"]])
    sector: str | None = Field(default=None, examples=["social care"])
    job_level: str | None = Field(default=None, examples=["senior"])
    location: str | None = Field(default=None, examples=["Leeds, UK"])
    time_zone: str = Field(examples=["Europe/London"])
    languages: list[str] = Field(examples=[["en"]])
    availability: list[AvailabilityWindow] = Field(default_factory=list)
    meeting_modes: list[str] = Field(examples=[["video"]])
    mentor_capacity: int = Field(ge=0, examples=[2])
    line_manager_id: str | None = Field(default=None, examples=["mem_0c1d2e3f4a5b6c7d"])
    emcc_level: str | None = Field(default=None, examples=["practitioner"])
    mentor_roles: list[str] = Field(default_factory=list, examples=[["guide", "challenger"]])
    emcc_competences: list[str] = Field(
        default_factory=list, examples=[["building_the_relationship"]]
    )
    wanted_mentor_roles: list[str] = Field(default_factory=list, examples=[["challenger"]])
    share_across_organisations: bool = Field(examples=[True])

    @classmethod
    def former(cls) -> MemberProfile:
        """How a profile reads once its member's key is destroyed: a former member, with
        nothing else, sharing nothing and mentoring nobody."""
        return cls(
            display_name=FORMER_MEMBER,
            skills=[],
            development_goals=[],
            time_zone="UTC",
            languages=[],
            meeting_modes=[],
            mentor_capacity=0,
            share_across_organisations=False,
        )


@catalogue.register
class MemberProfileUpdated(EventData):
    """A member changed their profile. Only the ids travel in the clear; the profile itself
    (`MemberProfile`: what matching needs, never free text beyond skills and goals) is
    `sealed` under the member's data key from `<prefix>.registry.keys`
    (`shared.contracts.member_keys`), which the registry destroys when the member is erased.
    Matching keeps the opened profile in the member's organisation's database and shows other
    organisations only the shared part, only with `share_across_organisations`."""

    event_type: ClassVar[str] = "member.profile_updated"
    event_version: ClassVar[int] = 2
    source: ClassVar[str] = "registry"

    member_id: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])
    organisation_id: str = Field(examples=["org_3f9a1c2b7d4e"])
    sealed: str = Field(
        description="the MemberProfile as JSON, sealed with AES-256-GCM under the member's "
        "data key: URL-safe base64 of nonce, ciphertext and tag (shared/events/sealing.py)"
    )

    @classmethod
    def of(
        cls, member_id: str, organisation_id: str, profile: MemberProfile, key: bytes
    ) -> MemberProfileUpdated:
        """The event announcing `profile`, sealed under the member's data key."""
        plaintext = profile.model_dump_json().encode()
        sealed = seal(key, plaintext, _context(member_id, organisation_id))
        return cls(member_id=member_id, organisation_id=organisation_id, sealed=sealed)

    def opened(self, key: bytes | None) -> MemberProfile:
        """The profile inside, or the former member's when the key is destroyed (None).
        SealError when it does not open under a key that exists (a bug or tampering)."""
        if key is None:
            return MemberProfile.former()
        plaintext = unseal(key, self.sealed, _context(self.member_id, self.organisation_id))
        return MemberProfile.model_validate_json(plaintext)


def _context(member_id: str, organisation_id: str) -> bytes:
    """What a sealed profile is bound to: its event type and version, and whose it is."""
    event = MemberProfileUpdated
    return f"{event.event_type}/{event.event_version}/{organisation_id}/{member_id}".encode()


@catalogue.register
class MemberReadinessChanged(EventData):
    """A member became (or stopped being) ready to be matched: mentor training done, mentee
    induction done (seed 002 makes both mandatory)."""

    event_type: ClassVar[str] = "member.readiness_changed"
    source: ClassVar[str] = "registry"

    member_id: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])
    organisation_id: str = Field(examples=["org_3f9a1c2b7d4e"])
    ready_as_mentor: bool = Field(examples=[True])
    ready_as_mentee: bool = Field(examples=[False])


@catalogue.register
class MemberErased(EventData):
    """A member asked to be erased: every service removes what it holds about them."""

    event_type: ClassVar[str] = "member.erased"
    source: ClassVar[str] = "registry"

    member_id: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])
    organisation_id: str = Field(examples=["org_3f9a1c2b7d4e"])
    erased_at: datetime


class OrganisationPair(BaseModel):
    """Two organisations of a programme mentoring each other (seed 004, "organisations
    mentoring each other"): people are matched across the two. Two fields, not a list: the
    MongoDB-wire server stores no array inside an array."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    first: str = Field(examples=["org_3f9a1c2b7d4e"])
    second: str = Field(examples=["org_0a1b2c3d4e5f"])


@catalogue.register
class ProgrammePublished(EventData):
    """A programme opened for enrolment, with what matching needs to know of it."""

    event_type: ClassVar[str] = "programme.published"
    source: ClassVar[str] = "registry"

    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    owner_organisation_id: str = Field(examples=["org_3f9a1c2b7d4e"])
    organisations: list[str] = Field(examples=[["org_3f9a1c2b7d4e", "org_0a1b2c3d4e5f"]])
    coordinators: list[str] = Field(examples=[["mem_0c1d2e3f4a5b6c7d"]])
    model: str = Field(examples=["one_to_one"])
    starts_on: date
    ends_on: date
    meeting_every_days: int = Field(examples=[28])
    min_meeting_minutes: int = Field(examples=[45])
    max_meeting_minutes: int = Field(examples=[90])
    max_mentees_per_mentor: int = Field(examples=[1])
    require_different_sectors: bool = Field(examples=[False])
    self_match: bool = Field(examples=[False])
    direction: str = Field(
        default="conventional",
        description="conventional, reverse or two_way (absent from events before it existed)",
        examples=["reverse"],
    )
    reverse_topics: list[str] = Field(default_factory=list, examples=[["digital tools"]])
    organisation_pairs: list[OrganisationPair] = Field(
        default_factory=list,
        examples=[[{"first": "org_3f9a1c2b7d4e", "second": "org_0a1b2c3d4e5f"}]],
        description="organisations mentoring each other (seed 004): people are matched only "
        "across the two of one pair; empty: no pairing",
    )


@catalogue.register
class ProgrammeStatusChanged(EventData):
    """A programme moved on: open → running → closed."""

    event_type: ClassVar[str] = "programme.status_changed"
    source: ClassVar[str] = "registry"

    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    status: str = Field(examples=["running"])


@catalogue.register
class ProgrammeCoordinatorsChanged(EventData):
    """A programme's co-ordinators changed: someone was added or removed by its co-ordinators
    or its owner's admins, or removed because they lost the role that lets them co-ordinate.
    Carries the whole list as it now is; `revision` only grows, so a reader keeps the
    highest it has seen (and a redelivered `programme.published` does not undo it)."""

    event_type: ClassVar[str] = "programme.coordinators_changed"
    source: ClassVar[str] = "registry"

    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    coordinators: list[str] = Field(examples=[["mem_0c1d2e3f4a5b6c7d"]])
    added: list[str] = Field(default_factory=list, examples=[[]])
    removed: list[str] = Field(default_factory=list, examples=[["mem_4b1f0c9e2d7a6b35"]])
    revision: int = Field(ge=1, examples=[2])


@catalogue.register
class MemberEnrolled(EventData):
    """A member enrolled in a programme as mentor, mentee or peer (readiness was checked)."""

    event_type: ClassVar[str] = "member.enrolled"
    source: ClassVar[str] = "registry"

    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    member_id: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])
    organisation_id: str = Field(examples=["org_3f9a1c2b7d4e"])
    role: str = Field(examples=["mentee"])


@catalogue.register
class CircleJoined(EventData):
    """A peer joined a circle (with consent and the circle's contract accepted)."""

    event_type: ClassVar[str] = "circle.joined"
    source: ClassVar[str] = "registry"

    circle_id: str = Field(examples=["cir_1a2b3c4d5e6f"])
    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    member_id: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])
    organisation_id: str = Field(examples=["org_3f9a1c2b7d4e"])
    size: int = Field(examples=[5])
