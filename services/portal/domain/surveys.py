"""Surveys and reminders as the portal reads them from evaluation (Resource 6 of seed 002 and
the pulse check), and the answers a form gives. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from pydantic import BaseModel, Field


class Question(BaseModel):
    """One question of a survey."""

    id: str
    text: str
    type: str
    options: list[str] = Field(default_factory=list)
    required: bool = True
    max_length: int | None = None


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


class Reminder(BaseModel):
    """A gentle reminder the network keeps for the member."""

    id: str
    topic: str
    text: str
    created_at: datetime
    survey_id: str | None = None


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
        if question.type in ("rating", "scale"):
            try:
                answers[question.id] = int(values[0])
            except ValueError:
                problems[question.id] = "choose a number"
        elif question.type == "multiple_choice":
            answers[question.id] = values
        else:
            answers[question.id] = values[0]
    return answers, problems


# The range of each numeric question type, as evaluation checks it.
RANGES = {"rating": (1, 5), "scale": (1, 10)}
