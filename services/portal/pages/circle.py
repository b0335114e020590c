"""The pages of a peer circle (seed 001, "The Power of Peer Mentoring"): its heading and tabs
(the shell every tab shares), the overview with the contract and the rota, the sessions, one
session with its steps and notes, and the list of the member's circles."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from services.portal.adapters.network_api import Service, ServiceRefusalError
from services.portal.adapters.signed_in import Member
from services.portal.domain.circle_concerns import Concern, FacilitatorBrief
from services.portal.domain.circles import (
    Circle,
    CircleNote,
    CircleSession,
    CircleView,
    Rota,
    SessionStep,
    arranged,
    held,
    next_session,
    session_steps,
    still_to_accept,
)
from services.portal.domain.matching import Programme
from services.portal.domain.people import People
from services.portal.domain.relationships import ThreadSummary
from services.portal.pages.parts import Missing, or_none, part, people
from shared import clock

T = TypeVar("T")


@dataclass(frozen=True)
class Shell:
    """A circle as every one of its tabs heads it."""

    view: CircleView
    people: People
    me: str
    programme: Programme | Missing | None
    thread: ThreadSummary | Missing | None

    @property
    def circle(self) -> Circle:
        """The circle itself."""
        return self.view.circle

    @property
    def is_member(self) -> bool:
        """The signed-in person is a member (not a co-ordinator overseeing it)."""
        return self.circle.has_member(self.me)

    @property
    def title(self) -> str:
        """The circle's heading: its programme's name when the registry gives it."""
        if isinstance(self.programme, Programme):
            return f"{self.programme.design.name} circle"
        return "Your peer circle" if self.is_member else "A peer circle"

    @property
    def model(self) -> str | None:
        """The programme's model (peer circle, X Market circle), when known."""
        return self.programme.design.model if isinstance(self.programme, Programme) else None

    @property
    def still_to_accept(self) -> list[str]:
        """Members who have not accepted the contract yet."""
        return still_to_accept(self.view)

    @property
    def unread(self) -> int:
        """Unread messages, for the Messages tab."""
        if isinstance(self.thread, ThreadSummary):
            return self.thread.unread or 0
        return 0


@dataclass(frozen=True)
class Overview:
    """The overview tab: the contract, and the rota."""

    shell: Shell
    rota: Rota | Missing
    now: datetime

    @property
    def missing(self) -> list[Missing]:
        """The rota, if it could not be fetched."""
        return [self.rota] if isinstance(self.rota, Missing) else []

    @property
    def next_session(self) -> CircleSession | None:
        """The soonest session ahead."""
        return (
            None if isinstance(self.rota, Missing) else next_session(self.rota.sessions, self.now)
        )


@dataclass(frozen=True)
class Sessions:
    """The sessions tab: every session, and who facilitates next."""

    shell: Shell
    sessions: list[CircleSession]
    rota: Rota | Missing

    @property
    def missing(self) -> list[Missing]:
        """The rota, if it could not be fetched."""
        return [self.rota] if isinstance(self.rota, Missing) else []

    @property
    def length_bounds(self) -> tuple[int, int] | None:
        """The shortest and longest session the programme allows, when known."""
        programme = self.shell.programme
        if not isinstance(programme, Programme):
            return None
        return programme.design.min_meeting_minutes, programme.design.max_meeting_minutes

    @property
    def arranged(self) -> list[CircleSession]:
        """Sessions still to take place, soonest first."""
        return arranged(self.sessions)

    @property
    def held(self) -> list[CircleSession]:
        """Sessions held, the latest first."""
        return held(self.sessions)


@dataclass(frozen=True)
class SessionPage:
    """One session: its steps, its notes (members only), and marking it held."""

    shell: Shell
    session: CircleSession
    notes: list[CircleNote] | Missing | None  # None: not the person's to read
    now: datetime
    brief: FacilitatorBrief | Missing | None = None  # None: not the session's facilitator

    @property
    def missing(self) -> list[Missing]:
        """The notes, if they could not be fetched."""
        return [self.notes] if isinstance(self.notes, Missing) else []

    @property
    def facilitating(self) -> FacilitatorBrief | None:
        """The facilitator's brief (seed 001's ground rules and warning signs), when the
        person facilitates this session and it could be fetched."""
        return self.brief if isinstance(self.brief, FacilitatorBrief) else None

    @property
    def steps(self) -> list[SessionStep]:
        """What happens in the session, in order."""
        return session_steps(self.session)


@dataclass(frozen=True)
class ConcernsPage:
    """Concerns raised in confidence (seed 001, "What can go wrong?"): those the person may
    read, and the sessions whose facilitator they can raise one with."""

    shell: Shell
    concerns: list[Concern]
    sessions: list[CircleSession]

    @property
    def facilitators(self) -> list[CircleSession]:
        """Sessions facilitated by another current member, the latest first."""
        members = self.shell.circle.member_ids
        return [
            s
            for s in reversed(self.sessions)
            if s.facilitator_id != self.shell.me and s.facilitator_id in members
        ]


@dataclass(frozen=True)
class CircleCard:
    """One of the member's circles on their list."""

    circle: Circle
    view: CircleView | Missing
    next_session: CircleSession | Missing | None
    programme: Programme | None

    @property
    def contract(self) -> CircleView | None:
        """The circle's contract and who accepted it, when it could be fetched."""
        return None if isinstance(self.view, Missing) else self.view

    @property
    def upcoming(self) -> CircleSession | None:
        """Its next session, when there is one and it could be fetched."""
        return None if isinstance(self.next_session, Missing) else self.next_session

    @property
    def sessions_missing(self) -> bool:
        """Its sessions could not be fetched."""
        return isinstance(self.next_session, Missing)


@dataclass(frozen=True)
class CircleList:
    """The member's circles, everyone in them named."""

    cards: list[CircleCard]
    people: People
    missing: list[Missing]


async def shell(member: Member, circle_id: str) -> Shell:
    """The circle and its contract (404 for anyone but its members and the programme's
    co-ordinators), its programme, who is in it, and the thread's unread count."""
    api = member.api
    view, thread = await asyncio.gather(
        api.get(Service.SESSIONS, f"/circles/{circle_id}", CircleView),
        # The thread is its members' only: a co-ordinator overseeing the circle gets none.
        part(
            or_none(
                api.get(Service.SESSIONS, f"/circles/{circle_id}/messages/summary", ThreadSummary)
            )
        ),
    )
    circle = view.circle
    named, programme = await asyncio.gather(
        people(api, member.member_id, [(m.organisation_id, m.member_id) for m in circle.members]),
        part(_optional(api.get(Service.REGISTRY, f"/programmes/{circle.programme_id}", Programme))),
    )
    return Shell(view, named, member.member_id, programme, thread)


async def overview(member: Member, circle_id: str) -> Overview:
    """The circle, its contract and its rota."""
    heading, rota = await asyncio.gather(
        shell(member, circle_id),
        part(member.api.get(Service.SESSIONS, f"/circles/{circle_id}/rota", Rota)),
    )
    return Overview(heading, rota, clock.now())


async def sessions(member: Member, circle_id: str) -> Sessions:
    """Every session of the circle, and who facilitates the next."""
    api = member.api
    heading, found, rota = await asyncio.gather(
        shell(member, circle_id),
        api.get(Service.SESSIONS, f"/circles/{circle_id}/sessions", list[CircleSession]),
        part(api.get(Service.SESSIONS, f"/circles/{circle_id}/rota", Rota)),
    )
    return Sessions(heading, found, rota)


async def session(member: Member, circle_id: str, session_id: str) -> SessionPage:
    """One session, and its notes when the person is a member (the service keeps them from
    everyone else, the programme's co-ordinators included)."""
    api, base = member.api, f"/circles/{circle_id}/sessions/{session_id}"
    heading, found, notes, brief = await asyncio.gather(
        shell(member, circle_id),
        api.get(Service.SESSIONS, base, CircleSession),
        part(or_none(api.get(Service.SESSIONS, f"{base}/notes", list[CircleNote]))),
        # The facilitator's only: anyone else gets 404, so none.
        part(or_none(api.get(Service.SESSIONS, f"{base}/facilitation", FacilitatorBrief))),
    )
    return SessionPage(heading, found, notes, clock.now(), brief)


async def concerns(member: Member, circle_id: str) -> ConcernsPage:
    """The concerns the person may read (the service shows nobody anyone else's), and the
    circle's sessions to raise one about."""
    api, base = member.api, f"/circles/{circle_id}"
    heading, found, listed = await asyncio.gather(
        shell(member, circle_id),
        api.get(Service.SESSIONS, f"{base}/concerns", list[Concern]),
        api.get(Service.SESSIONS, f"{base}/sessions", list[CircleSession]),
    )
    return ConcernsPage(heading, list(reversed(found)), listed)


async def my_circles(member: Member) -> CircleList:
    """The member's circles, each with its members, contract and next session, and the
    programmes they belong to; everyone named in one call."""
    api = member.api
    found, programmes = await asyncio.gather(
        api.get(Service.SESSIONS, "/members/me/circles", list[Circle]),
        part(api.get(Service.REGISTRY, "/programmes", list[Programme])),
    )
    views, upcoming, named = await asyncio.gather(
        asyncio.gather(
            *(part(api.get(Service.SESSIONS, f"/circles/{c.id}", CircleView)) for c in found)
        ),
        asyncio.gather(*(part(_next_session(member, c.id)) for c in found)),
        people(
            api,
            member.member_id,
            [(m.organisation_id, m.member_id) for c in found for m in c.members],
        ),
    )
    by_id = {} if isinstance(programmes, Missing) else {p.id: p for p in programmes}
    cards = [
        CircleCard(circle, view, ahead, by_id.get(circle.programme_id))
        for circle, view, ahead in zip(found, views, upcoming, strict=True)
    ]
    gaps = [x for x in (programmes, *views, *upcoming) if isinstance(x, Missing)]
    missing = list({gap.service: gap for gap in gaps}.values())
    return CircleList(sorted(cards, key=lambda c: c.circle.formed_at), named, missing)


async def _next_session(member: Member, circle_id: str) -> CircleSession | None:
    found = await member.api.get(
        Service.SESSIONS, f"/circles/{circle_id}/sessions", list[CircleSession]
    )
    return next_session(found, clock.now())


async def _optional(call: Awaitable[T]) -> T | None:
    """A part the page does well without (a programme's name): None whatever the refusal."""
    try:
        return await call
    except ServiceRefusalError:
        return None
