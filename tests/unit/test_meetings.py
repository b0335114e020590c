"""Meetings' rules (seed 002, Resources 5 and 13), their iCalendar form and feed tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from services.sessions.adapters.calendar_feed_store import feed_token, token_organisation
from services.sessions.adapters.calendar_ics import SUMMARY, event_uid, render
from services.sessions.domain.meetings import (
    CLOCK_LEEWAY,
    HeldBeforeStartError,
    HeldInFutureError,
    Meeting,
    MeetingChanges,
    MeetingFacts,
    MeetingLengthError,
    MeetingMethod,
    MeetingStatus,
    MeetingTimeError,
    UnknownTimeZoneError,
    cancelled,
    check_can_be_held,
    check_can_plan,
    check_length,
    clean_location,
    held,
    meeting_held_event,
    new_meeting,
    rescheduled,
    resolve_start,
    shown_status,
)
from services.sessions.domain.programmes import ProgrammeTerms, unknown_programme
from services.sessions.domain.relationships import (
    Ending,
    EndReason,
    Party,
    Phase,
    Relationship,
    RelationshipEndedError,
    Side,
    Status,
)
from shared.contracts.sessions import MeetingHeld
from shared.errors import ConflictError, DomainError

MEETING_ID = "meeting:rel_1:0000000001"
NOW = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)
TERMS = ProgrammeTerms(programme_id="prg_1", min_meeting_minutes=60, max_meeting_minutes=120)
LONDON = "Europe/London"


def relationship(status: Status = Status.ACTIVE) -> Relationship:
    ending = None
    if status is Status.ENDED:
        ending = Ending(
            ended_by=Side.MENTEE,
            ended_early=True,
            reason=EndReason.NO_TIME,
            rematch_requested=False,
            ended_at=NOW,
        )
    return Relationship(
        id="rel_1",
        proposal_id="prp_1",
        programme_id="prg_1",
        mentor=Party(member_id="mem_r", organisation_id="org_a"),
        mentees=[Party(member_id="mem_e", organisation_id="org_b")],
        network=True,
        phase=Phase.PROGRESSION,
        status=status,
        started_at=NOW - timedelta(days=60),
        ending=ending,
    )


def facts(**changes: object) -> MeetingFacts:
    base: dict[str, object] = {
        "starts_at": "2027-02-10T18:00:00",
        "time_zone": LONDON,
        "minutes": 60,
        "method": "video",
        "location": "Harbour House",
    }
    return MeetingFacts.model_validate({**base, **changes})


def planned(**changes: object) -> Meeting:
    return new_meeting(
        relationship(), TERMS, facts(**changes), MeetingStatus.PLANNED, "mem_e", NOW, MEETING_ID
    )


# --- time zones -------------------------------------------------------------------------


def test_an_offset_is_enough_and_the_instant_is_kept_in_utc() -> None:
    start, zone = resolve_start(datetime.fromisoformat("2027-02-10T18:00:00+01:00"), None)
    assert start == datetime(2027, 2, 10, 17, 0, tzinfo=UTC) and start.tzinfo is UTC
    assert zone is None


def test_a_local_time_is_read_in_its_zone_and_the_zone_is_kept() -> None:
    winter, zone = resolve_start(datetime(2027, 2, 10, 18, 0), LONDON)
    summer, _ = resolve_start(datetime(2027, 7, 10, 18, 0), LONDON)
    new_york, _ = resolve_start(datetime(2027, 2, 10, 18, 0), "America/New_York")
    assert zone == LONDON
    assert winter == datetime(2027, 2, 10, 18, 0, tzinfo=UTC)  # GMT
    assert summer == datetime(2027, 7, 10, 17, 0, tzinfo=UTC)  # BST
    assert new_york == datetime(2027, 2, 10, 23, 0, tzinfo=UTC)


def test_an_offset_and_a_zone_keep_the_instant_and_show_it_in_the_zone() -> None:
    start, zone = resolve_start(datetime.fromisoformat("2027-02-10T18:00:00+00:00"), "Asia/Tokyo")
    assert start == datetime(2027, 2, 10, 18, 0, tzinfo=UTC) and zone == "Asia/Tokyo"


def test_a_local_time_without_a_zone_is_refused_with_what_to_send() -> None:
    with pytest.raises(MeetingTimeError) as refused:
        resolve_start(datetime(2027, 2, 10, 18, 0), None)
    assert refused.value.status == 422 and "time_zone" in refused.value.detail


@pytest.mark.parametrize(
    "name", ["Mars/Olympus_Mons", "europe/london", "../../etc/passwd", "/etc/localtime", ""]
)
def test_unknown_zones_are_refused(name: str) -> None:
    with pytest.raises(UnknownTimeZoneError) as refused:
        resolve_start(datetime(2027, 2, 10, 18, 0), name)
    assert refused.value.status == 422 and "IANA" in refused.value.detail


def test_a_local_time_the_clocks_skip_is_refused() -> None:
    # 28 March 2027: London's clocks go from 01:00 GMT to 02:00 BST; 01:30 never happens.
    with pytest.raises(MeetingTimeError) as refused:
        resolve_start(datetime(2027, 3, 28, 1, 30), LONDON)
    assert "does not exist" in refused.value.detail
    just_after, _ = resolve_start(datetime(2027, 3, 28, 2, 0), LONDON)
    assert just_after == datetime(2027, 3, 28, 1, 0, tzinfo=UTC)
    just_before, _ = resolve_start(datetime(2027, 3, 28, 0, 59), LONDON)
    assert just_before == datetime(2027, 3, 28, 0, 59, tzinfo=UTC)


def test_a_local_time_that_happens_twice_is_the_first_unless_an_offset_says_otherwise() -> None:
    # 31 October 2027: London's clocks go back from 02:00 BST to 01:00 GMT; 01:30 is twice.
    first, _ = resolve_start(datetime(2027, 10, 31, 1, 30), LONDON)
    second, _ = resolve_start(datetime.fromisoformat("2027-10-31T01:30:00+00:00"), LONDON)
    assert first == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # 01:30 BST
    assert second == datetime(2027, 10, 31, 1, 30, tzinfo=UTC)  # 01:30 GMT
    assert second - first == timedelta(hours=1)


@pytest.mark.parametrize(
    ("given", "time_zone"),
    [
        ("0001-01-01T00:00:00+14:00", None),
        ("0001-01-01T00:00:00", "Asia/Tokyo"),
        ("9999-12-31T23:59:59", "America/Los_Angeles"),
    ],
)
def test_starts_at_the_ends_of_the_calendar_are_refused_not_crashed(
    given: str, time_zone: str | None
) -> None:
    with pytest.raises(MeetingTimeError, match="check the year"):
        resolve_start(datetime.fromisoformat(given), time_zone)


def test_seconds_are_kept_and_fractions_dropped() -> None:
    start, _ = resolve_start(datetime(2027, 2, 10, 18, 0, 30, 999_999, tzinfo=UTC), None)
    assert start == datetime(2027, 2, 10, 18, 0, 30, tzinfo=UTC)


def test_the_start_is_shown_in_the_meetings_zone() -> None:
    m = planned(starts_at="2027-07-10T18:00:00")
    assert m.local_starts_at.isoformat() == "2027-07-10T18:00:00+01:00"
    assert m.ends_at == datetime(2027, 7, 10, 18, 0, tzinfo=UTC)


# --- bounds, past and future ------------------------------------------------------------


def test_lengths_inside_the_programmes_bounds_pass_inclusive() -> None:
    check_length(60, 60, 120)
    check_length(120, 60, 120)


@pytest.mark.parametrize("minutes", [59, 121, 0, -5, 10_000])
def test_lengths_outside_the_bounds_are_refused_naming_them(minutes: int) -> None:
    with pytest.raises(MeetingLengthError) as refused:
        new_meeting(
            relationship(),
            TERMS,
            facts(minutes=minutes),
            MeetingStatus.PLANNED,
            "mem_e",
            NOW,
            MEETING_ID,
        )
    assert refused.value.status == 422
    assert "60 to 120 minutes" in refused.value.detail and str(minutes) in refused.value.detail


def test_an_unknown_programme_has_the_default_bounds() -> None:
    terms = unknown_programme("prg_unknown")
    assert (terms.min_meeting_minutes, terms.max_meeting_minutes) == (15, 480)
    new_meeting(
        relationship(), terms, facts(minutes=15), MeetingStatus.PLANNED, "mem_e", NOW, MEETING_ID
    )
    with pytest.raises(MeetingLengthError, match="15 to 480"):
        new_meeting(
            relationship(), terms, facts(minutes=481), MeetingStatus.PLANNED, "m", NOW, MEETING_ID
        )


def test_a_held_meeting_in_the_future_is_refused() -> None:
    future = NOW + CLOCK_LEEWAY + timedelta(seconds=1)
    with pytest.raises(HeldInFutureError) as refused:
        check_can_be_held(future, NOW)
    assert refused.value.status == 422 and refused.value.error == "held_in_future"
    check_can_be_held(NOW + CLOCK_LEEWAY, NOW)  # a clock a little ahead is not a lie
    check_can_be_held(NOW - timedelta(days=3), NOW)


def test_a_meeting_held_before_the_relationship_started_is_refused() -> None:
    r = relationship()  # started sixty days before NOW
    before = facts(starts_at=r.started_at - CLOCK_LEEWAY - timedelta(minutes=1))
    with pytest.raises(HeldBeforeStartError) as refused:
        new_meeting(r, TERMS, before, MeetingStatus.HELD, "mem_e", NOW, MEETING_ID)
    assert refused.value.status == 422 and refused.value.error == "held_before_relationship"
    after = facts(starts_at=r.started_at + timedelta(hours=1))
    new_meeting(r, TERMS, after, MeetingStatus.HELD, "mem_e", NOW, MEETING_ID)


def test_a_planned_meeting_lies_ahead() -> None:
    check_can_plan(NOW + timedelta(days=1), NOW)
    check_can_plan(NOW - CLOCK_LEEWAY, NOW)
    with pytest.raises(MeetingTimeError, match="record a past meeting as held"):
        check_can_plan(NOW - timedelta(hours=1), NOW)


def test_a_mistyped_year_is_refused() -> None:
    with pytest.raises(MeetingTimeError, match="five years"):
        check_can_plan(NOW + timedelta(days=6 * 366), NOW)
    with pytest.raises(MeetingTimeError, match="five years"):
        check_can_be_held(datetime(1927, 2, 1, tzinfo=UTC), NOW)


# --- planning, holding, cancelling --------------------------------------------------------


def test_planning_keeps_who_planned_and_who_gave_the_location() -> None:
    m = planned(location="  Harbour   House \n")
    assert m.status is MeetingStatus.PLANNED and m.id == MEETING_ID
    assert m.planned_by == "mem_e" and m.planned_at == NOW and m.recorded_by is None
    assert m.location == "Harbour House" and m.location_by == "mem_e"
    assert m.starts_at == datetime(2027, 2, 10, 18, 0, tzinfo=UTC) and m.time_zone == LONDON


def test_recording_a_past_meeting_as_held_directly() -> None:
    m = new_meeting(
        relationship(),
        TERMS,
        facts(starts_at="2027-01-20T12:00:00", location=None, method="telephone"),
        MeetingStatus.HELD,
        "mem_r",
        NOW,
        MEETING_ID,
    )
    assert m.status is MeetingStatus.HELD and m.planned_by is None
    assert m.recorded_by == "mem_r" and m.location is None and m.location_by is None
    with pytest.raises(HeldInFutureError):
        new_meeting(relationship(), TERMS, facts(), MeetingStatus.HELD, "mem_r", NOW, MEETING_ID)


def test_an_ended_relationship_takes_no_new_meetings_and_no_changes() -> None:
    ended = relationship(Status.ENDED)
    with pytest.raises(RelationshipEndedError) as refused:
        new_meeting(ended, TERMS, facts(), MeetingStatus.PLANNED, "mem_e", NOW, MEETING_ID)
    assert refused.value.status == 409
    m = planned()
    with pytest.raises(RelationshipEndedError):
        held(ended, TERMS, m, MeetingChanges(), "mem_e", NOW + timedelta(days=20))
    with pytest.raises(RelationshipEndedError):
        cancelled(ended, m, "mem_e", NOW)


def test_a_planned_meeting_is_held_as_planned_or_as_it_happened() -> None:
    m = planned()
    after = datetime(2027, 2, 10, 20, 0, tzinfo=UTC)
    as_planned = held(relationship(), TERMS, m, MeetingChanges(), "mem_r", after)
    assert as_planned.status is MeetingStatus.HELD and as_planned.starts_at == m.starts_at
    assert as_planned.recorded_by == "mem_r" and as_planned.planned_by == "mem_e"
    assert as_planned.location_by == "mem_e"
    changed = held(
        relationship(),
        TERMS,
        m,
        MeetingChanges.model_validate(
            {"starts_at": "2027-02-10T18:15:00", "minutes": 90, "method": "face_to_face"}
        ),
        "mem_r",
        after,
    )
    # A new local start without a zone is read in the meeting's zone.
    assert changed.starts_at == datetime(2027, 2, 10, 18, 15, tzinfo=UTC)
    assert changed.minutes == 90 and changed.method is MeetingMethod.FACE_TO_FACE
    moved = held(relationship(), TERMS, m, MeetingChanges(location="Café"), "mem_r", after)
    assert moved.location == "Café" and moved.location_by == "mem_r"
    removed = held(relationship(), TERMS, m, MeetingChanges(location=" "), "mem_r", after)
    assert removed.location is None and removed.location_by is None


def test_holding_checks_the_facts_again() -> None:
    m = planned()
    after = datetime(2027, 2, 10, 20, 0, tzinfo=UTC)
    with pytest.raises(MeetingLengthError):
        held(relationship(), TERMS, m, MeetingChanges(minutes=200), "mem_r", after)
    with pytest.raises(HeldInFutureError):
        held(relationship(), TERMS, m, MeetingChanges(), "mem_r", NOW)  # before it starts
    with pytest.raises(UnknownTimeZoneError):
        held(relationship(), TERMS, m, MeetingChanges(time_zone="Atlantis/Capital"), "x", after)


def test_a_planned_meeting_moves_within_the_rules_and_counts_its_moves() -> None:
    m = planned()  # 2027-02-10 18:00 London, planned by mem_e
    moved = rescheduled(
        relationship(),
        TERMS,
        m,
        MeetingChanges(starts_at=datetime(2027, 2, 12, 9, 30), minutes=90),
        "mem_r",
        NOW,
    )
    assert moved.status is MeetingStatus.PLANNED and moved.id == m.id
    assert moved.starts_at == datetime(2027, 2, 12, 9, 30, tzinfo=UTC)  # London in winter
    assert (moved.time_zone, moved.minutes, moved.method) == (m.time_zone, 90, m.method)
    assert (moved.rescheduled_by, moved.revision) == ("mem_r", 1)
    assert moved.location == m.location and moved.location_by == "mem_e"
    again = rescheduled(relationship(), TERMS, moved, MeetingChanges(location=" "), "mem_e", NOW)
    assert again.location is None and again.revision == 2
    for refused, changes in [
        (DomainError, MeetingChanges()),  # nothing to change
        (MeetingLengthError, MeetingChanges(minutes=500)),
        (MeetingTimeError, MeetingChanges(starts_at=datetime(2027, 1, 20, 9, 0))),  # the past
    ]:
        with pytest.raises(refused):
            rescheduled(relationship(), TERMS, m, changes, "mem_r", NOW)
    with pytest.raises(ConflictError):
        rescheduled(
            relationship(),
            TERMS,
            cancelled(relationship(), m, "x", NOW),
            MeetingChanges(minutes=70),
            "x",
            NOW,
        )
    ended = relationship().model_copy(update={"status": Status.ENDED})
    with pytest.raises(RelationshipEndedError):
        rescheduled(ended, TERMS, m, MeetingChanges(minutes=70), "mem_e", NOW)


def test_only_a_planned_meeting_is_held_or_cancelled() -> None:
    m = planned()
    after = datetime(2027, 2, 10, 20, 0, tzinfo=UTC)
    was_held = held(relationship(), TERMS, m, MeetingChanges(), "mem_r", after)
    gone = cancelled(relationship(), m, "mem_e", NOW)
    assert gone.status is MeetingStatus.CANCELLED and gone.cancelled_by == "mem_e"
    for finished in (was_held, gone):
        with pytest.raises(ConflictError):
            held(relationship(), TERMS, finished, MeetingChanges(), "mem_r", after)
        with pytest.raises(ConflictError):
            cancelled(relationship(), finished, "mem_r", after)


def test_a_planned_meeting_after_the_ending_shows_as_cancelled() -> None:
    m = planned()
    assert shown_status(m, None) is MeetingStatus.PLANNED
    assert shown_status(m, m.starts_at + timedelta(days=1)) is MeetingStatus.PLANNED
    assert shown_status(m, m.starts_at - timedelta(days=1)) is MeetingStatus.CANCELLED
    was_held = m.model_copy(update={"status": MeetingStatus.HELD})
    assert shown_status(was_held, m.starts_at - timedelta(days=1)) is MeetingStatus.HELD


def test_blank_locations_are_none() -> None:
    assert clean_location(None) is None and clean_location(" \t\n") is None
    assert clean_location(" a\nb ") == "a b"
    assert clean_location("a\x00b\x1bc\u2028d") == "a b c d"


def test_meeting_held_carries_when_how_long_and_which_method_only() -> None:
    m = planned(location="secret-garden-4f1e")
    event = meeting_held_event(m)
    assert isinstance(event, MeetingHeld)
    assert set(MeetingHeld.model_fields) == {
        "meeting_id",
        "relationship_id",
        "programme_id",
        "held_at",
        "minutes",
        "method",
    }
    assert event.held_at == m.starts_at and event.minutes == 60 and event.method == "video"
    assert "secret-garden" not in event.model_dump_json()


# --- iCalendar ------------------------------------------------------------------------------


def parse(rendered: bytes) -> Calendar:
    return Calendar.from_ical(rendered)


def test_one_meeting_as_ics_in_its_zone() -> None:
    m = planned(starts_at="2027-07-10T18:00:00", location="Room 4; Harbour, House")
    rendered = render([(m, m.status)], name="Mentoring meeting", now=NOW)
    text = rendered.decode()
    assert "DTSTART;TZID=Europe/London:20270710T180000" in text
    assert "DTEND;TZID=Europe/London:20270710T190000" in text
    assert "BEGIN:VTIMEZONE" in text and "TZID:Europe/London" in text
    calendar = parse(rendered)
    assert str(calendar["METHOD"]) == "PUBLISH"
    [event] = calendar.events
    assert str(event["UID"]) == event_uid(m.id)
    assert str(event["UID"]).endswith("@mentornet") and "rel_1" not in str(event["UID"])
    assert str(event["SUMMARY"]) == SUMMARY == "Mentoring meeting"
    assert event.start == datetime(2027, 7, 10, 18, 0, tzinfo=ZoneInfo(LONDON))
    assert event.start == m.starts_at and event.end == m.ends_at
    assert event.DTSTAMP == NOW
    assert str(event["LOCATION"]) == "Room 4; Harbour, House"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert "video" in str(event["DESCRIPTION"]) and "60 minutes" in str(event["DESCRIPTION"])


def test_a_meeting_with_only_an_offset_is_in_utc() -> None:
    m = planned(starts_at="2027-07-10T18:00:00+02:00", time_zone=None)
    text = render([(m, m.status)], name="x", now=NOW).decode()
    assert "DTSTART:20270710T160000Z" in text and "VTIMEZONE" not in text


def test_meetings_on_both_sides_of_a_clock_change_keep_their_local_times() -> None:
    before = planned(starts_at="2027-03-27T18:00:00")  # Saturday, GMT
    after = planned(starts_at="2027-03-28T18:00:00")  # Sunday, BST
    calendar = parse(render([(before, before.status), (after, after.status)], name="x", now=NOW))
    starts = [e.start for e in calendar.events if isinstance(e.start, datetime)]
    assert len(starts) == 2
    assert [s.hour for s in starts] == [18, 18]
    assert [s.utcoffset() for s in starts] == [timedelta(0), timedelta(hours=1)]
    assert starts[1].astimezone(UTC) - starts[0].astimezone(UTC) == timedelta(hours=23)


def test_a_cancelled_meeting_says_so_and_no_detail_goes_in_the_summary() -> None:
    m = planned(location="private-clinic-7a2b")
    calendar = parse(render([(m, MeetingStatus.CANCELLED)], name="x", now=NOW))
    [event] = calendar.events
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["SUMMARY"]) == "Mentoring meeting"
    for field in ("rel_1", "prg_1", "mem_e", "mem_r"):
        assert field not in render([(m, m.status)], name="x", now=NOW).decode()


def test_an_empty_feed_is_a_valid_calendar() -> None:
    rendered = render([], name="Mentoring meetings", now=NOW, refresh=timedelta(hours=1))
    calendar = parse(rendered)
    assert calendar.events == [] and "REFRESH-INTERVAL" in rendered.decode()
    assert "X-PUBLISHED-TTL:PT60M" in rendered.decode()


# --- feed tokens --------------------------------------------------------------------------


def test_a_feed_token_names_its_organisation_and_256_random_bits() -> None:
    token = feed_token("org_0a1b2c")
    assert token.startswith("cal.org_0a1b2c.") and len(token.split(".")[2]) == 43
    assert token_organisation(token) == "org_0a1b2c"
    assert feed_token("org_0a1b2c") != token


@pytest.mark.parametrize(
    "token",
    [
        "",
        "{token}",
        "cal.org_a.short",
        "cal.ORG_A." + "a" * 43,
        "cal.org-a." + "a" * 43,
        "cal..." + "a" * 43,
        "cal.org_a." + "a" * 44,
        "cal.org_a." + "a" * 42 + "/",
        "xyz.org_a." + "a" * 43,
        "cal.org_a." + "a" * 43 + ".ics",
        "cal." + "o" * 41 + "." + "a" * 43,
    ],
)
def test_malformed_feed_tokens_name_no_organisation(token: str) -> None:
    assert token_organisation(token) is None


def test_timezone_objects_other_than_zoneinfo_are_fine_as_offsets() -> None:
    start, zone = resolve_start(
        datetime(2027, 2, 10, 18, 0, tzinfo=timezone(timedelta(hours=-3))), None
    )
    assert start == datetime(2027, 2, 10, 21, 0, tzinfo=UTC) and zone is None
