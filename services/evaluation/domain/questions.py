"""Survey questions, templates and the answers they accept (the SSSC guidance, seed 002,
Resource 6).

Five question types: a rating 1-5, a scale 1-10, a single choice, a multiple choice and free
text. A template is a versioned list of questions; a survey is sent with one version and its
answers are checked against exactly that version, so an answer always keeps the question it
answered, however the template is edited later.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from shared.errors import DomainError

MAX_FREE_TEXT = 4000  # characters; no question may allow more
DEFAULT_FREE_TEXT = 2000
MAX_QUESTIONS = 40
PULSE_QUESTIONS = (2, 4)  # a pulse check is short: two to four questions

QUESTION_ID = r"^[a-z][a-z0-9_]{0,39}$"
TEMPLATE_ID = r"^tpl_[a-z0-9_]{1,40}$"


class QuestionType(StrEnum):
    """What a question asks for."""

    RATING = "rating"  # a whole number 1-5
    SCALE = "scale"  # a whole number 1-10
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    FREE_TEXT = "free_text"


RANGES: dict[QuestionType, tuple[int, int]] = {
    QuestionType.RATING: (1, 5),
    QuestionType.SCALE: (1, 10),
}
CHOICES = (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE)


class SurveyKind(StrEnum):
    """Who a template is for: mentors, mentees, or every party (the pulse check)."""

    MENTOR = "mentor"
    MENTEE = "mentee"
    PULSE = "pulse"


Option = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class Question(BaseModel):
    """One question of a template."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    id: str = Field(pattern=QUESTION_ID, examples=["q1"])
    text: str = Field(
        min_length=3, max_length=300, examples=["How would you rate the mentoring programme?"]
    )
    type: QuestionType = Field(examples=["rating"])
    options: list[Option] = Field(
        default_factory=list, max_length=12, description="choices only", examples=[[]]
    )
    required: bool = Field(
        default=True,
        description="defaults to true, except for free text (optional unless said)",
        examples=[True],
    )
    max_length: int | None = Field(
        default=None,
        ge=1,
        le=MAX_FREE_TEXT,
        description=f"free text only: the longest answer (default {DEFAULT_FREE_TEXT})",
        examples=[None],
    )

    @model_validator(mode="before")
    @classmethod
    def _free_text_optional_by_default(cls, data: Any) -> Any:
        if isinstance(data, dict) and "required" not in data:
            return {**data, "required": data.get("type") != QuestionType.FREE_TEXT.value}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.type in CHOICES:
            if len(self.options) < 2:
                raise ValueError(f"question {self.id}: a choice needs at least two options")
            if len(set(self.options)) != len(self.options):
                raise ValueError(f"question {self.id}: an option is listed twice")
        elif self.options:
            raise ValueError(f"question {self.id}: only choice questions have options")
        if self.max_length is not None and self.type is not QuestionType.FREE_TEXT:
            raise ValueError(f"question {self.id}: only free text has a maximum length")
        return self

    @property
    def longest(self) -> int:
        """The longest free-text answer accepted."""
        return self.max_length or DEFAULT_FREE_TEXT


class TemplateDraft(BaseModel):
    """What a programme co-ordinator writes: a new template, or a new version of one."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    title: str = Field(min_length=3, max_length=120, examples=["Mid-point check for mentees"])
    kind: SurveyKind = Field(
        examples=["mentee"], description="mentor, mentee, or pulse (asked of every party)"
    )
    introduction: str = Field(
        default="",
        max_length=1000,
        examples=["Thank you for taking a few minutes to tell us how it is going."],
    )
    questions: list[Question] = Field(
        min_length=1,
        max_length=MAX_QUESTIONS,
        examples=[
            [
                {"id": "q1", "text": "How useful are your meetings?", "type": "rating"},
                {"id": "q2", "text": "What would help you most now?", "type": "free_text"},
            ]
        ],
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        ids = [q.id for q in self.questions]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"question ids must be unique: {', '.join(twice)} repeated")
        low, high = PULSE_QUESTIONS
        if self.kind is SurveyKind.PULSE and not low <= len(self.questions) <= high:
            raise ValueError(f"a pulse check has {low} to {high} questions")
        return self


class TemplateVersion(BaseModel):
    """One version of a template, as stored and as a survey shows it."""

    model_config = ConfigDict(frozen=True)

    template_id: str = Field(pattern=TEMPLATE_ID, examples=["tpl_mentee_end"])
    version: int = Field(ge=1, examples=[1])
    programme_id: str | None = Field(
        examples=["prg_7c1d2e3f4a5b"], description="None for the built-in templates"
    )
    title: str = Field(examples=["Mentee questionnaire"])
    kind: SurveyKind = Field(examples=["mentee"])
    introduction: str = Field(examples=["We would like your opinion of the programme."])
    questions: list[Question] = Field(
        examples=[[{"id": "q1", "text": "How useful are your meetings?", "type": "rating"}]]
    )
    created_at: datetime | None = Field(
        default=None, description="None for built-ins", examples=["2027-01-11T09:30:00Z"]
    )

    @property
    def built_in(self) -> bool:
        """One of the network's own templates (read-only; copy it to edit)."""
        return self.programme_id is None


class InvalidAnswersError(DomainError):
    """Answers that do not fit the survey's questions: nothing is stored."""

    status = 422
    error = "invalid_answers"


AnswerValue = int | str | list[str]


@dataclass(frozen=True)
class CheckedAnswers:
    """Answers that passed every check, split by what may travel where: scores may leave the
    service (in `survey.completed`), choices and free text never do."""

    scores: dict[str, int] = field(default_factory=dict)
    choices: dict[str, list[str]] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)


def check_answers(questions: Sequence[Question], answers: Mapping[str, object]) -> CheckedAnswers:
    """The answers if every one fits its question; otherwise InvalidAnswersError naming each
    problem (unknown question, missing answer, out of range, not an option, too long)."""
    known = {q.id: q for q in questions}
    problems = [
        f"{qid}: there is no such question in this survey" for qid in answers if qid not in known
    ]
    checked = CheckedAnswers()
    for question in questions:
        value = answers.get(question.id)
        if isinstance(value, str):
            value = value.strip()
        if value is None or value == "" or value == []:
            if question.required:
                problems.append(f"{question.id}: an answer is required")
            continue
        problem = _check_one(question, value, checked)
        if problem:
            problems.append(f"{question.id}: {problem}")
    if problems:
        raise InvalidAnswersError("; ".join(problems))
    return checked


def _check_one(question: Question, value: object, into: CheckedAnswers) -> str | None:
    """Store a fitting answer in `into`, or say what is wrong with it."""
    kind = question.type
    if kind in RANGES:
        low, high = RANGES[kind]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            return f"a {kind.value} is a whole number from {low} to {high}, not {value!r}"
        into.scores[question.id] = value
    elif kind is QuestionType.SINGLE_CHOICE:
        if not isinstance(value, str) or value not in question.options:
            return f"choose one of {', '.join(question.options)}"
        into.choices[question.id] = [value]
    elif kind is QuestionType.MULTIPLE_CHOICE:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return "a multiple choice is a list of options"
        unknown = [v for v in value if v not in question.options]
        if unknown or len(set(value)) != len(value):
            return f"choose each at most once from {', '.join(question.options)}"
        into.choices[question.id] = list(value)
    else:
        if not isinstance(value, str):
            return "a free-text answer is text"
        if len(value) > question.longest:
            return f"at most {question.longest} characters, not {len(value)}"
        into.texts[question.id] = value
    return None


def pulse_score(questions: Sequence[Question], scores: Mapping[str, int]) -> float | None:
    """How well a relationship is going by one pulse answer: the mean of its ratings and
    scales on the 1-5 rating scale (a 1-10 scale answer s counts as 1 + (s - 1) * 4 / 9);
    None if it has none."""
    values: list[float] = []
    for question in questions:
        score = scores.get(question.id)
        if score is None:
            continue
        if question.type is QuestionType.RATING:
            values.append(float(score))
        elif question.type is QuestionType.SCALE:
            values.append(1 + (score - 1) * 4 / 9)
    return sum(values) / len(values) if values else None
