"""The home page: what needs me now, from all four services at once."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from services.portal.adapters.network_api import Service
from services.portal.adapters.signed_in import Member
from services.portal.domain import relationships as rules
from services.portal.domain.circles import Circle, CircleView
from services.portal.domain.home import HomeFacts, NextAction, next_actions
from services.portal.domain.journal import JournalEntry, to_reflect_on
from services.portal.domain.matching import Enrolment, Proposal, ProposalList
from services.portal.domain.people import People
from services.portal.domain.relationships import (
    AgreementVersion,
    Meeting,
    MeetingLog,
    Relationship,
    ThreadSummary,
)
from services.portal.domain.surveys import Reminder, Survey
from services.portal.pages.parts import Missing, or_none, part, people
from shared import clock


@dataclass(frozen=True)
class RelationshipState:
    """What one active relationship needs from the member."""

    relationship: Relationship
    agreement: AgreementVersion | None
    meetings: list[Meeting]
    logs: list[MeetingLog]
    thread: ThreadSummary


@dataclass(frozen=True)
class HomePage:
    """The home page's content."""

    actions: list[NextAction]
    relationships: list[Relationship]
    circles: list[Circle]
    people: People
    missing: list[Missing]
    upcoming: list[tuple[Relationship, Meeting]]


async def home_page(member: Member) -> HomePage:
    """Everything waiting for the member, each service asked once per thing in parallel."""
    api, me = member.api, member.member_id
    mine, circles, enrolments, surveys, reminders, journal = await asyncio.gather(
        part(api.get(Service.SESSIONS, "/members/me/relationships", list[Relationship])),
        part(api.get(Service.SESSIONS, "/members/me/circles", list[Circle])),
        part(api.get(Service.REGISTRY, "/me/enrolments", list[Enrolment])),
        part(api.get(Service.EVALUATION, "/members/me/surveys", list[Survey])),
        part(api.get(Service.EVALUATION, "/members/me/reminders", list[Reminder])),
        part(api.get(Service.SESSIONS, "/members/me/journal", list[JournalEntry])),
    )
    missing = [
        x
        for x in (mine, circles, enrolments, surveys, reminders, journal)
        if isinstance(x, Missing)
    ]
    relationships = [] if isinstance(mine, Missing) else mine
    active = [r for r in relationships if r.active]
    my_circles = [] if isinstance(circles, Missing) else circles
    programmes = [] if isinstance(enrolments, Missing) else [e.programme_id for e in enrolments]
    states, circle_views, proposal_lists = await asyncio.gather(
        part(asyncio.gather(*(_state(member, r) for r in active))),
        part(asyncio.gather(*(_circle(member, c.id) for c in my_circles))),
        part(asyncio.gather(*(_proposals(member, p) for p in programmes))),
    )
    missing += [x for x in (states, circle_views, proposal_lists) if isinstance(x, Missing)]
    proposals = (
        [] if isinstance(proposal_lists, Missing) else [p for ps in proposal_lists for p in ps]
    )
    parties = [(p.organisation_id, p.member_id) for r in relationships for p in r.parties]
    parties += [p.other(me) for p in proposals]
    parties += [(m.organisation_id, m.member_id) for c in my_circles for m in c.members]
    named = await people(api, me, parties)
    facts = _facts(
        me,
        named,
        [] if isinstance(states, Missing) else states,
        [] if isinstance(circle_views, Missing) else [v for v in circle_views if v],
        proposals,
        [] if isinstance(surveys, Missing) else surveys,
        [] if isinstance(reminders, Missing) else reminders,
        [] if isinstance(journal, Missing) else journal,
    )
    now = clock.now()
    upcoming = [
        (s.relationship, m)
        for s in ([] if isinstance(states, Missing) else states)
        if (m := rules.next_meeting(s.meetings, now)) is not None
    ]
    return HomePage(
        actions=next_actions(facts),
        relationships=relationships,
        circles=my_circles,
        people=named,
        missing=list(dict.fromkeys(missing)),  # one notice per service that is not answering
        upcoming=sorted(upcoming, key=lambda pair: pair[1].starts_at),
    )


async def _state(member: Member, relationship: Relationship) -> RelationshipState:
    api, base = member.api, f"/relationships/{relationship.id}"
    agreement, meetings, logs, thread = await asyncio.gather(
        or_none(api.get(Service.SESSIONS, f"{base}/agreement", AgreementVersion)),
        api.get(Service.SESSIONS, f"{base}/meetings", list[Meeting]),
        api.get(Service.SESSIONS, f"{base}/logs", list[MeetingLog]),
        api.get(Service.SESSIONS, f"{base}/messages/summary", ThreadSummary),
    )
    return RelationshipState(relationship, agreement, meetings, logs, thread)


async def _circle(member: Member, circle_id: str) -> tuple[CircleView, ThreadSummary] | None:
    api = member.api
    view, thread = await asyncio.gather(
        or_none(api.get(Service.SESSIONS, f"/circles/{circle_id}", CircleView)),
        api.get(Service.SESSIONS, f"/circles/{circle_id}/messages/summary", ThreadSummary),
    )
    return None if view is None else (view, thread)


async def _proposals(member: Member, programme_id: str) -> list[Proposal]:
    found = await or_none(
        member.api.get(Service.MATCHING, f"/programmes/{programme_id}/proposals", ProposalList)
    )
    return [] if found is None else found.proposals


def _facts(
    me: str,
    named: People,
    states: list[RelationshipState],
    circles: list[tuple[CircleView, ThreadSummary]],
    proposals: list[Proposal],
    surveys: list[Survey],
    reminders: list[Reminder],
    journal: list[JournalEntry],
) -> HomeFacts:
    now, facts = clock.now(), HomeFacts()
    for p in proposals:
        if p.awaits(me):
            facts.proposals.append((p.id, named.label(p.other(me)[1]), p.created_at))
    for s in states:
        relationship = s.relationship
        who = " and ".join(named.name(p.member_id) for p in relationship.others(me))
        if s.agreement is not None and s.agreement.awaits(me):
            facts.signatures.append((relationship.id, who, s.agreement.version))
        for meeting in rules.meetings_to_confirm(s.meetings, now):
            facts.to_confirm.append((relationship.id, who, meeting.starts_at))
        for meeting in rules.meetings_to_log(s.meetings, s.logs):
            facts.to_log.append((relationship.id, who, meeting.starts_at))
        for log in to_reflect_on(me, s.logs, journal, now.date()):
            facts.to_reflect.append((relationship.id, log.id, who, log.met_on))
        if s.thread.unread:
            facts.unread.append(
                (f"/relationships/{relationship.id}/messages", who, s.thread.unread)
            )
    for view, thread in circles:
        if view.awaits(me):
            facts.contracts.append(view.circle.id)
        if thread.unread:
            facts.unread.append(
                (f"/circles/{view.circle.id}/messages", "your circle", thread.unread)
            )
    facts.surveys = [(s.id, s.title, s.closes_at) for s in surveys if not s.answered]
    facts.reminders = [(r.text, r.survey_id, r.created_at) for r in reminders]
    return facts
