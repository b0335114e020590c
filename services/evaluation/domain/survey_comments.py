"""What a programme's co-ordinators read of the free text people wrote in its surveys
(the SSSC guidance, seed 002, Resource 6 asks for comments; docs/security.md: no figure drawn
from fewer than 5 people).

Comments are shown per question only once at least `MIN_PEOPLE` people wrote one, never with
who, when or which relationship, and in alphabetical order, so their order says nothing about
who answered first. Fewer than five: the question is listed as suppressed, with no text.

They are released in batches, never as they are written: a comment waits for the end of the
ISO week it was written in, and a week's comments join the released ones only together with
enough others that at least `MIN_PEOPLE` new comments go out at once (otherwise they wait for
the next weeks'). Polling the page therefore never shows one new comment appearing right after
one person answered.
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


def released(by_week: Mapping[str, list[str]], current_week: str) -> list[str]:
    """The comments of one question that may be shown in `current_week` (ISO weeks,
    `2027-W01`, which sort in time order): the weeks before it, batch by batch, each batch
    at least MIN_PEOPLE comments; the rest waits."""
    shown: list[str] = []
    batch: list[str] = []
    for week in sorted(w for w in by_week if w < current_week):
        batch += by_week[week]
        if len(batch) >= MIN_PEOPLE:
            shown += batch
            batch = []
    return shown


def comments_by_question(
    bodies: Iterable[Mapping[str, object]],
    templates: Mapping[tuple[str, int], TemplateVersion],
    current_week: str,
) -> list[QuestionComments]:
    """Group answer bodies' free text by (template, version, question), showing only what
    `released` lets out in `current_week` and suppressing any question with nothing released.
    Each body is one person's answer; a body without a week waits (it cannot be batched)."""
    written: dict[tuple[str, int, str], dict[str, list[str]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for body in bodies:
        texts = body.get("texts")
        template_id, version = body.get("template_id"), body.get("template_version")
        week = body.get("week")
        if not isinstance(texts, dict) or not isinstance(template_id, str):
            continue
        if not isinstance(version, int):
            continue
        for question_id, text in texts.items():
            if isinstance(text, str) and text.strip():
                batch = week if isinstance(week, str) else current_week
                written[(template_id, version, str(question_id))][batch].append(text.strip())
    shown: list[QuestionComments] = []
    for (template_id, version, question_id), by_week in sorted(written.items()):
        template = templates.get((template_id, version))
        questions = template.questions if template is not None else []
        wording = next((q.text for q in questions if q.id == question_id), question_id)
        texts = released(by_week, current_week)
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
