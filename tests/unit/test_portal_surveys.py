"""The portal's survey form: every question type read from the form, a missing or impossible
answer kept beside its question, evaluation's refusal laid beside the questions it names, and
which surveys and reminders the surveys page lists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.portal.domain.surveys import (
    Question,
    Reminder,
    Survey,
    answers_from_form,
    problems_from_refusal,
    waiting,
)

QUESTIONS = [
    Question(id="useful", text="How useful?", type="rating"),
    Question(id="confident", text="How confident?", type="scale"),
    Question(id="often", text="How often?", type="single_choice", options=["weekly", "monthly"]),
    Question(id="how", text="How?", type="multiple_choice", options=["video", "telephone"]),
    Question(id="next", text="What next?", type="free_text", required=False, max_length=20),
]
NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)


def test_every_question_type_becomes_the_answer_evaluation_takes() -> None:
    answers, problems = answers_from_form(
        QUESTIONS,
        {
            "useful": ["4"],
            "confident": ["10"],
            "often": ["monthly"],
            "how": ["video", "telephone", "video"],
            "next": ["  more time  "],
            "csrf_token": ["x"],
        },
    )
    assert problems == {}
    assert answers == {
        "useful": 4,
        "confident": 10,
        "often": "monthly",
        "how": ["video", "telephone"],
        "next": "more time",
    }


def test_missing_and_impossible_answers_are_named_by_question() -> None:
    answers, problems = answers_from_form(
        QUESTIONS,
        {"useful": ["6"], "often": ["daily"], "how": ["carrier pigeon"], "next": ["x" * 21]},
    )
    assert problems == {
        "useful": "choose a number from 1 to 5",
        "confident": "please answer this question",
        "often": "choose one of the answers listed",
        "how": "choose from the answers listed",
        "next": "at most 20 characters: this is 21",
    }
    assert answers == {}
    answers, problems = answers_from_form(QUESTIONS[:1] + QUESTIONS[4:], {"useful": ["2"]})
    assert answers == {"useful": 2} and problems == {}, "free text is optional"


def test_the_longest_text_and_the_points_of_each_scale() -> None:
    assert Question(id="t", text="Tell", type="free_text").longest == 2000
    assert QUESTIONS[0].points == [1, 2, 3, 4, 5]
    assert QUESTIONS[1].points == list(range(1, 11))
    assert QUESTIONS[2].points == []


def test_evaluations_refusal_lands_beside_the_questions_it_names() -> None:
    detail = "useful: a rating is a whole number from 1 to 5, not 7; q9: there is no such question"
    assert problems_from_refusal(detail, QUESTIONS) == {
        "useful": "a rating is a whole number from 1 to 5, not 7"
    }
    assert problems_from_refusal("the survey closed on 2027-02-22", QUESTIONS) == {}


def _survey(sid: str, closes_in_days: float, answered: bool = False) -> Survey:
    return Survey(
        id=sid,
        title="Pulse",
        kind="pulse",
        introduction="Three questions",
        questions=QUESTIONS,
        programme_id="prg_1",
        relationship_id="rel_1",
        role="mentee",
        opens_at=NOW - timedelta(days=3),
        closes_at=NOW + timedelta(days=closes_in_days),
        answered=answered,
    )


def test_open_surveys_closing_soonest_first_and_survey_reminders_only() -> None:
    found = waiting(
        [_survey("late", 9), _survey("soon", 1), _survey("closed", -1), _survey("done", 5, True)],
        NOW,
    )
    assert [s.id for s in found] == ["soon", "late"]
    nudge = Reminder(id="r1", topic="first_meeting", text="Meet soon", created_at=NOW)
    survey = Reminder(id="r2", topic="survey", text="How is it going?", created_at=NOW)
    assert survey.about_a_survey and not nudge.about_a_survey
