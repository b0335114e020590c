"""E-mentoring messages of a relationship or a circle: the thread's page (newest last, an
'unread' line where the reader left off, their marker moved on), and the live stream that
carries new messages to an open page as they are posted (htmx's SSE extension swaps them in)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from typing import TypeVar, cast

from services.portal.adapters.network_api import Service
from services.portal.adapters.signed_in import Member
from services.portal.domain.circles import CircleView
from services.portal.domain.event_stream import comment, html_event, read_events
from services.portal.domain.people import People
from services.portal.domain.relationships import (
    Message,
    MessagePage,
    Relationship,
    ThreadSummary,
)
from services.portal.pages import circle as circle_page
from services.portal.pages import relationship as relationship_page
from services.portal.pages.parts import people

PAGE_SIZE = 30
T = TypeVar("T")


@dataclass(frozen=True)
class ThreadPlace:
    """Whose thread: a relationship's or a circle's."""

    kind: str  # "relationship" or "circle"
    id: str

    @property
    def api(self) -> str:
        """The thread's path in the sessions service."""
        return f"/{self.kind}s/{self.id}/messages"

    @property
    def page(self) -> str:
        """The thread's page in the portal."""
        return f"/{self.kind}s/{self.id}/messages"


@dataclass(frozen=True)
class Participants:
    """Who writes in the thread, named, and whether the reader may write."""

    people: People
    can_post: bool
    title: str


@dataclass(frozen=True)
class ThreadPage:
    """A page of the thread as the reader sees it."""

    place: ThreadPlace
    participants: Participants
    messages: list[Message]  # oldest first
    first_unread: int | None  # the number the 'unread' line goes above
    latest: int
    older_cursor: str | None


def relationship_readers(heading: relationship_page.Shell) -> Participants:
    """A relationship's people, from the heading its page already has."""
    relationship = heading.relationship
    can_post = relationship.active and relationship.side_of(heading.me) is not None
    return Participants(heading.people, can_post, f"Messages with {heading.others}")


def circle_readers(heading: circle_page.Shell) -> Participants:
    """A circle's people, from the heading its page already has."""
    return Participants(heading.people, heading.is_member, "Your circle's messages")


async def participants(member: Member, place: ThreadPlace) -> Participants:
    """The thread's people (404 for anyone who may not read it)."""
    api, me = member.api, member.member_id
    if place.kind == "relationship":
        relationship = await api.get(Service.SESSIONS, f"/relationships/{place.id}", Relationship)
        named = await people(
            api, me, [(p.organisation_id, p.member_id) for p in relationship.parties]
        )
        others = " and ".join(named.name(p.member_id) for p in relationship.others(me))
        can_post = relationship.active and relationship.side_of(me) is not None
        return Participants(named, can_post, f"Messages with {others}")
    view = await api.get(Service.SESSIONS, f"/circles/{place.id}", CircleView)
    named = await people(api, me, [(p.organisation_id, p.member_id) for p in view.circle.members])
    is_member = any(p.member_id == me for p in view.circle.members)
    return Participants(named, is_member, "Your circle's messages")


async def thread_page(
    member: Member,
    place: ThreadPlace,
    who: Participants,
    summary: ThreadSummary | None,
    cursor: str | None,
) -> ThreadPage:
    """The newest page (or an older one, by cursor) for readers `who` the page already knows
    (and the thread's `summary`, if it has it); reading it moves the reader's marker to the
    newest message."""
    api = member.api
    query: list[tuple[str, str]] = [("order", "newest"), ("limit", str(PAGE_SIZE))]
    if cursor:
        query.append(("cursor", cursor))
    history = api.get(Service.SESSIONS, place.api, MessagePage, params=query)
    if summary is None:
        found, thread = await asyncio.gather(
            history, api.get(Service.SESSIONS, f"{place.api}/summary", ThreadSummary)
        )
    else:
        found, thread = await history, summary
    messages = sorted(found.messages, key=lambda m: m.number)
    first_unread = None
    if thread.unread:
        last_read = thread.last_read or 0
        first_unread = next(
            (m.number for m in messages if m.number > last_read and m.author != member.member_id),
            None,
        )
        await mark_read(member, place, thread.latest_number)
    return ThreadPage(place, who, messages, first_unread, thread.latest_number, found.next_cursor)


async def relationship_thread(
    member: Member, relationship_id: str, cursor: str | None
) -> tuple[relationship_page.Shell, ThreadPage]:
    """A relationship's messages page: its heading, then the thread."""
    heading = await relationship_page.shell(member, relationship_id)
    place = ThreadPlace("relationship", relationship_id)
    page = await thread_page(
        member, place, relationship_readers(heading), _known(heading.thread), cursor
    )
    return replace(heading, thread=_read(heading.thread)), page


async def circle_thread(
    member: Member, circle_id: str, cursor: str | None
) -> tuple[circle_page.Shell, ThreadPage]:
    """A circle's messages page: its heading, then the thread."""
    heading = await circle_page.shell(member, circle_id)
    place = ThreadPlace("circle", circle_id)
    page = await thread_page(member, place, circle_readers(heading), _known(heading.thread), cursor)
    return replace(heading, thread=_read(heading.thread)), page


def _known(thread: object) -> ThreadSummary | None:
    # The heading fetched the summary already, unless its service was not answering.
    return thread if isinstance(thread, ThreadSummary) else None


def _read(thread: T) -> T:
    """The heading's summary once the page has been read: nothing unread any more (a reader
    without a marker, such as a co-ordinator, keeps `unread` empty)."""
    if isinstance(thread, ThreadSummary) and thread.unread:
        return cast(T, thread.model_copy(update={"unread": 0, "last_read": thread.latest_number}))
    return thread


async def post(member: Member, place: ThreadPlace, text: str) -> Message:
    """Post a message (the service checks who may, and the text)."""
    created: Message = await member.api.send(
        Service.SESSIONS, "POST", place.api, json={"text": text}, model=Message
    )
    return created


async def mark_read(member: Member, place: ThreadPlace, number: int) -> None:
    """The reader has seen the thread up to `number`."""
    await member.api.send(
        Service.SESSIONS, "PUT", f"{place.api}/read-marker", json={"last_read": number}
    )


async def live(
    member: Member,
    place: ThreadPlace,
    after: str,
    render: Callable[[Message, People], str],
) -> AsyncIterator[str]:
    """New messages after `after` as HTML events for the open page; each one shown is read.
    Ends when the service ends its stream (at the latest when the token would expire): the
    browser reconnects with the last id and a fresh token, and misses nothing."""
    who = await participants(member, place)
    async with member.api.stream(
        Service.SESSIONS, f"{place.api}/stream", headers={"Last-Event-ID": after}
    ) as response:
        yield comment("connected")
        buffered: list[str] = []
        async for line in response.aiter_lines():
            if line.startswith(":"):
                yield comment("keep-alive")  # the service's keep-alive, passed on
                continue
            buffered.append(line)
            if line:
                continue
            for event in read_events(buffered):
                if event.event != "message":
                    continue
                message = Message.model_validate_json(event.data)
                yield html_event(render(message, who.people), str(message.number))
                if who.can_post:
                    await mark_read(member, place, message.number)
            buffered.clear()
