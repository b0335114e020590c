"""A mentoring programme (seed 002's eight design steps): purpose, model, dates, cadence,
meeting-length bounds, eligibility, participating organisations and co-ordinators.

Lifecycle: draft → open → running → closed, forwards only. A programme that crosses
organisations opens only when every participating organisation's admin has accepted it.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import date
from enum import StrEnum
from typing import Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from shared.auth.principal import Principal, Role
from shared.contracts.registry import OrganisationPair
from shared.errors import NotFoundError


class ProgrammeModel(StrEnum):
    """Seed 002's four models, and the peer circles of seeds 001 and 004."""

    ONE_TO_ONE = "one_to_one"
    GROUP = "group"  # one mentor with one to four mentees
    TWO_BY_TWO = "two_by_two"
    TEAM = "team"
    PEER_CIRCLE = "peer_circle"  # all equals, no designated mentor
    X_MARKET_CIRCLE = "x_market_circle"  # members from different organisations

    @property
    def is_circle(self) -> bool:
        """Peers in circles rather than mentors with mentees."""
        return self in (ProgrammeModel.PEER_CIRCLE, ProgrammeModel.X_MARKET_CIRCLE)


class MentoringDirection(StrEnum):
    """Which way knowledge flows in a programme's pairs (seed 004, the AcceleratePerformance
    article "Mentoring - How?, Who?, Where?": reverse mentoring, and knowledge that "will begin
    to flow both ways")."""

    CONVENTIONAL = "conventional"  # the more experienced mentors the less
    REVERSE = "reverse"  # the less senior mentors the more senior, on named topics
    TWO_WAY = "two_way"  # each of the pair mentors the other, on different topics

    @property
    def is_two_way(self) -> bool:
        """Both of a pair are mentor and mentee."""
        return self is MentoringDirection.TWO_WAY


class ProgrammeStatus(StrEnum):
    """Where a programme is in its life."""

    DRAFT = "draft"
    OPEN = "open"  # enrolment open
    RUNNING = "running"
    CLOSED = "closed"


_NEXT = {
    ProgrammeStatus.DRAFT: ProgrammeStatus.OPEN,
    ProgrammeStatus.OPEN: ProgrammeStatus.RUNNING,
    ProgrammeStatus.RUNNING: ProgrammeStatus.CLOSED,
}


class ParticipantRole(StrEnum):
    """How a member takes part in a programme."""

    MENTOR = "mentor"
    MENTEE = "mentee"
    PEER = "peer"


class ProgrammeDesign(BaseModel):
    """What a co-ordinator decides when designing a programme."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=3, max_length=120, examples=["New managers 2027"])
    purpose: str = Field(
        min_length=10,
        max_length=2000,
        examples=["Support first-time managers through their first year"],
    )
    goals: list[str] = Field(min_length=1, max_length=10, examples=[["confident delegation"]])
    expected_outcomes: list[str] = Field(
        default_factory=list, max_length=10, examples=[["retention of new managers"]]
    )
    model: ProgrammeModel = Field(examples=["one_to_one"])
    starts_on: date = Field(examples=["2027-01-11"])
    ends_on: date = Field(examples=["2027-12-17"])
    meeting_every_days: int = Field(
        ge=7, le=92, examples=[28], description="the expected meeting cadence"
    )
    min_meeting_minutes: int = Field(ge=15, le=480, examples=[45])
    max_meeting_minutes: int = Field(ge=15, le=480, examples=[90])
    eligibility: str = Field(
        default="", max_length=1000, examples=["managers in their first year in post"]
    )
    participating_organisations: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="other organisations invited to take part (the owner always does)",
        examples=[["org_3f9a1c2b7d4e"]],
    )
    max_mentees_per_mentor: int = Field(default=1, ge=1, le=4, examples=[1])
    require_different_sectors: bool = Field(
        default=False, description="X-market circles: no two members from one sector"
    )
    self_match: bool = Field(default=False, description="mentees pick from suggestions")
    direction: MentoringDirection = Field(
        default=MentoringDirection.CONVENTIONAL,
        description="reverse: the less senior mentor the more senior on `reverse_topics`; "
        "two_way: one-to-one pairs in which each mentors the other (seed 004)",
        examples=["conventional"],
    )
    reverse_topics: list[str] = Field(
        default_factory=list,
        max_length=10,
        description="what the less senior mentor the more senior on (reverse programmes only), "
        "e.g. digital tools, social media, a new generation's view",
        examples=[[]],
    )

    organisation_pairs: list[OrganisationPair] = Field(
        default_factory=list,
        max_length=25,
        examples=[[]],
        description="organisations mentoring each other (seed 004), each pair as `first` and "
        "`second` organisation ids: when set, people are "
        "matched only across the two organisations of one pair (a large organisation with a "
        "small charity, a council with a social enterprise); each organisation in one pair",
    )

    @field_validator("reverse_topics")
    @classmethod
    def _topics(cls, value: list[str]) -> list[str]:
        topics = [" ".join(t.split()) for t in value]
        if any(not t or len(t) > 80 for t in topics):
            raise ValueError("each reverse-mentoring topic is 1 to 80 characters")
        if len({t.casefold() for t in topics}) != len(topics):
            raise ValueError("a reverse-mentoring topic is listed twice")
        return topics

    @model_validator(mode="after")
    def _directed(self) -> Self:
        """Seed 004's reverse and two-way mentoring are for pairs; a reverse programme names
        its topics."""
        topics = self.reverse_topics
        if self.direction is not MentoringDirection.CONVENTIONAL and self.model.is_circle:
            raise ValueError("reverse and two-way mentoring are for pairs, not circles")
        if self.direction is MentoringDirection.REVERSE and not topics:
            raise ValueError("name the topics on which the less senior mentor the more senior")
        if self.direction is not MentoringDirection.REVERSE and topics:
            raise ValueError("reverse-mentoring topics belong to a reverse programme")
        if self.direction.is_two_way and self.model is not ProgrammeModel.ONE_TO_ONE:
            raise ValueError("two-way mentoring pairs people one to one")
        return self

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.ends_on <= self.starts_on:
            raise ValueError("the programme must end after it starts")
        if self.max_meeting_minutes < self.min_meeting_minutes:
            raise ValueError("the longest meeting must not be shorter than the shortest")
        if self.model is ProgrammeModel.ONE_TO_ONE and self.max_mentees_per_mentor != 1:
            raise ValueError("a one-to-one programme has one mentee per mentor")
        if self.require_different_sectors and self.model is not ProgrammeModel.X_MARKET_CIRCLE:
            raise ValueError("different sectors can be required only of X-market circles")
        if len(set(self.participating_organisations)) != len(self.participating_organisations):
            raise ValueError("an organisation is listed twice")
        paired = [o for p in self.organisation_pairs for o in (p.first, p.second)]
        if self.organisation_pairs and self.model.is_circle:
            raise ValueError("organisations are paired in programmes that pair people, not circles")
        if any(p.first == p.second for p in self.organisation_pairs):
            raise ValueError("an organisation pair is two different organisations")
        if len(set(paired)) != len(paired):
            raise ValueError("an organisation is in one organisation pair at most")
        return self


class Programme(BaseModel):
    """A programme as stored and shown."""

    id: str = Field(pattern=r"^prg_[a-z0-9]{12}$", examples=["prg_7c1d2e3f4a5b"])
    owner_organisation_id: str
    design: ProgrammeDesign
    status: ProgrammeStatus
    coordinators: list[str] = Field(description="member ids of its co-ordinators")
    accepted_by: list[str] = Field(description="organisations whose admin accepted")
    created_at: AwareDatetime

    @property
    def organisations(self) -> list[str]:
        """Every organisation taking part, the owner first."""
        others = [
            o for o in self.design.participating_organisations if o != self.owner_organisation_id
        ]
        return [self.owner_organisation_id, *others]

    def pending_acceptance(self) -> list[str]:
        """Organisations whose admin has not accepted yet."""
        return [o for o in self.organisations if o not in self.accepted_by]


def check_organisation_pairs(design: ProgrammeDesign, owner: str) -> None:
    """Every paired organisation takes part in the programme (seed 004, organisations
    mentoring each other: the pairs are drawn from those taking part)."""
    taking_part = {owner, *design.participating_organisations}
    strangers = sorted(
        {o for p in design.organisation_pairs for o in (p.first, p.second)} - taking_part
    )
    if strangers:
        raise ValueError(
            "organisation pairs name organisations not taking part: " + ", ".join(strangers)
        )


def new_programme_id() -> str:
    """A fresh programme id."""
    return f"prg_{secrets.token_hex(6)}"


def advance(programme: Programme, to: ProgrammeStatus) -> ProgrammeStatus:
    """The next status, if `to` is it and the programme may move; ValueError saying why not."""
    expected = _NEXT.get(programme.status)
    if expected is None:
        raise ValueError("the programme is closed")
    if to != expected:
        raise ValueError(f"a {programme.status} programme can move only to {expected}, not {to}")
    if to is ProgrammeStatus.OPEN and programme.pending_acceptance():
        waiting = ", ".join(programme.pending_acceptance())
        raise ValueError(f"waiting for these organisations to accept: {waiting}")
    return to


def check_enrolment(
    programme: Programme, role: ParticipantRole, *, ready_as_mentor: bool, ready_as_mentee: bool
) -> None:
    """Seed 002: a mentor needs mentor training and a mentee the induction; peers in circles
    need the induction too. ValueError says what is missing."""
    if programme.status is not ProgrammeStatus.OPEN:
        raise ValueError(f"the programme is {programme.status}, not open for enrolment")
    if programme.design.model.is_circle and role is not ParticipantRole.PEER:
        raise ValueError("a circle has peers, not mentors and mentees")
    if not programme.design.model.is_circle and role is ParticipantRole.PEER:
        raise ValueError("this programme pairs mentors with mentees; enrol as one of them")
    if programme.design.direction.is_two_way and not (ready_as_mentor and ready_as_mentee):
        raise ValueError(
            "in two-way mentoring each of a pair mentors the other: both mentor training and "
            "the mentee induction must be complete"
        )
    if role is ParticipantRole.MENTOR and not ready_as_mentor:
        raise ValueError("mentor training is not complete: record its date in your profile")
    if role in (ParticipantRole.MENTEE, ParticipantRole.PEER) and not ready_as_mentee:
        raise ValueError("the mentee induction is not complete: record its date in your profile")


# The roles that let a member co-ordinate a programme: losing both ends it (docs/security.md).
COORDINATING_ROLES = frozenset({Role.PROGRAMME_COORDINATOR, Role.ORGANISATION_ADMIN})


def can_coordinate(roles: Iterable[Role]) -> bool:
    """Whether a member with these roles may co-ordinate programmes."""
    return bool(COORDINATING_ROLES & set(roles))


def check_may_manage_coordinators(actor: Principal, programme: Programme) -> None:
    """PermissionError unless `actor` may add or remove the programme's co-ordinators: one of
    them (still holding a co-ordinating role), or an admin of the organisation that owns it
    (who may have to name the first one again)."""
    if actor.is_admin_of(programme.owner_organisation_id):
        return
    if actor.subject in programme.coordinators and can_coordinate(actor.roles):
        return
    raise PermissionError("only the programme's co-ordinators or its owner's admins can do this")


def coordinators_without(programme: Programme, member_id: str, *, by_admin: bool) -> list[str]:
    """The co-ordinators once `member_id` leaves; NotFoundError if they do not co-ordinate it
    (nothing to announce: a removal of anyone else, another organisation's member say, would
    put their id on the network's topic); ValueError if they are the last one and an admin of
    the owner is not the one removing them (a programme keeps someone in charge)."""
    if member_id not in programme.coordinators:
        raise NotFoundError(f"{member_id!r} does not co-ordinate this programme")
    remaining = [c for c in programme.coordinators if c != member_id]
    if not remaining and not by_admin:
        raise ValueError("the last co-ordinator cannot leave; add another one first")
    return remaining
