"""How much each matching criterion counts in a programme: goals meeting skills, and the five
Cs of seed 003 (NIHR, "Before embarking on a mentoring relationship": compatibility, contrast,
challenge, context, care). The form's numbers, as typed, and the body matching takes (any
numbers from 0 to 100, not all 0). Pure: no I/O."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from pydantic import BaseModel

from services.portal.domain.forms import FormProblems, first

CRITERIA = ("goals_skills", "compatibility", "contrast", "challenge", "context", "care")
HIGHEST = 100.0


class Weights(BaseModel):
    """A programme's weights, as matching answers them."""

    goals_skills: float = 3.0
    compatibility: float = 2.0
    contrast: float = 1.0
    challenge: float = 1.5
    context: float = 1.5
    care: float = 1.0

    def typed(self) -> dict[str, str]:
        """The weights as a form shows them ('3', '1.5')."""
        return {c: f"{getattr(self, c):g}" for c in CRITERIA}

    def share(self, criterion: str) -> int:
        """The criterion's part of the whole, in per cent."""
        total = sum(getattr(self, c) for c in CRITERIA)
        return round(100 * getattr(self, criterion) / total) if total else 0


def weights_from_form(
    form: Mapping[str, Sequence[str]],
) -> tuple[dict[str, str], dict[str, float] | None, FormProblems]:
    """The numbers as typed, the body for matching (None while anything is wrong), and each
    problem beside its criterion."""
    typed = {c: first(form, c) for c in CRITERIA}
    problems: dict[str, str] = {}
    body: dict[str, float] = {}
    for criterion, value in typed.items():
        if not re.fullmatch(r"\d{1,3}(\.\d{1,2})?", value):
            problems[criterion] = "give a number from 0 to 100, like 2 or 1.5"
            continue
        number = float(value)
        if number > HIGHEST:
            problems[criterion] = f"give a number from 0 to 100, not {value}"
            continue
        body[criterion] = number
    if problems:
        return typed, None, FormProblems(problems, "Please correct the weights marked below.")
    if sum(body.values()) <= 0:
        return (
            typed,
            None,
            FormProblems({}, "At least one criterion must count: give it more than 0."),
        )
    return typed, body, FormProblems()
