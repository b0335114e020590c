"""Gentle reminders the parties of a relationship see: a nudge, never a report on them.

A reminder says what would help next, in the reader's own terms. It never mentions alerts,
thresholds, co-ordinators watching, or what the other party answered. A low pulse score gets
no reminder at all: any message right after someone answered a pulse check would tell the other
party how they answered; the co-ordinator follows it up in person instead.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum

from services.evaluation.domain.monitoring import AlertKind


class ReminderTopic(StrEnum):
    """What a reminder is about (one reminder per topic and episode)."""

    FIRST_MEETING = "first_meeting"
    KEEP_IN_TOUCH = "keep_in_touch"
    NEXT_MEETING = "next_meeting"
    SURVEY = "survey"


NUDGES: dict[AlertKind, ReminderTopic] = {
    AlertKind.NO_FIRST_MEETING: ReminderTopic.FIRST_MEETING,
    AlertKind.CONTACT_OVERDUE: ReminderTopic.KEEP_IN_TOUCH,
    # The warning and the inactivity that follows share one reminder per quiet spell.
    AlertKind.INACTIVITY_WARNING: ReminderTopic.NEXT_MEETING,
    AlertKind.INACTIVE: ReminderTopic.NEXT_MEETING,
}

TEXTS: dict[ReminderTopic, str] = {
    ReminderTopic.FIRST_MEETING: (
        "Your mentoring relationship has begun — have you found a date for your first "
        "meeting yet? It is a good moment to get to know each other and agree how you will work "
        "together."
    ),
    ReminderTopic.KEEP_IN_TOUCH: (
        "It has been a couple of weeks since you last met — a short message to see how things "
        "are going can keep the momentum between meetings."
    ),
    ReminderTopic.NEXT_MEETING: (
        "It's been a while since you last met — how about planning your next meeting?"
    ),
}


def nudge_for(kind: AlertKind) -> ReminderTopic | None:
    """The reminder a condition gives the parties, if any (a low pulse gives none)."""
    return NUDGES.get(kind)


def survey_text(title: str, closes_at: datetime) -> str:
    """The one reminder of a survey still unanswered."""
    return (
        f"A short questionnaire is waiting for you: “{title}”. It takes a few minutes and "
        f"stays open until {closes_at:%d %B %Y}. Thank you for helping the programme improve."
    )


def reminder_id(member_id: str, topic: ReminderTopic, episode: str) -> str:
    """One reminder per person, topic and episode, however often it is considered."""
    raw = f"{member_id}|{topic.value}|{episode}"
    return "rmd_" + hashlib.sha256(raw.encode()).hexdigest()[:16]
