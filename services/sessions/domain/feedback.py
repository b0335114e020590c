"""BOOST feedback: the rules (seed 000, the ICAS article "Resources and techniques for
successful peer mentoring", its "BOOST Feedback Model").

Seed 000: "Use the 'BOOST' model to give positive and constructive feedback" —
Balanced ("focus not only on areas for development, but also on strengths"), Observed
("based only upon behaviours that you have observed"), Objective ("avoid judgements and
relate your feedback to the observed behaviours, not personality"), Specific ("back up your
comments with specific examples"), Timely ("soon after the activity to allow the learner the
opportunity to reflect"). A BOOST form offers a box per letter with a prompt (BOOST_PROMPTS);
a letter is covered when its box is answered (`covered`), and the person giving feedback is
shown which letters their feedback covers. It is offered where feedback is given: a mentor's
feedback in a meeting log (seed 002, Resource 13) and the peer feedback and positive feedback
steps of a critical-incident circle session (seed 001).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    computed_field,
    model_validator,
)

FEEDBACK_TEXT = 2000  # one letter's box

FeedbackText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=FEEDBACK_TEXT)]


class BoostLetter(StrEnum):
    """The five letters of BOOST, in seed 000's order."""

    BALANCED = "balanced"
    OBSERVED = "observed"
    OBJECTIVE = "objective"
    SPECIFIC = "specific"
    TIMELY = "timely"


LETTERS: tuple[BoostLetter, ...] = tuple(BoostLetter)
# A prompt per letter, after seed 000's words for it.
BOOST_PROMPTS: dict[BoostLetter, str] = {
    BoostLetter.BALANCED: "A strength you saw, as well as an area to develop",
    BoostLetter.OBSERVED: "What you saw or heard them do (only what you observed)",
    BoostLetter.OBJECTIVE: "How that behaviour worked out, without judging the person",
    BoostLetter.SPECIFIC: "A specific example: when, where, what exactly",
    BoostLetter.TIMELY: "What they can reflect on now, while it is fresh",
}


class BoostFeedback(BaseModel):
    """Feedback in BOOST form: a box per letter (none required). `covers` says which
    letters it covers; it is worked out, so a `covers` sent back is ignored."""

    model_config = ConfigDict(extra="forbid")

    balanced: FeedbackText = Field(
        default="",
        examples=["You stayed calm with the family; next time check the notes first"],
        description=BOOST_PROMPTS[BoostLetter.BALANCED],
    )
    observed: FeedbackText = Field(
        default="",
        examples=["You asked two open questions before offering anything"],
        description=BOOST_PROMPTS[BoostLetter.OBSERVED],
    )
    objective: FeedbackText = Field(
        default="",
        examples=["The questions let them name the problem themselves"],
        description=BOOST_PROMPTS[BoostLetter.OBJECTIVE],
    )
    specific: FeedbackText = Field(
        default="",
        examples=["When you asked 'what would help most today?'"],
        description=BOOST_PROMPTS[BoostLetter.SPECIFIC],
    )
    timely: FeedbackText = Field(
        default="",
        examples=["Worth noting before Thursday's review"],
        description=BOOST_PROMPTS[BoostLetter.TIMELY],
    )

    @model_validator(mode="before")
    @classmethod
    def _covers_is_worked_out(cls, data: Any) -> Any:
        """A stored or answered feedback carries `covers`; it is not input."""
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if k != "covers"}
        return data

    @computed_field(description="the letters the feedback covers, in BOOST's order")  # type: ignore[prop-decorator]
    @property
    def covers(self) -> list[BoostLetter]:
        """The letters whose box is answered."""
        return covered(self)


class BoostCoverage(BaseModel):
    """One letter of BOOST: its prompt, and whether the feedback covers it."""

    letter: BoostLetter = Field(examples=["observed"])
    prompt: str = Field(examples=[BOOST_PROMPTS[BoostLetter.OBSERVED]])
    covered: bool = Field(examples=[True])


def covered(feedback: BoostFeedback) -> list[BoostLetter]:
    """The letters whose box is answered, in BOOST's order."""
    return [letter for letter in LETTERS if getattr(feedback, letter.value)]


def coverage(feedback: BoostFeedback) -> list[BoostCoverage]:
    """Every letter with its prompt and whether `feedback` covers it."""
    answered = set(covered(feedback))
    return [
        BoostCoverage(letter=letter, prompt=BOOST_PROMPTS[letter], covered=letter in answered)
        for letter in LETTERS
    ]
