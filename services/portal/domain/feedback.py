"""BOOST feedback in the portal's forms (seed 000, the ICAS article "Resources and techniques
for successful peer mentoring": Balanced, Observed, Objective, Specific, Timely): a box per
letter read from a form into the body the sessions service takes. Which letters are covered,
and each letter's prompt, are the sessions service's to say. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, Field

from services.portal.domain.forms import FormProblems, first

LETTERS = ("balanced", "observed", "objective", "specific", "timely")
LETTER_NAMES = {letter: letter.capitalize() for letter in LETTERS}
TEXT_MAX = 2000
PREFIX = "boost-"  # the form fields are boost-balanced, boost-observed, ...
# The steps of a critical-incident circle session in which peers give feedback (seed 001).
FEEDBACK_STEPS = {"peer_feedback": "Peer feedback", "positive_feedback": "Positive feedback"}
NOTE_TEXT_MAX = 4000


class BoostFeedback(BaseModel):
    """Feedback in BOOST form, as the sessions service keeps it."""

    balanced: str = ""
    observed: str = ""
    objective: str = ""
    specific: str = ""
    timely: str = ""
    covers: list[str] = Field(default_factory=list)

    def boxes(self) -> dict[str, str]:
        """The box of each letter."""
        return {letter: getattr(self, letter) for letter in LETTERS}


class BoostCoverage(BaseModel):
    """One letter: its prompt, and whether the feedback covers it."""

    letter: str
    prompt: str
    covered: bool

    @property
    def name(self) -> str:
        """The letter's word: 'Balanced'."""
        return LETTER_NAMES.get(self.letter, self.letter)


def boxes_from_form(form: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """What was typed in each letter's box."""
    return {letter: first(form, f"{PREFIX}{letter}") for letter in LETTERS}


def boost_body(boxes: Mapping[str, str]) -> dict[str, str] | None:
    """The feedback to send: none when every box is empty."""
    return dict(boxes) if any(boxes.values()) else None


def boost_problems(boxes: Mapping[str, str]) -> dict[str, str]:
    """Boxes over their bound, by form field."""
    return {
        f"{PREFIX}{letter}": f"keep this to {TEXT_MAX} characters"
        for letter, text in boxes.items()
        if len(text) > TEXT_MAX
    }


class FeedbackDraft(BaseModel):
    """A peer's BOOST feedback on a circle session as its form holds it."""

    step: str = ""
    boxes: dict[str, str] = Field(default_factory=dict)
    text: str = ""


def circle_feedback(form: Mapping[str, Sequence[str]]) -> tuple[FeedbackDraft, dict[str, Any]]:
    """What was typed, and the note the sessions service takes: the step, the BOOST boxes
    and an optional note beside them."""
    draft = FeedbackDraft(
        step=first(form, "step"), boxes=boxes_from_form(form), text=first(form, "text")
    )
    body = {"step": draft.step, "feedback": boost_body(draft.boxes), "text": draft.text}
    return draft, body


def circle_feedback_problems(draft: FeedbackDraft) -> FormProblems:
    """A feedback step chosen, a prompt answered, nothing over its bound."""
    problems = boost_problems(draft.boxes)
    if draft.step not in FEEDBACK_STEPS:
        problems["step"] = "Choose the step you give the feedback in."
    if len(draft.text) > NOTE_TEXT_MAX:
        problems["text"] = f"Keep this to {NOTE_TEXT_MAX} characters."
    if not boost_body(draft.boxes):
        return FormProblems(problems, "Answer at least one of the BOOST prompts.")
    return FormProblems(problems, "Please correct the fields marked below." if problems else None)
