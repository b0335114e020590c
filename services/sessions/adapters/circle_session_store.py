"""A circle's sessions and notes, through the data door, for the caller.

Both live beside their circle in the sessions network database (`CircleStore.home`), every
query filtered by `circle_id`. Members arrange sessions, mark them held and write notes; the
programme's co-ordinators may read the schedule (`for_oversight`), never the notes, which
only members read (`for_member`); everyone else gets 404.

Writes are single documents: arranging a session is one insert whose id derives from the
circle and the session's number (two members arranging the same next session collide instead
of making two); marking it held is one update guarded by its status, carrying
`circle.session_held` (format, minutes, attendee count, when — never notes); each note is its
own insert. Every session document keeps `people` (everyone it names), so erasure finds them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from services.sessions.adapters.circle_store import CircleStore
from services.sessions.adapters.erasure import FORMER_MEMBER
from services.sessions.domain.circle_sessions import (
    FORMAT_STEPS,
    CircleNote,
    CircleSession,
    SessionFormat,
    SessionStatus,
    Step,
    StepTiming,
    check_feedback_step,
    check_held,
    check_length,
    check_note_room,
    check_start,
    check_timings,
    check_upcoming,
    next_facilitator,
    next_start,
    notes_of,
    sessions_of,
)
from services.sessions.domain.circles import Circle, check_contract_accepted
from services.sessions.domain.feedback import BoostFeedback
from shared.auth.principal import Principal
from shared.contracts.sessions import CircleSessionHeld
from shared.errors import ConflictError, NotFoundError
from shared.logging import get_logger
from shared.mongo.databases import Document
from shared.mongo.numbered import NumberedRecords, blank, kept_by, numbered_id
from shared.mongo.outbox import OutboxWriter

log = get_logger(__name__)

CIRCLE_SESSIONS = "circle_sessions"
CIRCLE_NOTES = "circle_notes"


def _session(document: Document) -> CircleSession:
    return CircleSession.model_validate({**document, "id": document["_id"]})


def _note(document: Document) -> CircleNote:
    return CircleNote.model_validate({**document, "id": document["_id"]})


def _people(session: CircleSession) -> list[str]:
    named = [session.facilitator_id, session.scheduled_by, session.held_by, *session.attendees]
    return sorted({p for p in named if p is not None and p != FORMER_MEMBER})


class CircleSessionStore:
    """Sessions and notes of circles, as their members (and co-ordinators, for the schedule)
    may see them."""

    def __init__(
        self, circles: CircleStore, outbox: OutboxWriter, numbered: NumberedRecords
    ) -> None:
        self._circles = circles
        self._outbox = outbox
        self._numbered = numbered

    async def _sessions(self, circle: Circle) -> list[CircleSession]:
        collection = self._circles.home(circle, CIRCLE_SESSIONS)
        found = await self._numbered.walk(
            collection, sessions_of(circle.id), shown=kept_by("circle_id", circle.id)
        )
        return [_session(d) for d in found]

    # --- reading -------------------------------------------------------------------------

    async def schedule(self, caller: Principal, circle_id: str) -> list[CircleSession]:
        """The circle's sessions, first first (members and the programme's co-ordinators)."""
        return await self._sessions(await self._circles.for_oversight(caller, circle_id))

    async def one(self, caller: Principal, circle_id: str, sid: str) -> CircleSession:
        """One session of the circle (members and the programme's co-ordinators)."""
        circle = await self._circles.for_oversight(caller, circle_id)
        return await self._one(circle, sid)

    async def session_in(self, circle: Circle, sid: str) -> CircleSession:
        """One session of a circle the caller was already let into (404 if it has none)."""
        return await self._one(circle, sid)

    async def _one(self, circle: Circle, sid: str) -> CircleSession:
        document = await self._circles.home(circle, CIRCLE_SESSIONS).find_one({"_id": sid})
        if document is None or not kept_by("circle_id", circle.id)(document):
            raise NotFoundError(f"circle {circle.id!r} has no session {sid!r}")
        return _session(document)

    async def rota(self, caller: Principal, circle_id: str) -> tuple[list[CircleSession], str]:
        """The sessions with their facilitators, and who facilitates the next one."""
        circle = await self._circles.for_oversight(caller, circle_id)
        sessions = await self._sessions(circle)
        upcoming = next_facilitator(circle.participants, [s.facilitator_id for s in sessions])
        return sessions, upcoming

    # --- arranging and holding -----------------------------------------------------------

    async def arrange(
        self,
        caller: Principal,
        circle_id: str,
        session_format: SessionFormat,
        minutes: int,
        starts_at: datetime | None,
        timings: list[StepTiming] | None,
    ) -> CircleSession:
        """A member arranges the circle's next session, once every member accepted the
        contract: on the cadence unless a later time is given, facilitated by the next member
        in the rotation."""
        circle = await self._circles.for_member(caller, circle_id)
        check_contract_accepted(circle, set(await self._circles.accepted(circle)))
        check_length(minutes, await self._circles.terms(circle))
        chosen = check_timings(session_format, timings, minutes)
        sessions = await self._sessions(circle)
        check_upcoming(sum(s.status is SessionStatus.SCHEDULED for s in sessions))
        now = datetime.now(UTC)
        latest = sessions[-1].starts_at if sessions else None
        if starts_at is None:
            starts_at = next_start(circle.formed_at, circle.cadence_days, latest, now)
        check_start(starts_at, latest, now)
        number = sessions[-1].number + 1 if sessions else 1
        session = CircleSession(
            id=numbered_id(sessions_of(circle.id), number),
            circle_id=circle.id,
            programme_id=circle.programme_id,
            number=number,
            format=session_format,
            steps=list(FORMAT_STEPS[session_format]),
            timings=chosen,
            starts_at=starts_at,
            minutes=minutes,
            facilitator_id=next_facilitator(
                circle.participants, [s.facilitator_id for s in sessions]
            ),
            scheduled_by=caller.subject,
            scheduled_at=now,
        )
        document: dict[str, Any] = {
            "_id": session.id,
            **session.model_dump(mode="python", exclude={"id"}),
            "people": _people(session),
        }
        try:
            await self._circles.home(circle, CIRCLE_SESSIONS).insert_one(document)
        except DuplicateKeyError as exc:
            raise ConflictError("another member arranged this session meanwhile") from exc
        return session

    async def hold(
        self,
        caller: Principal,
        circle_id: str,
        sid: str,
        held_at: datetime,
        minutes: int,
        attendees: list[str],
    ) -> CircleSession:
        """A member marks a session held → `circle.session_held` (format, minutes, attendee
        count, when; never notes), published once."""
        circle = await self._circles.for_member(caller, circle_id)
        session = await self._one(circle, sid)
        now = datetime.now(UTC)
        check_held(session, held_at, attendees, circle.participants, now)
        check_length(minutes, await self._circles.terms(circle))
        held = session.model_copy(
            update={
                "status": SessionStatus.HELD,
                "held_at": held_at,
                "held_minutes": minutes,
                "held_by": caller.subject,
                "attendees": attendees,
            }
        )
        event = CircleSessionHeld(
            circle_id=circle.id,
            programme_id=circle.programme_id,
            format=session.format.value,
            held_at=held_at,
            minutes=minutes,
            attendees=len(attendees),
        )
        result = await self._outbox.update(
            self._circles.home(circle, CIRCLE_SESSIONS),
            session.id,
            {
                "$set": {
                    "status": SessionStatus.HELD.value,
                    "held_at": held_at,
                    "held_minutes": minutes,
                    "held_by": caller.subject,
                    "attendees": attendees,
                    "people": _people(held),
                }
            },
            [self._circles.event(circle, event)],
            condition={"circle_id": circle.id, "status": SessionStatus.SCHEDULED.value},
        )
        if not result.matched_count:
            raise ConflictError(f"session {session.number} has already been marked held")
        return held

    # --- notes: the circle's only --------------------------------------------------------

    async def notes(self, caller: Principal, circle_id: str, sid: str) -> list[CircleNote]:
        """A session's notes, oldest first: members only (404 to everyone else)."""
        circle = await self._circles.for_member(caller, circle_id)
        session = await self._one(circle, sid)
        return await self._notes(circle, session)

    async def _notes(self, circle: Circle, session: CircleSession) -> list[CircleNote]:
        collection = self._circles.home(circle, CIRCLE_NOTES)
        found = await self._numbered.walk(
            collection, notes_of(session.id), shown=kept_by("session_id", session.id)
        )
        return [_note(d) for d in found]

    async def write_note(
        self,
        caller: Principal,
        circle_id: str,
        sid: str,
        text: str,
        step: Step | None = None,
        feedback: BoostFeedback | None = None,
    ) -> CircleNote:
        """A member writes a note on a session, with BOOST feedback given in a feedback step
        of a critical-incident session (no event: nothing about it leaves)."""
        circle = await self._circles.for_member(caller, circle_id)
        session = await self._one(circle, sid)
        check_feedback_step(session.format, step, feedback)
        collection = self._circles.home(circle, CIRCLE_NOTES)
        check_note_room(len(await self._notes(circle, session)))

        async def write(note_id: str, _number: int) -> CircleNote:
            note = CircleNote(
                id=note_id,
                circle_id=circle.id,
                session_id=session.id,
                author_id=caller.subject,
                text=text,
                written_at=datetime.now(UTC),
                step=step,
                feedback=feedback,
            )
            await collection.insert_one(
                {
                    "_id": note.id,
                    **note.model_dump(mode="python", exclude={"id"}),
                    "programme_id": circle.programme_id,
                }
            )
            return note

        return await self._numbered.take(collection, notes_of(session.id), write)

    # --- erasure -------------------------------------------------------------------------

    async def erase_member(self, member_id: str, organisation_id: str) -> None:
        """Blank the member's notes; in the sessions that name them, show them as a former
        member, and hand the sessions they were to facilitate to the next in the rotation.
        Idempotent: a redelivery finds nothing naming them."""
        del organisation_id  # circle records are network records, found by member id
        await blank(
            self._circles.system_home(CIRCLE_NOTES),
            {"author_id": member_id},
            keep=["circle_id", "session_id", "programme_id"],
        )
        sessions = self._circles.system_home(CIRCLE_SESSIONS)
        named = await sessions.find({"people": member_id}, projection={"circle_id": 1}).to_list()
        for circle_id in sorted({d["circle_id"] for d in named}):
            await self._forget_in_circle(circle_id, member_id)

    async def _forget_in_circle(self, circle_id: str, member_id: str) -> None:
        circle = await self._circles.system_circle(circle_id)
        members = [m for m in (circle.participants if circle else []) if m != member_id]
        collection = self._circles.system_home(CIRCLE_SESSIONS)
        found = await collection.find({"circle_id": circle_id}).to_list()
        history: list[str] = []
        for session in sorted(map(_session, found), key=lambda s: s.number):
            if member_id not in _people(session):
                history.append(session.facilitator_id)
                continue

            def forget(person: str | None) -> str | None:
                return FORMER_MEMBER if person == member_id else person

            facilitator = session.facilitator_id
            if facilitator == member_id:
                facilitator = (
                    next_facilitator(members, history)
                    if session.status is SessionStatus.SCHEDULED and members
                    else FORMER_MEMBER
                )
            rewritten = session.model_copy(
                update={
                    "facilitator_id": facilitator,
                    "scheduled_by": forget(session.scheduled_by),
                    "held_by": forget(session.held_by),
                    "attendees": [forget(a) for a in session.attendees],
                }
            )
            history.append(rewritten.facilitator_id)
            await collection.update_one(
                {"_id": session.id},
                {
                    "$set": {
                        "facilitator_id": rewritten.facilitator_id,
                        "scheduled_by": rewritten.scheduled_by,
                        "held_by": rewritten.held_by,
                        "attendees": rewritten.attendees,
                        "people": _people(rewritten),
                    }
                },
            )
