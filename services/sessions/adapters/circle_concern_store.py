"""Concerns about a circle, raised in confidence (seed 001, "What can go wrong?"), and the
facilitator's brief for a session, through the data door, for the caller.

A concern lives beside its circle in the sessions network database (`CircleStore.home`),
every query filtered by `circle_id`. A member raises it (`for_member`); it is read only by
whoever raised it, the facilitator it was raised with, or — raised with them — the
programme's co-ordinators (`may_read`); the rest of the circle, admins, the network
co-ordinator and other organisations get nothing of it (404 for one concern).

A concern raised with the co-ordinators is inserted with `circle.concern_raised` in its
outbox (its id, circle, programme and when; never its text, signs or author): evaluation
turns it into the co-ordinators' alert, which links back here. One raised with a facilitator
publishes nothing. Ids are random, so an id says nothing of how many concerns a circle has.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from services.sessions.adapters.circle_session_store import CircleSessionStore
from services.sessions.adapters.circle_store import CircleStore
from services.sessions.adapters.erasure import FORMER_MEMBER
from services.sessions.domain.circle_concerns import (
    WARNING_SIGNS,
    Concern,
    RaisedWith,
    SignGuide,
    WarningSign,
    check_concern_room,
    facilitator_for,
    may_read,
)
from services.sessions.domain.circles import Circle
from shared.auth.principal import Principal
from shared.contracts.sessions import CircleConcernRaised
from shared.errors import NotFoundError
from shared.mongo.databases import Document
from shared.mongo.outbox import OutboxWriter

CIRCLE_CONCERNS = "circle_concerns"


def _concern(document: Document) -> Concern:
    return Concern.model_validate({**document, "id": document["_id"]})


class CircleConcernStore:
    """Concerns as whoever may read each sees them, and the facilitator's brief."""

    def __init__(
        self, circles: CircleStore, sessions: CircleSessionStore, outbox: OutboxWriter
    ) -> None:
        self._circles = circles
        self._sessions = sessions
        self._outbox = outbox

    async def _of_circle(self, circle: Circle) -> list[Concern]:
        found = (
            await self._circles.home(circle, CIRCLE_CONCERNS)
            .find({"circle_id": circle.id})
            .to_list()
        )
        return sorted(map(_concern, found), key=lambda c: (c.raised_at, c.id))

    async def raise_concern(
        self,
        caller: Principal,
        circle_id: str,
        raised_with: RaisedWith,
        session_id: str | None,
        signs: list[WarningSign],
        text: str,
    ) -> Concern:
        """A member raises a concern with a session's facilitator (the session is required)
        or the programme's co-ordinators (→ `circle.concern_raised`, without its text)."""
        circle = await self._circles.for_member(caller, circle_id)
        session = None
        if session_id is not None:
            session = await self._sessions.session_in(circle, session_id)
        facilitator = None
        if raised_with is RaisedWith.FACILITATOR:
            named = None if session is None else session.facilitator_id
            facilitator = facilitator_for(named, circle.participants, caller.subject)
        mine = [c for c in await self._of_circle(circle) if c.raised_by == caller.subject]
        check_concern_room(len(mine))
        concern = Concern(
            id=f"con_{secrets.token_hex(8)}",
            circle_id=circle.id,
            programme_id=circle.programme_id,
            session_id=session_id,
            raised_with=raised_with,
            facilitator_id=facilitator,
            raised_by=caller.subject,
            signs=list(dict.fromkeys(signs)),
            text=text,
            raised_at=datetime.now(UTC),
        )
        document = {"_id": concern.id, **concern.model_dump(mode="python", exclude={"id"})}
        events = []
        if raised_with is RaisedWith.COORDINATOR:
            announcement = CircleConcernRaised(
                concern_id=concern.id,
                circle_id=circle.id,
                programme_id=circle.programme_id,
                raised_at=concern.raised_at,
            )
            events.append(self._circles.event(circle, announcement))
        await self._outbox.insert(self._circles.home(circle, CIRCLE_CONCERNS), document, events)
        return concern

    async def readable(self, caller: Principal, circle_id: str) -> list[Concern]:
        """The circle's concerns the caller may read, oldest first (members and the
        programme's co-ordinators; 404 to everyone else)."""
        circle = await self._circles.for_oversight(caller, circle_id)
        coordinates = await self._circles.coordinates(caller, circle)
        return [
            c for c in await self._of_circle(circle) if may_read(c, caller.subject, coordinates)
        ]

    async def one(self, caller: Principal, circle_id: str, concern_id: str) -> Concern:
        """One concern, for whoever may read it; 404 for anyone else."""
        for concern in await self.readable(caller, circle_id):
            if concern.id == concern_id:
                return concern
        raise NotFoundError(f"no concern {concern_id!r} that you may read")

    async def brief(
        self, caller: Principal, circle_id: str, session_id: str
    ) -> tuple[list[SignGuide], list[Concern]]:
        """The session's facilitator's brief: the warning signs with what helps, and the
        concerns raised with them about this session. Only its facilitator (404 else)."""
        circle = await self._circles.for_member(caller, circle_id)
        session = await self._sessions.session_in(circle, session_id)
        if session.facilitator_id != caller.subject:
            raise NotFoundError(f"you do not facilitate session {session.number}")
        raised = [
            c
            for c in await self._of_circle(circle)
            if c.raised_with is RaisedWith.FACILITATOR
            and c.session_id == session.id
            and c.facilitator_id == caller.subject
        ]
        return list(WARNING_SIGNS), raised

    async def erase_member(self, member_id: str, organisation_id: str) -> None:
        """Delete the concerns the member raised; those raised with them as facilitator stay
        for whoever raised them, the facilitator shown as a former member. Idempotent."""
        del organisation_id  # circle records are network records, found by member id
        concerns = self._circles.system_home(CIRCLE_CONCERNS)
        await concerns.delete_many({"raised_by": member_id})
        await concerns.update_many(
            {"facilitator_id": member_id}, {"$set": {"facilitator_id": FORMER_MEMBER}}
        )
