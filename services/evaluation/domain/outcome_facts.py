"""The outcome read models' fact records: what evaluation keeps of each organisation, programme,
member, proposal, relationship, circle and survey answer, learnt from events only
(docs/decisions.md 16; the SSSC guidance, seed 002, checklist 4: achieved goals, statistical
measures, "delivered without personal names attached").

Every record merges what its events say in a way that does not depend on their order
(sets keyed by natural or event ids, latest-wins registers by event time, earliest-wins dates),
because the topics are read in a different interleaving live and on replay: the same events
give the same records either way.

A record's `home` says which database it belongs in (docs/security.md, "Tenancy"): an
organisation's own database for its members, its survey answers and the relationships sessions
keeps there; the network database (`None`) for organisations, programmes, proposals (as matching
keeps them), circles and cross-organisation relationships.

Identity: a party is a member id and an organisation. `member.erased` blanks the member id
(`member_id=None`) everywhere and leaves a bare tombstone; the party still counts in the
figures of what happened, but no longer as one of the "people" behind a figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.registry import OrganisationPair

# Counter events (messages) carry no natural id; the record remembers the ids of the last
# ones it counted so a redelivery is not counted twice (more than a consumer batch).
INBOX_WINDOW = 500


class FactKind(StrEnum):
    """A kind of fact record; each kind is one collection per home."""

    ORGANISATIONS = "organisations"
    PROGRAMMES = "programmes"
    MEMBERS = "members"
    MATCHES = "matches"
    RELATIONSHIPS = "relationships"
    CIRCLES = "circles"
    SURVEYS = "surveys"


class _Fact(BaseModel):
    # Mutable on purpose: the fold changes records in place (fast on replay); documents in
    # the store may carry query fields the model does not need.
    model_config = ConfigDict(extra="ignore")


class Party(_Fact):
    """One person in a relationship, proposal or circle; `member_id` is None once erased."""

    member_id: str | None
    organisation_id: str | None


class OrganisationFacts(_Fact):
    """An organisation, named once `organisation.joined` arrives (a row label)."""

    id: str
    name: str | None = None
    joined_at: datetime | None = None


class ProgrammeFacts(_Fact):
    """A programme's terms as its latest publication says, and its latest status."""

    id: str
    owner_organisation_id: str | None = None
    organisations: list[str] = Field(default_factory=list)
    coordinators: list[str] = Field(default_factory=list)
    coordinators_revision: int = 0  # of the last `programme.coordinators_changed` kept
    model: str | None = None
    meeting_every_days: int | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    organisation_pairs: list[OrganisationPair] = Field(default_factory=list)  # seed 004
    published: tuple[datetime, str] | None = None  # (event time, event id) of the kept one
    status: str | None = None
    status_set: tuple[datetime, str] | None = None


class Enrolment(_Fact):
    """How a member takes part in a programme."""

    role: str
    enrolled_at: datetime


class MemberFacts(_Fact):
    """A member's enrolments and readiness; a tombstone (`erased`) once erased."""

    id: str
    organisation_id: str
    enrolments: dict[str, Enrolment] = Field(default_factory=dict)
    ready_as_mentor: bool = False
    ready_as_mentee: bool = False
    readiness_set: tuple[datetime, str] | None = None
    erased: bool = False


class MatchFacts(_Fact):
    """A proposal and what became of it."""

    id: str
    programme_id: str
    mentee: Party
    mentor: Party
    proposed_at: datetime | None = None
    accepted_at: datetime | None = None
    declined_at: datetime | None = None
    decline_reason: str | None = None


class Pairing(_Fact):
    """One mentee's place in a relationship (a group relationship has several)."""

    mentee: Party
    started_at: datetime | None = None
    ended_at: datetime | None = None
    ended_early: bool | None = None
    reason: str | None = None


class MeetingFact(_Fact):
    """A meeting held: when, how long, how."""

    held_at: datetime
    minutes: int
    method: str


class RatingFact(_Fact):
    """A commitment rating (1-10) or an OSKAR scale (0-10), and when."""

    at: datetime
    value: int


class GoalFact(_Fact):
    """A goal achieved: short or long term, and when."""

    term: str
    achieved_at: datetime


class RelationshipFacts(_Fact):
    """What happened in a relationship: its parties, endings, meetings, ratings, goals."""

    id: str
    home: str | None
    programme_id: str
    model: str | None = None
    mentor: Party | None = None
    pairings: list[Pairing] = Field(default_factory=list)
    phase: str | None = None
    agreement_signed_at: datetime | None = None
    agreement_version: int = 0
    meetings: dict[str, MeetingFact] = Field(default_factory=dict)
    logs_written: dict[str, datetime] = Field(default_factory=dict)  # by event id
    commitment: dict[str, RatingFact] = Field(default_factory=dict)  # by event id
    oskar: dict[str, RatingFact] = Field(default_factory=dict)  # by event id
    goals: dict[str, GoalFact] = Field(default_factory=dict)  # by goal id
    messages: dict[str, int] = Field(default_factory=dict)  # by month, "2027-03"
    inbox: list[str] = Field(default_factory=list)

    def parties(self) -> list[Party]:
        """The mentor and every mentee."""
        return ([self.mentor] if self.mentor else []) + [p.mentee for p in self.pairings]

    def mentees(self) -> list[Party]:
        """Every mentee."""
        return [p.mentee for p in self.pairings]


class CircleSessionFact(_Fact):
    """A circle session: its format, when, how long, how many came."""

    format: str
    held_at: datetime
    minutes: int
    attendees: int


class CircleFacts(_Fact):
    """A peer circle: its members and its sessions."""

    id: str
    programme_id: str
    members: list[Party] = Field(default_factory=list)
    formed_at: datetime | None = None
    sessions: dict[str, CircleSessionFact] = Field(default_factory=dict)  # by event id
    messages: dict[str, int] = Field(default_factory=dict)
    inbox: list[str] = Field(default_factory=list)


class SurveyFacts(_Fact):
    """One survey answer's scores (no respondent id: the event carries none)."""

    id: str
    template_id: str
    kind: str
    programme_id: str
    relationship_id: str | None
    organisation_id: str
    respondent_role: str
    scores: dict[str, int]
    completed_at: datetime


Fact = (
    OrganisationFacts
    | ProgrammeFacts
    | MemberFacts
    | MatchFacts
    | RelationshipFacts
    | CircleFacts
    | SurveyFacts
)
MODELS: dict[FactKind, type[Fact]] = {
    FactKind.ORGANISATIONS: OrganisationFacts,
    FactKind.PROGRAMMES: ProgrammeFacts,
    FactKind.MEMBERS: MemberFacts,
    FactKind.MATCHES: MatchFacts,
    FactKind.RELATIONSHIPS: RelationshipFacts,
    FactKind.CIRCLES: CircleFacts,
    FactKind.SURVEYS: SurveyFacts,
}


@dataclass(frozen=True)
class FactRef:
    """Where a record is: its kind, its home (an organisation id, None for the network) and
    its id."""

    kind: FactKind
    home: str | None
    id: str


@dataclass
class OutcomeState:
    """Fact records by kind and id: the whole read model on replay, the records one batch
    touches on the live path, the records a caller may see when figures are drawn."""

    organisations: dict[str, OrganisationFacts] = field(default_factory=dict)
    programmes: dict[str, ProgrammeFacts] = field(default_factory=dict)
    members: dict[str, MemberFacts] = field(default_factory=dict)
    matches: dict[str, MatchFacts] = field(default_factory=dict)
    relationships: dict[str, RelationshipFacts] = field(default_factory=dict)
    circles: dict[str, CircleFacts] = field(default_factory=dict)
    surveys: dict[str, SurveyFacts] = field(default_factory=dict)
    # Which records name a member (kept as parties are set, never stored): erasure finds
    # them without scanning every record.
    _mentions: dict[str, set[tuple[FactKind, str]]] = field(default_factory=dict)

    def records(self, kind: FactKind) -> dict[str, Any]:
        """The records of one kind, by id."""
        return getattr(self, kind.value)  # type: ignore[no-any-return]

    def add(self, kind: FactKind, record: Fact) -> None:
        """Put a record in (replacing one with its id)."""
        self.records(kind)[record.id] = record
        for party in _parties(record):
            self.mention(party, kind, record.id)

    def mention(self, party: Party | None, kind: FactKind, record_id: str) -> None:
        """Note that a record names a party (nothing for a blank one)."""
        if party is not None and party.member_id:
            self._mentions.setdefault(party.member_id, set()).add((kind, record_id))

    def mentioning(self, member_id: str) -> list[Fact]:
        """The records that named a member (they may name them no longer)."""
        found = []
        for kind, record_id in sorted(self._mentions.get(member_id, ())):
            record = self.records(kind).get(record_id)
            if record is not None:
                found.append(record)
        return found

    def refs(self) -> list[tuple[FactRef, Fact]]:
        """Every record with where it lives."""
        return [
            (FactRef(kind, home_of(kind, r), r.id), r)
            for kind in FactKind
            for r in self.records(kind).values()
        ]


def home_of(kind: FactKind, record: Fact) -> str | None:
    """The organisation whose database holds the record, or None for the network's."""
    if isinstance(record, MemberFacts | SurveyFacts):
        return record.organisation_id
    if isinstance(record, RelationshipFacts):
        return record.home
    return None


def document(record: Fact) -> dict[str, Any]:
    """A record as stored: JSON-safe, with the fields queries filter on (`party_ids`,
    `organisation_ids`, `programme_ids`) alongside."""
    body = record.model_dump(mode="json")
    body["_id"] = body.pop("id")
    body["party_ids"] = sorted({p.member_id for p in _parties(record) if p.member_id})
    body["organisation_ids"] = sorted(organisations_of(record))
    body["programme_ids"] = sorted(programmes_of(record))
    return body


def from_document(kind: FactKind, body: dict[str, Any]) -> Fact:
    """A stored document back to its record."""
    return MODELS[kind].model_validate({**body, "id": body["_id"]})


def _parties(record: Fact) -> list[Party]:
    if isinstance(record, RelationshipFacts):
        return record.parties()
    if isinstance(record, MatchFacts):
        return [record.mentee, record.mentor]
    if isinstance(record, CircleFacts):
        return list(record.members)
    return []


def organisations_of(record: Fact) -> set[str]:
    """The organisations a record is about (whose admins' figures it may enter)."""
    if isinstance(record, OrganisationFacts):
        return {record.id}
    if isinstance(record, ProgrammeFacts):
        owner = {record.owner_organisation_id} if record.owner_organisation_id else set()
        return set(record.organisations) | owner
    if isinstance(record, MemberFacts | SurveyFacts):
        return {record.organisation_id}
    return {p.organisation_id for p in _parties(record) if p.organisation_id}


def programmes_of(record: Fact) -> set[str]:
    """The programmes a record belongs to."""
    if isinstance(record, OrganisationFacts):
        return set()
    if isinstance(record, ProgrammeFacts):
        return {record.id}
    if isinstance(record, MemberFacts):
        return set(record.enrolments)
    return {record.programme_id}
