"""A programme's co-ordinator cannot work out one person's answers from alerts or comments
(docs/security.md, "Threats, defences and the tests that attack them"). The attacks, against
the real MongoDB-wire server and Kafka with the clock moved by hand (the rig of
test_surveys_and_alerts_over_time):

- bracketing a pulse score: move `low_pulse_score` step by step and read the alerts after
  each step;
- timing: read when a low-pulse alert was raised, to the second;
- polling comments: read them after each answer, and tie the new one to its writer.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import cast

import pytest

from services.evaluation.adapters.alert_book import AlertView
from services.evaluation.domain.monitoring import AlertThresholds
from shared.auth.principal import CallerKind, Principal, Role
from shared.contracts.evaluation import SurveyCompleted
from shared.contracts.sessions import RelationshipStarted
from shared.errors import ConflictError
from shared.events.catalogue import InboundEvent, catalogue
from shared.events.topics import domain_topic
from tests.integration import test_surveys_and_alerts_over_time as over_time
from tests.integration.conftest import read_topic
from tests.integration.test_surveys_and_alerts_over_time import (
    MENTEE_CALLER,
    MENTOR,
    ORG,
    OTHER,
    PROGRAMME,
    START,
    Rig,
    inbound,
)

rig = over_time.rig  # the same rig: the evaluation service's parts, real servers, a clock

COORDINATOR = Principal(
    subject="mem_coordinator0001",
    organisation=ORG,
    kind=CallerKind.MEMBER,
    roles=frozenset({Role.MEMBER, Role.PROGRAMME_COORDINATOR}),
)
MENTOR_CALLER = Principal(subject=MENTOR, organisation=OTHER, kind=CallerKind.MEMBER)
FOUR_WEEKS = START + timedelta(weeks=4, hours=3)  # Monday 1 February 2027, 12:00 UTC


async def _answer(rig: Rig, caller: Principal, answers: dict[str, object]) -> None:
    (due,) = [s for s in await rig.parts.surveys.due(caller) if s.kind.value == "pulse"]
    await rig.parts.surveys.answer(caller, due.id, answers)


async def _deliver_answers(rig: Rig, count: int) -> None:
    """What the service's consumer does with its own `survey.completed` events."""
    topic = domain_topic(rig.settings.topic_prefix, "evaluation")
    records = await read_topic(topic, expect=count)
    events = [catalogue.parse(r.value) for r in records]  # type: ignore[attr-defined]
    completed = [
        cast(InboundEvent[SurveyCompleted], e)
        for e in events
        if isinstance(e.data, SurveyCompleted)
    ]
    assert len(completed) >= count
    await rig.parts.feed.on_events(completed)


async def _low_pulse_alerts(rig: Rig) -> list[AlertView]:
    alerts = await rig.parts.alerts.listing(COORDINATOR, PROGRAMME, None)
    return [a for a in alerts if a.kind.value == "low_pulse"]


async def _set_low_pulse(rig: Rig, score: float) -> None:
    """What `PUT /programmes/{id}/alert-thresholds` does."""
    await rig.parts.programmes.set_thresholds(
        COORDINATOR, PROGRAMME, AlertThresholds(low_pulse_score=score)
    )
    await rig.parts.review.review_programme(PROGRAMME)


async def test_moving_the_threshold_cannot_bracket_one_persons_pulse(rig: Rig) -> None:
    rig.clock.now = FOUR_WEEKS
    await rig.parts.review.sweep()
    # The mentee answers the pulse check: 3 of 5 on both questions.
    await _answer(rig, MENTEE_CALLER, {"q1": 3, "q2": 3})
    await _deliver_answers(rig, 1)
    # Step 1 of the attack: the threshold just above the answer. Before the fix, an alert
    # appeared here (so the answer was at or below 3.0) and not at 2.0 (so above 2.0).
    await _set_low_pulse(rig, 3.0)
    assert await _low_pulse_alerts(rig) == []  # one answer alone raises nothing
    # Step 2: the next move, the same day, is refused.
    with pytest.raises(ConflictError, match="once a week"):
        await _set_low_pulse(rig, 2.5)
    rig.clock.now = FOUR_WEEKS + timedelta(days=6, hours=23)
    with pytest.raises(ConflictError, match="once a week"):
        await _set_low_pulse(rig, 2.5)
    # Once both sides answered, their pulse together is what can raise an alert.
    rig.clock.now = FOUR_WEEKS + timedelta(days=2, hours=5, minutes=17, seconds=41)
    await _answer(rig, MENTOR_CALLER, {"q1": 2, "q2": 3})
    await _deliver_answers(rig, 2)
    (alert,) = await _low_pulse_alerts(rig)  # mean 2.75, at or below 3.0
    # No exact time: counted from the Monday of the newest answer's week, raised "that day".
    assert alert.since == datetime(2027, 2, 1, tzinfo=UTC)
    assert alert.raised_at == datetime(2027, 2, 3, tzinfo=UTC)
    assert "week of 1 February 2027" in alert.description
    # A week after the last move, the threshold may move again.
    rig.clock.now = FOUR_WEEKS + timedelta(days=7)
    await _set_low_pulse(rig, 2.0)


async def test_comments_appear_in_batches_not_as_they_are_written(rig: Rig) -> None:
    """Five mentees comment in week 5; polling that week shows nothing; the next week shows
    the five at once. A sixth comment alone never appears on its own."""
    mentees = [f"mem_menteecomment{n:03d}" for n in range(6)]
    for n, mentee in enumerate(mentees):
        started = RelationshipStarted(
            relationship_id=f"rel_comment{n}",
            proposal_id=f"prp_comment{n}",
            programme_id=PROGRAMME,
            mentee_id=mentee,
            mentee_organisation_id=ORG,
            mentor_id=f"mem_mentorcomment{n:03d}",
            mentor_organisation_id=ORG,
            started_at=START,
        )
        await rig.parts.feed.on_events([inbound(started, ORG)])
    rig.clock.now = FOUR_WEEKS
    await rig.parts.review.sweep()
    terms = await rig.parts.programmes.coordinated(COORDINATOR, PROGRAMME)

    async def shown() -> list[str]:
        (question,) = [
            q
            for q in await rig.parts.surveys.comments(COORDINATOR, terms)
            if q.template_id == "tpl_pulse"
        ]
        return question.comments

    callers = [Principal(subject=m, organisation=ORG, kind=CallerKind.MEMBER) for m in mentees]
    for n, caller in enumerate(callers[:5]):
        await _answer(rig, caller, {"q1": 4, "q2": 4, "q3": f"comment {n}"})
        assert await shown() == []  # not while the week lasts: polling ties nothing
    rig.clock.now = FOUR_WEEKS + timedelta(weeks=1)
    assert await shown() == [f"comment {n}" for n in range(5)]
    await _answer(rig, callers[5], {"q1": 4, "q2": 4, "q3": "the sixth, alone"})
    for weeks in (1, 2, 5):
        rig.clock.now = FOUR_WEEKS + timedelta(weeks=weeks)
        assert "the sixth, alone" not in await shown()
