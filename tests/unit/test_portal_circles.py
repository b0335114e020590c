"""The portal's reading of peer circles and its circle forms (seed 001, "The Power of Peer
Mentoring"): steps in order and timed, who is still to accept the contract, forms parsed in the
member's zone, and the sessions service's refusals placed beside their fields in words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.portal.domain.circle_sessions import (
    ARRANGE_FIELDS,
    ARRANGE_REFUSALS,
    HELD_FIELDS,
    HELD_REFUSALS,
    NOTE_FIELDS,
    held_draft,
    held_from_form,
    in_words,
    note_from_form,
    offered_session,
    refusal,
    session_from_form,
)
from services.portal.domain.circles import (
    Circle,
    CircleSession,
    CircleView,
    StepTiming,
    arranged,
    held,
    next_session,
    session_steps,
    still_to_accept,
)
from services.portal.domain.relationships import Party
from services.portal.domain.wording import CIRCLE_STEP_HINTS

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
STEPS = ["presentation", "clarifying_questions", "peer_feedback", "positive_feedback", "response"]


def a_session(number: int = 1, **changes: object) -> CircleSession:
    fields: dict[str, object] = {
        "id": f"circle-session:cir_1:{number:010d}",
        "circle_id": "cir_1",
        "number": number,
        "format": "good_news_analysis",
        "steps": ["Tell a story", "The group gives positive feedback", "You say what stands out"],
        "starts_at": NOW + timedelta(days=number),
        "minutes": 60,
        "facilitator_id": "mem_a",
        **changes,
    }
    return CircleSession.model_validate(fields)


def a_view(members: list[str], accepted: list[str]) -> CircleView:
    circle = Circle(
        id="cir_1",
        programme_id="prg_1",
        members=[Party(member_id=m, organisation_id=f"org_{m}") for m in members],
        formed_at=NOW,
        cadence_days=28,
    )
    return CircleView(
        circle=circle,
        contract=["Avoid advice giving"],
        contract_version="v1",
        accepted_by={m: NOW for m in accepted},
        awaiting_acceptance=[m for m in reversed(members) if m not in accepted],
        ready=set(accepted) == set(members),
    )


def form(**values: str | list[str]) -> dict[str, list[str]]:
    return {k: v if isinstance(v, list) else [v] for k, v in values.items()}


# --- reading -------------------------------------------------------------------------------


def test_a_critical_incident_session_has_its_five_steps_named_and_timed_in_order() -> None:
    minutes = [12, 4, 25, 5, 6]
    session = a_session(
        format="critical_incident",
        timings=[StepTiming(step=s, minutes=m) for s, m in zip(STEPS, minutes, strict=True)],
    )
    steps = session_steps(session)
    assert [s.code for s in steps] == STEPS
    assert [s.name for s in steps] == [
        "Presentation",
        "Clarifying questions",
        "Peer feedback",
        "Positive feedback",
        "Response",
    ]
    assert [s.number for s in steps] == [1, 2, 3, 4, 5]
    assert [s.minutes for s in steps] == minutes
    assert steps[0].seconds == 720 and steps[0].clock == "12:00"
    assert steps[2].words == CIRCLE_STEP_HINTS["peer_feedback"]


def test_the_other_formats_show_the_services_steps_untimed() -> None:
    steps = session_steps(a_session())
    assert [s.words for s in steps] == [
        "Tell a story",
        "The group gives positive feedback",
        "You say what stands out",
    ]
    assert all(s.minutes is None and not s.name for s in steps)


def test_still_to_accept_follows_the_circles_order() -> None:
    view = a_view(["mem_a", "mem_b", "mem_c", "mem_d"], accepted=["mem_b"])
    assert still_to_accept(view) == ["mem_a", "mem_c", "mem_d"]
    assert view.awaits("mem_a") and not view.awaits("mem_b")
    assert view.accepted_at("mem_b") == NOW and view.accepted_at("mem_a") is None
    assert view.circle.organisations == 4
    assert still_to_accept(a_view(["mem_a", "mem_b"], ["mem_a", "mem_b"])) == []


def test_sessions_are_split_into_arranged_soonest_first_and_held_latest_first() -> None:
    one = a_session(1, status="held", held_at=NOW - timedelta(days=20))
    two = a_session(2, status="held", held_at=NOW - timedelta(days=2))
    three, four = a_session(3), a_session(4)
    sessions = [four, one, three, two]
    assert [s.number for s in arranged(sessions)] == [3, 4]
    assert [s.number for s in held(sessions)] == [2, 1]
    assert next_session(sessions, NOW) == three
    assert next_session(sessions, NOW + timedelta(days=10)) is None


# --- arranging ----------------------------------------------------------------------------


def test_a_critical_incident_session_is_arranged_in_the_members_zone_with_its_timings() -> None:
    draft, body, problems = session_from_form(
        form(
            format="critical_incident",
            minutes="60",
            starts_at="2027-03-04T14:00",
            presentation="10",
            clarifying_questions="5",
            peer_feedback="25",
            positive_feedback="5",
            response="5",
        ),
        "Pacific/Auckland",
    )
    assert not problems
    assert body["format"] == "critical_incident" and body["minutes"] == 60
    starts = datetime.fromisoformat(body["starts_at"])
    assert starts.astimezone(UTC) == datetime(2027, 3, 4, 1, 0, tzinfo=UTC)  # NZDT is UTC+13
    assert body["timings"] == [
        {"step": s, "minutes": m} for s, m in zip(STEPS, [10, 5, 25, 5, 5], strict=True)
    ]
    assert draft.steps["peer_feedback"] == "25"


def test_other_formats_carry_no_timings_and_an_empty_date_is_left_to_the_cadence() -> None:
    _, body, problems = session_from_form(
        form(format="veridical_report", minutes="45", starts_at="", presentation="x"), "UTC"
    )
    assert not problems
    assert body == {"format": "veridical_report", "minutes": 45}


def test_what_is_wrong_with_the_arranging_form_is_said_beside_each_field() -> None:
    draft, _, problems = session_from_form(
        form(
            format="fishbowl",
            minutes="ninety",
            starts_at="next tuesday",
            presentation="10",
        ),
        "UTC",
    )
    assert set(problems.fields) == {"format", "minutes", "starts_at"}
    assert draft.minutes == "ninety" and draft.starts_at == "next tuesday"
    _, _, steps = session_from_form(
        form(format="critical_incident", minutes="60", presentation="0", response="-3"), "UTC"
    )
    assert set(steps.fields) == {
        "presentation",
        "clarifying_questions",
        "peer_feedback",
        "positive_feedback",
        "response",
    }
    assert problems.message


def test_the_length_offered_stays_within_the_programmes_bounds() -> None:
    assert offered_session(None).minutes == "90"
    assert offered_session((30, 60)).minutes == "60"
    assert offered_session((120, 240)).minutes == "120"
    assert offered_session((30, 120)).steps == {
        "presentation": "10",
        "clarifying_questions": "5",
        "peer_feedback": "20",
        "positive_feedback": "5",
        "response": "5",
    }


# --- holding and notes ----------------------------------------------------------------------


def test_a_session_is_offered_as_held_at_its_time_or_now_whichever_is_earlier() -> None:
    ahead = a_session(3)
    offered = held_draft(ahead, ["mem_a", "mem_b"], NOW, "Europe/London")
    assert offered.held_at == "2027-03-01T09:00" and offered.minutes == "60"
    assert offered.attendees == ["mem_a", "mem_b"]
    past = held_draft(ahead, ["mem_a"], NOW + timedelta(days=30), "UTC")
    assert past.held_at == "2027-03-04T09:00"


def test_marking_held_reads_the_time_in_the_zone_and_needs_who_came() -> None:
    _, body, problems = held_from_form(
        form(held_at="2027-03-01T18:30", minutes="55", attendees=["mem_a", "mem_b", "mem_a"]),
        "Europe/London",
    )
    assert not problems
    assert datetime.fromisoformat(body["held_at"]).astimezone(UTC).hour == 18
    assert body["minutes"] == 55 and body["attendees"] == ["mem_a", "mem_b"]
    draft, _, problems = held_from_form(form(held_at="", minutes="0"), "UTC")
    assert set(problems.fields) == {"held_at", "minutes", "attendees"}
    assert draft.attendees == []


def test_a_note_has_words_and_not_too_many() -> None:
    text, fine = note_from_form(form(text="  What stood out for me  "))
    assert text == "What stood out for me" and not fine
    _, blank = note_from_form(form(text="   "))
    assert "text" in blank.fields
    _, long = note_from_form(form(text="x" * 4001))
    assert "4001" in long.fields["text"]


# --- the service's refusals ---------------------------------------------------------------


def test_a_steps_timing_refusal_is_said_beside_that_step_in_words() -> None:
    problems = refusal(
        "step_timing",
        "clarifying_questions takes 1 to 10 minutes, not 25",
        {},
        ARRANGE_FIELDS,
        ARRANGE_REFUSALS,
        "UTC",
    )
    assert problems.fields == {
        "clarifying_questions": "Clarifying questions takes 1 to 10 minutes, not 25."
    }
    together = refusal(
        "step_timing",
        "the steps take 50 minutes together, more than the session's 40; shorten a step",
        {},
        ARRANGE_FIELDS,
        ARRANGE_REFUSALS,
        "UTC",
    )
    assert list(together.fields) == ["timings"]


def test_a_refusal_about_a_time_names_it_in_the_members_zone() -> None:
    problems = refusal(
        "session_time",
        "sessions follow each other: the latest is at 2027-03-04T01:00:00+00:00; choose a "
        "later time",
        {},
        ARRANGE_FIELDS,
        ARRANGE_REFUSALS,
        "Pacific/Auckland",
    )
    assert problems.fields["starts_at"] == (
        "Sessions follow each other: the latest is at Thursday 4 March 2027, 14:00; choose a "
        "later time."
    )
    held_time = refusal("session_time", "not in the future", {}, HELD_FIELDS, HELD_REFUSALS, "UTC")
    assert list(held_time.fields) == ["held_at"]
    attendance = refusal(
        "attendance",
        "a circle session has at least 2 attendees",
        {},
        HELD_FIELDS,
        HELD_REFUSALS,
        "UTC",
    )
    assert attendance.fields == {"attendees": "A circle session has at least 2 attendees."}


def test_a_refusal_about_no_field_is_said_for_the_whole_form() -> None:
    problems = refusal(
        "contract_pending",
        "1 of 4 members have not accepted the circle's contract yet",
        {},
        ARRANGE_FIELDS,
        ARRANGE_REFUSALS,
        "UTC",
    )
    assert problems.fields == {}
    assert problems.message == "1 of 4 members have not accepted the circle's contract yet."


def test_fields_the_service_names_are_placed_on_the_forms_fields() -> None:
    problems = refusal(
        "invalid_request",
        "the request does not have the expected shape; see `fields`",
        {"timings.2.minutes": "Input should be less than or equal to 60", "minutes": "too big"},
        ARRANGE_FIELDS,
        ARRANGE_REFUSALS,
        "UTC",
    )
    assert set(problems.fields) == {"peer_feedback", "minutes"}
    note = refusal("invalid_request", "shape", {"text": "too long"}, NOTE_FIELDS, {}, "UTC")
    assert note.fields == {"text": "Too long."}


def test_codes_in_a_services_words_become_names() -> None:
    said = in_words("only critical_incident sessions have timed steps; peer_feedback", "UTC")
    assert said == "only Critical-incident peer feedback sessions have timed steps; peer feedback"
