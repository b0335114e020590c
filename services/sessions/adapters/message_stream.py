"""New messages pushed to an open client as server-sent events (text/event-stream).

Each message is one event: `id:` its number in the thread (what the client sends back as
`Last-Event-ID` when it reconnects), `event: message`, `data:` the message as JSON. The stream
opens with a `retry:` hint and a comment, sends a comment every `keepalive_seconds` when
nothing else went out (so proxies and clients keep an idle connection), and ends cleanly:
- when the client goes away (Starlette cancels the generator; the log says so);
- when the service shuts down (the notifier's `closing`);
- when the caller may no longer read the thread (re-checked every `recheck_seconds`);
- after `lifetime_seconds`, so that a stream never outlives the token it was opened with by
  long: the client reconnects with `Last-Event-ID` (and a fresh token) and misses nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass

from services.sessions.adapters.message_notifier import MessageNotifier
from services.sessions.adapters.message_store import STREAM_BATCH, MessageStore
from services.sessions.adapters.message_thread import OpenThread
from services.sessions.domain.messages import Message
from shared.errors import DomainError
from shared.logging import get_logger

log = get_logger(__name__)

MEDIA_TYPE = "text/event-stream"
HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


@dataclass(frozen=True)
class StreamTiming:
    """How a stream paces itself (the defaults serve production; tests shorten them)."""

    keepalive_seconds: float = 15.0
    recheck_seconds: float = 60.0
    lifetime_seconds: float = 900.0  # network tokens live 15 minutes
    retry_ms: int = 3000


class LastEventIdError(DomainError):
    """A `Last-Event-ID` this service never sent."""

    status = 422
    error = "bad_last_event_id"


def resume_after(last_event_id: str | None) -> int | None:
    """The message number a reconnecting client has (its `Last-Event-ID`), or None."""
    if last_event_id is None or not last_event_id.strip():
        return None
    value = last_event_id.strip()
    if not value.isascii() or not value.isdigit() or len(value) > 10:
        raise LastEventIdError(
            "Last-Event-ID must be the id of an event this stream sent (a message number)"
        )
    return int(value)


def message_event(message: Message) -> str:
    """One message as an event (JSON never holds a raw line break, so `data:` is one line)."""
    return f"id: {message.number}\nevent: message\ndata: {message.model_dump_json()}\n\n"


def comment(text: str) -> str:
    """A comment line: clients ignore it; it keeps the connection and says what happens."""
    return f": {text}\n\n"


async def message_events(
    thread: OpenThread,
    store: MessageStore,
    notifier: MessageNotifier,
    after: int,
    still_allowed: Callable[[], Awaitable[bool]],
    timing: StreamTiming,
) -> AsyncGenerator[str, None]:
    """The stream of `thread`'s messages numbered above `after`, until it ends."""
    loop = asyncio.get_running_loop()
    started = last_sent = loop.time()
    next_check = started + timing.recheck_seconds
    reason = "client disconnected"
    yield f"retry: {timing.retry_ms}\n" + comment(f"messages after {after} follow")
    try:
        with notifier.watch(thread, after) as watch:
            last = after
            while True:
                watch.reset()  # before reading, so a post landing meanwhile wakes us again
                while True:
                    batch = await store.since(thread, last)
                    for message in batch:
                        yield message_event(message)
                        last = message.number
                        last_sent = loop.time()
                    if len(batch) < STREAM_BATCH:
                        break
                now = loop.time()
                if watch.closing:
                    reason = "service shutting down"
                    yield comment("the service is restarting: reconnect with Last-Event-ID")
                    return
                if now - started >= timing.lifetime_seconds:
                    reason = "lifetime reached"
                    yield comment("this stream is done: reconnect with Last-Event-ID")
                    return
                if now >= next_check:
                    if not await still_allowed():
                        reason = "access withdrawn"
                        return
                    next_check = now + timing.recheck_seconds
                if now - last_sent >= timing.keepalive_seconds:
                    yield comment("keep-alive")
                    last_sent = now
                wait = min(
                    timing.keepalive_seconds - (now - last_sent),
                    next_check - now,
                    started + timing.lifetime_seconds - now,
                )
                await watch.wait(max(wait, 0.0))
    finally:
        log.info(
            "message stream ended",
            reason=reason,
            thread_kind=thread.kind.value,
            seconds=round(loop.time() - started, 1),
        )
