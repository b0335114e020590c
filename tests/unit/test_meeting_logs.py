"""Meeting logs' rules (seed 002, Resource 13): bounded fields, dates, authorship, erasure."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from services.sessions.domain.meeting_logs import (
    LONG_TEXT,
    MAX_STEPS,
    MAX_TOPICS,
    SHORT_TEXT,
    LogDatesError,
    MeetingLog,
    MeetingLogContent,
    NotTheAuthorError,
    Step,
    StepOwner,
    check_author,
    check_dates,
    logs_of,
    without_member,
    written_with,
)
from services.sessions.domain.relationships import Party, Phase, Relationship, Side, Status
from shared.contracts.sessions import MeetingLogWritten

TODAY = date(2027, 2, 1)


def content(**changes: Any) -> MeetingLogContent:
    body: dict[str, Any] = {
        "met_on": "2027-02-01",
        "achieved_since_last": "drafted the checklist",
        "topics": ["first team review"],
        "steps": [{"step": "observe a review", "owner": "mentee"}],
        **changes,
    }
    return MeetingLogContent.model_validate(body)


def group(mentees: int = 1) -> Relationship:
    return Relationship(
        id="rel_1",
        proposal_id="prp_1",
        programme_id="prg_1",
        mentor=Party(member_id="mem_r", organisation_id="org_a"),
        mentees=[Party(member_id=f"mem_e{i}", organisation_id="org_b") for i in range(mentees)],
        phase=Phase.PROGRESSION,
        status=Status.ACTIVE,
        started_at=datetime(2027, 1, 1, tzinfo=UTC),
    )


def stored(author: str = "mem_e0") -> MeetingLog:
    return MeetingLog(
        **content().model_dump(),
        id=logs_of("rel_1") + ":0000000001",
        relationship_id="rel_1",
        programme_id="prg_1",
        author=author,
        author_side=Side.MENTEE,
        written_with=["mem_r"],
        written_at=datetime(2027, 2, 1, 12, tzinfo=UTC),
        revision=1,
    )


def test_a_log_holds_resource_13s_boxes_with_steps_and_who_takes_them() -> None:
    log = content(
        challenges="  time for reflection  ",
        next_topic="feedback",
        next_actions=[{"step": "read the BOOST notes", "owner": "both", "resources": "notes"}],
        next_resources="BOOST notes",
        next_meeting_on="2027-03-01",
        meeting_id="meeting:rel_1:0000000001",
    )
    assert log.challenges == "time for reflection"  # stripped
    assert log.steps == [Step(step="observe a review", owner=StepOwner.MENTEE)]
    assert log.next_actions[0].owner is StepOwner.BOTH
    assert log.next_meeting_on == date(2027, 3, 1)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("challenges", "x" * (LONG_TEXT + 1)),
        ("achieved_since_last", "x" * (LONG_TEXT + 1)),
        ("next_resources", "x" * (LONG_TEXT + 1)),
        ("topics", ["t"] * (MAX_TOPICS + 1)),
        ("topics", ["x" * (SHORT_TEXT + 1)]),
        ("topics", ["   "]),
        ("steps", [{"step": "s", "owner": "mentee"}] * (MAX_STEPS + 1)),
        ("steps", [{"step": "x" * (SHORT_TEXT + 1), "owner": "mentee"}]),
        ("steps", [{"step": "s", "owner": "line_manager"}]),
        ("meeting_id", "rel_5d2c7a9e1b3f4a6c"),
        ("colour", "blue"),
    ],
)
def test_oversize_or_malformed_fields_are_refused_naming_the_field(field: str, value: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        content(**{field: value})
    assert field in str(refused.value)


def test_at_the_bounds_a_log_is_accepted() -> None:
    log = content(
        challenges="x" * LONG_TEXT,
        topics=["x" * SHORT_TEXT] * MAX_TOPICS,
        steps=[{"step": "x" * SHORT_TEXT, "owner": "mentor"}] * MAX_STEPS,
    )
    assert len(log.challenges) == LONG_TEXT and len(log.steps) == MAX_STEPS


def test_an_empty_form_is_not_a_log() -> None:
    with pytest.raises(ValidationError, match="at least one of"):
        MeetingLogContent.model_validate({"met_on": "2027-02-01", "challenges": "   "})


def test_a_log_records_a_meeting_that_happened_and_the_next_comes_after() -> None:
    check_dates(content(met_on=str(TODAY + timedelta(days=1))), TODAY)  # time zones ahead
    with pytest.raises(LogDatesError, match="in the future"):
        check_dates(content(met_on=str(TODAY + timedelta(days=2))), TODAY)
    with pytest.raises(LogDatesError, match="must be after"):
        check_dates(content(next_meeting_on="2027-02-01"), TODAY)
    check_dates(content(next_meeting_on="2027-02-02"), TODAY)


def test_a_log_is_written_with_the_other_parties() -> None:
    assert written_with(group(), "mem_e0") == ["mem_r"]
    assert written_with(group(), "mem_r") == ["mem_e0"]
    assert written_with(group(3), "mem_e1") == ["mem_r", "mem_e0", "mem_e2"]


def test_only_its_author_changes_a_log() -> None:
    log = stored(author="mem_e0")
    check_author(log, "mem_e0")
    with pytest.raises(NotTheAuthorError) as refused:
        check_author(log, "mem_r")
    assert refused.value.status == 403


def test_an_erased_member_shows_as_the_placeholder() -> None:
    assert without_member(["mem_r", "mem_e0"], "mem_e0", "former member") == [
        "mem_r",
        "former member",
    ]
    assert without_member(["mem_r"], "mem_e0", "former member") == ["mem_r"]


def test_each_relationship_numbers_its_own_logs() -> None:
    assert logs_of("rel_1") != logs_of("rel_2")
    assert logs_of("rel_1").endswith("rel_1")


def test_the_event_can_carry_no_text_of_the_log() -> None:
    assert set(MeetingLogWritten.model_fields) == {"relationship_id", "programme_id", "written_at"}
