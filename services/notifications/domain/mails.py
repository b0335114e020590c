"""The mails themselves: who gets which, about what, saying what — decided from events and
time, before any address is known (the sender looks addresses up at the last moment).

Each mail has a delivery id made of its kind, its occasion and its recipient, so it is sent at
most once however often the event that caused it is delivered: an insert of that id decides.
No mail carries anything a person wrote (no log, message, note, plan or agreement text, no
meeting place): only that something happened, when, and a link into the portal.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from services.notifications.domain import wording
from services.notifications.domain.kinds import MailKind

SUMMARY = "Mentoring meeting"


class Recipient(BaseModel):
    """Who a mail goes to: a member (or an invitation's address), where their records live,
    and their time zone if known."""

    model_config = ConfigDict(frozen=True)

    organisation_id: str
    person_id: str
    time_zone: str | None = None


class CalendarInvite(BaseModel):
    """The calendar part of a meeting mail (iTIP: a request or a cancellation)."""

    model_config = ConfigDict(frozen=True)

    method: Literal["REQUEST", "CANCEL"]
    meeting_id: str
    starts_at: datetime
    time_zone: str | None
    minutes: int
    how: str  # the meeting's method in words
    sequence: int
    link: str  # the portal page of the relationship's meetings


class Mail(BaseModel):
    """One mail to one person, ready to be rendered."""

    model_config = ConfigDict(frozen=True)

    delivery_id: str
    organisation_id: str
    person_id: str
    kind: MailKind
    subject: str
    lines: list[str]  # the body's sentences, in order
    action: str  # the link's words
    link: str  # a path in the portal
    calendar: CalendarInvite | None = None


def delivery_id(kind: MailKind, occasion: str, person_id: str) -> str:
    """The id that makes a mail happen once: kind, occasion, person."""
    return f"{kind.value}:{occasion}:{person_id}"


def _mail(kind: MailKind, occasion: str, to: Recipient, subject: str, **rest: Any) -> Mail:
    return Mail(
        delivery_id=delivery_id(kind, occasion, to.person_id),
        organisation_id=to.organisation_id,
        person_id=to.person_id,
        kind=kind,
        subject=subject,
        **rest,
    )


def proposal_to_answer(to: Recipient, proposal_id: str, side: str) -> Mail:
    """A match waits for the person's answer."""
    role = "mentor" if side == "mentor" else "mentee"
    return _mail(
        MailKind.PROPOSAL_TO_ANSWER,
        proposal_id,
        to,
        "A mentoring match is waiting for your answer",
        lines=[
            f"You have been proposed as a {role} in a mentoring programme.",
            "Please look at the match and accept or decline it. Declining carries no blame.",
        ],
        action="Answer the match",
        link="/proposals",
    )


def proposal_accepted(to: Recipient, proposal_id: str) -> Mail:
    """Both parties accepted: the relationship starts."""
    return _mail(
        MailKind.PROPOSAL_ACCEPTED,
        proposal_id,
        to,
        "Your mentoring match is agreed",
        lines=[
            "You and the other person have both accepted the match.",
            "Your mentoring relationship has started: a good first step is to agree how you "
            "will work together and to plan a first meeting.",
        ],
        action="Open your relationships",
        link="/relationships",
    )


def agreement_to_sign(to: Recipient, relationship_id: str, version: int) -> Mail:
    """A new version of the agreement waits for the person's signature."""
    return _mail(
        MailKind.AGREEMENT_TO_SIGN,
        f"{relationship_id}:v{version}",
        to,
        "Your mentoring agreement is waiting for your signature",
        lines=[
            f"Version {version} of your mentoring agreement has been written.",
            "It comes into force once everyone in the relationship has signed it.",
        ],
        action="Read and sign the agreement",
        link=f"/relationships/{relationship_id}",
    )


def meeting_change(
    to: Recipient,
    change: Literal["planned", "moved", "cancelled"],
    invite: CalendarInvite,
    relationship_id: str,
) -> Mail:
    """A meeting was planned, moved or cancelled, with its calendar invitation."""
    at = wording.when(invite.starts_at, to.time_zone or invite.time_zone)
    how = invite.how
    subjects = {
        "planned": "A mentoring meeting is planned",
        "moved": "A mentoring meeting has moved",
        "cancelled": "A mentoring meeting is cancelled",
    }
    first = {
        "planned": f"A meeting is planned for {at}, {how}, for {invite.minutes} minutes.",
        "moved": f"A meeting has moved to {at}, {how}, for {invite.minutes} minutes.",
        "cancelled": f"The meeting planned for {at} is cancelled.",
    }
    last = (
        "The attached calendar invitation removes it from your calendar."
        if change == "cancelled"
        else "The attached calendar invitation puts it in your calendar (and keeps it up to "
        "date if it moves)."
    )
    return _mail(
        MailKind.MEETING_CHANGES,
        f"{invite.meeting_id}:{change}:{invite.sequence}",
        to,
        subjects[change],
        lines=[first[change], last],
        action="See your meetings",
        link=f"/relationships/{relationship_id}/meetings",
        calendar=invite,
    )


def meeting_reminder(
    to: Recipient,
    meeting_id: str,
    revision: int,
    starts_at: datetime,
    meeting_zone: str | None,
    how: str,
    minutes: int,
    relationship_id: str,
) -> Mail:
    """Tomorrow's meeting."""
    at = wording.when(starts_at, to.time_zone or meeting_zone)
    return _mail(
        MailKind.MEETING_REMINDER,
        f"{meeting_id}:{revision}",
        to,
        "Reminder: your mentoring meeting is tomorrow",
        lines=[
            f"Your mentoring meeting is on {at}, {how}, for {minutes} minutes.",
            "If you cannot make it, let the other person know and move it in the portal.",
        ],
        action="See your meetings",
        link=f"/relationships/{relationship_id}/meetings",
    )


def meeting_log_due(
    to: Recipient, meeting_id: str, held_at: datetime, relationship_id: str
) -> Mail:
    """A held meeting has no log yet."""
    on = wording.day(held_at, to.time_zone)
    return _mail(
        MailKind.MEETING_LOG_DUE,
        meeting_id,
        to,
        "Time to write up your mentoring meeting",
        lines=[
            f"Your meeting on {on} has no meeting log yet.",
            "A few lines on what you covered and what comes next help you both keep track. "
            "Either of you can write it.",
        ],
        action="Write the meeting log",
        link=f"/relationships/{relationship_id}/logs/new",
    )


def unread_messages(to: Recipient, digest: str, lines: list[str], link: str) -> Mail:
    """The unread-messages digest: who wrote how many, never the messages."""
    return _mail(
        MailKind.UNREAD_MESSAGES,
        digest,
        to,
        "You have unread mentoring messages",
        lines=[*(f"You have {line}." for line in lines), "Read them in the portal."],
        action="Read your messages",
        link=link,
    )


def survey_due(to: Recipient, survey_id: str, closes_at: datetime, *, reminder: bool) -> Mail:
    """A survey is ready (or, once, still unanswered)."""
    closes = wording.day(closes_at, to.time_zone)
    if reminder:
        subject = "Reminder: a short survey is still waiting for you"
        first = (
            f"A short programme survey is still waiting for your answers. It closes on {closes}."
        )
    else:
        subject = "A short survey is ready for you"
        first = f"A short programme survey is ready for you. It is open until {closes}."
    return _mail(
        MailKind.SURVEY_DUE,
        f"{survey_id}:{'reminder' if reminder else 'due'}",
        to,
        subject,
        lines=[first, "Your answers help the programme work better for everyone."],
        action="Answer the survey",
        link=f"/surveys/{survey_id}",
    )


def alerts(to: Recipient, digest: str, lines: list[str]) -> Mail:
    """The co-ordinator's alert digest: how many relationships need a look, and why."""
    return _mail(
        MailKind.ALERTS,
        digest,
        to,
        "Relationships in your programmes may need a look",
        lines=[
            "Since your last summary, in the programmes you co-ordinate:",
            *(f"{line[0].upper()}{line[1:]}." for line in lines),
        ],
        action="Open your programmes",
        link="/programmes",
    )


def invitation(to: Recipient, invitation_id: str, organisation_name: str, roles: list[str]) -> Mail:
    """An address is invited to look after an organisation (or the network)."""
    role = "a network co-ordinator" if "network_coordinator" in roles else "an administrator"
    return _mail(
        MailKind.INVITATION,
        invitation_id,
        to,
        f"You are invited to mentornet for {organisation_name}",
        lines=[
            f"{organisation_name} has invited you to mentornet, the mentoring network of its "
            f"partner organisations, as {role}.",
            "Sign in with your work account: you will have your role as soon as you do.",
        ],
        action="Sign in to mentornet",
        link="/sign-in",
    )


def webhook_disabled(
    to: Recipient, endpoint_id: str, host: str, failing_since: datetime, reason: str
) -> Mail:
    """An endpoint of the admin's organisation kept failing and was turned off (once per
    failing streak: the streak's start is part of the occasion)."""
    return _mail(
        MailKind.WEBHOOK_DISABLED,
        f"{endpoint_id}:{failing_since.isoformat()}",
        to,
        "Webhooks to one of your organisation's systems were turned off",
        lines=[
            f"Deliveries to the endpoint at {host} kept failing, so it was turned off.",
            f"Why: {reason}.",
            "Nothing more is sent to it until an admin turns it back on. Its delivery log shows "
            "each attempt, and failed deliveries can be sent again from there.",
        ],
        action="Open the endpoint",
        link=f"/organisation/webhooks/{endpoint_id}",
    )
