"""Background database work spread out in time, so that requests do not queue behind it.

The outbox sweep reads whole collections and tidies documents one update at a time; done at
once, that held the database at a whole core for seconds, once a minute, and every request
meanwhile waited (bench/api's slowest seconds). Paced, the same work takes longer and leaves
the database to the requests most of the time.
"""

from __future__ import annotations

import asyncio
import time


class Pace:
    """Keeps a job's work to `share` of the wall clock: each `step` pauses for the time since
    the previous one times (1 - share) / share. A step slowed by a busy database or a busy
    process is followed by a longer pause, so the job backs off when it is most in the way."""

    def __init__(self, share: float = 1.0) -> None:
        if not 0 < share <= 1:
            raise ValueError(f"share must be in (0, 1], not {share}")
        self._share = share
        self._since = time.perf_counter()
        self.worked = 0.0  # seconds spent between pauses

    async def step(self) -> None:
        """A unit of work is done: pause for its share (not at all at share 1)."""
        worked = time.perf_counter() - self._since
        self.worked += worked
        if self._share < 1:
            await asyncio.sleep(worked * (1 - self._share) / self._share)
        self._since = time.perf_counter()
