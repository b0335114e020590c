"""Where surveys live: every collection in the respondent's own organisation's database.

- `survey_invitations`: a survey due to one person (who, which relationship, which template
  version, when it opens and closes) — what `GET /members/me/surveys` lists.
- `survey_respondents`: who has answered which survey, and nothing of the answer (the
  answered-twice check; reminders stop).
- `survey_answers`: answer bodies (scores, choices, free text) with no person, survey or
  relationship in them, only the programme, the template version and the answering week.
"""

from __future__ import annotations

INVITATIONS = "survey_invitations"
RESPONDENTS = "survey_respondents"
ANSWERS = "survey_answers"
ERASED_MEMBERS = "erased_members"  # markers: a replayed event must not bring them back
