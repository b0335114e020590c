"""Survey comments for co-ordinators: five people or nothing, in an order that says nothing."""

from __future__ import annotations

from services.evaluation.domain.built_in_surveys import BUILT_IN
from services.evaluation.domain.survey_comments import comments_by_question


def body(
    text: str, template: str = "tpl_pulse", version: int = 1, week: str = "2027-W01"
) -> dict[str, object]:
    return {
        "template_id": template,
        "template_version": version,
        "texts": {"q3": text},
        "week": week,
    }


TEMPLATES = {("tpl_pulse", 1): BUILT_IN["tpl_pulse"]}
NEXT_WEEK = "2027-W02"


def test_a_question_fewer_than_five_people_wrote_to_is_suppressed() -> None:
    (question,) = comments_by_question(
        [body(f"thought {n}") for n in range(4)], TEMPLATES, NEXT_WEEK
    )
    assert question.suppressed and question.comments == [] and question.people == 0


def test_five_people_are_shown_in_alphabetical_order_with_the_question_wording() -> None:
    texts = ["zebra crossing", "  apple  ", "mango", "kiwi", "banana"]
    (question,) = comments_by_question([body(t) for t in texts], TEMPLATES, NEXT_WEEK)
    assert not question.suppressed and question.people == 5
    assert question.comments == ["apple", "banana", "kiwi", "mango", "zebra crossing"]
    pulse_q3 = next(q for q in BUILT_IN["tpl_pulse"].questions if q.id == "q3")
    assert question.question == pulse_q3.text


def test_blank_answers_do_not_count_and_versions_are_kept_apart() -> None:
    bodies = [body(f"v1 {n}") for n in range(5)] + [body(" ")] * 3
    bodies += [body(f"v2 {n}", version=2) for n in range(4)]
    first, second = comments_by_question(bodies, TEMPLATES, NEXT_WEEK)
    assert (first.template_version, first.people, first.suppressed) == (1, 5, False)
    assert (second.template_version, second.suppressed) == (2, True)
    assert second.question == "q3"  # a version not known here: its id stands in


def test_comments_are_released_in_batches_of_five_after_their_week_ends() -> None:
    """The attack: poll the comments after each answer and tie the new one to its writer.
    Comments of the current week are never shown; a later week's few wait for more."""
    week1 = [body(f"first {n}") for n in range(5)]
    (question,) = comments_by_question(week1, TEMPLATES, "2027-W01")
    assert question.suppressed  # written this week: not yet
    (question,) = comments_by_question(week1, TEMPLATES, NEXT_WEEK)
    assert question.people == 5
    one_more = [*week1, body("the sixth, alone", week=NEXT_WEEK)]
    for week in (NEXT_WEEK, "2027-W03", "2027-W09"):
        (question,) = comments_by_question(one_more, TEMPLATES, week)
        assert "the sixth, alone" not in question.comments and question.people == 5
    four_later = [*one_more, *[body(f"later {n}", week="2027-W05") for n in range(4)]]
    (question,) = comments_by_question(four_later, TEMPLATES, "2027-W05")
    assert question.people == 5  # week 5 has not ended
    (question,) = comments_by_question(four_later, TEMPLATES, "2027-W06")
    assert question.people == 10 and "the sixth, alone" in question.comments
