"""Events in, mails decided: which event means which mail to whom, now or later.

Immediate mails are decided at once (`MailQueue.decide`); mails that time brings go into the
timetable; digest items are collected. An event older than `fresh_hours` when it is first read
(a new deployment replaying the topics from the start) still builds the read models but
decides, schedules and collects nothing: nobody is mailed about the past.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, Literal

from services.notifications.adapters.contact_book import ContactBook
from services.notifications.adapters.mail_queue import MailQueue
from services.notifications.adapters.relationship_book import RelationshipBook
from services.notifications.adapters.timetable import Timetable
from services.notifications.domain import mails, wording
from services.notifications.domain.kinds import MailKind
from services.notifications.domain.mails import CalendarInvite, Mail, Recipient
from services.notifications.domain.schedule import log_due_at, reminder_at
from shared.contracts.contacts import AdminInvitation
from shared.contracts.evaluation import AlertRaised, SurveyCompleted, SurveySent
from shared.contracts.matching import MatchAccepted, MatchProposed
from shared.contracts.sessions import (
    AgreementDrafted,
    MeetingCancelled,
    MeetingHeld,
    MeetingLogWritten,
    MeetingPlanned,
    MeetingRescheduled,
    MessagePosted,
    MessagesRead,
    RelationshipEnded,
)
from shared.events.catalogue import InboundEvent
from shared.events.envelope import EventData
from shared.mongo.databases import Document

REMINDER = "meeting_reminder"
LOG_DUE = "meeting_log_due"
SURVEY_REMINDER = "survey_reminder"


@dataclass(frozen=True)
class Pacing:
    """The time rules of the service's settings."""

    fresh: timedelta
    reminder_time: time
    log_due_after: timedelta


class MailTriggers:
    """The event handlers that decide mails."""

    def __init__(
        self,
        relationships: RelationshipBook,
        contacts: ContactBook,
        queue: MailQueue,
        timetable: Timetable,
        wake: Callable[[], None],
        pacing: Pacing,
        clock: Callable[[], datetime],
    ) -> None:
        self._relationships = relationships
        self._contacts = contacts
        self._queue = queue
        self._timetable = timetable
        self._wake = wake
        self._pacing = pacing
        self._clock = clock

    def _fresh(self, events: Sequence[InboundEvent[Any]]) -> list[InboundEvent[Any]]:
        oldest = self._clock() - self._pacing.fresh
        return [e for e in events if e.envelope.time >= oldest]

    async def _decide(self, decided: Sequence[Mail]) -> None:
        """Queue the mails, except to anyone erased: an occasion after an erasure (a late
        event about them) leaves no record of them here. Those to someone with no address
        known are decided skipped at once."""
        erased = await self._contacts.erased(m.person_id for m in decided)
        wanted = [m for m in decided if m.person_id not in erased]
        if not wanted:
            return
        people = {m.person_id: m.organisation_id for m in wanted}
        known = await self._contacts.of(people, homes=people)
        unreachable = {p for p in people if p not in known or not known[p].email}
        if await self._queue.decide(wanted, self._clock(), unreachable):
            self._wake()

    async def _recipients(self, people: dict[str, str]) -> list[Recipient]:
        """Recipients with their time zones, from member id → organisation."""
        known = await self._contacts.of(people, homes=people)
        return [
            Recipient(
                organisation_id=organisation_id,
                person_id=member_id,
                time_zone=known[member_id].time_zone if member_id in known else None,
            )
            for member_id, organisation_id in people.items()
        ]

    # --- matches ---------------------------------------------------------------------------

    async def on_proposed(self, events: Sequence[InboundEvent[MatchProposed]]) -> None:
        """A match to answer: both parties, or only the mentor when the mentee asked."""
        decided: list[Mail] = []
        for e in self._fresh(events):
            d: MatchProposed = e.data
            sides = [("mentor", d.mentor_id, d.mentor_organisation_id)]
            if d.origin != "request":
                sides.append(("mentee", d.mentee_id, d.mentee_organisation_id))
            for side, member, organisation in sides:
                to = Recipient(organisation_id=organisation, person_id=member)
                decided.append(mails.proposal_to_answer(to, d.proposal_id, side))
        await self._decide(decided)

    async def on_accepted(self, events: Sequence[InboundEvent[MatchAccepted]]) -> None:
        """A match both accepted: both parties."""
        decided: list[Mail] = []
        for e in self._fresh(events):
            d: MatchAccepted = e.data
            for member, organisation in (
                (d.mentor_id, d.mentor_organisation_id),
                (d.mentee_id, d.mentee_organisation_id),
            ):
                to = Recipient(organisation_id=organisation, person_id=member)
                decided.append(mails.proposal_accepted(to, d.proposal_id))
        await self._decide(decided)

    # --- agreements ------------------------------------------------------------------------

    async def on_drafted(self, events: Sequence[InboundEvent[AgreementDrafted]]) -> None:
        """A new agreement version: every party but its writer is asked to sign."""
        decided: list[Mail] = []
        for e in self._fresh(events):
            d: AgreementDrafted = e.data
            r = await self._relationships.relationship(d.relationship_id)
            if r is None or r.ended:
                continue
            people = {m: r.organisations[m] for m in r.participants if m != d.drafted_by}
            for to in await self._recipients(people):
                decided.append(mails.agreement_to_sign(to, d.relationship_id, d.version))
        await self._decide(decided)

    # --- meetings --------------------------------------------------------------------------

    async def on_planned(self, events: Sequence[InboundEvent[MeetingPlanned]]) -> None:
        """A meeting planned: a calendar request to every party, reminders scheduled."""
        await self._meeting_changed(events, "planned")

    async def on_rescheduled(self, events: Sequence[InboundEvent[MeetingRescheduled]]) -> None:
        """A meeting moved: a new request (same UID, higher SEQUENCE), reminders moved."""
        await self._meeting_changed(events, "moved")

    async def on_cancelled(self, events: Sequence[InboundEvent[MeetingCancelled]]) -> None:
        """A meeting cancelled: a calendar cancellation, reminders dropped."""
        for e in events:
            await self._timetable.unplan(meeting_id=e.data.meeting_id)
        await self._meeting_changed(events, "cancelled")

    async def _meeting_changed(
        self,
        events: Sequence[InboundEvent[Any]],
        change: Literal["planned", "moved", "cancelled"],
    ) -> None:
        decided: list[Mail] = []
        reminders: list[Document] = []
        now = self._clock()
        for e in self._fresh(events):
            d: MeetingPlanned | MeetingRescheduled | MeetingCancelled = e.data
            r = await self._relationships.relationship(d.relationship_id)
            if r is None:
                continue
            link = f"/relationships/{d.relationship_id}/meetings"
            invite = CalendarInvite(
                method="CANCEL" if change == "cancelled" else "REQUEST",
                meeting_id=d.meeting_id,
                starts_at=d.starts_at,
                time_zone=d.time_zone,
                minutes=d.minutes,
                how=wording.method(d.method),
                sequence=d.revision,
                link=link,
            )
            people = {m: r.organisations[m] for m in r.participants}
            for to in await self._recipients(people):
                decided.append(mails.meeting_change(to, change, invite, d.relationship_id))
                due = reminder_at(d.starts_at, to.time_zone, self._pacing.reminder_time, now)
                if change != "cancelled" and due is not None and not r.ended:
                    reminders.append(
                        {
                            "_id": f"{REMINDER}:{d.meeting_id}:{to.person_id}",
                            "kind": REMINDER,
                            "due_at": due,
                            "person_id": to.person_id,
                            "organisation_id": to.organisation_id,
                            "meeting_id": d.meeting_id,
                            "relationship_id": d.relationship_id,
                            "starts_at": d.starts_at,
                            "time_zone": d.time_zone,
                            "minutes": d.minutes,
                            "method": d.method,
                            "revision": d.revision,
                        }
                    )
        if change == "moved":  # a reminder no longer due (moved to tomorrow) must not linger
            for e in events:
                await self._timetable.unplan(meeting_id=e.data.meeting_id)
        await self._timetable.plan(reminders)
        await self._decide(decided)

    async def on_held(self, events: Sequence[InboundEvent[MeetingHeld]]) -> None:
        """A meeting took place: no reminder any more; its log falls due later."""
        logs: list[Document] = []
        for e in events:
            await self._timetable.unplan(meeting_id=e.data.meeting_id)
        for e in self._fresh(events):
            d: MeetingHeld = e.data
            r = await self._relationships.relationship(d.relationship_id)
            if r is None or r.ended:
                continue
            due = log_due_at(d.held_at, d.minutes, self._pacing.log_due_after)
            for member in r.participants:
                logs.append(
                    {
                        "_id": f"{LOG_DUE}:{d.meeting_id}:{member}",
                        "kind": LOG_DUE,
                        "due_at": due,
                        "person_id": member,
                        "organisation_id": r.organisations[member],
                        "meeting_id": d.meeting_id,
                        "relationship_id": d.relationship_id,
                        "held_at": d.held_at,
                    }
                )
        await self._timetable.plan(logs)

    async def on_log(self, events: Sequence[InboundEvent[MeetingLogWritten]]) -> None:
        """A log was written: the relationship's logs due are not (checked again when due,
        against the relationship's latest log)."""
        await self._relationships.on_log(events)

    async def on_ended(self, events: Sequence[InboundEvent[RelationshipEnded]]) -> None:
        """A relationship ended: its reminders and logs due go."""
        await self._relationships.on_ended(events)
        for e in events:
            await self._timetable.unplan(relationship_id=e.data.relationship_id)

    # --- messages --------------------------------------------------------------------------

    async def on_posted(self, events: Sequence[InboundEvent[MessagePosted]]) -> None:
        """A message: one unread item for everyone in the thread but its author."""
        items: list[Document] = []
        for e in self._fresh(events):
            d: MessagePosted = e.data
            if d.author_id is None or d.number is None:
                continue  # published before messages named their author
            people = await self._relationships.thread_people(d.thread_kind, d.thread_id)
            for member, organisation in people.items():
                if member == d.author_id:
                    continue
                items.append(
                    {
                        "_id": f"unread:{member}:{d.thread_kind}:{d.thread_id}:{d.number}",
                        "digest": MailKind.UNREAD_MESSAGES.value,
                        "person_id": member,
                        "organisation_id": organisation,
                        "created_at": d.posted_at,
                        "thread_kind": d.thread_kind,
                        "thread_id": d.thread_id,
                        "number": d.number,
                        "author_id": d.author_id,
                    }
                )
        await self._timetable.collect(items)

    async def on_read(self, events: Sequence[InboundEvent[MessagesRead]]) -> None:
        """A read marker moved: what it passed is not unread any more."""
        for e in events:
            d: MessagesRead = e.data
            await self._timetable.uncollect(
                digest=MailKind.UNREAD_MESSAGES.value,
                person_id=d.member_id,
                thread_id=d.thread_id,
                number={"$lte": d.last_read},
            )

    # --- evaluation ------------------------------------------------------------------------

    async def on_survey_sent(self, events: Sequence[InboundEvent[SurveySent]]) -> None:
        """A survey due: a mail now, and its one reminder scheduled."""
        decided: list[Mail] = []
        reminders: list[Document] = []
        now = self._clock()
        for e in self._fresh(events):
            d: SurveySent = e.data
            if d.closes_at <= now:
                continue
            [to] = await self._recipients({d.member_id: d.organisation_id})
            decided.append(mails.survey_due(to, d.survey_id, d.closes_at, reminder=False))
            if d.remind_at < d.closes_at:
                reminders.append(
                    {
                        "_id": f"{SURVEY_REMINDER}:{d.survey_id}",
                        "kind": SURVEY_REMINDER,
                        "due_at": d.remind_at,
                        "person_id": d.member_id,
                        "organisation_id": d.organisation_id,
                        "survey_id": d.survey_id,
                        "closes_at": d.closes_at,
                    }
                )
        await self._timetable.plan(reminders)
        await self._decide(decided)

    async def on_survey_completed(self, events: Sequence[InboundEvent[SurveyCompleted]]) -> None:
        """An answered survey needs no reminder."""
        await self._timetable.unplan_ids(f"{SURVEY_REMINDER}:{e.data.survey_id}" for e in events)

    async def on_alert(self, events: Sequence[InboundEvent[AlertRaised]]) -> None:
        """An alert: one item for each of the programme's co-ordinators' digests."""
        items: list[Document] = []
        for e in self._fresh(events):
            d: AlertRaised = e.data
            coordinators = await self._relationships.coordinators(d.programme_id)
            homes = await self._contacts.homes(coordinators)
            for member in coordinators:
                if member not in homes:
                    continue  # no contact details yet: nobody to write to
                items.append(
                    {
                        "_id": f"alert:{member}:{d.alert_id}",
                        "digest": MailKind.ALERTS.value,
                        "person_id": member,
                        "organisation_id": homes[member],
                        "created_at": d.raised_at,
                        "alert_id": d.alert_id,
                        "alert_kind": d.kind,
                        "programme_id": d.programme_id,
                    }
                )
        await self._timetable.collect(items)

    # --- invitations -----------------------------------------------------------------------

    async def on_invitation(self, invitation: AdminInvitation) -> None:
        """An invitation read from the contacts topic (kept by the contact book): mail it,
        once, unless it is old news."""
        if invitation.invited_at < self._clock() - self._pacing.fresh:
            return
        to = Recipient(
            organisation_id=invitation.organisation_id, person_id=invitation.invitation_id
        )
        await self._decide(
            [
                mails.invitation(
                    to,
                    invitation.invitation_id,
                    invitation.organisation_name,
                    invitation.roles,
                )
            ]
        )


def handlers(triggers: MailTriggers) -> list[tuple[type[EventData], Any]]:
    """Every event the triggers handle, with its handler."""
    return [
        (MatchProposed, triggers.on_proposed),
        (MatchAccepted, triggers.on_accepted),
        (AgreementDrafted, triggers.on_drafted),
        (MeetingPlanned, triggers.on_planned),
        (MeetingRescheduled, triggers.on_rescheduled),
        (MeetingCancelled, triggers.on_cancelled),
        (MeetingHeld, triggers.on_held),
        (MeetingLogWritten, triggers.on_log),
        (RelationshipEnded, triggers.on_ended),
        (MessagePosted, triggers.on_posted),
        (MessagesRead, triggers.on_read),
        (SurveySent, triggers.on_survey_sent),
        (SurveyCompleted, triggers.on_survey_completed),
        (AlertRaised, triggers.on_alert),
    ]
