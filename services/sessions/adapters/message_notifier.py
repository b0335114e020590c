"""Tells open message streams that their thread has news.

Two sources, one signal. A message posted through this process wakes the thread's streams at
once (`posted`, called by the store right after the insert). A message posted through another
instance of the service is found by `poll`: every POLL_SECONDS, ONE lookup by `_id` per
watched thread, whatever the number of its streams, for the number after the newest it is
known to have (messages are numbered per thread, `shared.mongo.numbered`; any other query
would scan the collection on FerretDB). Streams then read the new messages
themselves, from their own last number, so a wake-up is only a hint: a missed or duplicate
wake-up costs a query, never a lost or repeated message.

Shutdown: uvicorn waits for open responses to finish before it runs the application's
shutdown, and a live stream never finishes by itself. So the first stream chains a handler
onto SIGTERM and SIGINT that sets `closing` (and then calls uvicorn's own handler): every
stream ends cleanly at once and the process stops without waiting for the graceful timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import threading
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from types import FrameType
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from services.sessions.adapters.message_thread import OpenThread
from shared.logging import get_logger
from shared.mongo.databases import Document
from shared.mongo.numbered import numbered_id

log = get_logger(__name__)

POLL_SECONDS = 2.0  # how soon a message posted through another instance arrives, at most
POLL_BATCH = 50  # lookups a poll sends at once


class ThreadWatch:
    """One open stream's wake-up for one thread."""

    def __init__(self, key: str, closing: asyncio.Event) -> None:
        self.key = key
        self._news = asyncio.Event()
        self._closing = closing

    @property
    def closing(self) -> bool:
        """The service is shutting down: end the stream."""
        return self._closing.is_set()

    def reset(self) -> None:
        """Forget earlier wake-ups: call BEFORE reading what is new, so a post landing while
        the stream reads wakes it again instead of being missed."""
        self._news.clear()

    def wake(self) -> None:
        """There is news (or the service is closing)."""
        self._news.set()

    async def wait(self, seconds: float) -> bool:
        """Wait for news or closing; False if `seconds` passed with neither."""
        try:
            async with asyncio.timeout(seconds):
                await self._news.wait()
        except TimeoutError:
            return False
        return True


@dataclass
class _Watched:
    collection: AsyncCollection[Document]
    latest: int


class MessageNotifier:
    """In-process fan-out of "thread X has message n", fed by posts here and by a poll."""

    def __init__(self) -> None:
        self._watches: dict[str, set[ThreadWatch]] = defaultdict(set)
        self._threads: dict[str, _Watched] = {}
        self.closing = asyncio.Event()
        self._signals_chained = False

    @property
    def open_streams(self) -> int:
        """How many streams are watching now."""
        return sum(len(w) for w in self._watches.values())

    @contextlib.contextmanager
    def watch(self, thread: OpenThread, latest: int) -> Iterator[ThreadWatch]:
        """Watch `thread` (whose newest message the caller knows to be `latest`) while the
        block runs."""
        self.chain_shutdown_signals()
        watch = ThreadWatch(thread.key, self.closing)
        self._watches[thread.key].add(watch)
        known = self._threads.get(thread.key)
        if known is None:
            self._threads[thread.key] = _Watched(thread.messages, latest)
        else:
            known.latest = max(known.latest, latest)
        try:
            yield watch
        finally:
            self._watches[thread.key].discard(watch)
            if not self._watches[thread.key]:
                del self._watches[thread.key]
                self._threads.pop(thread.key, None)

    def posted(self, key: str, number: int) -> None:
        """Message `number` is in thread `key`: wake its streams."""
        known = self._threads.get(key)
        if known is None:
            return  # nobody watches it here
        known.latest = max(known.latest, number)
        for watch in self._watches.get(key, ()):
            watch.wake()

    async def poll(self) -> None:
        """Find messages other instances posted in watched threads: for each, whether the
        number after its known newest is taken (POLL_BATCH lookups at a time)."""
        watched = list(self._threads.items())
        for start in range(0, len(watched), POLL_BATCH):
            chunk = watched[start : start + POLL_BATCH]
            found = await asyncio.gather(
                *(
                    known.collection.find_one(
                        {"_id": numbered_id(key, known.latest + 1)}, projection={"_id": 1}
                    )
                    for key, known in chunk
                )
            )
            for (key, known), document in zip(chunk, found, strict=True):
                if document is not None:
                    self.posted(key, known.latest + 1)

    def close(self) -> None:
        """End every stream (the service is stopping)."""
        self.closing.set()
        for watches in self._watches.values():
            for watch in watches:
                watch.wake()

    def chain_shutdown_signals(self) -> None:
        """Once, from the event loop's (main) thread: SIGTERM and SIGINT first close the
        streams, then do what they did before (uvicorn's graceful shutdown)."""
        if self._signals_chained or threading.current_thread() is not threading.main_thread():
            return
        self._signals_chained = True
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous = signal.getsignal(sig)

            def on_signal(signum: int, frame: FrameType | None, previous: Any = previous) -> None:
                loop.call_soon_threadsafe(self.close)
                if callable(previous):
                    previous(signum, frame)
                elif previous == signal.SIG_DFL:
                    signal.signal(signum, signal.SIG_DFL)
                    os.kill(os.getpid(), signum)

            signal.signal(sig, on_signal)
        log.info("message streams close on SIGTERM and SIGINT")
