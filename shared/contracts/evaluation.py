"""Events the evaluation service publishes (topic `<prefix>.evaluation`).

Scores and states only, never free text and never an answer tied to who gave it beyond
what the figures need.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from shared.events.catalogue import catalogue
from shared.events.envelope import EventData


@catalogue.register
class SurveyCompleted(EventData):
    """Someone answered a survey: its scores (rating and scale questions), never free text."""

    event_type: ClassVar[str] = "survey.completed"
    source: ClassVar[str] = "evaluation"

    survey_id: str = Field(examples=["srv_1a2b3c4d5e6f7a8b"])
    template_id: str = Field(examples=["tpl_mentee_end"])
    template_version: int = Field(
        default=1,
        ge=1,
        examples=[1],
        description="the version of the template answered (templates are versioned, so a score "
        "always belongs to the question as it was asked)",
    )
    kind: str = Field(examples=["mentee"], description="mentor, mentee or pulse")
    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    relationship_id: str | None = Field(default=None, examples=["rel_5d2c7a9e1b3f4a6c"])
    organisation_id: str = Field(
        examples=["org_0a1b2c3d4e5f"], description="the respondent's organisation"
    )
    respondent_role: str = Field(examples=["mentee"], description="mentor or mentee")
    scores: dict[str, int] = Field(
        examples=[{"q1": 4, "q2": 9}], description="question id → rating or scale answer"
    )
    completed_at: datetime


@catalogue.register
class AlertRaised(EventData):
    """A monitoring rule (seed 002, checklist 5) found a relationship that needs a look, or
    a member raised a concern about a circle with the programme's co-ordinators (seed 001,
    "What can go wrong?"): never what anyone answered or wrote."""

    event_type: ClassVar[str] = "alert.raised"
    source: ClassVar[str] = "evaluation"

    alert_id: str = Field(examples=["alr_1a2b3c4d5e6f7a8b"])
    kind: str = Field(
        examples=["no_first_meeting"],
        description="no_first_meeting, contact_overdue, inactivity_warning, inactive, "
        "low_pulse or circle_concern",
    )
    relationship_id: str | None = Field(
        default=None,
        examples=["rel_5d2c7a9e1b3f4a6c"],
        description="the relationship (every kind but circle_concern)",
    )
    circle_id: str | None = Field(
        default=None, examples=[None], description="the circle (circle_concern only)"
    )
    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    raised_at: datetime


@catalogue.register
class SurveySent(EventData):
    """A survey fell due for one person: which survey, when it opens and closes, and when the
    one reminder goes if it is still unanswered. Never the questions."""

    event_type: ClassVar[str] = "survey.sent"
    source: ClassVar[str] = "evaluation"

    survey_id: str = Field(examples=["srv_1a2b3c4d5e6f7a8b"])
    member_id: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])
    organisation_id: str = Field(examples=["org_0a1b2c3d4e5f"])
    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    relationship_id: str | None = Field(default=None, examples=["rel_5d2c7a9e1b3f4a6c"])
    kind: str = Field(examples=["mentee"], description="mentor, mentee or pulse")
    opens_at: datetime
    closes_at: datetime
    remind_at: datetime = Field(description="when the reminder goes if it is still unanswered")
