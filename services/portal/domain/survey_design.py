"""A programme's surveys as its co-ordinator designs them: the templates (the network's
built-in ones, from seed 002's Resource 6 evaluation questionnaires and the pulse check, and the
programme's own, each edit a new version), when they are sent (the schedule: seed 002's
checklist 4, "decide how often this is done"), and the anonymous comments people wrote,
shown only once five or more people wrote to a question. Forms are parsed here, each problem
beside its field. Pure: no I/O."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from services.portal.domain.forms import FormProblems, first, text_lines
from services.portal.domain.surveys import Question

QUESTION_TYPES = {
    "rating": "A rating from 1 to 5",
    "scale": "A scale from 1 to 10",
    "single_choice": "One choice from a list",
    "multiple_choice": "Any number of choices from a list",
    "free_text": "Their own words (read only as anonymous comments)",
}
CHOICES = ("single_choice", "multiple_choice")
KINDS = {
    "mentee": "Mentees",
    "mentor": "Mentors",
    "pulse": "Everyone in a relationship: a short pulse check (two to four questions)",
}
TIMINGS = {
    "after_start": "Once, some weeks after the relationship starts",
    "every": "Every few weeks while the relationship lasts",
    "at_end": "When the relationship ends",
}
MOST_QUESTIONS = 40
MOST_OPTIONS = 12
PULSE_QUESTIONS = (2, 4)
MIN_WRITERS = 5  # fewer people than this wrote to a question: its comments are not shown
SPARE_ROWS = 2  # empty question or schedule rows a form offers for adding


class TemplateVersion(BaseModel):
    """One version of a survey template."""

    template_id: str
    version: int
    programme_id: str | None = None
    title: str
    kind: str
    introduction: str = ""
    questions: list[Question] = Field(default_factory=list)
    created_at: datetime | None = None

    @property
    def built_in(self) -> bool:
        """One of the network's own (copy it to change it)."""
        return self.programme_id is None


@dataclass(frozen=True)
class QuestionRow:
    """One question of the form, as typed."""

    id: str = ""
    text: str = ""
    type: str = "rating"
    options: str = ""
    required: bool = True

    @property
    def blank(self) -> bool:
        """Nothing written: the row is left out."""
        return not self.text and not self.options


@dataclass(frozen=True)
class TemplateForm:
    """A template as the form holds it."""

    title: str = ""
    kind: str = "mentee"
    introduction: str = ""
    questions: tuple[QuestionRow, ...] = field(default_factory=tuple)

    def with_spare_rows(self) -> TemplateForm:
        """The same, with empty rows to add questions in."""
        spare = tuple(QuestionRow() for _ in range(SPARE_ROWS))
        return TemplateForm(self.title, self.kind, self.introduction, (*self.questions, *spare))


def template_form(template: TemplateVersion, copy: bool = False) -> TemplateForm:
    """A template in the form, to edit as a new version (or, `copy`, to start a new one from
    it), with room for more questions."""
    rows = tuple(
        QuestionRow(
            id=q.id,
            text=q.text,
            type=q.type,
            options="\n".join(q.options),
            required=q.required,
        )
        for q in template.questions
    )
    title = f"{template.title} (our version)" if copy else template.title
    return TemplateForm(title, template.kind, template.introduction, rows).with_spare_rows()


def _row_field(n: int, name: str) -> str:
    return f"q{n}_{name}"


def template_from_form(
    form: Mapping[str, Sequence[str]],
) -> tuple[TemplateForm, dict[str, Any] | None, FormProblems]:
    """The template as typed, evaluation's body (None while anything is wrong), and each
    problem beside its field (a question's fields are `q<row>_text`, `q<row>_type`, ...)."""
    rows = int(first(form, "rows")) if first(form, "rows").isdigit() else 0
    questions = tuple(
        QuestionRow(
            id=first(form, _row_field(n, "id")),
            text=first(form, _row_field(n, "text")),
            type=first(form, _row_field(n, "type")),
            options=first(form, _row_field(n, "options")),
            required=first(form, _row_field(n, "required")) == "yes",
        )
        for n in range(1, min(rows, MOST_QUESTIONS + SPARE_ROWS) + 1)
    )
    typed = TemplateForm(
        first(form, "title"), first(form, "kind"), first(form, "introduction"), questions
    )
    problems: dict[str, str] = {}
    if not 3 <= len(typed.title) <= 120:
        problems["title"] = "give a title of 3 to 120 characters"
    if typed.kind not in KINDS:
        problems["kind"] = "choose who answers it"
    if len(typed.introduction) > 1000:
        problems["introduction"] = "keep the introduction to 1000 characters or fewer"
    written = [(n, row) for n, row in enumerate(questions, start=1) if not row.blank]
    taken = {row.id for _, row in written if re.fullmatch(r"[a-z][a-z0-9_]{0,39}", row.id)}
    body_questions = []
    for n, row in written:
        question = _question(n, row, taken, problems)
        if question is not None:
            body_questions.append(question)
    if not written:
        problems["q1_text"] = "write at least one question"
    elif len(written) > MOST_QUESTIONS:
        problems["title"] = f"a template has at most {MOST_QUESTIONS} questions"
    low, high = PULSE_QUESTIONS
    if typed.kind == "pulse" and written and not low <= len(written) <= high:
        problems["kind"] = f"a pulse check has {low} to {high} questions, not {len(written)}"
    if problems:
        return typed, None, FormProblems(problems, "Please correct the parts marked below.")
    body = {
        "title": typed.title,
        "kind": typed.kind,
        "introduction": typed.introduction,
        "questions": body_questions,
    }
    return typed, body, FormProblems()


def _question(
    n: int, row: QuestionRow, taken: set[str], problems: dict[str, str]
) -> dict[str, Any] | None:
    found = len(problems)
    if not 3 <= len(row.text) <= 300:
        problems[_row_field(n, "text")] = "write the question in 3 to 300 characters"
    if row.type not in QUESTION_TYPES:
        problems[_row_field(n, "type")] = "choose how it is answered"
    options = list(dict.fromkeys(text_lines(row.options)))
    if row.type in CHOICES:
        if len(options) < 2:
            problems[_row_field(n, "options")] = "a choice needs at least two options, one a line"
        elif len(options) > MOST_OPTIONS:
            problems[_row_field(n, "options")] = f"give at most {MOST_OPTIONS} options"
        elif any(len(o) > 100 for o in options):
            problems[_row_field(n, "options")] = "keep each option to 100 characters or fewer"
    elif options and row.type in QUESTION_TYPES:
        problems[_row_field(n, "options")] = "only a choice question has options"
    if len(problems) > found:
        return None
    question_id = row.id if row.id in taken else _new_id(taken)
    taken.add(question_id)
    question: dict[str, Any] = {
        "id": question_id,
        "text": row.text,
        "type": row.type,
        "required": row.required,
    }
    if row.type in CHOICES:
        question["options"] = options
    return question


def _new_id(taken: set[str]) -> str:
    n = 1
    while f"q{n}" in taken:
        n += 1
    return f"q{n}"


def template_refusal(detail: str, fields: Mapping[str, str], typed: TemplateForm) -> FormProblems:
    """Evaluation's refusal of a template, beside the question it names where it can be
    placed (its fields say `questions.<index>.<field>`; a rule on a whole question names it)."""
    written = [n for n, row in enumerate(typed.questions, start=1) if not row.blank]
    placed: dict[str, str] = {}
    elsewhere: list[str] = []
    for path, message in fields.items():
        words = re.sub(r"^Value error, ", "", message)
        index = re.match(r"questions\.(\d+)(?:\.(\w+))?", path)
        if index and int(index.group(1)) < len(written):
            name = index.group(2) or ("options" if "option" in words else "text")
            placed[_row_field(written[int(index.group(1))], name)] = words
        elif path in ("title", "kind", "introduction"):
            placed[path] = words
        else:
            elsewhere.append(words)
    message = "; ".join(elsewhere) or (
        "Please correct the parts marked below." if placed else detail
    )
    return FormProblems(placed, _sentence(message))


@dataclass(frozen=True)
class EntryRow:
    """One schedule entry, as typed."""

    template_id: str = ""
    when: str = ""
    weeks: str = ""


class ScheduleEntry(BaseModel):
    """A template at a timing."""

    template_id: str
    when: str
    weeks: int | None = None


class SurveySchedule(BaseModel):
    """When a programme's surveys are sent."""

    entries: list[ScheduleEntry] = Field(default_factory=list)
    open_days: int = 21
    remind_after_days: int = 7


@dataclass(frozen=True)
class ScheduleForm:
    """The schedule as the form holds it."""

    entries: tuple[EntryRow, ...] = field(default_factory=tuple)
    open_days: str = "21"
    remind_after_days: str = "7"


def schedule_form(schedule: SurveySchedule) -> ScheduleForm:
    """The schedule in the form, with room for more entries."""
    rows = tuple(
        EntryRow(e.template_id, e.when, str(e.weeks) if e.weeks is not None else "")
        for e in schedule.entries
    )
    spare = tuple(EntryRow() for _ in range(SPARE_ROWS))
    return ScheduleForm((*rows, *spare), str(schedule.open_days), str(schedule.remind_after_days))


def schedule_from_form(
    form: Mapping[str, Sequence[str]], templates: Iterable[str]
) -> tuple[ScheduleForm, dict[str, Any] | None, FormProblems]:
    """The schedule as typed, evaluation's body (None while anything is wrong), and each
    problem beside its field (an entry's are `s<row>_template`, `s<row>_when`, `s<row>_weeks`).
    A row with no template chosen is left out."""
    known = set(templates)
    rows = int(first(form, "rows")) if first(form, "rows").isdigit() else 0
    entries = tuple(
        EntryRow(
            first(form, f"s{n}_template"), first(form, f"s{n}_when"), first(form, f"s{n}_weeks")
        )
        for n in range(1, min(rows, 12 + SPARE_ROWS) + 1)
    )
    typed = ScheduleForm(entries, first(form, "open_days"), first(form, "remind_after_days"))
    problems: dict[str, str] = {}
    body_entries: list[dict[str, Any]] = []
    seen: set[tuple[str, str, int | None]] = set()
    for n, row in enumerate(entries, start=1):
        if not row.template_id:
            continue
        if row.template_id not in known:
            problems[f"s{n}_template"] = "choose one of the programme's templates"
            continue
        if row.when not in TIMINGS:
            problems[f"s{n}_when"] = "choose when it is sent"
            continue
        weeks: int | None = None
        if row.when != "at_end":
            if not row.weeks.isdigit() or not 1 <= int(row.weeks) <= 104:
                problems[f"s{n}_weeks"] = "give a number of weeks from 1 to 104"
                continue
            weeks = int(row.weeks)
        key = (row.template_id, row.when, weeks)
        if key in seen:
            problems[f"s{n}_template"] = "this survey is already sent at that time"
            continue
        seen.add(key)
        entry: dict[str, Any] = {"template_id": row.template_id, "when": row.when}
        if weeks is not None:
            entry["weeks"] = weeks
        body_entries.append(entry)
    days = {}
    for name, (low, high) in (("open_days", (3, 90)), ("remind_after_days", (1, 60))):
        value = getattr(typed, name)
        if not value.isdigit() or not low <= int(value) <= high:
            problems[name] = f"give a whole number of days from {low} to {high}"
        else:
            days[name] = int(value)
    if len(days) == 2 and days["remind_after_days"] >= days["open_days"]:
        problems["remind_after_days"] = (
            f"the reminder must come before the survey closes (after {days['open_days']} days)"
        )
    if problems:
        return typed, None, FormProblems(problems, "Please correct the parts marked below.")
    return typed, {"entries": body_entries, **days}, FormProblems()


def timing_in_words(entry: ScheduleEntry) -> str:
    """'4 weeks after the relationship starts', 'every 8 weeks', 'when it ends'."""
    weeks = f"{entry.weeks} week{'s' if entry.weeks != 1 else ''}"
    if entry.when == "after_start":
        return f"once, {weeks} after the relationship starts"
    if entry.when == "every":
        return f"every {weeks} while the relationship lasts"
    return "when the relationship ends"


class QuestionComments(BaseModel):
    """What people wrote to one free-text question, anonymous."""

    template_id: str
    template_version: int
    question_id: str
    question: str
    people: int = 0
    suppressed: bool = False
    comments: list[str] = Field(default_factory=list)

    @property
    def in_words(self) -> str:
        """Why nothing shows, or how many wrote."""
        if self.suppressed:
            return (
                f"Not shown: fewer than {MIN_WRITERS} people have written to this question, "
                "so a comment could tell who wrote it."
            )
        return f"{self.people} people wrote to this question. Comments are in alphabetical order."


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."
