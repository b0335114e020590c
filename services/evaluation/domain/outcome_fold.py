"""The fold that builds the outcome read models: `apply(state, event)`, one event at a time.

The live consumer and the replay command both call it — the consumer on the records a batch
touches (`needs` says which to load), the replay on the whole state in memory — so the two
give the same records. Every merge is order-free (see `outcome_facts`), and redelivery is
harmless: facts are keyed by natural or event ids, and the events that only count (messages)
or cannot be told apart once a party is erased are remembered in the record's inbox.

Erasure (`member.erased`) leaves a tombstone and blanks the member's id in every record that
names them; an event naming an already erased member is recorded with the id blank, so the
order in which erasure and the member's other events arrive does not matter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.evaluation.domain.outcome_facts import (
    INBOX_WINDOW,
    CircleFacts,
    CircleSessionFact,
    Enrolment,
    FactKind,
    FactRef,
    GoalFact,
    MatchFacts,
    MeetingFact,
    MemberFacts,
    OrganisationFacts,
    OutcomeState,
    Pairing,
    Party,
    ProgrammeFacts,
    RatingFact,
    RelationshipFacts,
    SurveyFacts,
)
from shared.contracts.evaluation import SurveyCompleted
from shared.contracts.matching import CircleFormed, MatchAccepted, MatchDeclined, MatchProposed
from shared.contracts.registry import (
    MemberEnrolled,
    MemberErased,
    MemberReadinessChanged,
    OrganisationJoined,
    ProgrammeCoordinatorsChanged,
    ProgrammePublished,
    ProgrammeStatusChanged,
)
from shared.contracts.sessions import (
    AgreementSigned,
    CircleSessionHeld,
    CommitmentRated,
    GoalAchieved,
    MeetingHeld,
    MeetingLogWritten,
    MessagePosted,
    OskarScaled,
    RelationshipEnded,
    RelationshipPhaseChanged,
    RelationshipStarted,
)
from shared.events.catalogue import InboundEvent
from shared.events.envelope import Envelope, EventData

# Seed 002, Resource 17: the lifecycle only moves forwards, so the furthest phase seen wins.
PHASES = ("building_rapport", "setting_direction", "progression", "winding_up", "moving_on")

Stamp = tuple[datetime, str]


@dataclass
class Needs:
    """The records an event reads or changes: by reference, and — for an erasure — every
    record naming a member (`mentions`: (organisation, member id))."""

    refs: set[FactRef] = field(default_factory=set)
    mentions: set[tuple[str, str]] = field(default_factory=set)

    def update(self, other: Needs) -> None:
        """Add another event's needs."""
        self.refs |= other.refs
        self.mentions |= other.mentions


# --- the fold ------------------------------------------------------------------------------


def apply(state: OutcomeState, event: InboundEvent[Any]) -> None:
    """Fold one event into the state (events of other types change nothing)."""
    fold = _FOLDS.get(type(event.data))
    if fold is not None:
        fold(state, event.envelope, event.data)


def _stamp(envelope: Envelope) -> Stamp:
    return (envelope.time, str(envelope.id))


def _earliest(current: datetime | None, candidate: datetime) -> datetime:
    return candidate if current is None or candidate < current else current


def _organisation(state: OutcomeState, organisation_id: str | None) -> None:
    if organisation_id and organisation_id not in state.organisations:
        state.organisations[organisation_id] = OrganisationFacts(id=organisation_id)


def _erased(state: OutcomeState, member_id: str) -> bool:
    member = state.members.get(member_id)
    return member is not None and member.erased


def _party(state: OutcomeState, member_id: str, organisation_id: str | None) -> Party:
    _organisation(state, organisation_id)
    known = None if _erased(state, member_id) else member_id
    return Party(member_id=known, organisation_id=organisation_id)


def _merge(current: Party | None, arriving: Party) -> Party:
    """A party as two events name it: a blank id stays blank (erasure wins)."""
    if current is None:
        return arriving
    return Party(
        member_id=current.member_id if arriving.member_id else None,
        organisation_id=current.organisation_id or arriving.organisation_id,
    )


def _seen(inbox: list[str], event_id: str) -> bool:
    """True if the record already took this event; else remember it (in a bounded window)."""
    if event_id in inbox:
        return True
    inbox.append(event_id)
    del inbox[:-INBOX_WINDOW]
    return False


def _member(state: OutcomeState, member_id: str, organisation_id: str) -> MemberFacts:
    _organisation(state, organisation_id)
    member = state.members.get(member_id)
    if member is None:
        member = state.members[member_id] = MemberFacts(
            id=member_id, organisation_id=organisation_id
        )
    return member


def _joined(state: OutcomeState, envelope: Envelope, data: OrganisationJoined) -> None:
    _organisation(state, data.organisation_id)
    organisation = state.organisations[data.organisation_id]
    organisation.name = data.name
    organisation.joined_at = data.joined_at


def _programme(state: OutcomeState, programme_id: str) -> ProgrammeFacts:
    programme = state.programmes.get(programme_id)
    if programme is None:
        programme = state.programmes[programme_id] = ProgrammeFacts(id=programme_id)
    return programme


def _set_status(programme: ProgrammeFacts, status: str, stamp: Stamp) -> None:
    if programme.status_set is None or stamp > programme.status_set:
        programme.status, programme.status_set = status, stamp


def _published(state: OutcomeState, envelope: Envelope, data: ProgrammePublished) -> None:
    for organisation_id in [data.owner_organisation_id, *data.organisations]:
        _organisation(state, organisation_id)
    programme = _programme(state, data.programme_id)
    stamp = _stamp(envelope)
    _set_status(programme, "open", stamp)
    if programme.published is not None and stamp <= programme.published:
        return
    programme.published = stamp
    programme.owner_organisation_id = data.owner_organisation_id
    programme.organisations = list(data.organisations)
    if not programme.coordinators_revision:  # a later change's list outlives a redelivery
        programme.coordinators = list(data.coordinators)
    programme.model = data.model
    programme.meeting_every_days = data.meeting_every_days
    programme.starts_on = data.starts_on
    programme.ends_on = data.ends_on
    programme.organisation_pairs = list(data.organisation_pairs)


def _coordinators(
    state: OutcomeState, envelope: Envelope, data: ProgrammeCoordinatorsChanged
) -> None:
    # Highest revision wins: a removed co-ordinator stops seeing the programme's figures.
    programme = _programme(state, data.programme_id)
    if data.revision > programme.coordinators_revision:
        programme.coordinators = list(data.coordinators)
        programme.coordinators_revision = data.revision


def _status(state: OutcomeState, envelope: Envelope, data: ProgrammeStatusChanged) -> None:
    _set_status(_programme(state, data.programme_id), data.status, _stamp(envelope))


def _enrolled(state: OutcomeState, envelope: Envelope, data: MemberEnrolled) -> None:
    member = _member(state, data.member_id, data.organisation_id)
    if member.erased:
        return
    current = member.enrolments.get(data.programme_id)
    if current is None or envelope.time < current.enrolled_at:
        member.enrolments[data.programme_id] = Enrolment(role=data.role, enrolled_at=envelope.time)


def _readiness(state: OutcomeState, envelope: Envelope, data: MemberReadinessChanged) -> None:
    member = _member(state, data.member_id, data.organisation_id)
    stamp = _stamp(envelope)
    if member.erased or (member.readiness_set is not None and stamp <= member.readiness_set):
        return
    member.ready_as_mentor, member.ready_as_mentee = data.ready_as_mentor, data.ready_as_mentee
    member.readiness_set = stamp


def _blank(party: Party | None, member_id: str) -> Party | None:
    if party is not None and party.member_id == member_id:
        return Party(member_id=None, organisation_id=party.organisation_id)
    return party


def _erasure(state: OutcomeState, envelope: Envelope, data: MemberErased) -> None:
    _organisation(state, data.organisation_id)
    member_id = data.member_id
    state.members[member_id] = MemberFacts(
        id=member_id, organisation_id=data.organisation_id, erased=True
    )
    for record in state.mentioning(member_id):
        if isinstance(record, MatchFacts):
            record.mentee = _blank(record.mentee, member_id) or record.mentee
            record.mentor = _blank(record.mentor, member_id) or record.mentor
        elif isinstance(record, RelationshipFacts):
            record.mentor = _blank(record.mentor, member_id)
            for pairing in record.pairings:
                pairing.mentee = _blank(pairing.mentee, member_id) or pairing.mentee
        elif isinstance(record, CircleFacts):
            record.members = [_blank(m, member_id) or m for m in record.members]


def _match(
    state: OutcomeState, programme_id: str, proposal_id: str, mentee: Party, mentor: Party
) -> MatchFacts:
    match = state.matches.get(proposal_id)
    if match is None:
        match = state.matches[proposal_id] = MatchFacts(
            id=proposal_id, programme_id=programme_id, mentee=mentee, mentor=mentor
        )
    else:
        match.mentee, match.mentor = _merge(match.mentee, mentee), _merge(match.mentor, mentor)
    state.mention(match.mentee, FactKind.MATCHES, proposal_id)
    state.mention(match.mentor, FactKind.MATCHES, proposal_id)
    return match


def _named_match(state: OutcomeState, data: MatchProposed | MatchAccepted) -> MatchFacts:
    """The match an event naming both parties (and their organisations) is about."""
    return _match(
        state,
        data.programme_id,
        data.proposal_id,
        _party(state, data.mentee_id, data.mentee_organisation_id),
        _party(state, data.mentor_id, data.mentor_organisation_id),
    )


def _proposed(state: OutcomeState, envelope: Envelope, data: MatchProposed) -> None:
    match = _named_match(state, data)
    match.proposed_at = _earliest(match.proposed_at, envelope.time)


def _accepted(state: OutcomeState, envelope: Envelope, data: MatchAccepted) -> None:
    match = _named_match(state, data)
    match.accepted_at = _earliest(match.accepted_at, data.accepted_at)


def _declined(state: OutcomeState, envelope: Envelope, data: MatchDeclined) -> None:
    # The event names no organisations, so an erasure could not be checked here: a proposal
    # first heard of by its decline keeps no ids at all.
    unknown = Party(member_id=None, organisation_id=None)
    match = _match(state, data.programme_id, data.proposal_id, unknown, unknown)
    if match.declined_at is None or data.declined_at < match.declined_at:
        match.declined_at, match.decline_reason = data.declined_at, data.reason


def _relationship(
    state: OutcomeState, envelope: Envelope, relationship_id: str, programme_id: str
) -> RelationshipFacts:
    relationship = state.relationships.get(relationship_id)
    if relationship is None:
        _organisation(state, envelope.organisation)
        relationship = state.relationships[relationship_id] = RelationshipFacts(
            id=relationship_id, home=envelope.organisation, programme_id=programme_id
        )
    return relationship


def _pairing(
    state: OutcomeState, relationship: RelationshipFacts, mentee: Party, *, ending: bool
) -> Pairing:
    """The mentee's pairing; a blank (erased) mentee is matched by organisation among the
    blank ones still open (an ending) or gets a new pairing (a start: each is one event)."""
    for pairing in relationship.pairings:
        same = pairing.mentee.member_id == mentee.member_id
        if mentee.member_id is not None and same:
            return pairing
        if (
            mentee.member_id is None
            and ending
            and same
            and pairing.ended_at is None
            and pairing.mentee.organisation_id == mentee.organisation_id
        ):
            return pairing
    pairing = Pairing(mentee=mentee)
    relationship.pairings.append(pairing)
    return pairing


def _started(state: OutcomeState, envelope: Envelope, data: RelationshipStarted) -> None:
    relationship = _relationship(state, envelope, data.relationship_id, data.programme_id)
    if _seen(relationship.inbox, str(envelope.id)):
        return
    relationship.model = data.model
    relationship.mentor = _merge(
        relationship.mentor, _party(state, data.mentor_id, data.mentor_organisation_id)
    )
    mentee = _party(state, data.mentee_id, data.mentee_organisation_id)
    pairing = _pairing(state, relationship, mentee, ending=False)
    pairing.started_at = _earliest(pairing.started_at, data.started_at)
    for party in (relationship.mentor, mentee):
        state.mention(party, FactKind.RELATIONSHIPS, relationship.id)


def _ended(state: OutcomeState, envelope: Envelope, data: RelationshipEnded) -> None:
    relationship = _relationship(state, envelope, data.relationship_id, data.programme_id)
    if _seen(relationship.inbox, str(envelope.id)):
        return
    relationship.mentor = _merge(
        relationship.mentor, _party(state, data.mentor_id, data.mentor_organisation_id)
    )
    mentee = _party(state, data.mentee_id, data.mentee_organisation_id)
    pairing = _pairing(state, relationship, mentee, ending=True)
    for party in (relationship.mentor, pairing.mentee):
        state.mention(party, FactKind.RELATIONSHIPS, relationship.id)
    if pairing.ended_at is None or data.ended_at < pairing.ended_at:
        pairing.ended_at, pairing.ended_early = data.ended_at, data.ended_early
        pairing.reason = data.reason


def _phase(state: OutcomeState, envelope: Envelope, data: RelationshipPhaseChanged) -> None:
    relationship = _relationship(state, envelope, data.relationship_id, data.programme_id)
    rank = PHASES.index(data.phase) if data.phase in PHASES else -1
    current = PHASES.index(relationship.phase) if relationship.phase in PHASES else -1
    if rank > current:
        relationship.phase = data.phase


def _signed(state: OutcomeState, envelope: Envelope, data: AgreementSigned) -> None:
    relationship = _relationship(state, envelope, data.relationship_id, data.programme_id)
    relationship.agreement_signed_at = _earliest(relationship.agreement_signed_at, data.signed_at)
    relationship.agreement_version = max(relationship.agreement_version, data.version)


def _meeting(state: OutcomeState, envelope: Envelope, data: MeetingHeld) -> None:
    relationship = _relationship(state, envelope, data.relationship_id, data.programme_id)
    relationship.meetings.setdefault(
        data.meeting_id,
        MeetingFact(held_at=data.held_at, minutes=data.minutes, method=data.method),
    )


def _log(state: OutcomeState, envelope: Envelope, data: MeetingLogWritten) -> None:
    relationship = _relationship(state, envelope, data.relationship_id, data.programme_id)
    relationship.logs_written.setdefault(str(envelope.id), data.written_at)


def _commitment(state: OutcomeState, envelope: Envelope, data: CommitmentRated) -> None:
    relationship = _relationship(state, envelope, data.relationship_id, data.programme_id)
    relationship.commitment.setdefault(
        str(envelope.id), RatingFact(at=data.rated_at, value=data.rating)
    )


def _oskar(state: OutcomeState, envelope: Envelope, data: OskarScaled) -> None:
    relationship = _relationship(state, envelope, data.relationship_id, data.programme_id)
    relationship.oskar.setdefault(
        str(envelope.id), RatingFact(at=data.recorded_at, value=data.scale)
    )


def _goal(state: OutcomeState, envelope: Envelope, data: GoalAchieved) -> None:
    relationship = _relationship(state, envelope, data.relationship_id, data.programme_id)
    current = relationship.goals.get(data.goal_id)
    if current is None or data.achieved_at < current.achieved_at:
        relationship.goals[data.goal_id] = GoalFact(term=data.term, achieved_at=data.achieved_at)


def month_of(moment: datetime) -> str:
    """The month a dated fact counts in, e.g. "2027-03"."""
    return f"{moment.year:04d}-{moment.month:02d}"


def _circle(state: OutcomeState, circle_id: str, programme_id: str) -> CircleFacts:
    circle = state.circles.get(circle_id)
    if circle is None:
        circle = state.circles[circle_id] = CircleFacts(id=circle_id, programme_id=programme_id)
    return circle


def _message(state: OutcomeState, envelope: Envelope, data: MessagePosted) -> None:
    record: RelationshipFacts | CircleFacts
    if data.thread_kind == "circle":
        record = _circle(state, data.thread_id, data.programme_id)
    else:
        record = _relationship(state, envelope, data.thread_id, data.programme_id)
    if not _seen(record.inbox, str(envelope.id)):
        month = month_of(data.posted_at)
        record.messages[month] = record.messages.get(month, 0) + 1


def _formed(state: OutcomeState, envelope: Envelope, data: CircleFormed) -> None:
    circle = _circle(state, data.circle_id, data.programme_id)
    if circle.formed_at is None:  # a circle is formed once; a redelivery changes nothing
        circle.members = [_party(state, m.member_id, m.organisation_id) for m in data.members]
        circle.formed_at = data.formed_at
        for party in circle.members:
            state.mention(party, FactKind.CIRCLES, circle.id)


def _circle_session(state: OutcomeState, envelope: Envelope, data: CircleSessionHeld) -> None:
    circle = _circle(state, data.circle_id, data.programme_id)
    circle.sessions.setdefault(
        str(envelope.id),
        CircleSessionFact(
            format=data.format, held_at=data.held_at, minutes=data.minutes, attendees=data.attendees
        ),
    )


def _survey(state: OutcomeState, envelope: Envelope, data: SurveyCompleted) -> None:
    _organisation(state, data.organisation_id)
    state.surveys.setdefault(
        str(envelope.id),
        SurveyFacts(
            id=str(envelope.id),
            template_id=data.template_id,
            kind=data.kind,
            programme_id=data.programme_id,
            relationship_id=data.relationship_id,
            organisation_id=data.organisation_id,
            respondent_role=data.respondent_role,
            scores=dict(data.scores),
            completed_at=data.completed_at,
        ),
    )


_FOLDS: dict[type[EventData], Callable[[OutcomeState, Envelope, Any], None]] = {
    OrganisationJoined: _joined,
    ProgrammePublished: _published,
    ProgrammeCoordinatorsChanged: _coordinators,
    ProgrammeStatusChanged: _status,
    MemberEnrolled: _enrolled,
    MemberReadinessChanged: _readiness,
    MemberErased: _erasure,
    MatchProposed: _proposed,
    MatchAccepted: _accepted,
    MatchDeclined: _declined,
    RelationshipStarted: _started,
    RelationshipEnded: _ended,
    RelationshipPhaseChanged: _phase,
    AgreementSigned: _signed,
    MeetingHeld: _meeting,
    MeetingLogWritten: _log,
    CommitmentRated: _commitment,
    OskarScaled: _oskar,
    GoalAchieved: _goal,
    MessagePosted: _message,
    CircleFormed: _formed,
    CircleSessionHeld: _circle_session,
    SurveyCompleted: _survey,
}

# Every event type the read models are built from (the consumer subscribes to each).
FOLDED: tuple[type[EventData], ...] = tuple(_FOLDS)


# --- what an event touches -----------------------------------------------------------------


def needs(event: InboundEvent[Any]) -> Needs:
    """The records `apply(state, event)` reads or changes, so the live path can load just
    those (erasure also needs every record naming the member: `mentions`)."""
    data, envelope = event.data, event.envelope
    wanted = Needs()
    refs = wanted.refs

    def organisation(*ids: str | None) -> None:
        refs.update(FactRef(FactKind.ORGANISATIONS, None, i) for i in ids if i)

    def member(member_id: str, organisation_id: str | None) -> None:
        if organisation_id:
            refs.add(FactRef(FactKind.MEMBERS, organisation_id, member_id))
            organisation(organisation_id)

    def relationship(relationship_id: str) -> None:
        refs.add(FactRef(FactKind.RELATIONSHIPS, envelope.organisation, relationship_id))
        organisation(envelope.organisation)

    if isinstance(data, OrganisationJoined):
        organisation(data.organisation_id)
    elif isinstance(data, ProgrammePublished):
        refs.add(FactRef(FactKind.PROGRAMMES, None, data.programme_id))
        organisation(data.owner_organisation_id, *data.organisations)
    elif isinstance(data, ProgrammeStatusChanged | ProgrammeCoordinatorsChanged):
        refs.add(FactRef(FactKind.PROGRAMMES, None, data.programme_id))
    elif isinstance(data, MemberEnrolled | MemberReadinessChanged):
        member(data.member_id, data.organisation_id)
    elif isinstance(data, MemberErased):
        member(data.member_id, data.organisation_id)
        wanted.mentions.add((data.organisation_id, data.member_id))
    elif isinstance(data, MatchProposed | MatchAccepted):
        refs.add(FactRef(FactKind.MATCHES, None, data.proposal_id))
        member(data.mentee_id, data.mentee_organisation_id)
        member(data.mentor_id, data.mentor_organisation_id)
    elif isinstance(data, MatchDeclined):
        refs.add(FactRef(FactKind.MATCHES, None, data.proposal_id))
    elif isinstance(data, RelationshipStarted | RelationshipEnded):
        relationship(data.relationship_id)
        member(data.mentee_id, data.mentee_organisation_id)
        member(data.mentor_id, data.mentor_organisation_id)
    elif isinstance(
        data,
        RelationshipPhaseChanged
        | AgreementSigned
        | MeetingHeld
        | MeetingLogWritten
        | CommitmentRated
        | OskarScaled
        | GoalAchieved,
    ):
        relationship(data.relationship_id)
    elif isinstance(data, MessagePosted):
        if data.thread_kind == "circle":
            refs.add(FactRef(FactKind.CIRCLES, None, data.thread_id))
        else:
            relationship(data.thread_id)
    elif isinstance(data, CircleFormed):
        refs.add(FactRef(FactKind.CIRCLES, None, data.circle_id))
        for m in data.members:
            member(m.member_id, m.organisation_id)
    elif isinstance(data, CircleSessionHeld):
        refs.add(FactRef(FactKind.CIRCLES, None, data.circle_id))
    elif isinstance(data, SurveyCompleted):
        refs.add(FactRef(FactKind.SURVEYS, data.organisation_id, str(envelope.id)))
        organisation(data.organisation_id)
    return wanted
