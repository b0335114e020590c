"""The portal's meeting log form (seed 002, Resource 13): rows of steps with who takes each,
topics one per line, dates; read into the body the sessions service takes (checked against its
own model), and a stored log read back into the form for its author."""

from __future__ import annotations

from datetime import UTC, date, datetime

from services.portal.domain.meeting_logs import (
    MIN_ROWS,
    LogDraft,
    StepRow,
    draft_from_form,
    draft_of,
    log_body,
    new_draft,
)
from services.portal.domain.relationships import Meeting, MeetingLog
from services.sessions.domain.meeting_logs import MeetingLogContent

MEETING = "meeting:rel_0a1b2c3d4e5f6a7b:0000000003"


def form(**values: str) -> dict[str, list[str]]:
    return {name.replace("__", "-"): [value] for name, value in values.items()}


def test_a_filled_form_becomes_resource_13s_log() -> None:
    draft = draft_from_form(
        form(
            met_on="2026-12-01",
            meeting_id=MEETING,
            achieved_since_last="Drafted the checklist",
            topics="First team review\n\n  Feedback   to a colleague \n",
            steps__0__step="Observe a review",
            steps__0__owner="mentee",
            steps__0__resources="the review calendar",
            steps__1__step="",
            steps__1__owner="",
            steps__2__step="Share the notes",
            steps__2__owner="both",
            next_actions__0__step="Book a room",
            next_actions__0__owner="mentor",
            next_topic="Giving feedback",
            next_meeting_on="2027-01-05",
        )
    )
    body, problems = log_body(draft, [MEETING])
    assert not problems
    assert body["topics"] == ["First team review", "Feedback to a colleague"]
    assert body["steps"] == [
        {"step": "Observe a review", "owner": "mentee", "resources": "the review calendar"},
        {"step": "Share the notes", "owner": "both", "resources": ""},
    ], "the blank row between them is a spare, not a step"
    assert body["next_actions"] == [{"step": "Book a room", "owner": "mentor", "resources": ""}]
    content = MeetingLogContent.model_validate(body)
    assert content.met_on == date(2026, 12, 1) and content.next_meeting_on == date(2027, 1, 5)


def test_a_step_needs_who_takes_it_and_the_problem_sits_on_its_row() -> None:
    draft = draft_from_form(
        form(
            met_on="2026-12-01",
            topics="x",
            steps__0__step="Observe",
            steps__0__owner="mentee",
            steps__1__step="Shadow someone",
            steps__1__owner="",
            steps__2__step="",
            steps__2__resources="a book",
            steps__2__owner="mentor",
        )
    )
    _, problems = log_body(draft, [])
    assert set(problems.fields) == {"steps-1-owner", "steps-2-step"}
    assert [row.step for row in draft.steps] == ["Observe", "Shadow someone", ""], "kept as typed"


def test_dates_and_the_meeting_are_checked() -> None:
    _, problems = log_body(LogDraft(met_on="", topics="x"), [])
    assert "met_on" in problems.fields
    _, problems = log_body(
        LogDraft(
            met_on="2026-12-01",
            next_meeting_on="2026-11-01",
            topics="x",
            meeting_id="meeting:rel_x:9",
        ),
        [MEETING],
    )
    assert set(problems.fields) == {"next_meeting_on", "meeting_id"}


def test_an_empty_form_is_not_a_log() -> None:
    _, problems = log_body(LogDraft(met_on="2026-12-01"), [])
    assert problems.message and not problems.fields


def test_a_stored_log_goes_back_into_its_form_with_spare_rows() -> None:
    log = MeetingLog.model_validate(
        {
            "id": "log:rel_0a1b2c3d4e5f6a7b:0000000002",
            "met_on": "2026-12-01",
            "meeting_id": MEETING,
            "topics": ["One", "Two"],
            "steps": [{"step": "Observe", "owner": "mentee", "resources": "calendar"}],
            "next_meeting_on": "2027-01-05",
            "author": "mem_1",
            "written_at": "2026-12-01T18:00:00Z",
        }
    )
    draft = draft_of(log)
    assert draft.topics == "One\nTwo" and draft.meeting_id == MEETING
    rows = draft.rows("steps")
    assert rows[0] == StepRow(step="Observe", owner="mentee", resources="calendar")
    assert len(rows) == MIN_ROWS and all(r.blank for r in rows[1:])
    assert len(draft.rows("next_actions")) == MIN_ROWS
    body, problems = log_body(draft, [MEETING])
    assert not problems and body["steps"][0]["resources"] == "calendar"


def test_a_new_log_is_dated_by_its_meeting_or_today() -> None:
    held = Meeting.model_validate(
        {
            "id": MEETING,
            "relationship_id": "rel_0a1b2c3d4e5f6a7b",
            "status": "held",
            "starts_at": datetime(2026, 11, 30, 23, 0, tzinfo=UTC),
            "ends_at": datetime(2026, 12, 1, 0, 0, tzinfo=UTC),
            "minutes": 60,
            "method": "video",
        }
    )
    today = date(2026, 12, 3)
    assert new_draft(None, today).met_on == "2026-12-03"
    draft = new_draft(held, today, date(2026, 12, 1))
    assert (draft.met_on, draft.meeting_id) == ("2026-12-01", MEETING)
