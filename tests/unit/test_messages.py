"""E-mentoring threads: size and character rules, cursor paging under concurrent posts,
read-marker rules, the live stream's framing, pacing and endings, and the notifier's poll."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import signal
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import FrameType
from typing import Any, cast

import pytest

from services.sessions.adapters.message_notifier import POLL_BATCH, MessageNotifier
from services.sessions.adapters.message_store import MessageStore
from services.sessions.adapters.message_stream import (
    LastEventIdError,
    StreamTiming,
    message_event,
    message_events,
    resume_after,
)
from services.sessions.adapters.message_thread import OpenThread
from services.sessions.domain.messages import (
    MAX_MESSAGE_CHARS,
    MAX_PAGE_SIZE,
    Cursor,
    CursorError,
    Message,
    MessageCharactersError,
    MessageEmptyError,
    MessageTooLongError,
    NoSuchMessageError,
    Order,
    ThreadKind,
    check_read_up_to,
    check_reply_target,
    cut_page,
    message_text,
    page_bounds,
    thread_key,
)
from shared.errors import DomainError
from shared.mongo.numbered import numbered_id

NOW = datetime(2027, 3, 1, 9, 30, tzinfo=UTC)

# --- size and characters -------------------------------------------------------------------


def test_a_message_of_exactly_the_limit_is_kept_and_one_more_character_is_refused() -> None:
    assert len(message_text("x" * MAX_MESSAGE_CHARS)) == MAX_MESSAGE_CHARS
    with pytest.raises(MessageTooLongError) as refused:
        message_text("x" * (MAX_MESSAGE_CHARS + 1))
    assert refused.value.status == 422
    assert "4,000" in refused.value.detail and "4,001" in refused.value.detail


def test_the_limit_counts_characters_not_bytes_and_ignores_outer_whitespace() -> None:
    # 4,000 three-byte characters are 12,000 bytes: still one message.
    assert message_text("é" * MAX_MESSAGE_CHARS) == "é" * MAX_MESSAGE_CHARS
    assert message_text("  \n" + "y" * MAX_MESSAGE_CHARS + "\n\t ") == "y" * MAX_MESSAGE_CHARS


def test_line_breaks_are_kept_as_newlines_and_tabs_are_allowed() -> None:
    assert message_text("first\r\nsecond\rthird\tend") == "first\nsecond\nthird\tend"


@pytest.mark.parametrize("blank", ["", "   ", "\n\t\r\n"])
def test_an_empty_message_is_refused(blank: str) -> None:
    with pytest.raises(MessageEmptyError):
        message_text(blank)


@pytest.mark.parametrize(("text", "named"), [("a\x00b", "U+0000"), ("bell\x07", "U+0007")])
def test_control_characters_are_refused_by_name(text: str, named: str) -> None:
    with pytest.raises(MessageCharactersError) as refused:
        message_text(text)
    assert named in refused.value.detail


# --- cursors and pages ---------------------------------------------------------------------


def test_a_cursor_round_trips_and_is_opaque() -> None:
    token = Cursor(Order.NEWEST, 42).encode()
    assert "42" not in token
    assert Cursor.decode(token, Order.NEWEST) == Cursor(Order.NEWEST, 42)


def _token(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode()


@pytest.mark.parametrize(
    "token",
    ["", "garbage!", _token("v1:newest"), _token("v2:newest:3"), _token("v1:newest:-3")],
)
def test_a_cursor_this_service_did_not_hand_out_is_refused(token: str) -> None:
    with pytest.raises(CursorError):
        Cursor.decode(token, Order.NEWEST)


def test_a_cursor_from_a_walk_in_the_other_order_is_refused() -> None:
    with pytest.raises(CursorError) as refused:
        Cursor.decode(Cursor(Order.OLDEST, 3).encode(), Order.NEWEST)
    assert "order=oldest" in refused.value.detail


@pytest.mark.parametrize("limit", [0, MAX_PAGE_SIZE + 1])
def test_a_page_size_outside_the_bounds_is_refused(limit: int) -> None:
    with pytest.raises(DomainError):
        page_bounds(Order.NEWEST, None, limit)


def _page_of(thread: list[int], order: Order, cursor: Cursor | None, limit: int) -> list[int]:
    """What the store's query returns for `page_bounds` on a thread's present numbers."""
    bounds = page_bounds(order, cursor, limit)
    found = sorted(thread, reverse=bounds.descending)
    if bounds.before is not None:
        found = [n for n in found if n < bounds.before]
    if bounds.after is not None:
        found = [n for n in found if n > bounds.after]
    return found[: bounds.fetch]


def _walk(thread: list[int], order: Order, limit: int, posts_per_page: int) -> list[int]:
    """Walk every page, while others post `posts_per_page` messages between two pages."""
    seen: list[int] = []
    cursor: Cursor | None = None
    while True:
        found = _page_of(thread, order, cursor, limit)
        shown, cursor = cut_page(found, page_bounds(order, cursor, limit))
        seen += found[:shown]
        thread += [max(thread, default=0) + i + 1 for i in range(posts_per_page)]
        if cursor is None:
            return seen


def test_walking_newest_first_while_others_post_shows_each_earlier_message_once() -> None:
    thread = [n for n in range(1, 24) if n not in (5, 6, 17)]  # gaps: erased messages
    before = list(thread)
    seen = _walk(thread, Order.NEWEST, limit=4, posts_per_page=2)
    assert seen == sorted(before, reverse=True)  # no gap, no repeat, nothing posted later


def test_walking_oldest_first_while_others_post_reaches_the_new_messages_too() -> None:
    thread = list(range(1, 11))
    seen = _walk(thread, Order.OLDEST, limit=3, posts_per_page=1)
    assert seen == sorted(set(seen)) and seen[0] == 1
    assert seen == list(range(1, seen[-1] + 1))  # contiguous: nothing skipped


def test_the_last_page_has_no_cursor_even_when_it_is_exactly_full() -> None:
    bounds = page_bounds(Order.NEWEST, None, 3)
    assert cut_page([9, 8, 7], bounds) == (3, None)
    assert cut_page([9, 8, 7, 6], bounds) == (3, Cursor(Order.NEWEST, 7))
    assert cut_page([], bounds) == (0, None)


def test_threads_of_a_relationship_and_a_circle_are_named_apart() -> None:
    assert thread_key(ThreadKind.RELATIONSHIP, "x_1") != thread_key(ThreadKind.CIRCLE, "x_1")


# --- read markers and answers --------------------------------------------------------------


def test_a_read_marker_points_at_a_message_the_thread_has() -> None:
    assert check_read_up_to(0, 0) == 0
    assert check_read_up_to(5, 9) == 5
    with pytest.raises(NoSuchMessageError) as refused:
        check_read_up_to(10, 9)
    assert "9" in refused.value.detail


def test_an_answer_needs_a_message_that_is_still_there() -> None:
    check_reply_target(3, exists=True)
    with pytest.raises(NoSuchMessageError):
        check_reply_target(3, exists=False)


# --- the stream ----------------------------------------------------------------------------


@pytest.mark.parametrize(("header", "after"), [(None, None), ("", None), (" 42 ", 42), ("0", 0)])
def test_last_event_id_is_a_message_number(header: str | None, after: int | None) -> None:
    assert resume_after(header) == after


@pytest.mark.parametrize("header", ["abc", "-1", "4.2", "1" * 11, "٤٢"])
def test_a_last_event_id_this_service_never_sent_is_refused(header: str) -> None:
    with pytest.raises(LastEventIdError):
        resume_after(header)


def _message(number: int, text: str = "hello") -> Message:
    return Message(
        id=f"relationship:rel_1:{number:010d}",
        number=number,
        thread_kind=ThreadKind.RELATIONSHIP,
        thread_id="rel_1",
        author="mem_1",
        text=text,
        posted_at=NOW,
    )


def test_a_message_is_one_event_whose_id_is_its_number_even_with_line_breaks() -> None:
    frame = message_event(_message(7, "line one\nline two\n\ndata: not a field"))
    lines = frame.split("\n")
    assert lines[:2] == ["id: 7", "event: message"]
    assert lines[2].startswith("data: ") and lines[3:] == ["", ""]
    assert json.loads(lines[2].removeprefix("data: "))["text"].startswith("line one\nline two")


@dataclass
class FakeStore:
    """The one thing a stream asks of the store: messages after a number."""

    messages: list[Message] = field(default_factory=list)

    async def since(self, thread: OpenThread, after: int, limit: int = 100) -> list[Message]:
        del thread
        return [m for m in self.messages if m.number > after][:limit]


class FakeCollection:
    """Enough of a collection for the notifier's poll: names, and `find_one` by `_id`."""

    def __init__(self, name: str, documents: list[dict[str, Any]]) -> None:
        self.name = name
        self.database = type("Db", (), {"name": "sessions_network"})()
        self.documents = {numbered_id(d["thread_key"], d["number"]): d for d in documents}
        self.lookups: list[str] = []

    async def find_one(self, query: dict[str, Any], projection: dict[str, int]) -> Any:
        del projection
        self.lookups.append(query["_id"])
        return self.documents.get(query["_id"])


def _thread(thread_id: str = "rel_1", collection: Any = None) -> OpenThread:
    return OpenThread(
        kind=ThreadKind.RELATIONSHIP,
        id=thread_id,
        programme_id="prg_1",
        reader="mem_1",
        participant=True,
        closed=None,
        messages=cast(Any, collection or FakeCollection("messages", [])),
        reads=cast(Any, None),
        announce=cast(Any, None),
    )


FAST = StreamTiming(keepalive_seconds=0.2, recheck_seconds=30, lifetime_seconds=30, retry_ms=500)


async def _events(
    store: FakeStore,
    notifier: MessageNotifier,
    after: int = 0,
    timing: StreamTiming = FAST,
    allowed: list[bool] | None = None,
) -> AsyncGenerator[str, None]:
    async def still_allowed() -> bool:
        return (allowed or [True])[0]

    return message_events(
        _thread(), cast(MessageStore, store), notifier, after, still_allowed, timing
    )


async def test_a_stream_opens_with_a_retry_hint_then_sends_what_came_after_the_resume_point() -> (
    None
):
    store = FakeStore([_message(n) for n in (1, 2, 3)])
    stream = await _events(store, MessageNotifier(), after=1)
    opening = await anext(stream)
    assert opening.startswith("retry: 500\n: ")
    assert (await anext(stream)).startswith("id: 2\n")
    assert (await anext(stream)).startswith("id: 3\n")
    await stream.aclose()


async def test_a_message_posted_while_the_stream_waits_arrives_at_once() -> None:
    store, notifier = FakeStore(), MessageNotifier()
    stream = await _events(store, notifier, timing=StreamTiming(keepalive_seconds=30))
    await anext(stream)
    waiting = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    store.messages.append(_message(1))
    notifier.posted("relationship:rel_1", 1)
    frame = await asyncio.wait_for(waiting, timeout=1)
    assert frame.startswith("id: 1\n")
    await stream.aclose()


async def test_an_idle_stream_sends_keep_alive_comments() -> None:
    stream = await _events(FakeStore(), MessageNotifier())
    await anext(stream)
    started = asyncio.get_running_loop().time()
    assert await asyncio.wait_for(anext(stream), timeout=2) == ": keep-alive\n\n"
    assert asyncio.get_running_loop().time() - started >= 0.15
    await stream.aclose()


async def _waiting(
    notifier: MessageNotifier,
) -> tuple[AsyncGenerator[str, None], asyncio.Future[str]]:
    """A quiet stream past its opening, and its wait for what comes next (one watch open)."""
    stream = await _events(FakeStore(), notifier, timing=StreamTiming(keepalive_seconds=30))
    await anext(stream)
    waiting = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(0.05)
    assert notifier.open_streams == 1
    return stream, waiting


async def test_the_stream_ends_cleanly_when_the_service_closes() -> None:
    notifier = MessageNotifier()
    stream, waiting = await _waiting(notifier)
    notifier.close()
    assert "reconnect with Last-Event-ID" in await asyncio.wait_for(waiting, timeout=1)
    with pytest.raises(StopAsyncIteration):
        await anext(stream)
    assert notifier.open_streams == 0


async def test_the_stream_ends_when_the_caller_may_no_longer_read() -> None:
    allowed = [True]
    timing = StreamTiming(keepalive_seconds=30, recheck_seconds=0.1)
    stream = await _events(FakeStore(), MessageNotifier(), timing=timing, allowed=allowed)
    await anext(stream)
    allowed[0] = False
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(anext(stream), timeout=2)


async def test_the_stream_ends_after_its_lifetime_so_a_token_cannot_outlive_it() -> None:
    timing = StreamTiming(keepalive_seconds=30, lifetime_seconds=0.2)
    stream = await _events(FakeStore(), MessageNotifier(), timing=timing)
    await anext(stream)
    assert "reconnect" in await asyncio.wait_for(anext(stream), timeout=2)
    with pytest.raises(StopAsyncIteration):
        await anext(stream)


async def test_a_client_that_goes_away_leaves_no_watch_behind() -> None:
    notifier = MessageNotifier()
    stream, waiting = await _waiting(notifier)
    waiting.cancel()  # what Starlette does when the client disconnects
    with pytest.raises(asyncio.CancelledError):
        await waiting
    await stream.aclose()
    assert notifier.open_streams == 0


# --- the notifier ----------------------------------------------------------------------------


async def test_one_poll_lookup_per_thread_wakes_exactly_the_threads_with_news() -> None:
    shared = FakeCollection(
        "messages",
        [
            {"thread_key": "relationship:rel_1", "number": 3},
            {"thread_key": "relationship:rel_1", "number": 4},
            {"thread_key": "relationship:rel_2", "number": 2},  # known already
        ],
    )
    notifier = MessageNotifier()
    with (
        notifier.watch(_thread("rel_1", shared), latest=3) as one,
        notifier.watch(_thread("rel_1", shared), latest=3) as one_again,
        notifier.watch(_thread("rel_2", shared), latest=2) as two,
    ):
        await notifier.poll()
        # One lookup per thread, not per stream: the number after the newest known.
        assert sorted(shared.lookups) == [
            numbered_id("relationship:rel_1", 4),
            numbered_id("relationship:rel_2", 3),
        ]
        assert await one.wait(0.01) and await one_again.wait(0.01)
        assert not await two.wait(0.01)
        one.reset()
        await notifier.poll()  # rel_1 is known to be at 4 now: nothing new
        assert not await one.wait(0.01)
    assert notifier.open_streams == 0


async def test_a_poll_looks_up_every_watched_thread_however_many() -> None:
    shared = FakeCollection("messages", [])
    notifier = MessageNotifier()
    threads = [_thread(f"rel_{i}", shared) for i in range(POLL_BATCH * 2 + 1)]
    watches = [notifier.watch(t, latest=0) for t in threads]
    for w in watches:
        w.__enter__()
    try:
        await notifier.poll()
    finally:
        for w in watches:
            w.__exit__(None, None, None)
    assert len(set(shared.lookups)) == len(shared.lookups) == POLL_BATCH * 2 + 1


async def test_sigterm_first_closes_the_streams_then_does_what_it_did_before() -> None:
    received: list[int] = []

    def before(signum: int, frame: FrameType | None) -> None:
        del frame
        received.append(signum)

    original = signal.signal(signal.SIGTERM, before)
    original_int = signal.getsignal(signal.SIGINT)
    try:
        notifier = MessageNotifier()
        notifier.chain_shutdown_signals()
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(notifier.closing.wait(), timeout=2)
        assert received == [signal.SIGTERM]
    finally:
        signal.signal(signal.SIGTERM, original)
        signal.signal(signal.SIGINT, original_int)
