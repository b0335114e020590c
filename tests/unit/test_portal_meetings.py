"""The portal's reading of meeting forms (seed 002: meetings face to face, by telephone or
online): a local time read in the person's zone, only what changed sent when a meeting moves
or is recorded as held, a service refusal beside its field, the groups a party acts on, and the
calendar's links. Each body is checked against the sessions service's own request models."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.portal.domain.forms import FormProblems
from services.portal.domain.meetings import (
    MeetingBounds,
    beside_field,
    board,
    changes_from_form,
    ics_filename,
    meeting_choices,
    meeting_values,
    new_meeting_from_form,
    webcal,
)
from services.portal.domain.relationships import Meeting
from services.sessions.domain.meetings import MeetingChanges, MeetingFacts, resolve_start

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
ZONE = "Pacific/Auckland"


def meeting(number: int, status: str, starts_in: timedelta, **fields: object) -> Meeting:
    starts_at = NOW + starts_in
    return Meeting.model_validate(
        {
            "id": f"meeting:rel_0a1b2c3d4e5f6a7b:{number:010d}",
            "relationship_id": "rel_0a1b2c3d4e5f6a7b",
            "status": status,
            "starts_at": starts_at,
            "ends_at": starts_at + timedelta(minutes=60),
            "minutes": 60,
            "method": "video",
            **fields,
        }
    )


def form(**values: str) -> dict[str, list[str]]:
    return {name: [value] for name, value in values.items()}


def test_a_planned_meeting_is_the_local_time_typed_with_the_persons_zone() -> None:
    body, problems = new_meeting_from_form(
        form(
            starts_at="2026-12-14T09:30", minutes="60", method="face_to_face", location=" Room  4 "
        ),
        ZONE,
    )
    assert not problems
    assert body == {
        "starts_at": "2026-12-14T09:30:00",
        "time_zone": ZONE,
        "minutes": 60,
        "method": "face_to_face",
        "location": "Room 4",
        "status": "planned",
    }
    facts = MeetingFacts.model_validate({k: v for k, v in body.items() if k != "status"})
    start, zone = resolve_start(facts.starts_at, facts.time_zone)
    assert zone == ZONE
    assert start == datetime(2026, 12, 13, 20, 30, tzinfo=UTC), "09:30 in Auckland (NZDT, +13)"


def test_a_place_is_optional_and_every_other_field_is_needed() -> None:
    body, problems = new_meeting_from_form(
        form(starts_at="2026-12-14T09:30", minutes="45", method="telephone"), ZONE
    )
    assert not problems and body["location"] is None
    _, problems = new_meeting_from_form(
        form(starts_at="", minutes="an hour", method="carrier pigeon"), ZONE
    )
    assert set(problems.fields) == {"starts_at", "minutes", "method"}
    assert problems.message


@pytest.mark.parametrize("minutes", ["0", "-5", "60.5", "²", "1e2"])
def test_a_length_is_a_whole_number_of_minutes(minutes: str) -> None:
    _, problems = new_meeting_from_form(
        form(starts_at="2026-12-14T09:30", minutes=minutes, method="video"), ZONE
    )
    assert "minutes" in problems.fields


def test_a_time_with_an_offset_or_nonsense_is_refused_beside_the_field() -> None:
    for typed in ("2026-12-14T09:30+01:00", "14/12/2026 9.30", "2026-13-01T09:30"):
        _, problems = new_meeting_from_form(
            form(starts_at=typed, minutes="60", method="video"), ZONE
        )
        assert "starts_at" in problems.fields, typed


def test_moving_sends_only_what_changed_and_something_must() -> None:
    m = meeting(3, "planned", timedelta(days=7), location="Room 4")
    unchanged = form(**meeting_values(m, ZONE))
    changes, problems = changes_from_form(unchanged, m, ZONE, required=True)
    assert changes == {} and problems.message and not problems.fields
    later = form(**{**meeting_values(m, ZONE), "starts_at": "2026-12-10T11:00", "location": ""})
    changes, problems = changes_from_form(later, m, ZONE, required=True)
    assert not problems
    assert changes == {"starts_at": "2026-12-10T11:00:00", "time_zone": ZONE, "location": ""}
    MeetingChanges.model_validate(changes)


def test_held_as_planned_sends_nothing_and_what_differed_otherwise() -> None:
    m = meeting(2, "planned", timedelta(minutes=-90))
    changes, problems = changes_from_form(form(**meeting_values(m, ZONE)), m, ZONE, required=False)
    assert changes == {} and not problems
    longer = form(**{**meeting_values(m, ZONE), "minutes": "75", "method": "telephone"})
    changes, problems = changes_from_form(longer, m, ZONE, required=False)
    assert changes == {"minutes": 75, "method": "telephone"} and not problems
    MeetingChanges.model_validate(changes)


def test_a_refusal_about_the_length_goes_beside_the_length() -> None:
    problems = FormProblems({}, "A meeting in this programme lasts 30 to 120 minutes.")
    placed = beside_field(problems, "meeting_length_out_of_bounds")
    assert placed.fields == {"minutes": "A meeting in this programme lasts 30 to 120 minutes."}
    assert beside_field(problems, "conflict") is problems, "others stay above the form"


def test_meetings_are_grouped_as_a_party_acts_on_them() -> None:
    started = meeting(1, "planned", timedelta(minutes=-10))
    soon, later = meeting(2, "planned", timedelta(days=1)), meeting(3, "planned", timedelta(days=9))
    old, older = meeting(4, "held", timedelta(days=-3)), meeting(5, "held", timedelta(days=-30))
    off = meeting(6, "cancelled", timedelta(days=2))
    grouped = board([later, old, off, started, older, soon], NOW)
    assert grouped.to_confirm == [started]
    assert grouped.ahead == [soon, later]
    assert grouped.held == [old, older]
    assert grouped.cancelled == [off]
    assert board([], NOW).empty


def test_a_log_chooses_among_held_meetings_newest_first_and_keeps_its_own() -> None:
    held = meeting(4, "held", timedelta(days=-3))
    earlier = meeting(5, "held", timedelta(days=-30))
    planned = meeting(6, "planned", timedelta(days=-1))
    choices = meeting_choices([earlier, planned, held], "UTC")
    assert list(choices) == [held.id, earlier.id]
    assert choices[held.id] == "Monday 30 November 2026, 10:00"
    assert planned.id in meeting_choices([earlier, planned, held], "UTC", keep=planned.id)


def test_the_programmes_bounds_give_the_default_length() -> None:
    assert MeetingBounds().default_minutes == 60
    assert MeetingBounds(min_meeting_minutes=90, max_meeting_minutes=120).default_minutes == 90
    assert MeetingBounds(min_meeting_minutes=15, max_meeting_minutes=45).default_minutes == 45
    assert not MeetingBounds(min_meeting_minutes=15).known


def test_calendar_links() -> None:
    assert webcal("https://sessions.example/calendar/cal.x.ics") == (
        "webcal://sessions.example/calendar/cal.x.ics"
    )
    assert (
        webcal("http://127.0.0.1:8001/calendar/a.ics") == "webcal://127.0.0.1:8001/calendar/a.ics"
    )
    assert ics_filename("meeting:rel_0a1b2c3d4e5f6a7b:0000000003") == "mentoring-meeting-3.ics"
    assert ics_filename("odd") == "mentoring-meeting-invite.ics"
