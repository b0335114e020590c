"""Survey templates and answers: every question type, every way an answer can be wrong."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from services.evaluation.domain.built_in_surveys import (
    BUILT_IN,
    MENTEE_QUESTIONNAIRE,
    MENTOR_QUESTIONNAIRE,
    PULSE_CHECK,
)
from services.evaluation.domain.questions import (
    DEFAULT_FREE_TEXT,
    InvalidAnswersError,
    Question,
    QuestionType,
    SurveyKind,
    TemplateDraft,
    check_answers,
    pulse_score,
)

QUESTIONS = [
    Question(id="r", text="Rate it", type=QuestionType.RATING),
    Question(id="s", text="Scale it", type=QuestionType.SCALE),
    Question(id="one", text="Pick one", type=QuestionType.SINGLE_CHOICE, options=["a", "b"]),
    Question(
        id="many", text="Pick some", type=QuestionType.MULTIPLE_CHOICE, options=["x", "y", "z"]
    ),
    Question(id="t", text="Tell us", type=QuestionType.FREE_TEXT, max_length=20),
]
GOOD: dict[str, Any] = {"r": 4, "s": 9, "one": "b", "many": ["x", "z"], "t": "  fine  "}


def refusal(answers: dict[str, Any]) -> str:
    with pytest.raises(InvalidAnswersError) as caught:
        check_answers(QUESTIONS, answers)
    assert caught.value.status == 422
    return caught.value.detail


def test_good_answers_are_split_into_scores_choices_and_text() -> None:
    checked = check_answers(QUESTIONS, GOOD)
    assert checked.scores == {"r": 4, "s": 9}
    assert checked.choices == {"one": ["b"], "many": ["x", "z"]}
    assert checked.texts == {"t": "fine"}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"r": 0}, "r: a rating is a whole number from 1 to 5, not 0"),
        ({"r": 6}, "r: a rating is a whole number from 1 to 5, not 6"),
        ({"s": 11}, "s: a scale is a whole number from 1 to 10, not 11"),
        ({"s": True}, "s: a scale is a whole number from 1 to 10, not True"),
        ({"r": "4"}, "r: a rating is a whole number"),
        ({"one": "c"}, "one: choose one of a, b"),
        ({"one": ["a"]}, "one: choose one of a, b"),
        ({"many": ["x", "x"]}, "many: choose each at most once"),
        ({"many": ["w"]}, "many: choose each at most once"),
        ({"many": "x"}, "many: a multiple choice is a list of options"),
        ({"t": "x" * 21}, "t: at most 20 characters, not 21"),
        ({"t": 5}, "t: a free-text answer is text"),
        ({"nope": 3}, "nope: there is no such question in this survey"),
    ],
)
def test_each_bad_answer_is_refused_with_its_reason(change: dict[str, Any], reason: str) -> None:
    assert reason in refusal({**GOOD, **change})


def test_required_answers_are_required_and_free_text_is_optional_by_default() -> None:
    without = {k: v for k, v in GOOD.items() if k not in ("r", "t")}
    assert refusal(without) == "r: an answer is required"
    assert "t" not in check_answers(QUESTIONS, {**GOOD, "t": "   "}).texts
    assert not QUESTIONS[-1].required
    assert Question(id="q", text="Why?", type=QuestionType.FREE_TEXT).longest == DEFAULT_FREE_TEXT


def test_every_problem_is_named_at_once() -> None:
    detail = refusal({**GOOD, "r": 9, "one": "c", "extra": 1})
    assert detail.count(";") == 2
    assert "r:" in detail and "one:" in detail and "extra:" in detail


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        ({"type": "single_choice", "options": ["only"]}, "at least two options"),
        ({"type": "multiple_choice", "options": ["a", "a"]}, "listed twice"),
        ({"type": "rating", "options": ["a", "b"]}, "only choice questions have options"),
        ({"type": "rating", "max_length": 10}, "only free text has a maximum length"),
        ({"type": "free_text", "max_length": 4001}, "less than or equal to 4000"),
        ({"type": "slider"}, "Input should be"),
    ],
)
def test_questions_that_do_not_hold_together_are_refused(
    question: dict[str, Any], reason: str
) -> None:
    with pytest.raises(ValidationError, match=reason):
        Question.model_validate({"id": "q1", "text": "A question", **question})


def test_a_template_needs_unique_ids_and_a_pulse_check_is_short() -> None:
    rating = {"text": "How is it?", "type": "rating"}
    with pytest.raises(ValidationError, match="q1 repeated"):
        TemplateDraft.model_validate(
            {"title": "Twice", "kind": "mentee", "questions": [{"id": "q1", **rating}] * 2}
        )
    for count in (1, 5):
        with pytest.raises(ValidationError, match="a pulse check has 2 to 4 questions"):
            TemplateDraft.model_validate(
                {
                    "title": "Pulse",
                    "kind": "pulse",
                    "questions": [{"id": f"q{i}", **rating} for i in range(count)],
                }
            )


def test_the_built_in_questionnaires_follow_resource_6() -> None:
    mentor = MENTOR_QUESTIONNAIRE
    assert mentor.kind is SurveyKind.MENTOR and len(mentor.questions) == 16
    assert mentor.questions[0].text == "How would you rate the mentoring programme?"
    assert "mentor training" in mentor.questions[3].text
    assert [q.type for q in mentor.questions[13:]] == [QuestionType.FREE_TEXT] * 3
    mentee = MENTEE_QUESTIONNAIRE
    assert mentee.kind is SurveyKind.MENTEE and len(mentee.questions) == 16
    assert "induction" in mentee.questions[3].text
    assert 2 <= len(PULSE_CHECK.questions) <= 4
    assert set(BUILT_IN) == {"tpl_mentor_end", "tpl_mentee_end", "tpl_pulse"}
    for template in BUILT_IN.values():  # the same rules as co-ordinators' templates
        TemplateDraft(
            title=template.title,
            kind=template.kind,
            introduction=template.introduction,
            questions=template.questions,
        )


def test_a_pulse_score_is_the_mean_on_the_rating_scale() -> None:
    assert pulse_score(QUESTIONS, {"r": 2, "s": 10}) == pytest.approx((2 + 5) / 2)
    assert pulse_score(QUESTIONS, {"s": 1}) == pytest.approx(1.0)
    assert pulse_score(QUESTIONS, {}) is None
