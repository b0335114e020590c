"""Mentoring relationships and their agreements: the rules (seed 002, Resources 5 and 17).

A relationship moves forwards through the lifecycle of Resource 17, by either party's action;
either party can end it early, without blame, with a reason code and an optional rematch
request. Its agreement is a series of versions: drafting inserts a new version, each party
signs the latest version, and the version is in force once every party signed. Changing a
signed agreement is drafting a new version, which needs every signature again; old versions
stay as they were.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.errors import ConflictError, DomainError

Topic = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class Phase(StrEnum):
    """The mentoring lifecycle (Clutterbuck and Lane, as seed 002 adapts it), in order."""

    BUILDING_RAPPORT = "building_rapport"
    SETTING_DIRECTION = "setting_direction"
    PROGRESSION = "progression"
    WINDING_UP = "winding_up"
    MOVING_ON = "moving_on"


PHASES: tuple[Phase, ...] = tuple(Phase)


class Status(StrEnum):
    """Whether the relationship still runs."""

    ACTIVE = "active"
    ENDED = "ended"


class Side(StrEnum):
    """Which side of a relationship someone is on."""

    MENTEE = "mentee"
    MENTOR = "mentor"


class Direction(StrEnum):
    """In two-way mentoring (seed 004, the AcceleratePerformance article "Mentoring - How?,
    Who?, Where?": knowledge that "will begin to flow both ways"), which way the mentoring of a
    meeting or a goal went: the relationship's mentor mentoring its mentee, the other way
    round, or both in one meeting."""

    MENTOR_TO_MENTEE = "mentor_to_mentee"
    MENTEE_TO_MENTOR = "mentee_to_mentor"
    BOTH = "both"


class EndReason(StrEnum):
    """Why a relationship ended: codes only, never free text (it travels in an event)."""

    GOALS_ACHIEVED = "goals_achieved"
    NO_TIME = "no_time"
    NOT_A_GOOD_FIT = "not_a_good_fit"
    CHANGED_ROLE = "changed_role"
    LEFT_ORGANISATION = "left_organisation"
    PERSONAL_CIRCUMSTANCES = "personal_circumstances"
    PROGRAMME_ENDED = "programme_ended"
    OTHER = "other"
    # Not a party's choice: the service ends a relationship so when its mentor, or its only
    # mentee, has been erased (their data removed at their request or their admin's).
    LEFT_THE_NETWORK = "left_the_network"


class PhaseBackwardsError(DomainError):
    """The lifecycle only moves forwards."""

    status = 422
    error = "phase_backwards"


class NotTwoWayError(DomainError):
    """Only a two-way relationship records the mentoring the other way round."""

    status = 422
    error = "not_two_way"


class RelationshipEndedError(ConflictError):
    """Nothing about an ended relationship changes any more."""


class Party(BaseModel):
    """One side of a relationship: a member and their organisation."""

    model_config = ConfigDict(frozen=True)

    member_id: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])
    organisation_id: str = Field(examples=["org_0a1b2c3d4e5f"])


class Ending(BaseModel):
    """How a relationship ended."""

    ended_by: Side
    ended_early: bool
    reason: EndReason
    rematch_requested: bool
    ended_at: datetime


class Relationship(BaseModel):
    """A mentoring relationship: a mentor and one mentee, or in a group relationship (group,
    two-by-two and team programmes) a mentor and up to four mentees."""

    id: str = Field(examples=["rel_5d2c7a9e1b3f4a6c"])
    proposal_id: str = Field(examples=["prp_9a8b7c6d5e4f3a2b"], description="the first one")
    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    model: str = Field(default="one_to_one", examples=["one_to_one"])
    mentor: Party
    mentees: list[Party] = Field(min_length=1, max_length=4)
    network: bool = Field(
        default=False,
        description="kept in the network database: its parties (or, for a group, its "
        "programme's organisations) are more than one organisation",
    )
    phase: Phase
    status: Status
    started_at: datetime
    ending: Ending | None = None
    two_way: bool = Field(
        default=False,
        description="two-way mentoring (seed 004): each party mentors the other, on the "
        "topics the agreement names; its logs and goals say which way each went",
    )

    @property
    def participants(self) -> list[str]:
        """The member ids who take part: they alone write and read everything in it."""
        return [self.mentor.member_id, *(m.member_id for m in self.mentees)]

    @property
    def parties(self) -> list[Party]:
        """The mentor, then the mentees."""
        return [self.mentor, *self.mentees]

    @property
    def home_organisation(self) -> str:
        """The organisation whose database keeps a single-organisation relationship."""
        return self.mentor.organisation_id

    def party(self, member_id: str) -> Party | None:
        """`member_id`'s party, if they take part."""
        return next((p for p in self.parties if p.member_id == member_id), None)

    def side_of(self, member_id: str) -> Side | None:
        """Which side `member_id` is on, if any."""
        if member_id == self.mentor.member_id:
            return Side.MENTOR
        if any(m.member_id == member_id for m in self.mentees):
            return Side.MENTEE
        return None


class MemberRelationshipStatus(BaseModel):
    """What an organisation admin sees of a member's relationship (their members'
    relationship status): which side, which programme, the phase and whether it runs —
    never who the other party is, nor anything the parties wrote."""

    member_id: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])
    relationship_id: str = Field(examples=["rel_5d2c7a9e1b3f4a6c"])
    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    side: Side
    phase: Phase
    status: Status
    started_at: datetime
    ended_early: bool | None = None


def statuses_for(r: Relationship, organisation_id: str) -> list[MemberRelationshipStatus]:
    """The rows of `r` an admin of `organisation_id` sees: one per party of theirs."""
    return [
        MemberRelationshipStatus(
            member_id=party.member_id,
            relationship_id=r.id,
            programme_id=r.programme_id,
            side=Side.MENTOR if party is r.mentor else Side.MENTEE,
            phase=r.phase,
            status=r.status,
            started_at=r.started_at,
            ended_early=r.ending.ended_early if r.ending else None,
        )
        for party in r.parties
        if party.organisation_id == organisation_id
    ]


def lives_in_network(mentor: Party, mentees: list[Party], programme_organisations: int) -> bool:
    """Where a new relationship lives: in the network database if its parties
    come from different organisations, or if it is a group relationship in a programme of
    several organisations (mentees from another organisation may join it later)."""
    organisations = {mentor.organisation_id, *(m.organisation_id for m in mentees)}
    return len(organisations) > 1 or programme_organisations > 1


def relationship_id(proposal_id: str) -> str:
    """The one relationship an accepted proposal can start (so a redelivery starts none)."""
    return "rel_" + hashlib.sha256(proposal_id.encode()).hexdigest()[:16]


def check_can_join(group: Relationship, mentee: Party, max_mentees: int) -> bool:
    """Whether `mentee` can join `group` (a running group relationship with room)."""
    return (
        group.status is Status.ACTIVE
        and len(group.mentees) < min(max_mentees, 4)
        and group.party(mentee.member_id) is None
    )


def check_active(relationship: Relationship) -> None:
    """Refuse changes to an ended relationship."""
    if relationship.status is Status.ENDED:
        raise RelationshipEndedError(f"relationship {relationship.id!r} has ended")


def check_move(current: Phase, target: Phase) -> None:
    """A move from `current` to `target` must go forwards (skipping ahead is allowed)."""
    if target == current:
        raise ConflictError(f"the relationship is already in {target.value}")
    if PHASES.index(target) < PHASES.index(current):
        raise PhaseBackwardsError(
            f"the lifecycle moves forwards only: {current.value} cannot go back to {target.value}"
        )


def check_chosen_reason(reason: EndReason) -> None:
    """A party ends with any reason but the one the service gives an erasure."""
    if reason is EndReason.LEFT_THE_NETWORK:
        raise DomainError(
            "left_the_network is given by the service when a party is erased; choose another"
        )


def ends_on_erasure(r: Relationship, member_id: str) -> bool:
    """Whether erasing `member_id` ends `r`: it is active and they are its mentor or its only
    mentee (a group goes on without one of several mentees)."""
    side = r.side_of(member_id)
    if r.status is not Status.ACTIVE or side is None:
        return False
    return side is Side.MENTOR or len(r.mentees) == 1


def is_early(phase: Phase) -> bool:
    """Ending before winding up is an early ending."""
    return PHASES.index(phase) < PHASES.index(Phase.WINDING_UP)


class AgreementTerms(BaseModel):
    """What the parties agree (Resource 5). Stays in the sessions service, never in events."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    duration: str = Field(min_length=1, max_length=200, examples=["12 months"])
    meeting_frequency: str = Field(
        min_length=1, max_length=200, examples=["at least once a month, one to two hours"]
    )
    contact_between_meetings: str = Field(
        min_length=1, max_length=1000, examples=["e-mail or telephone every two weeks"]
    )
    confidentiality: str = Field(
        min_length=1, max_length=2000, examples=["the content of our meetings is confidential"]
    )
    mentor_responsibilities: list[str] = Field(
        max_length=30, examples=[["create a safe learning environment"]]
    )
    mentee_responsibilities: list[str] = Field(
        max_length=30, examples=[["keep joint records of the meetings"]]
    )
    mentor_mentors_on: list[Topic] = Field(
        default_factory=list,
        max_length=10,
        examples=[["budgeting"]],
        description="the topics on which the mentor mentors the mentee",
    )
    mentee_mentors_on: list[Topic] = Field(
        default_factory=list,
        max_length=10,
        examples=[["social media"]],
        description="two-way relationships only: the topics on which the mentee mentors the "
        "mentor (seed 004)",
    )


def check_directions(r: Relationship, terms: AgreementTerms) -> None:
    """A two-way agreement names the topics each party mentors the other on; only a two-way
    one has the mentee mentoring the mentor."""
    if r.two_way and not (terms.mentor_mentors_on and terms.mentee_mentors_on):
        raise DomainError(
            "a two-way agreement names the topics each of you mentors the other on: "
            "mentor_mentors_on and mentee_mentors_on"
        )
    if not r.two_way and terms.mentee_mentors_on:
        raise NotTwoWayError(
            "mentee_mentors_on belongs to a two-way relationship; in this one the mentor "
            "mentors the mentee"
        )


def check_direction(r: Relationship, direction: str | None) -> None:
    """Only a two-way relationship says which way a meeting's or a goal's mentoring went."""
    if direction is not None and not r.two_way:
        raise NotTwoWayError(
            "only a two-way relationship records which way the mentoring went; leave direction out"
        )


class AgreementVersion(BaseModel):
    """One version of a relationship's agreement and who signed it."""

    relationship_id: str = Field(examples=["rel_5d2c7a9e1b3f4a6c"])
    version: int = Field(ge=1, examples=[1])
    terms: AgreementTerms
    drafted_by: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])
    drafted_at: datetime
    signatures: dict[str, datetime] = Field(
        default_factory=dict, description="member id → when they signed"
    )
    in_force: bool = False
    in_force_at: datetime | None = None

    def signed_by_all(self, parties: list[str]) -> bool:
        """Every party has signed this version."""
        return all(p in self.signatures for p in parties)


def relationships_of(member_id: str) -> str:
    """What a member's list of their relationships is numbered under."""
    return f"member:{member_id}"


def agreements_of(relationship: str) -> str:
    """What a relationship's agreement versions are numbered under: version n's document id
    is this and n, so there is at most one document per (relationship, version)."""
    return f"agreement:{relationship}"


def next_version(latest: AgreementVersion | None) -> int:
    """The number a new draft gets."""
    return 1 if latest is None else latest.version + 1


def check_can_sign(
    latest: AgreementVersion | None, version: int, member_id: str
) -> AgreementVersion:
    """Only the latest version is signed, once by each party; returns it."""
    if latest is None:
        raise ConflictError("there is no agreement to sign yet; draft one first")
    if version != latest.version:
        raise ConflictError(f"version {version} is not the latest; the latest is {latest.version}")
    if member_id in latest.signatures:
        raise ConflictError(f"you have already signed version {latest.version}")
    return latest
