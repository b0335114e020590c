"""The kinds of e-mail the network sends people, each of which a person turns on or off.

What people want to hear about (seed 002's programme cycle: a match to answer, an agreement
to sign, meetings planned and their logs, the surveys of the evaluation; checklist 5's
monitoring for co-ordinators), and nothing else. Two kinds are digests — many small things
collected into one mail at the person's chosen frequency — because a mail per message or per
alert would teach people to ignore them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum


class MailKind(StrEnum):
    """One kind of e-mail: its own on/off switch and its own unsubscribe link."""

    PROPOSAL_TO_ANSWER = "proposal_to_answer"
    PROPOSAL_ACCEPTED = "proposal_accepted"
    AGREEMENT_TO_SIGN = "agreement_to_sign"
    MEETING_CHANGES = "meeting_changes"
    MEETING_REMINDER = "meeting_reminder"
    MEETING_LOG_DUE = "meeting_log_due"
    UNREAD_MESSAGES = "unread_messages"
    SURVEY_DUE = "survey_due"
    ALERTS = "alerts"
    INVITATION = "invitation"
    WEBHOOK_DISABLED = "webhook_disabled"


@dataclass(frozen=True)
class KindWords:
    """How a kind is named to a person (preferences page, unsubscribe page)."""

    label: str
    description: str


WORDS: dict[MailKind, KindWords] = {
    MailKind.PROPOSAL_TO_ANSWER: KindWords(
        "Matches to answer", "when you are proposed as a mentor or mentee and should answer"
    ),
    MailKind.PROPOSAL_ACCEPTED: KindWords(
        "Matches agreed", "when you and the other person have both accepted a match"
    ),
    MailKind.AGREEMENT_TO_SIGN: KindWords(
        "Agreements to sign", "when a new version of your mentoring agreement waits for you"
    ),
    MailKind.MEETING_CHANGES: KindWords(
        "Meetings planned, moved or cancelled",
        "with a calendar invitation that keeps your calendar up to date",
    ),
    MailKind.MEETING_REMINDER: KindWords(
        "Meeting reminders", "the day before a meeting, in the morning where you are"
    ),
    MailKind.MEETING_LOG_DUE: KindWords(
        "Meeting logs to write", "after a meeting, if nobody has written its log yet"
    ),
    MailKind.UNREAD_MESSAGES: KindWords(
        "Unread messages", "a short summary of messages waiting for you, never the messages"
    ),
    MailKind.SURVEY_DUE: KindWords(
        "Surveys", "when a programme survey is ready for you, and one reminder if needed"
    ),
    MailKind.ALERTS: KindWords(
        "Programme alerts",
        "for programme co-ordinators: a summary of relationships that may need a look",
    ),
    MailKind.INVITATION: KindWords(
        "Invitations", "when an organisation invites you to look after it in the network"
    ),
    MailKind.WEBHOOK_DISABLED: KindWords(
        "Webhooks turned off",
        "for organisation admins: when an endpoint of your organisation's systems kept "
        "failing and its webhooks were turned off",
    ),
}

# Collected into one mail at the person's digest frequency.
DIGESTS = frozenset({MailKind.UNREAD_MESSAGES, MailKind.ALERTS})
# Kinds a member can choose about (an invitation goes to someone who is not a member yet; its
# own unsubscribe link is their only choice).
MEMBER_KINDS = tuple(k for k in MailKind if k is not MailKind.INVITATION)


class DigestFrequency(StrEnum):
    """How often a digest may come."""

    HOURLY = "hourly"
    DAILY = "daily"
    WEEKLY = "weekly"


PERIOD = {
    DigestFrequency.HOURLY: timedelta(hours=1),
    DigestFrequency.DAILY: timedelta(days=1),
    DigestFrequency.WEEKLY: timedelta(days=7),
}
