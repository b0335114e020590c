"""Circle sessions' rules (seed 001): the contract gate, the facilitator rotation, the timed
steps of critical-incident peer feedback, the cadence, and what a held session needs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.sessions.adapters.erasure import FORMER_MEMBER
from services.sessions.domain.circle_sessions import (
    DEFAULT_MINUTES,
    FORMAT_STEPS,
    MAX_UPCOMING,
    STEP_BOUNDS,
    STEPS,
    AttendanceError,
    CircleSession,
    SessionFormat,
    SessionLengthError,
    SessionStatus,
    SessionTimeError,
    Step,
    StepTiming,
    StepTimingError,
    check_held,
    check_length,
    check_start,
    check_timings,
    check_upcoming,
    next_facilitator,
    next_start,
    sessions_of,
)
from services.sessions.domain.circles import (
    CONTRACT,
    Circle,
    ContractPendingError,
    awaiting_acceptance,
    check_contract_accepted,
    contract_version,
)
from services.sessions.domain.programmes import ProgrammeTerms
from services.sessions.domain.relationships import Party
from shared.errors import ConflictError

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
MEMBERS = ["ana", "ben", "cai", "dee"]


def circle(*members: str) -> Circle:
    return Circle(
        id="cir_1",
        programme_id="prg_1",
        members=[Party(member_id=m, organisation_id=f"org_{m}") for m in members],
        formed_at=NOW - timedelta(days=3),
        cadence_days=14,
    )


def timings(**minutes: int) -> list[StepTiming]:
    chosen = {**{s.value: m for s, m in DEFAULT_MINUTES.items()}, **minutes}
    return [StepTiming(step=Step(s), minutes=m) for s, m in chosen.items()]


def session(**changes: object) -> CircleSession:
    base = CircleSession(
        id=sessions_of("cir_1") + ":0000000001",
        circle_id="cir_1",
        programme_id="prg_1",
        number=1,
        format=SessionFormat.GOOD_NEWS_ANALYSIS,
        steps=list(FORMAT_STEPS[SessionFormat.GOOD_NEWS_ANALYSIS]),
        starts_at=NOW - timedelta(hours=2),
        minutes=90,
        facilitator_id="ana",
        scheduled_by="ben",
        scheduled_at=NOW - timedelta(days=10),
    )
    return base.model_copy(update=changes)


# --- the contract gate ----------------------------------------------------------------------


def test_the_contract_is_seed_001s_contracting_and_matches_the_registrys_wording() -> None:
    from services.registry.domain.circle import CONTRACT as REGISTRY_CONTRACT

    # The same words a member accepted on joining in the registry (copied, not imported).
    assert CONTRACT == REGISTRY_CONTRACT
    assert any("advice" in rule for rule in CONTRACT)
    assert any("post-mortems" in rule for rule in CONTRACT)
    assert len(contract_version()) == 12


def test_sessions_cannot_be_arranged_until_every_member_accepted() -> None:
    c = circle(*MEMBERS)
    with pytest.raises(ContractPendingError) as refused:
        check_contract_accepted(c, {"ana", "ben", "cai"})
    assert refused.value.status == 409
    assert "1 of 4" in refused.value.detail
    assert "dee" not in refused.value.detail  # says how many, not who
    check_contract_accepted(c, set(MEMBERS))


def test_only_current_members_acceptances_count() -> None:
    c = circle(*MEMBERS)
    # An outsider's (or an erased member's) acceptance does not stand in for a member's.
    with pytest.raises(ContractPendingError):
        check_contract_accepted(c, {"ana", "ben", "cai", "eve"})
    assert awaiting_acceptance(c, {"ben", "eve"}) == ["ana", "cai", "dee"]
    # A circle whose member was erased needs only the members it still has.
    check_contract_accepted(circle("ana", "ben", "cai"), {"ana", "ben", "cai"})


# --- the facilitator rotation ---------------------------------------------------------------


def test_the_rotation_is_a_round_robin_in_the_circles_order() -> None:
    history: list[str] = []
    for _ in range(9):
        history.append(next_facilitator(MEMBERS, history))
    assert history == [*MEMBERS, *MEMBERS, "ana"]


def test_whoever_has_facilitated_fewest_times_goes_next() -> None:
    # dee has had no turn yet, so dee goes next, whatever the circle's order says.
    assert next_facilitator(MEMBERS, ["ana", "ben", "cai", "ana", "ben"]) == "dee"
    # Equal turns: whoever's turn is longest ago.
    assert next_facilitator(MEMBERS, ["cai", "dee", "ana", "ben"]) == "cai"


def test_nobody_facilitates_twice_in_a_row() -> None:
    # ana has fewest turns but facilitated last: the next fairest member goes instead.
    assert next_facilitator(MEMBERS, ["ben", "cai", "dee", "ben", "cai", "dee", "ana"]) == "ben"


def test_an_erased_member_drops_out_of_the_rotation() -> None:
    history = ["ana", "ben", FORMER_MEMBER]
    assert next_facilitator(["ana", "ben", "dee"], history) == "dee"
    assert next_facilitator(["ana", "ben"], history) == "ana"


def test_a_circle_with_nobody_left_cannot_rotate() -> None:
    with pytest.raises(ConflictError):
        next_facilitator([], ["ana"])


# --- critical-incident peer feedback: five timed steps ---------------------------------------


def test_critical_incident_sessions_carry_the_five_steps_in_seed_001s_order() -> None:
    chosen = check_timings(SessionFormat.CRITICAL_INCIDENT, None, 90)
    assert chosen is not None
    assert [t.step for t in chosen] == list(STEPS)
    assert [s.value for s in STEPS] == [
        "presentation",
        "clarifying_questions",
        "peer_feedback",
        "positive_feedback",
        "response",
    ]
    given = timings(peer_feedback=30)
    assert check_timings(SessionFormat.CRITICAL_INCIDENT, given, 90) == given


@pytest.mark.parametrize("step", list(Step))
def test_each_step_is_refused_outside_its_bounds(step: Step) -> None:
    low, high = STEP_BOUNDS[step]
    for minutes in (low - 1, high + 1):
        if minutes < 1:
            continue  # below 1 the request model refuses it already
        with pytest.raises(StepTimingError) as refused:
            check_timings(SessionFormat.CRITICAL_INCIDENT, timings(**{step.value: minutes}), 120)
        assert refused.value.status == 422 and step.value in refused.value.detail
    for minutes in (low, high):
        check_timings(SessionFormat.CRITICAL_INCIDENT, timings(**{step.value: minutes}), 120)


def test_clarifying_questions_and_positive_feedback_are_a_few_minutes() -> None:
    # Seed 001: "limit of a few minutes", "take a few minutes".
    assert STEP_BOUNDS[Step.CLARIFYING_QUESTIONS][1] <= 10
    assert STEP_BOUNDS[Step.POSITIVE_FEEDBACK][1] <= 10


def test_steps_must_fit_the_session() -> None:
    with pytest.raises(StepTimingError, match="more than the session's 40"):
        check_timings(SessionFormat.CRITICAL_INCIDENT, timings(), 40)
    check_timings(SessionFormat.CRITICAL_INCIDENT, timings(), sum(DEFAULT_MINUTES.values()))


def test_steps_missing_repeated_or_out_of_order_are_refused() -> None:
    full = timings()
    for wrong in (full[:4], [*full, full[0]], [full[1], full[0], *full[2:]]):
        with pytest.raises(StepTimingError, match="in this order"):
            check_timings(SessionFormat.CRITICAL_INCIDENT, wrong, 120)


@pytest.mark.parametrize(
    "session_format", [SessionFormat.GOOD_NEWS_ANALYSIS, SessionFormat.VERIDICAL_REPORT]
)
def test_other_formats_take_no_timings(session_format: SessionFormat) -> None:
    assert check_timings(session_format, None, 60) is None
    with pytest.raises(StepTimingError, match="only critical_incident"):
        check_timings(session_format, timings(), 60)
    assert len(FORMAT_STEPS[session_format]) == 3


def test_a_session_lasts_within_the_programmes_bounds() -> None:
    terms = ProgrammeTerms(programme_id="prg_1", min_meeting_minutes=60, max_meeting_minutes=120)
    check_length(60, terms)
    check_length(120, terms)
    for minutes in (59, 121):
        with pytest.raises(SessionLengthError):
            check_length(minutes, terms)


# --- the cadence and arranging --------------------------------------------------------------


def test_the_next_session_falls_on_the_cadence() -> None:
    formed = NOW - timedelta(days=3)
    assert next_start(formed, 14, None, NOW) == formed + timedelta(days=14)
    latest = NOW + timedelta(days=5)
    assert next_start(formed, 14, latest, NOW) == latest + timedelta(days=14)
    # Long after the last session: the next whole cadence after now.
    old = NOW - timedelta(days=40)
    assert next_start(formed, 14, old, NOW) == old + timedelta(days=42)


def test_a_session_is_arranged_in_the_future_after_the_latest() -> None:
    with pytest.raises(SessionTimeError):
        check_start(NOW - timedelta(minutes=1), None, NOW)
    latest = NOW + timedelta(days=14)
    with pytest.raises(SessionTimeError, match="later time"):
        check_start(latest, latest, NOW)
    check_start(latest + timedelta(days=1), latest, NOW)


def test_only_so_many_sessions_are_arranged_ahead() -> None:
    check_upcoming(MAX_UPCOMING - 1)
    with pytest.raises(ConflictError):
        check_upcoming(MAX_UPCOMING)


def test_each_circle_numbers_its_own_sessions() -> None:
    assert sessions_of("cir_1") != sessions_of("cir_2")
    assert sessions_of("cir_1").endswith("cir_1")


# --- marking held -----------------------------------------------------------------------


def test_a_held_session_needs_members_a_past_time_and_only_once() -> None:
    check_held(session(), NOW - timedelta(hours=1), ["ana", "ben"], MEMBERS, NOW)
    with pytest.raises(SessionTimeError):
        check_held(session(), NOW + timedelta(hours=1), ["ana", "ben"], MEMBERS, NOW)
    with pytest.raises(AttendanceError, match="not members"):
        check_held(session(), NOW, ["ana", "eve"], MEMBERS, NOW)
    with pytest.raises(AttendanceError, match="once"):
        check_held(session(), NOW, ["ana", "ana", "ben"], MEMBERS, NOW)
    with pytest.raises(AttendanceError, match="at least"):
        check_held(session(), NOW, ["ana"], MEMBERS, NOW)
    with pytest.raises(ConflictError, match="already"):
        check_held(session(status=SessionStatus.HELD), NOW, ["ana", "ben"], MEMBERS, NOW)
