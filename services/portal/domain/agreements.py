"""The mentoring agreement (Resource 5 of seed 002, "Exemplar mentoring agreement"): a first
draft in the exemplar's words, and the terms a form gives. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from services.portal.domain.forms import FormProblems, first, text_lines
from services.portal.domain.relationships import AgreementTerms

FIELDS = (
    "duration",
    "meeting_frequency",
    "contact_between_meetings",
    "confidentiality",
    "mentor_responsibilities",
    "mentee_responsibilities",
    "mentor_mentors_on",
    "mentee_mentors_on",
)

EXEMPLAR = AgreementTerms(
    duration="Until the programme's end date; progress reviewed with the programme co-ordinator",
    meeting_frequency="At least once a month, for one to two hours; at least 24 hours' notice "
    "if either of us cannot make a meeting, and we arrange another date",
    contact_between_meetings="By e-mail or telephone every two weeks, or as agreed, within "
    "the boundaries of the relationship",
    confidentiality="The content of our meetings is confidential. If the relationship breaks "
    "down we talk it through with the programme first; no blame attaches to either of us.",
    mentor_responsibilities=[
        "Jointly manage our meetings, with support and guidance for the mentee",
        "Create a safe learning environment",
        "Support the mentee in setting learning goals and reviewing progress",
        "Give the mentee responsibility for their own learning",
        "Give feedback that is specific, timely, genuine, objective and forward-looking",
        "Contribute to the monitoring and evaluation of the programme",
    ],
    mentee_responsibilities=[
        "Develop an action plan with the mentor and set my own learning goals",
        "Review progress regularly and update the action plan",
        "Keep joint records of our meetings",
        "Contribute to the monitoring and evaluation of the programme",
    ],
)


def terms_from_form(form: Mapping[str, Sequence[str]]) -> tuple[AgreementTerms, FormProblems]:
    """The terms typed in, and what is missing (each field of Resource 5 is needed)."""
    terms = AgreementTerms(
        duration=first(form, "duration"),
        meeting_frequency=first(form, "meeting_frequency"),
        contact_between_meetings=first(form, "contact_between_meetings"),
        confidentiality=first(form, "confidentiality"),
        mentor_responsibilities=text_lines(first(form, "mentor_responsibilities")),
        mentee_responsibilities=text_lines(first(form, "mentee_responsibilities")),
        mentor_mentors_on=text_lines(first(form, "mentor_mentors_on")),
        mentee_mentors_on=text_lines(first(form, "mentee_mentors_on")),
    )
    missing = {
        name: "this is part of the agreement: please fill it in"
        for name in FIELDS[:4]
        if not getattr(terms, name)
    }
    if first(form, "two_way") == "yes":  # seed 004: each mentors the other, on named topics
        missing.update(
            (
                name,
                "name at least one topic, one per line: in two-way mentoring each of you "
                "mentors the other",
            )
            for name in FIELDS[6:]
            if not getattr(terms, name)
        )
    return terms, FormProblems(missing, "Please fill in every part." if missing else None)
