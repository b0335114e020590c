"""Surveys and reminders as the portal reads them from evaluation (Resource 6 of seed 002, the
mentor evaluation questionnaire, and the pulse check), the answers a form gives, and the
service's refusal laid beside the questions it names. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from pydantic import BaseModel, Field

# The range of each numeric question type, as evaluation checks it.
RANGES = {"rating": (1, 5), "scale": (1, 10)}
# The longest free-text answer when a question does not say (as evaluation has it).
LONGEST_TEXT = 2000


class Question(BaseModel):
    """One question of a survey."""

    id: str
    text: str
    type: str
    options: list[str] = Field(default_factory=list)
    required: bool = True
    max_length: int | None = None

    @property
    def longest(self) -> int:
        """The longest free-text answer taken."""
        return self.max_length or LONGEST_TEXT

    @property
    def points(self) -> list[int]:
        """The numbers a rating or scale offers (none for other types)."""
        low, high = RANGES.get(self.type, (1, 0))
        return list(range(low, high + 1))


class Survey(BaseModel):
    """A survey sent to the member."""

    id: str
    title: str
    kind: str
    introduction: str
    questions: list[Question]
    programme_id: str
    relationship_id: str
    role: str
    opens_at: datetime
    closes_at: datetime
    answered: bool = False

    def open_at(self, now: datetime) -> bool:
        """Still waiting for an answer at `now`."""
        return not self.answered and self.opens_at <= now < self.closes_at


class Reminder(BaseModel):
    """A gentle reminder the network keeps for the member."""

    id: str
    topic: str
    text: str
    created_at: datetime
    survey_id: str | None = None

    @property
    def about_a_survey(self) -> bool:
        """A reminder of a survey waiting for an answer."""
        return self.topic == "survey" or self.survey_id is not None


def waiting(surveys: Sequence[Survey], now: datetime) -> list[Survey]:
    """The surveys still open for the member, the one closing soonest first."""
    return sorted((s for s in surveys if s.open_at(now)), key=lambda s: s.closes_at)


def answers_from_form(
    questions: Sequence[Question], form: Mapping[str, Sequence[str]]
) -> tuple[dict[str, object], dict[str, str]]:
    """A survey form's fields as the answers evaluation takes, and the fields a person must
    fix (the service checks again; this keeps what was typed and says what is missing)."""
    answers: dict[str, object] = {}
    problems: dict[str, str] = {}
    for question in questions:
        values = [v.strip() for v in form.get(question.id, []) if v.strip()]
        if not values:
            if question.required:
                problems[question.id] = "please answer this question"
            continue
        answer, problem = _answer(question, values)
        if problem:
            problems[question.id] = problem
        else:
            answers[question.id] = answer
    return answers, problems


def _answer(question: Question, values: list[str]) -> tuple[object, str | None]:
    if question.type in RANGES:
        low, high = RANGES[question.type]
        if not values[0].isdigit() or not low <= int(values[0]) <= high:
            return None, f"choose a number from {low} to {high}"
        return int(values[0]), None
    if question.type == "single_choice":
        if values[0] not in question.options:
            return None, "choose one of the answers listed"
        return values[0], None
    if question.type == "multiple_choice":
        chosen = list(dict.fromkeys(values))
        if any(v not in question.options for v in chosen):
            return None, "choose from the answers listed"
        return chosen, None
    text = values[0]
    if len(text) > question.longest:
        return None, f"at most {question.longest} characters: this is {len(text)}"
    return text, None


def problems_from_refusal(detail: str, questions: Sequence[Question]) -> dict[str, str]:
    """Evaluation's refusal ('q1: an answer is required; q2: ...') beside each question it
    names; what names no question is left for the form's own notice."""
    known = {q.id for q in questions}
    placed: dict[str, str] = {}
    for part in detail.split("; "):
        question, colon, message = part.partition(": ")
        if colon and question in known:
            placed.setdefault(question, message)
    return placed
