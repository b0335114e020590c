"""What a programme's co-ordinators read of the free text people wrote in its surveys
(the SSSC guidance, seed 002, Resource 6 asks for comments; docs/security.md: no figure drawn
from fewer than 5 people).

Comments are shown per question only once at least `MIN_PEOPLE` people wrote one, never with
who, when or which relationship, and in alphabetical order, so their order says nothing about
who answered first. Fewer than five: the question is listed as suppressed, with no text.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from pydantic import BaseModel, Field

from services.evaluation.domain.figures import MIN_PEOPLE
from services.evaluation.domain.questions import TemplateVersion


class QuestionComments(BaseModel):
    """The comments written to one free-text question of one template version."""

    template_id: str = Field(examples=["tpl_mentee_end"])
    template_version: int = Field(ge=1, examples=[1])
    question_id: str = Field(examples=["q7"])
    question: str = Field(examples=["Any other comments about the programme?"])
    people: int = Field(ge=0, examples=[0], description="0 once suppressed")
    suppressed: bool = False
    comments: list[str] = Field(
        default_factory=list, examples=[["More time for the first meeting, please."]]
    )


def comments_by_question(
    bodies: Iterable[Mapping[str, object]], templates: Mapping[tuple[str, int], TemplateVersion]
) -> list[QuestionComments]:
    """Group answer bodies' free text by (template, version, question), suppressing any
    question fewer than MIN_PEOPLE people wrote to. Each body is one person's answer."""
    written: dict[tuple[str, int, str], list[str]] = defaultdict(list)
    for body in bodies:
        texts = body.get("texts")
        template_id, version = body.get("template_id"), body.get("template_version")
        if not isinstance(texts, dict) or not isinstance(template_id, str):
            continue
        if not isinstance(version, int):
            continue
        for question_id, text in texts.items():
            if isinstance(text, str) and text.strip():
                written[(template_id, version, str(question_id))].append(text.strip())
    shown: list[QuestionComments] = []
    for (template_id, version, question_id), texts in sorted(written.items()):
        template = templates.get((template_id, version))
        questions = template.questions if template is not None else []
        wording = next((q.text for q in questions if q.id == question_id), question_id)
        enough = len(texts) >= MIN_PEOPLE
        shown.append(
            QuestionComments(
                template_id=template_id,
                template_version=version,
                question_id=question_id,
                question=wording,
                people=len(texts) if enough else 0,
                suppressed=not enough,
                comments=sorted(texts) if enough else [],
            )
        )
    return shown
