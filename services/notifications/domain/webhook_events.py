"""What a partner organisation's own systems may hear about, by webhook: the subscribable
event types, and for each one the payload each organisation gets.

An organisation hears only of its own people and its own programmes (seed 002's programme
cycle: enrolment, a match agreed, the relationship's start, agreement, meetings and logs, goals
achieved, the evaluation's surveys, the relationship's end). Each payload names that
organisation's member ids and nothing of anyone else's: a relationship across two
organisations gives each one its own member's id and role, never the other's. No payload
carries anything a person wrote (no log, message, note, plan, survey answer or agreement
text), nor a survey's scores: only that something happened, when, and the ids to look it up by.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from shared.contracts.evaluation import SurveyCompleted
from shared.contracts.matching import MatchAccepted
from shared.contracts.registry import (
    MemberEnrolled,
    MemberErased,
    MemberRegistered,
    ProgrammePublished,
    ProgrammeStatusChanged,
    RoleGranted,
    RoleRevoked,
)
from shared.contracts.sessions import (
    AgreementSigned,
    GoalAchieved,
    MeetingHeld,
    MeetingLogWritten,
    RelationshipEnded,
    RelationshipPhaseChanged,
    RelationshipStarted,
)
from shared.events.envelope import EventData

Payload = dict[str, Any]


@dataclass(frozen=True)
class Party:
    """One person taking part in a relationship: their organisation and side."""

    member_id: str
    organisation_id: str
    role: str  # mentor or mentee


@dataclass(frozen=True)
class Known:
    """What this service already knows that an event does not say itself: the parties of the
    event's relationship, the organisations taking part in its programme."""

    parties: tuple[Party, ...] = ()
    programme_organisations: tuple[str, ...] = field(default_factory=tuple)


def _stamp(value: datetime | date) -> str:
    return value.isoformat()


def _by_organisation(parties: Iterable[Party], common: Payload) -> list[tuple[str, Payload]]:
    """One payload per organisation, naming only its own parties."""
    own: dict[str, list[dict[str, str]]] = {}
    for p in parties:
        own.setdefault(p.organisation_id, []).append({"member_id": p.member_id, "role": p.role})
    return [(o, {**common, "members": members}) for o, members in own.items()]


def _pair(d: Any) -> tuple[Party, Party]:
    """The mentor and mentee an event names, with their organisations."""
    return (
        Party(d.mentor_id, d.mentor_organisation_id, "mentor"),
        Party(d.mentee_id, d.mentee_organisation_id, "mentee"),
    )


def _registered(d: MemberRegistered, _: Known) -> list[tuple[str, Payload]]:
    return [
        (
            d.organisation_id,
            {"member_id": d.member_id, "roles": d.roles, "registered_at": _stamp(d.registered_at)},
        )
    ]


def _granted(d: RoleGranted, _: Known) -> list[tuple[str, Payload]]:
    return [(d.organisation_id, {"member_id": d.member_id, "role": d.role})]


def _revoked(d: RoleRevoked, _: Known) -> list[tuple[str, Payload]]:
    return [(d.organisation_id, {"member_id": d.member_id, "role": d.role})]


def _enrolled(d: MemberEnrolled, _: Known) -> list[tuple[str, Payload]]:
    payload = {"programme_id": d.programme_id, "member_id": d.member_id, "role": d.role}
    return [(d.organisation_id, payload)]


def _erased(d: MemberErased, _: Known) -> list[tuple[str, Payload]]:
    return [(d.organisation_id, {"member_id": d.member_id})]


def _published(d: ProgrammePublished, _: Known) -> list[tuple[str, Payload]]:
    return [
        (
            organisation_id,
            {
                "programme_id": d.programme_id,
                "model": d.model,
                "starts_on": _stamp(d.starts_on),
                "ends_on": _stamp(d.ends_on),
                "owned": organisation_id == d.owner_organisation_id,
            },
        )
        for organisation_id in dict.fromkeys(d.organisations)
    ]


def _status(d: ProgrammeStatusChanged, known: Known) -> list[tuple[str, Payload]]:
    payload = {"programme_id": d.programme_id, "status": d.status}
    return [(o, dict(payload)) for o in dict.fromkeys(known.programme_organisations)]


def _accepted(d: MatchAccepted, _: Known) -> list[tuple[str, Payload]]:
    common = {
        "proposal_id": d.proposal_id,
        "programme_id": d.programme_id,
        "accepted_at": _stamp(d.accepted_at),
    }
    return _by_organisation(_pair(d), common)


def _started(d: RelationshipStarted, _: Known) -> list[tuple[str, Payload]]:
    common = {
        "relationship_id": d.relationship_id,
        "programme_id": d.programme_id,
        "started_at": _stamp(d.started_at),
    }
    return _by_organisation(_pair(d), common)


def _phase(d: RelationshipPhaseChanged, known: Known) -> list[tuple[str, Payload]]:
    common = {
        "relationship_id": d.relationship_id,
        "programme_id": d.programme_id,
        "phase": d.phase,
        "changed_at": _stamp(d.changed_at),
    }
    return _by_organisation(known.parties, common)


def _ended(d: RelationshipEnded, _: Known) -> list[tuple[str, Payload]]:
    common = {
        "relationship_id": d.relationship_id,
        "programme_id": d.programme_id,
        "ended_early": d.ended_early,
        "ended_at": _stamp(d.ended_at),
    }
    return _by_organisation(_pair(d), common)


def _signed(d: AgreementSigned, _: Known) -> list[tuple[str, Payload]]:
    common = {
        "relationship_id": d.relationship_id,
        "programme_id": d.programme_id,
        "version": d.version,
        "signed_at": _stamp(d.signed_at),
    }
    return _by_organisation(_pair(d), common)


def _held(d: MeetingHeld, known: Known) -> list[tuple[str, Payload]]:
    common = {
        "meeting_id": d.meeting_id,
        "relationship_id": d.relationship_id,
        "programme_id": d.programme_id,
        "held_at": _stamp(d.held_at),
        "minutes": d.minutes,
    }
    return _by_organisation(known.parties, common)


def _log_written(d: MeetingLogWritten, known: Known) -> list[tuple[str, Payload]]:
    common = {
        "relationship_id": d.relationship_id,
        "programme_id": d.programme_id,
        "written_at": _stamp(d.written_at),
    }
    return _by_organisation(known.parties, common)


def _goal(d: GoalAchieved, known: Known) -> list[tuple[str, Payload]]:
    common = {
        "relationship_id": d.relationship_id,
        "programme_id": d.programme_id,
        "goal_id": d.goal_id,
        "term": d.term,
        "achieved_at": _stamp(d.achieved_at),
    }
    return _by_organisation(known.parties, common)


def _survey(d: SurveyCompleted, _: Known) -> list[tuple[str, Payload]]:
    payload: Payload = {
        "survey_id": d.survey_id,
        "programme_id": d.programme_id,
        "kind": d.kind,
        "respondent_role": d.respondent_role,
        "completed_at": _stamp(d.completed_at),
    }
    return [(d.organisation_id, payload)]


@dataclass(frozen=True)
class WebhookEventType:
    """One subscribable event type: its model, its plain words, its payloads, and whether its
    payloads need the relationship's parties or the programme's organisations looked up."""

    model: type[EventData]
    description: str
    payloads: Callable[[Any, Known], list[tuple[str, Payload]]]
    needs: str = ""  # "", "parties" or "programme"

    @property
    def type(self) -> str:
        """The event type's name, as the network's events name it."""
        return self.model.event_type


CATALOGUE: tuple[WebhookEventType, ...] = (
    WebhookEventType(MemberRegistered, "a person of yours joined the network", _registered),
    WebhookEventType(RoleGranted, "a person of yours was given a role", _granted),
    WebhookEventType(RoleRevoked, "a person of yours lost a role", _revoked),
    WebhookEventType(
        MemberEnrolled, "a person of yours was enrolled in a programme, and as what", _enrolled
    ),
    WebhookEventType(
        MemberErased, "a person of yours was erased: delete what you hold of them", _erased
    ),
    WebhookEventType(
        ProgrammePublished, "a programme your organisation takes part in was published", _published
    ),
    WebhookEventType(
        ProgrammeStatusChanged,
        "a programme your organisation takes part in changed status (running, closed ...)",
        _status,
        "programme",
    ),
    WebhookEventType(MatchAccepted, "a match of a person of yours was agreed", _accepted),
    WebhookEventType(
        RelationshipStarted, "a mentoring relationship of a person of yours started", _started
    ),
    WebhookEventType(
        RelationshipPhaseChanged,
        "a relationship of a person of yours moved to its next phase",
        _phase,
        "parties",
    ),
    WebhookEventType(RelationshipEnded, "a relationship of a person of yours ended", _ended),
    WebhookEventType(
        AgreementSigned, "a mentoring agreement of a person of yours was signed", _signed
    ),
    WebhookEventType(
        MeetingHeld, "a mentoring meeting of a person of yours took place", _held, "parties"
    ),
    WebhookEventType(
        MeetingLogWritten,
        "a meeting log was written (that it was, never what it says)",
        _log_written,
        "parties",
    ),
    WebhookEventType(
        GoalAchieved, "a goal of a relationship of yours was achieved", _goal, "parties"
    ),
    WebhookEventType(
        SurveyCompleted,
        "a person of yours answered a programme survey (that they did, never the answers)",
        _survey,
    ),
)
BY_TYPE = {t.type: t for t in CATALOGUE}


def subject(data: Payload) -> str | None:
    """The CloudEvents subject: the main thing a payload is about."""
    for key in ("relationship_id", "proposal_id", "survey_id", "member_id", "programme_id"):
        if isinstance(data.get(key), str):
            return str(data[key])
    return None
