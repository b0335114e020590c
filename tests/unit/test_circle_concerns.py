"""When a peer group goes wrong (seed 001, "What can go wrong?"): the warning signs a
facilitator sees, whom a concern goes to, and who may read it (never the rest of the circle)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.evaluation.domain.monitoring import AlertKind, alert_id, concern_alert_id, describe
from services.evaluation.domain.monitoring import Condition as MonitoringCondition
from services.portal.domain.circle_concerns import MAX_CONCERN_CHARS as PORTAL_MAX
from services.portal.domain.circle_concerns import SIGNS, concern_from_form, whom
from services.portal.domain.circle_concerns import Concern as PortalConcern
from services.sessions.domain.circle_concerns import (
    MAX_CONCERN_CHARS,
    MAX_CONCERNS,
    WARNING_SIGNS,
    Concern,
    ConcernRecipientError,
    RaisedWith,
    WarningSign,
    check_concern_room,
    facilitator_for,
    may_read,
)
from shared.errors import ConflictError

MEMBERS = ["ana", "ben", "cai", "dee"]


def concern(raised_with: RaisedWith, facilitator: str | None = None) -> Concern:
    return Concern(
        id="con_1",
        circle_id="cir_1",
        programme_id="prg_1",
        session_id="circle-session:cir_1:0000000001",
        raised_with=raised_with,
        facilitator_id=facilitator,
        raised_by="ana",
        signs=[WarningSign.GOSSIP],
        text="gossip about a colleague",
        raised_at=datetime(2027, 3, 1, tzinfo=UTC),
    )


def test_every_warning_sign_of_seed_001_is_in_the_facilitators_brief_in_its_order() -> None:
    assert [g.sign for g in WARNING_SIGNS] == list(WarningSign)
    words = [g.words.lower() for g in WARNING_SIGNS]
    for seed_words in ("chat session", "advice giving", "criticism", "group gripe", "gossip"):
        assert any(seed_words in w for w in words), seed_words
    assert all(g.what_helps for g in WARNING_SIGNS)


def test_a_concern_raised_with_the_facilitator_is_read_by_them_and_its_author_only() -> None:
    raised = concern(RaisedWith.FACILITATOR, facilitator="ben")
    assert may_read(raised, "ana", coordinates=False)  # who raised it
    assert may_read(raised, "ben", coordinates=False)  # the facilitator it went to
    assert not may_read(raised, "cai", coordinates=False)  # the rest of the circle
    assert not may_read(raised, "dee", coordinates=True)  # not the co-ordinators' either


def test_a_concern_raised_with_the_coordinators_is_read_by_them_and_its_author_only() -> None:
    raised = concern(RaisedWith.COORDINATOR)
    assert may_read(raised, "ana", coordinates=False)
    assert may_read(raised, "coordinator", coordinates=True)
    assert not may_read(raised, "ben", coordinates=False)  # not even this session's facilitator


def test_a_concern_goes_to_a_facilitator_who_is_another_current_member() -> None:
    assert facilitator_for("ben", MEMBERS, "ana") == "ben"
    with pytest.raises(ConcernRecipientError, match="you facilitate"):
        facilitator_for("ana", MEMBERS, "ana")
    with pytest.raises(ConcernRecipientError, match="left the circle"):
        facilitator_for("former member", MEMBERS, "ana")
    with pytest.raises(ConcernRecipientError, match="session_id"):
        facilitator_for(None, MEMBERS, "ana")


def test_a_member_raises_a_bounded_number_of_concerns_in_a_circle() -> None:
    check_concern_room(MAX_CONCERNS - 1)
    with pytest.raises(ConflictError):
        check_concern_room(MAX_CONCERNS)


def test_a_concerns_alert_is_one_per_concern_and_says_nothing_of_it() -> None:
    first, again = concern_alert_id("con_1"), concern_alert_id("con_1")
    assert first == again and first != concern_alert_id("con_2")
    assert first.startswith("alr_")
    since = datetime(2027, 3, 1, tzinfo=UTC)
    assert first != alert_id("con_1", MonitoringCondition(AlertKind.CIRCLE_CONCERN, since))
    sentence = describe(AlertKind.CIRCLE_CONCERN, since)
    assert "1 March 2027" in sentence and "concern" in sentence


def test_the_portals_form_asks_whom_which_session_and_some_words() -> None:
    _, _, problems = concern_from_form({"raised_with": ["facilitator"], "text": [" "]})
    assert problems.fields == {
        "session_id": "Choose the session whose facilitator you raise it with.",
        "text": "Say what concerns you.",
    }
    _, _, problems = concern_from_form({"text": ["x" * (PORTAL_MAX + 1)]})
    assert set(problems.fields) == {"raised_with", "text"}
    _, body, problems = concern_from_form(
        {
            "raised_with": ["coordinator"],
            "session_id": [""],
            "signs": ["gossip", "not-a-sign", "group_gripe"],
            "text": ["talk about absent colleagues"],
        }
    )
    assert not problems
    assert body == {
        "raised_with": "coordinator",
        "session_id": None,
        "signs": ["gossip", "group_gripe"],
        "text": "talk about absent colleagues",
    }
    assert list(SIGNS) == [s.value for s in WarningSign]  # the portal's words, the service's codes
    assert PORTAL_MAX == MAX_CONCERN_CHARS


def test_the_portal_says_whose_hands_a_concern_is_in() -> None:
    raised = PortalConcern.model_validate(concern(RaisedWith.FACILITATOR, "ben").model_dump())
    assert whom(raised, "ben") == "you, as facilitator"
    assert whom(raised, "ana") == "the session's facilitator"
    to_coordinator = concern(RaisedWith.COORDINATOR).model_dump()
    assert whom(PortalConcern.model_validate(to_coordinator), "ana") == (
        "the programme's co-ordinator"
    )
