"""'What needs me now': the member's next actions, gathered from every service and put in the
order a person would deal with them. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import IntEnum


class Urgency(IntEnum):
    """Lower comes first."""

    ANSWER = 1  # someone waits on me: a proposal, a signature
    RECORD = 2  # something happened and needs recording
    RESPOND = 3  # messages and surveys
    NUDGE = 4  # the network's gentle reminders


@dataclass(frozen=True)
class NextAction:
    """One thing the member can do now, and where to do it."""

    urgency: Urgency
    title: str
    detail: str
    link: str
    action: str  # the words on the link
    since: datetime | None = None


@dataclass
class HomeFacts:
    """What the services told us, already reduced to what needs the member."""

    proposals: list[tuple[str, str, datetime]] = field(default_factory=list)  # id, with, since
    signatures: list[tuple[str, str, int]] = field(default_factory=list)  # rel, with, version
    to_confirm: list[tuple[str, str, datetime]] = field(default_factory=list)  # rel, with, when
    to_log: list[tuple[str, str, datetime]] = field(default_factory=list)  # rel, with, when
    unread: list[tuple[str, str, int]] = field(default_factory=list)  # link, with whom, count
    contracts: list[str] = field(default_factory=list)  # circle ids
    surveys: list[tuple[str, str, datetime]] = field(default_factory=list)  # id, title, closes
    reminders: list[tuple[str, str | None, datetime]] = field(default_factory=list)
    # rel, log, with whom, met on: meetings logged lately not yet reflected on (seed 000)
    to_reflect: list[tuple[str, str, str, date]] = field(default_factory=list)


def next_actions(facts: HomeFacts) -> list[NextAction]:
    """Every next action, most pressing first, oldest first within a kind."""
    actions = [
        NextAction(
            Urgency.ANSWER,
            f"A proposed match with {who}",
            "Read why you were matched, then accept or decline. Declining carries no blame.",
            f"/proposals#{proposal_id}",
            "Answer the proposal",
            since,
        )
        for proposal_id, who, since in facts.proposals
    ]
    actions += [
        NextAction(
            Urgency.ANSWER,
            f"Your agreement with {who} is waiting for your signature",
            f"Version {version} of the agreement: read it and sign if you agree.",
            f"/relationships/{relationship_id}#agreement",
            "Read and sign",
        )
        for relationship_id, who, version in facts.signatures
    ]
    actions += [
        NextAction(
            Urgency.ANSWER,
            "Accept your circle's contract",
            "Before the first session, each member accepts the circle's ground rules.",
            f"/circles/{circle_id}",
            "Read the contract",
        )
        for circle_id in facts.contracts
    ]
    actions += [
        NextAction(
            Urgency.RECORD,
            f"Did your meeting with {who} happen?",
            "Mark it held, or move or cancel it.",
            f"/relationships/{relationship_id}/meetings",
            "Confirm the meeting",
            at,
        )
        for relationship_id, who, at in facts.to_confirm
    ]
    actions += [
        NextAction(
            Urgency.RECORD,
            f"Write up your meeting with {who}",
            "A meeting log records what you achieved, the challenges and the next steps.",
            f"/relationships/{relationship_id}/logs",
            "Write the meeting log",
            at,
        )
        for relationship_id, who, at in facts.to_log
    ]
    actions += [
        NextAction(
            Urgency.RESPOND,
            f"{count} unread message{'s' if count != 1 else ''} from {who}",
            "",
            link,
            "Read the messages",
        )
        for link, who, count in facts.unread
    ]
    actions += [
        NextAction(
            Urgency.RESPOND,
            title,
            "A few minutes of your view helps the programme.",
            f"/surveys/{survey_id}",
            "Answer the survey",
            closes,
        )
        for survey_id, title, closes in facts.surveys
    ]
    listed = {survey_id for survey_id, _, _ in facts.surveys}  # a reminder would repeat these
    actions += [
        NextAction(
            Urgency.NUDGE,
            text,
            "",
            "/surveys" if survey else "/relationships",
            "Answer the survey" if survey else "Open your relationships",
            at,
        )
        for text, survey, at in facts.reminders
        if survey is None or survey not in listed
    ]
    actions += [
        NextAction(
            Urgency.NUDGE,
            f"Reflect on your meeting of {met_on:%-d %B} with {who}",
            "A few minutes in your journal, while it is fresh: what happened, what it means, "
            "what you will do. Only you read it.",
            f"/journal/new?relationship={relationship_id}&log={log_id}",
            "Write in your journal",
        )
        for relationship_id, log_id, who, met_on in facts.to_reflect
    ]
    return sorted(
        actions, key=lambda a: (a.urgency, a.since.timestamp() if a.since else float("inf"))
    )
