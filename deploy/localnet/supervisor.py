"""Keep the local network's services running: one that dies is started again, the rest
(and Kafka, the database) untouched, as a process supervisor would.

A service that exits is restarted after a delay that doubles with each exit in a row (1 s,
2 s, 4 s ... up to 30 s), so one that cannot start does not spin; a service that then stays
up for a minute has its delay set back to the first. Every exit and every return is said,
with the last lines of the service's log.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Protocol


class Supervised(Protocol):
    """What the supervisor needs of a process (deploy.localnet.processes.ServiceProcess)."""

    service: str

    def start(self) -> None:
        """Start it in the background."""

    def exit_code(self) -> int | None:
        """Its exit code once it has exited, else None."""

    def ready_now(self) -> bool:
        """Whether it answers as ready right now."""

    def log_tail(self, lines: int = 30) -> str:
        """The last lines it wrote."""


@dataclass(frozen=True)
class Backoff:
    """How long to wait before a restart."""

    first: float = 1.0
    most: float = 30.0
    # Up this long since its (re)start, a service has recovered: the next delay is `first`.
    settled_after: float = 60.0

    def delay(self, exits_in_a_row: int) -> float:
        """The wait before restarting after the n-th exit in a row (n >= 1)."""
        return float(min(self.first * 2 ** (exits_in_a_row - 1), self.most))


class State(Enum):
    """Where a supervised service is."""

    RUNNING = "running"  # ready, or started by the network and not watched for readiness
    WAITING = "waiting"  # exited; restarts at `restart_at`
    STARTING = "starting"  # restarted, not ready yet


@dataclass
class _Watched:
    process: Supervised
    state: State
    started_at: float
    exits_in_a_row: int = 0
    restart_at: float = 0.0
    restarts: int = 0


class Supervisor:
    """Watches processes that are running and ready; `check()` acts on what changed."""

    def __init__(
        self,
        processes: Sequence[Supervised],
        backoff: Backoff = Backoff(),
        say: Callable[[str], None] = print,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self._say = say
        self._backoff = backoff
        now = clock()
        self._watched = [_Watched(p, State.RUNNING, now) for p in processes]

    def state_of(self, service: str) -> State:
        """Where the named service is now."""
        return next(w.state for w in self._watched if w.process.service == service)

    def restarts_of(self, service: str) -> int:
        """How often the named service has been restarted."""
        return next(w.restarts for w in self._watched if w.process.service == service)

    def check(self) -> None:
        """Look at every process once: note exits, restart those whose delay is over, and
        mark restarted ones ready once they answer."""
        for watched in self._watched:
            self._check(watched, self._clock())

    def run(self, interval: float = 0.5) -> None:
        """Check every `interval` seconds, until interrupted (Ctrl-C, SIGTERM)."""
        while True:
            self.check()
            time.sleep(interval)

    def _check(self, w: _Watched, now: float) -> None:
        name = w.process.service
        if w.state in (State.RUNNING, State.STARTING):
            code = w.process.exit_code()
            if code is not None:
                settled = w.state is State.RUNNING and now - w.started_at >= (
                    self._backoff.settled_after
                )
                w.exits_in_a_row = 1 if settled else w.exits_in_a_row + 1
                delay = self._backoff.delay(w.exits_in_a_row)
                w.state, w.restart_at = State.WAITING, now + delay
                self._say(
                    f"\n{name} exited ({_exit(code)}); restarting it in {delay:.0f}s, "
                    f"the rest of the network keeps running. Its last log lines:\n"
                    f"{w.process.log_tail(15).strip() or '(nothing)'}"
                )
            elif w.state is State.STARTING and w.process.ready_now():
                w.state = State.RUNNING
                self._say(f"{name} is back: ready {now - w.started_at:.1f}s after its restart")
        elif w.state is State.WAITING and now >= w.restart_at:
            w.restarts += 1
            self._say(f"restarting {name} (restart {w.restarts}) ...")
            w.process.start()
            w.state, w.started_at = State.STARTING, now


def _exit(code: int) -> str:
    return f"killed by signal {-code}" if code < 0 else f"exit code {code}"
