"""The network's built-in survey templates: read-only, copied by a co-ordinator to edit.

- The mentor questionnaire is seed 002's Resource 6 ("Exemplar evaluation - mentors"), its
  sixteen questions in order, each given the answer type its wording asks for.
- The mentee questionnaire asks the same of mentees (Resource 6 mirrored: the induction in
  place of mentor training, progress towards their goals in place of helping the mentee).
- The pulse check is three short questions on how the relationship is going (checklist 5:
  "Are the mentors and mentees relationships working well? Do we know? How do we know?").
"""

from __future__ import annotations

from services.evaluation.domain.questions import Question, QuestionType, SurveyKind, TemplateVersion

MENTOR_END = "tpl_mentor_end"
MENTEE_END = "tpl_mentee_end"
PULSE = "tpl_pulse"

_YES_NO = ["yes", "no"]
_YES_MAYBE_NO = ["yes", "maybe", "no"]
_YES_PARTLY_NO = ["yes", "partly", "no"]


def _rating(qid: str, text: str) -> Question:
    return Question(id=qid, text=text, type=QuestionType.RATING)


def _choice(qid: str, text: str, options: list[str]) -> Question:
    return Question(id=qid, text=text, type=QuestionType.SINGLE_CHOICE, options=options)


def _text(qid: str, text: str) -> Question:
    return Question(id=qid, text=text, type=QuestionType.FREE_TEXT, required=False)


_INTRODUCTION = (
    "We would like to have your opinion of the mentoring programme so that we may evaluate and "
    "strengthen it for the future. Your answers are not shown with your name: figures are "
    "pooled, your comments are read by the programme's co-ordinators without your name, in "
    "weekly batches of at least five, and nothing is shown from fewer than five people."
)

MENTOR_QUESTIONNAIRE = TemplateVersion(
    template_id=MENTOR_END,
    version=1,
    programme_id=None,
    title="Mentor questionnaire",
    kind=SurveyKind.MENTOR,
    introduction=_INTRODUCTION,
    questions=[
        _rating("q1", "How would you rate the mentoring programme?"),
        _rating(
            "q2",
            "How would you describe the quality of your experience as a participant in the "
            "programme?",
        ),
        _choice(
            "q3", "Would you volunteer to serve as a mentor again in the future?", _YES_MAYBE_NO
        ),
        _rating(
            "q4", "Did the mentor training session help you prepare for your mentoring experience?"
        ),
        _choice("q5", "Would you have liked additional training?", _YES_NO),
        _rating("q6", "How clearly defined were your mentor responsibilities?"),
        _rating(
            "q7",
            "Were the programme co-ordinators accessible and easy to talk to and seek advice "
            "from when necessary?",
        ),
        _rating("q8", "How would you describe your relationship with your mentee?"),
        _choice(
            "q9",
            "Do you think that the time you spent with your mentee was sufficient?",
            _YES_PARTLY_NO,
        ),
        _rating(
            "q10", "Do you think that the time you spent together was helpful for your mentee?"
        ),
        _rating("q11", "Did you gain personally from this relationship?"),
        _choice("q12", "Would you have preferred to meet less often with your mentee?", _YES_NO),
        _choice("q13", "Would you have preferred to meet more often with your mentee?", _YES_NO),
        _text("q14", "What was most satisfying about the mentoring programme?"),
        _text("q15", "What was least satisfying about the mentoring programme?"),
        _text("q16", "What would you suggest to improve the mentoring programme?"),
    ],
)

MENTEE_QUESTIONNAIRE = TemplateVersion(
    template_id=MENTEE_END,
    version=1,
    programme_id=None,
    title="Mentee questionnaire",
    kind=SurveyKind.MENTEE,
    introduction=_INTRODUCTION,
    questions=[
        _rating("q1", "How would you rate the mentoring programme?"),
        _rating(
            "q2",
            "How would you describe the quality of your experience as a participant in the "
            "programme?",
        ),
        _choice("q3", "Would you take part in a mentoring programme again?", _YES_MAYBE_NO),
        _rating("q4", "Did the mentee induction help you prepare for your mentoring experience?"),
        _choice("q5", "Would you have liked more preparation?", _YES_NO),
        _rating("q6", "How clearly defined were your responsibilities as a mentee?"),
        _rating(
            "q7",
            "Were the programme co-ordinators accessible and easy to talk to and seek advice "
            "from when necessary?",
        ),
        _rating("q8", "How would you describe your relationship with your mentor?"),
        _choice(
            "q9",
            "Do you think that the time you spent with your mentor was sufficient?",
            _YES_PARTLY_NO,
        ),
        _rating(
            "q10", "Do you think that the time you spent together helped you towards your goals?"
        ),
        _rating("q11", "Did you gain personally from this relationship?"),
        _choice("q12", "Would you have preferred to meet less often with your mentor?", _YES_NO),
        _choice("q13", "Would you have preferred to meet more often with your mentor?", _YES_NO),
        _text("q14", "What was most satisfying about the mentoring programme?"),
        _text("q15", "What was least satisfying about the mentoring programme?"),
        _text("q16", "What would you suggest to improve the mentoring programme?"),
    ],
)

PULSE_CHECK = TemplateVersion(
    template_id=PULSE,
    version=1,
    programme_id=None,
    title="How is it going?",
    kind=SurveyKind.PULSE,
    introduction=(
        "Three quick questions about your mentoring relationship. If your answers and the "
        "other side's, taken together, suggest things are not going well, your programme "
        "co-ordinator may get in touch to offer support; they never see your answers, and your "
        "comment reaches them without your name, in a weekly batch with at least four others."
    ),
    questions=[
        _rating("q1", "How well is your mentoring relationship working for you at the moment?"),
        _rating("q2", "How useful have your recent meetings been?"),
        _text("q3", "Is there anything that would help?"),
    ],
)

BUILT_IN: dict[str, TemplateVersion] = {
    t.template_id: t for t in (MENTOR_QUESTIONNAIRE, MENTEE_QUESTIONNAIRE, PULSE_CHECK)
}
