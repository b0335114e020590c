"""When surveys are due: after the start, every few weeks, at the end — and never sent late."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from services.evaluation.domain.monitoring import ERASED, Party
from services.evaluation.domain.questions import SurveyKind
from services.evaluation.domain.survey_schedule import (
    DEFAULT_SCHEDULE,
    Occasion,
    ScheduleEntry,
    SurveySchedule,
    Timing,
    open_occasions,
    respondents,
    survey_id,
)

START = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


def at(days: float) -> datetime:
    return START + timedelta(days=days)


def keys(occasions: list[Occasion]) -> list[str]:
    return sorted(o.key for o in occasions)


def test_nothing_is_due_at_the_start() -> None:
    assert open_occasions(DEFAULT_SCHEDULE, START, None, START) == []


def test_the_four_week_pulse_opens_at_four_weeks_and_closes_three_weeks_later() -> None:
    assert open_occasions(DEFAULT_SCHEDULE, START, None, at(27.9)) == []
    (due,) = open_occasions(DEFAULT_SCHEDULE, START, None, at(28))
    assert due.key == "tpl_pulse:after_start:4" and due.opens_at == at(28)
    assert due.closes_at == at(28 + 21)
    assert keys(open_occasions(DEFAULT_SCHEDULE, START, None, at(48.9))) == [
        "tpl_pulse:after_start:4"
    ]
    assert open_occasions(DEFAULT_SCHEDULE, START, None, at(49)) == []
    assert keys(open_occasions(DEFAULT_SCHEDULE, START, None, at(56))) == ["tpl_pulse:every:8#1"]


def test_periodic_surveys_keep_coming_each_with_its_own_key() -> None:
    assert keys(open_occasions(DEFAULT_SCHEDULE, START, None, at(7 * 40 + 1))) == [
        "tpl_pulse:every:8#5"
    ]
    weekly = SurveySchedule(
        entries=[ScheduleEntry(template_id="tpl_pulse", when=Timing.EVERY, weeks=1)],
        open_days=21,
        remind_after_days=7,
    )
    assert keys(open_occasions(weekly, START, None, at(7 * 10))) == [
        "tpl_pulse:every:1#10",
        "tpl_pulse:every:1#8",
        "tpl_pulse:every:1#9",
    ]


def test_the_end_brings_the_questionnaires_and_stops_the_pulses() -> None:
    ended = at(60)
    found = keys(open_occasions(DEFAULT_SCHEDULE, START, ended, at(61)))
    # The 8-week pulse (day 56) is still open; the end questionnaires open at the end.
    assert found == ["tpl_mentee_end:at_end:0", "tpl_mentor_end:at_end:0", "tpl_pulse:every:8#1"]
    later = keys(open_occasions(DEFAULT_SCHEDULE, START, ended, at(7 * 16 + 1)))
    assert later == []  # the end questionnaires closed; no pulse after the end


def test_a_survey_whose_window_passed_is_never_sent() -> None:
    # A relationship learnt late (a replay): the 4-week pulse closed long ago.
    assert "tpl_pulse:after_start:4" not in keys(
        open_occasions(DEFAULT_SCHEDULE, START, None, at(100))
    )


def test_respondents_follow_the_kind_and_skip_the_erased() -> None:
    parties = [
        Party("mem_mentor", "org_a", "mentor"),
        Party("mem_one", "org_b", "mentee"),
        Party(ERASED, "org_b", "mentee"),
    ]
    assert [p.member_id for p in respondents(SurveyKind.MENTOR, parties)] == ["mem_mentor"]
    assert [p.member_id for p in respondents(SurveyKind.MENTEE, parties)] == ["mem_one"]
    assert [p.member_id for p in respondents(SurveyKind.PULSE, parties)] == [
        "mem_mentor",
        "mem_one",
    ]


def test_survey_ids_are_stable_per_relationship_occasion_and_person() -> None:
    (occasion,) = open_occasions(DEFAULT_SCHEDULE, START, None, at(30))
    again = open_occasions(DEFAULT_SCHEDULE, START, None, at(31))[0]
    assert survey_id("rel_1", occasion, "mem_a") == survey_id("rel_1", again, "mem_a")
    assert survey_id("rel_1", occasion, "mem_a") != survey_id("rel_1", occasion, "mem_b")
    assert survey_id("rel_1", occasion, "mem_a").startswith("srv_")


@pytest.mark.parametrize(
    ("schedule", "reason"),
    [
        ({"entries": [{"template_id": "tpl_pulse", "when": "every"}]}, "needs weeks"),
        (
            {"entries": [{"template_id": "tpl_pulse", "when": "at_end", "weeks": 2}]},
            "takes no weeks",
        ),
        ({"entries": [{"template_id": "tpl_pulse", "when": "every", "weeks": 0}]}, "greater"),
        (
            {"entries": [{"template_id": "tpl_pulse", "when": "at_end"}] * 2},
            "listed twice",
        ),
        ({"entries": [], "open_days": 7, "remind_after_days": 7}, "before the survey closes"),
        ({"entries": [{"template_id": "pulse", "when": "at_end"}]}, "pattern"),
    ],
)
def test_schedules_that_make_no_sense_are_refused(schedule: dict[str, Any], reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        SurveySchedule.model_validate(schedule)
