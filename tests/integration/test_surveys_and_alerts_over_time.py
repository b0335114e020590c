"""Surveys and monitoring against the real MongoDB-wire server and Kafka, with the clock moved
by hand: what only weeks of waiting would show end to end — a survey closing, the inactivity
warning then the alert, reminders once per episode, and answers a crash interrupted.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar

import pytest
from pymongo import AsyncMongoClient

from services.evaluation.adapters.surveys_and_alerts import (
    OUTBOX_COLLECTIONS,
    SurveysAndAlerts,
)
from shared.auth.principal import CallerKind, Principal
from shared.contracts.registry import OrganisationJoined
from shared.contracts.sessions import MeetingHeld, RelationshipStarted
from shared.directory import OrganisationDirectory
from shared.errors import ConflictError
from shared.events.catalogue import InboundEvent, catalogue, new_event
from shared.events.envelope import Audience, EventData
from shared.events.topics import domain_topic
from shared.mongo.databases import Document
from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings
from shared.tenancy import TenantData
from tests.integration.conftest import read_topic
from tests.unit.outcome_story import one_to_one_programme

START = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
ORG = "org_a1a1a1a1a1a1"
OTHER = "org_b2b2b2b2b2b2"
MENTEE = "mem_mentee000000001"
MENTOR = "mem_mentor000000001"
PROGRAMME = "prg_abcdefabcdef"


class Clock:
    """The time the parts see; tests move it."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Rig:
    parts: SurveysAndAlerts
    clock: Clock
    runtime: ServiceRuntime
    settings: ServiceSettings
    mongo: AsyncMongoClient[Document]

    def db(self, organisation: str | None) -> str:
        suffix = "network" if organisation is None else f"o_{organisation}"
        return f"{self.settings.db_prefix}_evaluation_{suffix}"

    async def stored(self, organisation: str | None, collection: str) -> list[Document]:
        return await self.mongo[self.db(organisation)][collection].find({}).to_list()


D = TypeVar("D", bound=EventData)


def inbound(data: D, organisation: str | None = None) -> InboundEvent[D]:
    audience = Audience.NETWORK if organisation is None else Audience.ORGANISATION
    return InboundEvent(new_event(data, organisation=organisation, audience=audience), data)


MENTEE_CALLER = Principal(subject=MENTEE, organisation=ORG, kind=CallerKind.MEMBER)


@pytest.fixture
async def rig(
    settings: ServiceSettings, topics: None, mongo: AsyncMongoClient[Document]
) -> AsyncIterator[Rig]:
    runtime = ServiceRuntime("evaluation", settings, outbox_collections=OUTBOX_COLLECTIONS)
    await runtime.start()
    clock = Clock()
    data = TenantData(runtime.databases)
    directory = OrganisationDirectory(data)
    parts = SurveysAndAlerts.build(runtime, data, directory, clock=clock)
    await directory.on_joined(
        [
            inbound(OrganisationJoined(organisation_id=o, name=o, joined_at=START))
            for o in (ORG, OTHER)
        ]
    )
    published = one_to_one_programme(
        PROGRAMME, [ORG, OTHER], ["mem_coordinator0001"], starts_on=date(2027, 1, 4)
    )
    await parts.programmes.on_published([inbound(published)])
    started = RelationshipStarted(
        relationship_id="rel_one",
        proposal_id="prp_one",
        programme_id=PROGRAMME,
        mentee_id=MENTEE,
        mentee_organisation_id=ORG,
        mentor_id=MENTOR,
        mentor_organisation_id=OTHER,
        started_at=START,
    )
    await parts.feed.on_events([inbound(started)])
    try:
        yield Rig(parts, clock, runtime, settings, mongo)
    finally:
        await runtime.stop()


async def test_a_survey_opens_on_time_closes_on_time_and_refuses_late_answers(rig: Rig) -> None:
    assert await rig.parts.surveys.due(MENTEE_CALLER) == []
    rig.clock.now = START + timedelta(weeks=4)
    await rig.parts.review.sweep()
    (due,) = await rig.parts.surveys.due(MENTEE_CALLER)
    assert due.kind.value == "pulse" and due.closes_at == START + timedelta(weeks=4, days=21)
    # Swept again: the same survey, not a second one.
    await rig.parts.review.sweep()
    assert len(await rig.stored(ORG, "survey_invitations")) == 1
    rig.clock.now = due.closes_at
    with pytest.raises(ConflictError, match="closed on"):
        await rig.parts.surveys.answer(MENTEE_CALLER, due.id, {"q1": 4, "q2": 4})
    assert await rig.stored(ORG, "survey_respondents") == []
    assert await rig.stored(ORG, "survey_answers") == []
    assert await rig.parts.surveys.due(MENTEE_CALLER) == []


async def test_one_reminder_per_unanswered_survey_a_week_after_it_opens(rig: Rig) -> None:
    rig.clock.now = START + timedelta(weeks=4)
    await rig.parts.review.sweep()
    survey_reminders = [r for r in await rig.parts.board.mine(MENTEE_CALLER) if r.survey_id]
    assert survey_reminders == []
    rig.clock.now = START + timedelta(weeks=5)
    await rig.parts.review.sweep()
    await rig.parts.review.sweep()
    survey_reminders = [r for r in await rig.parts.board.mine(MENTEE_CALLER) if r.survey_id]
    assert len(survey_reminders) == 1


async def test_quiet_relationships_get_a_warning_then_an_alert_each_once(rig: Rig) -> None:
    held = MeetingHeld(
        meeting_id="mtg_1",
        relationship_id="rel_one",
        programme_id=PROGRAMME,
        held_at=START + timedelta(days=10),
        minutes=60,
        method="video",
    )
    rig.clock.now = START + timedelta(days=11)
    await rig.parts.feed.on_events([inbound(held)])
    assert await rig.stored(None, "alerts") == []

    def kinds(alerts: list[Document]) -> list[str]:
        return sorted(a["kind"] for a in alerts)

    rig.clock.now = START + timedelta(days=10 + 14)
    await rig.parts.review.sweep()
    assert kinds(await rig.stored(None, "alerts")) == ["contact_overdue"]
    rig.clock.now = START + timedelta(days=10 + 83)
    await rig.parts.review.sweep()
    await rig.parts.review.sweep()
    assert kinds(await rig.stored(None, "alerts")) == ["contact_overdue", "inactivity_warning"]
    rig.clock.now = START + timedelta(days=10 + 90)
    await rig.parts.review.sweep()
    alerts = await rig.stored(None, "alerts")
    assert kinds(alerts) == ["contact_overdue", "inactive", "inactivity_warning"]
    # The quiet spell gave each party one "next meeting" reminder, not one per alert; the
    # mentee sees the recent one (the older nudge is stale by now).
    mentee_reminders = await rig.stored(ORG, "reminders")
    assert sorted(r["topic"] for r in mentee_reminders if "survey_id" not in r) == [
        "keep_in_touch",
        "next_meeting",
    ]
    shown = [r.topic.value for r in await rig.parts.board.mine(MENTEE_CALLER) if not r.survey_id]
    assert shown == ["next_meeting"]
    mentor_reminders = await rig.stored(OTHER, "reminders")
    assert sorted(r["topic"] for r in mentor_reminders if "survey_id" not in r) == [
        "keep_in_touch",
        "next_meeting",
    ]
    # Each alert was announced once, naming no one.
    topic = domain_topic(rig.settings.topic_prefix, "evaluation")
    records = await read_topic(topic, expect=3)
    raised = [catalogue.parse(r.value) for r in records]  # type: ignore[attr-defined]
    assert sorted(e.data.kind for e in raised) == kinds(alerts)  # type: ignore[attr-defined]
    for record in records:
        text = record.value.decode()  # type: ignore[attr-defined]
        assert MENTEE not in text and MENTOR not in text


async def test_an_answer_a_crash_interrupted_is_settled_once_or_withdrawn(rig: Rig) -> None:
    rig.clock.now = START + timedelta(weeks=4)
    await rig.parts.review.sweep()
    claims = rig.mongo[rig.db(ORG)]["survey_respondents"]
    bodies = rig.mongo[rig.db(ORG)]["survey_answers"]
    (due,) = await rig.parts.surveys.due(MENTEE_CALLER)
    # A crash after the claim, before the body: the claim is withdrawn, the person answers.
    await claims.insert_one(
        {"_id": due.id, "member_id": MENTEE, "receipt": "ans_lost", "claimed_at": rig.clock.now}
    )
    rig.clock.now += timedelta(minutes=5)
    await rig.parts.review.sweep()
    assert await claims.count_documents({}) == 0
    # A crash after the body, before the last step: the sweep finishes it, announcing once.
    await claims.insert_one(
        {"_id": due.id, "member_id": MENTEE, "receipt": "ans_kept", "claimed_at": rig.clock.now}
    )
    await bodies.insert_one(
        {
            "_id": "ans_kept",
            "programme_id": PROGRAMME,
            "template_id": "tpl_pulse",
            "template_version": 1,
            "kind": "pulse",
            "respondent_role": "mentee",
            "scores": {"q1": 5, "q2": 4},
            "choices": {},
            "texts": {},
            "week": "2027-W05",
        }
    )
    rig.clock.now += timedelta(minutes=5)
    await rig.parts.review.sweep()
    await rig.parts.review.sweep()
    (claim,) = await claims.find({}).to_list()
    assert "receipt" not in claim and claim["answered_on"]
    with pytest.raises(ConflictError, match="already"):
        await rig.parts.surveys.answer(MENTEE_CALLER, due.id, {"q1": 1, "q2": 1})
    records = await read_topic(domain_topic(rig.settings.topic_prefix, "evaluation"), expect=1)
    completed = [json.loads(r.value) for r in records]  # type: ignore[attr-defined]
    surveys = [e for e in completed if e["type"] == "survey.completed"]
    assert [e["data"]["scores"] for e in surveys] == [{"q1": 5, "q2": 4}]
    assert await bodies.count_documents({}) == 1
