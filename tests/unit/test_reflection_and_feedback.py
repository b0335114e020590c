"""The journal's and BOOST feedback's pure rules (seed 000): the six stages, an entry's
context, sharing once; which BOOST letters feedback covers, and where a circle note may carry
it (seed 001's feedback steps); and the portal's side of both forms."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from services.portal.domain.feedback import (
    FeedbackDraft,
    boost_body,
    boxes_from_form,
    circle_feedback,
    circle_feedback_problems,
)
from services.portal.domain.journal import (
    EntryDraft,
    JournalEntry,
    draft_from_form,
    draft_of,
    entry_body,
    to_reflect_on,
)
from services.portal.domain.relationships import MeetingLog
from services.sessions.domain.circle_sessions import (
    FeedbackStepError,
    SessionFormat,
    Step,
    check_feedback_step,
)
from services.sessions.domain.feedback import LETTERS, BoostFeedback, BoostLetter, coverage
from services.sessions.domain.journal import (
    STAGE_PROMPTS,
    STAGES,
    JournalContext,
    JournalEntryContent,
    Sharing,
    check_not_shared,
)
from services.sessions.domain.journal import (
    JournalEntry as StoredEntry,
)
from shared.errors import ConflictError

NOW = datetime(2027, 2, 1, 9, tzinfo=UTC)


# --- the journal ---------------------------------------------------------------------------


def test_the_six_stages_are_clutterbuck_and_megginsons_in_order_each_with_a_prompt() -> None:
    assert [s.value for s in STAGES] == [
        "disaggregation",
        "framing",
        "implication_analysis",
        "insight",
        "reframing",
        "options",
    ]
    assert set(STAGE_PROMPTS) == set(STAGES) and all(STAGE_PROMPTS.values())


def test_an_entry_answers_at_least_one_stage_within_its_bound() -> None:
    assert JournalEntryContent(insight=" seen ").insight == "seen"
    with pytest.raises(ValidationError, match="at least one of"):
        JournalEntryContent(framing="   ")
    with pytest.raises(ValidationError, match="options"):
        JournalEntryContent(options="x" * 4001)
    with pytest.raises(ValidationError):
        JournalEntryContent.model_validate({"insight": "x", "author": "someone else"})


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        (
            {"kind": "meeting_log", "relationship_id": "r", "log_id": "l", "circle_id": "c"},
            {"relationship_id": "r", "log_id": "l", "circle_id": None, "session_id": None},
        ),
        (
            {"kind": "circle_session", "circle_id": "c", "session_id": "s", "log_id": "l"},
            {"relationship_id": None, "log_id": None, "circle_id": "c", "session_id": "s"},
        ),
    ],
)
def test_a_context_keeps_the_two_ids_of_its_kind(
    given: dict[str, Any], kept: dict[str, Any]
) -> None:
    assert JournalContext.model_validate(given).model_dump(exclude={"kind"}) == kept


@pytest.mark.parametrize(
    "given",
    [
        {"kind": "meeting_log", "relationship_id": "r"},
        {"kind": "circle_session", "session_id": "s"},
        {"kind": "a hunch"},
    ],
)
def test_a_context_without_the_ids_of_its_kind_is_refused(given: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        JournalContext.model_validate(given)


def test_an_entry_is_shared_into_a_relationship_once() -> None:
    entry = StoredEntry(
        id="journal:m:0000000001",
        author="m",
        insight="x",
        written_at=NOW,
        revision=1,
        shared=[
            Sharing(relationship_id="rel_a", reflection_id="reflection:rel_a:1", shared_at=NOW)
        ],
    )
    check_not_shared(entry, "rel_b")
    with pytest.raises(ConflictError, match="already shared"):
        check_not_shared(entry, "rel_a")


# --- BOOST ---------------------------------------------------------------------------------


def test_boost_covers_the_letters_answered_in_order() -> None:
    assert [letter.value for letter in LETTERS] == [
        "balanced",
        "observed",
        "objective",
        "specific",
        "timely",
    ]
    feedback = BoostFeedback(timely="now", balanced="a strength", observed="   ")
    assert feedback.covers == [BoostLetter.BALANCED, BoostLetter.TIMELY]
    shown = coverage(feedback)
    assert [(c.letter, c.covered) for c in shown] == [
        (BoostLetter.BALANCED, True),
        (BoostLetter.OBSERVED, False),
        (BoostLetter.OBJECTIVE, False),
        (BoostLetter.SPECIFIC, False),
        (BoostLetter.TIMELY, True),
    ]
    assert all(c.prompt for c in shown)


def test_boost_covers_is_worked_out_never_taken_from_input() -> None:
    stored = BoostFeedback(specific="when you asked").model_dump(mode="json")
    assert stored["covers"] == ["specific"]
    claimed = BoostFeedback.model_validate({**stored, "covers": ["balanced", "timely"]})
    assert claimed.covers == [BoostLetter.SPECIFIC]
    with pytest.raises(ValidationError):
        BoostFeedback.model_validate({"vague": "x"})


@pytest.mark.parametrize("step", [Step.PEER_FEEDBACK, Step.POSITIVE_FEEDBACK])
def test_boost_feedback_goes_in_a_critical_incidents_feedback_steps(step: Step) -> None:
    check_feedback_step(SessionFormat.CRITICAL_INCIDENT, step, BoostFeedback(observed="x"))


@pytest.mark.parametrize(
    ("session_format", "step", "feedback"),
    [
        (SessionFormat.CRITICAL_INCIDENT, Step.PRESENTATION, BoostFeedback(observed="x")),
        (SessionFormat.CRITICAL_INCIDENT, None, BoostFeedback(observed="x")),
        (SessionFormat.GOOD_NEWS_ANALYSIS, Step.PEER_FEEDBACK, BoostFeedback(observed="x")),
        (SessionFormat.CRITICAL_INCIDENT, Step.PEER_FEEDBACK, None),
    ],
)
def test_boost_feedback_anywhere_else_is_refused(
    session_format: SessionFormat, step: Step | None, feedback: BoostFeedback | None
) -> None:
    with pytest.raises(FeedbackStepError):
        check_feedback_step(session_format, step, feedback)
    check_feedback_step(session_format, None, None)  # a plain note is fine in any format


# --- the portal's forms --------------------------------------------------------------------


def _log(log_id: str, author: str, met_on: date) -> MeetingLog:
    return MeetingLog(id=log_id, met_on=met_on, author=author, written_at=NOW)


def test_the_home_page_offers_recent_own_logs_not_yet_reflected_on() -> None:
    today = date(2027, 2, 20)
    logs = [
        _log("log:r:1", "me", date(2027, 2, 1)),  # too long ago
        _log("log:r:2", "me", date(2027, 2, 10)),  # reflected on
        _log("log:r:3", "them", date(2027, 2, 18)),  # the other party's
        _log("log:r:4", "me", date(2027, 2, 12)),
        _log("log:r:5", "me", date(2027, 2, 19)),
    ]
    reflected = JournalEntry(
        id="journal:me:1",
        author="me",
        context={"kind": "meeting_log", "relationship_id": "r", "log_id": "log:r:2"},
        insight="x",
        written_at=NOW,
    )
    offered = to_reflect_on("me", logs, [reflected], today)
    assert [log.id for log in offered] == ["log:r:5", "log:r:4"]


def test_the_journal_form_carries_its_context_and_needs_a_stage() -> None:
    draft = draft_from_form(
        {"relationship_id": ["r"], "log_id": ["l"], "framing": [" the issue "], "x": ["y"]}
    )
    body, problems = entry_body(draft)
    assert not problems
    assert body["context"] == {"kind": "meeting_log", "relationship_id": "r", "log_id": "l"}
    assert body["framing"] == "the issue"
    _, problems = entry_body(EntryDraft(circle_id="c", session_id="s"))
    assert problems.message == "Write something for at least one stage."
    _, problems = entry_body(EntryDraft(insight="x" * 4001))
    assert "insight" in problems.fields
    stored = JournalEntry.model_validate({**body, "id": "j", "author": "me", "written_at": NOW})
    assert draft_of(stored) == draft


def test_the_portal_sends_boost_feedback_only_when_a_box_is_answered() -> None:
    boxes = boxes_from_form({"boost-observed": [" you asked "], "boost-timely": [""]})
    assert boxes["observed"] == "you asked" and set(boxes) == {
        "balanced",
        "observed",
        "objective",
        "specific",
        "timely",
    }
    assert boost_body(boxes) == boxes
    assert boost_body(dict.fromkeys(boxes, "")) is None


def test_circle_feedback_needs_a_feedback_step_and_a_prompt_answered() -> None:
    draft, body = circle_feedback({"step": ["peer_feedback"], "boost-specific": ["when"]})
    assert not circle_feedback_problems(draft)
    assert body["step"] == "peer_feedback" and body["feedback"]["specific"] == "when"
    problems = circle_feedback_problems(FeedbackDraft(step="presentation", boxes={"balanced": "x"}))
    assert "step" in problems.fields
    problems = circle_feedback_problems(FeedbackDraft(step="peer_feedback"))
    assert problems.message == "Answer at least one of the BOOST prompts."
