"""E-mentoring threads over HTTP: the same five routes under a relationship and under a circle.

    GET  …/messages               a page of the history (cursor-based; newest or oldest first)
    POST …/messages               post a message (participants; 409 once a relationship ended)
    GET  …/messages/summary       newest number, the caller's read marker and unread count
    PUT  …/messages/read-marker   the caller has read up to a message (forwards only)
    GET  …/messages/stream        new messages as server-sent events (Last-Event-ID resumes)

Who may do what is the doors' business (`message_doors.py`); anyone else gets 404.
"""

# No `from __future__ import annotations`: the routes are defined inside a function, and
# FastAPI must resolve their parameter types (a local alias) when they are registered.

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from services.sessions.adapters.message_doors import MessageDoors
from services.sessions.adapters.message_notifier import MessageNotifier
from services.sessions.adapters.message_store import MessageStore
from services.sessions.adapters.message_stream import (
    HEADERS,
    MEDIA_TYPE,
    StreamTiming,
    message_events,
    resume_after,
)
from services.sessions.domain.messages import (
    DEFAULT_PAGE_SIZE,
    MAX_MESSAGE_CHARS,
    MAX_PAGE_SIZE,
    Message,
    MessagePage,
    Order,
    ThreadKind,
    ThreadSummary,
)
from shared.auth.http import Caller
from shared.errors import NotFoundError
from shared.http.errors import AUTH_REFUSALS, Problem
from shared.http.rate_limits import TOO_OFTEN, RateLimit

router = APIRouter(tags=["messages"])


async def _doors(request: Request) -> MessageDoors:
    doors: MessageDoors = request.app.state.message_doors
    return doors


async def _store(request: Request) -> MessageStore:
    store: MessageStore = request.app.state.messages
    return store


async def _count_stream(request: Request, caller: Caller) -> None:
    """Each person may open only so many streams a minute (a client reconnecting in a loop
    would otherwise hold the process busy); over that, 429 with `Retry-After`."""
    limit: RateLimit = request.app.state.message_stream_limit
    await limit.hit(caller.organisation, caller.subject)


async def _notifier(request: Request) -> MessageNotifier:
    notifier: MessageNotifier = request.app.state.message_notifier
    return notifier


async def _timing(request: Request) -> StreamTiming:
    timing: StreamTiming = getattr(request.app.state, "message_stream_timing", StreamTiming())
    return timing


Doors = Annotated[MessageDoors, Depends(_doors)]
Messages = Annotated[MessageStore, Depends(_store)]
Notifier = Annotated[MessageNotifier, Depends(_notifier)]
Timing = Annotated[StreamTiming, Depends(_timing)]

READ_REFUSALS: dict[int | str, dict[str, Any]] = {
    **AUTH_REFUSALS,
    422: {"model": Problem, "description": "a cursor or Last-Event-ID this service never gave"},
}
POST_REFUSALS: dict[int | str, dict[str, Any]] = {
    **AUTH_REFUSALS,
    409: {"model": Problem, "description": "the relationship has ended"},
    422: {
        "model": Problem,
        "description": f"empty, over {MAX_MESSAGE_CHARS:,} characters, control characters, "
        "or an answer to a message the thread does not have",
    },
}
MARK_REFUSALS: dict[int | str, dict[str, Any]] = {
    **AUTH_REFUSALS,
    422: {"model": Problem, "description": "a message number the thread does not have"},
}


class PostRequest(BaseModel):
    """A message: plain text, and optionally the number of the message it answers."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        examples=["Thanks for today - I tried the GROW questions with my team."],
        description=f"1 to {MAX_MESSAGE_CHARS:,} characters (Unicode code points) after "
        "trimming; line breaks and tabs are the only control characters allowed",
        json_schema_extra={"maxLength": MAX_MESSAGE_CHARS},
    )
    reply_to: int | None = Field(default=None, ge=1, examples=[41])


class ReadMarkerRequest(BaseModel):
    """The number of the newest message the caller has read."""

    model_config = ConfigDict(extra="forbid")

    last_read: int = Field(ge=0, examples=[42])


def _thread_routes(kind: ThreadKind, base: str, example: str) -> None:
    """The five routes of `kind`'s threads under `base` (its path, with its id parameter)."""
    what = f"the {kind.value}'s thread"
    ThreadId = Annotated[  # noqa: N806 - a type alias, named as one
        str, Path(alias=f"{kind.value}_id", max_length=200, examples=[example])
    ]
    who_reads = (
        "its parties and its programme's co-ordinators"
        if kind is ThreadKind.RELATIONSHIP
        else "its members"
    )
    who_writes = "its parties" if kind is ThreadKind.RELATIONSHIP else "its members"

    @router.get(
        f"{base}/messages",
        summary=f"A page of {what}'s history ({who_reads})",
        responses=READ_REFUSALS,
        operation_id=f"{kind.value}_messages",
    )
    async def page(
        thread_id: ThreadId,
        caller: Caller,
        doors: Doors,
        store: Messages,
        order: Annotated[Order, Query(examples=["newest"])] = Order.NEWEST,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
        cursor: Annotated[str | None, Query(max_length=200)] = None,
    ) -> MessagePage:
        """Newest first by default; pass `next_cursor` back (with the same `order`) for the
        next page. Pages continue strictly past the last message shown, so messages posted
        meanwhile never shift, repeat or hide what follows."""
        thread = await doors.open(caller, kind, thread_id, writing=False)
        return await store.page(thread, order, cursor, limit)

    @router.post(
        f"{base}/messages",
        summary=f"Post a message in {what} ({who_writes})",
        status_code=status.HTTP_201_CREATED,
        responses=POST_REFUSALS,
        operation_id=f"post_{kind.value}_message",
    )
    async def post(
        thread_id: ThreadId, body: PostRequest, caller: Caller, doors: Doors, store: Messages
    ) -> Message:
        """Publishes `message.posted` (where and when only: no text, no author)."""
        thread = await doors.open(caller, kind, thread_id, writing=True)
        return await store.post(thread, body.text, body.reply_to)

    @router.get(
        f"{base}/messages/summary",
        summary=f"Where {what} stands for the caller: newest message, read marker, unread",
        responses=AUTH_REFUSALS,
        operation_id=f"{kind.value}_thread_summary",
    )
    async def summary(
        thread_id: ThreadId, caller: Caller, doors: Doors, store: Messages
    ) -> ThreadSummary:
        """`unread` counts others' messages after the caller's marker (null for a reader who
        does not take part)."""
        thread = await doors.open(caller, kind, thread_id, writing=False)
        return await store.summary(thread)

    @router.put(
        f"{base}/messages/read-marker",
        summary=f"Mark {what} read up to a message ({who_writes})",
        responses=MARK_REFUSALS,
        operation_id=f"mark_{kind.value}_thread_read",
    )
    async def mark_read(
        thread_id: ThreadId,
        body: ReadMarkerRequest,
        caller: Caller,
        doors: Doors,
        store: Messages,
    ) -> ThreadSummary:
        """Markers move forwards only: marking an older message read changes nothing."""
        thread = await doors.open(caller, kind, thread_id, writing=True)
        return await store.mark_read(thread, body.last_read)

    @router.get(
        f"{base}/messages/stream",
        summary=f"New messages in {what} as server-sent events ({who_reads})",
        response_class=StreamingResponse,
        responses={
            200: {
                "content": {MEDIA_TYPE: {"schema": {"type": "string"}}},
                "description": "`id:` the message number, `event: message`, `data:` the "
                "message as JSON; comments keep the connection alive",
            },
            **READ_REFUSALS,
            **TOO_OFTEN,
        },
        operation_id=f"{kind.value}_message_stream",
        dependencies=[Depends(_count_stream)],
    )
    async def stream(
        thread_id: ThreadId,
        caller: Caller,
        doors: Doors,
        store: Messages,
        notifier: Notifier,
        timing: Timing,
        last_event_id: Annotated[
            str | None, Header(alias="Last-Event-ID", max_length=32, examples=["42"])
        ] = None,
    ) -> StreamingResponse:
        """Messages after `Last-Event-ID` (a reconnecting client's last message number), or
        from now on without it. Send the network token as a bearer token."""
        thread = await doors.open(caller, kind, thread_id, writing=False)
        after = resume_after(last_event_id)
        if after is None:
            after = await store.latest_number(thread)

        async def still_allowed() -> bool:
            try:
                await doors.open(caller, kind, thread_id, writing=False)
            except NotFoundError:
                return False
            return True

        events = message_events(thread, store, notifier, after, still_allowed, timing)
        return StreamingResponse(events, media_type=MEDIA_TYPE, headers=HEADERS)

    del page, post, summary, mark_read, stream  # registered on the router


_thread_routes(ThreadKind.RELATIONSHIP, "/relationships/{relationship_id}", "rel_5d2c7a9e1b3f4a6c")
_thread_routes(ThreadKind.CIRCLE, "/circles/{circle_id}", "cir_1a2b3c4d5e6f7a8b")
