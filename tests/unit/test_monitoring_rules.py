"""Checklist 5's monitoring rules, each at and around its threshold, with the clock passed in."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from services.evaluation.domain.monitoring import (
    Activity,
    AlertKind,
    AlertThresholds,
    Condition,
    PulseReading,
    alert_id,
    check_threshold_change,
    conditions,
    contact_overdue,
    describe,
    inactivity,
    low_pulse,
    no_first_meeting,
    raised_at,
)
from services.evaluation.domain.reminders import TEXTS, ReminderTopic, nudge_for, survey_text

START = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
DEFAULTS = AlertThresholds()


def at(days: float) -> datetime:
    return START + timedelta(days=days)


FRESH = Activity(started_at=START)


def test_no_first_meeting_three_weeks_after_the_start() -> None:
    assert no_first_meeting(FRESH, DEFAULTS, at(20.9)) is None
    assert no_first_meeting(FRESH, DEFAULTS, at(21)) == Condition(AlertKind.NO_FIRST_MEETING, START)
    met = replace(FRESH, first_meeting_at=at(10), last_meeting_at=at(10))
    assert no_first_meeting(met, DEFAULTS, at(30)) is None
    assert no_first_meeting(FRESH, AlertThresholds(first_meeting_days=30), at(29)) is None


def test_contact_overdue_two_weeks_after_a_meeting_with_nothing_since() -> None:
    met = replace(FRESH, first_meeting_at=at(5), last_meeting_at=at(5))
    assert contact_overdue(FRESH, DEFAULTS, at(100)) is None  # no meeting: another rule's job
    assert contact_overdue(met, DEFAULTS, at(18.9)) is None
    assert contact_overdue(met, DEFAULTS, at(19)) == Condition(AlertKind.CONTACT_OVERDUE, at(5))
    messaged = replace(met, last_message_at=at(12))
    assert contact_overdue(messaged, DEFAULTS, at(40)) is None
    logged = replace(met, last_log_at=at(6))  # a log is about the meeting, not contact after it
    assert contact_overdue(logged, DEFAULTS, at(19)) is not None
    old_message = replace(met, last_message_at=at(2))
    assert contact_overdue(old_message, DEFAULTS, at(19)) is not None


def test_inactivity_warns_at_83_days_and_alerts_at_90() -> None:
    quiet = replace(FRESH, last_meeting_at=at(10), first_meeting_at=at(10), last_log_at=at(11))
    assert inactivity(quiet, DEFAULTS, at(11 + 82.9)) is None
    assert inactivity(quiet, DEFAULTS, at(11 + 83)) == Condition(
        AlertKind.INACTIVITY_WARNING, at(11)
    )
    assert inactivity(quiet, DEFAULTS, at(11 + 90)) == Condition(AlertKind.INACTIVE, at(11))
    assert inactivity(replace(quiet, last_message_at=at(50)), DEFAULTS, at(101)) is None
    assert inactivity(FRESH, DEFAULTS, at(83)) == Condition(AlertKind.INACTIVITY_WARNING, START)


def test_a_low_pulse_needs_both_sides_and_says_only_its_week() -> None:
    """The relationship's pulse is the mean of both sides' latest answers: one answer alone
    never raises an alert (it would say how that person answered), and the alert counts from
    the Monday of the newest answer's week, not its moment."""
    good = PulseReading(score=4.5, at=at(28))
    low = PulseReading(score=2.0, at=at(30))
    lower = PulseReading(score=1.0, at=at(30))
    assert low_pulse(replace(FRESH, pulses=(low,)), DEFAULTS) is None
    assert low_pulse(replace(FRESH, pulses=(lower,)), AlertThresholds(low_pulse_score=4.5)) is None
    assert low_pulse(replace(FRESH, pulses=(good, low)), DEFAULTS) is None  # mean 3.25
    monday = datetime(2027, 2, 1, tzinfo=UTC)  # at(30) is Wednesday 3 February 2027
    assert low_pulse(replace(FRESH, pulses=(low, lower)), DEFAULTS) == Condition(
        AlertKind.LOW_PULSE, monday
    )
    assert low_pulse(replace(FRESH, pulses=(good, low)), AlertThresholds(low_pulse_score=3.5)) == (
        Condition(AlertKind.LOW_PULSE, monday)
    )


def test_the_low_pulse_threshold_moves_at_most_once_a_week() -> None:
    moved = AlertThresholds(low_pulse_score=3.0)
    assert check_threshold_change(DEFAULTS, moved, None, at(1)) is True
    assert check_threshold_change(moved, moved, at(1), at(2)) is False  # not moved: fine
    other = AlertThresholds(low_pulse_score=3.0, first_meeting_days=30)
    assert check_threshold_change(moved, other, at(1), at(2)) is False
    with pytest.raises(ValueError, match="once a week"):
        check_threshold_change(moved, AlertThresholds(low_pulse_score=3.5), at(1), at(7.9))
    assert check_threshold_change(moved, AlertThresholds(low_pulse_score=3.5), at(1), at(8))


def test_alerts_about_answers_say_their_day_only() -> None:
    assert raised_at(AlertKind.LOW_PULSE, at(30.4)) == datetime(2027, 2, 3, tzinfo=UTC)
    assert raised_at(AlertKind.INACTIVE, at(30.4)) == at(30.4)


def test_an_ended_relationship_raises_nothing() -> None:
    ended = replace(FRESH, ended_at=at(20))
    assert conditions(ended, DEFAULTS, at(200)) == []
    assert {c.kind for c in conditions(FRESH, DEFAULTS, at(200))} == {
        AlertKind.NO_FIRST_MEETING,
        AlertKind.INACTIVE,
    }


def test_the_same_condition_keeps_its_alert_id_and_a_new_episode_gets_a_new_one() -> None:
    met = replace(FRESH, first_meeting_at=at(5), last_meeting_at=at(5))
    first = contact_overdue(met, DEFAULTS, at(19))
    later = contact_overdue(met, DEFAULTS, at(25))
    assert first is not None and later is not None
    assert alert_id("rel_1", first) == alert_id("rel_1", later)
    again = contact_overdue(replace(met, last_meeting_at=at(30)), DEFAULTS, at(45))
    assert again is not None and alert_id("rel_1", again) != alert_id("rel_1", first)
    assert alert_id("rel_2", first) != alert_id("rel_1", first)
    # Microseconds the store drops do not change the id.
    finer = Condition(first.kind, first.since + timedelta(microseconds=400))
    assert alert_id("rel_1", finer) == alert_id("rel_1", first)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"inactivity_warning_days": 90, "inactivity_days": 90}, "warning must come before"),
        ({"first_meeting_days": 3}, "greater than or equal to 7"),
        ({"contact_overdue_days": 61}, "less than or equal to 60"),
        ({"low_pulse_score": 5}, "less than or equal to 4.5"),
        ({"surprise": 1}, "Extra inputs"),
    ],
)
def test_thresholds_are_validated(change: dict[str, Any], reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        AlertThresholds.model_validate(change)


def test_the_seeds_give_the_defaults() -> None:
    assert DEFAULTS.model_dump() == {
        "first_meeting_days": 21,
        "contact_overdue_days": 14,
        "inactivity_warning_days": 83,
        "inactivity_days": 90,
        "low_pulse_score": 2.0,
    }


def test_reminders_are_gentle_and_say_nothing_of_the_machinery() -> None:
    assert nudge_for(AlertKind.LOW_PULSE) is None  # would tell the other party how one answered
    assert nudge_for(AlertKind.INACTIVE) is nudge_for(AlertKind.INACTIVITY_WARNING)
    texts = [*TEXTS.values(), survey_text("How is it going?", at(21))]
    for text in texts:
        lowered = text.lower()
        for word in ("alert", "threshold", "co-ordinator", "overdue", "inactive", "score"):
            assert word not in lowered, (word, text)
    assert TEXTS[ReminderTopic.NEXT_MEETING].startswith("It's been a while since you last met")
    assert "25 January 2027" in survey_text("How is it going?", at(21))


def test_each_kind_is_described_for_the_coordinator() -> None:
    for kind in AlertKind:
        assert "4 January 2027" in describe(kind, START)
