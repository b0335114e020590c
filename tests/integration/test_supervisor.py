"""The local network's supervisor against real processes: a service killed is started again,
after a delay that grows while it keeps dying, and the others are left alone."""

from __future__ import annotations

import itertools
import os
import signal
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from deploy.localnet.processes import ServiceProcess
from deploy.localnet.supervisor import Backoff, State, Supervisor

APP = "tests.integration.supervised_app:create_app"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def started(tmp_path: Path) -> Iterator[Callable[[str, str], ServiceProcess]]:
    """Start processes as the network does; every one is stopped at the end."""
    processes: list[ServiceProcess] = []

    def start(name: str, factory: str) -> ServiceProcess:
        process = ServiceProcess(
            name,
            _free_port(),
            {},
            tmp_path / f"{name}.log",
            factory=factory,
            pid_file=tmp_path / "run" / f"{name}.pid",
        )
        processes.append(process)
        process.start()
        return process

    yield start
    for process in processes:
        process.stop(timeout=10)


def _until(check: Callable[[], bool], supervisor: Supervisor, timeout: float = 60) -> None:
    """Run the supervisor's checks until `check()` holds."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "gave up waiting"
        supervisor.check()
        time.sleep(0.05)


def test_a_killed_service_is_restarted_and_the_others_keep_running(
    started: Callable[[str, str], ServiceProcess], tmp_path: Path
) -> None:
    victim, bystander = started("victim", APP), started("bystander", APP)
    victim.wait_ready()
    bystander.wait_ready()
    assert victim.process is not None and bystander.process is not None
    first_pid, bystander_pid = victim.process.pid, bystander.process.pid
    said: list[str] = []
    supervisor = Supervisor([victim, bystander], Backoff(first=0.2), said.append)
    supervisor.check()
    assert said == [], "nothing to say while both run"

    os.kill(first_pid, signal.SIGKILL)
    _until(
        lambda: (
            supervisor.restarts_of("victim") == 1 and supervisor.state_of("victim") is State.RUNNING
        ),
        supervisor,
    )
    assert victim.process.pid != first_pid and victim.ready_now()
    assert (tmp_path / "run" / "victim.pid").read_text().strip() == str(victim.process.pid)
    assert bystander.process.pid == bystander_pid and bystander.exit_code() is None
    assert supervisor.state_of("bystander") is State.RUNNING
    assert supervisor.restarts_of("bystander") == 0
    assert said[0].startswith("\nvictim exited (killed by signal 9); restarting it in 0s")
    assert "the rest of the network keeps running" in said[0]
    assert said[1] == "restarting victim (restart 1) ..."
    assert said[2].startswith("victim is back: ready ")
    assert len(said) == 3


def test_a_service_that_keeps_dying_is_restarted_ever_later(
    started: Callable[[str, str], ServiceProcess],
) -> None:
    # An app uvicorn cannot load: the process exits at once, every time.
    broken = started("broken", "tests.integration.supervised_app:no_such_factory")
    restarted_at: list[float] = []

    def say(line: str) -> None:
        if line.startswith("restarting broken"):
            restarted_at.append(time.monotonic())

    backoff = Backoff(first=0.5, most=2.0)
    supervisor = Supervisor([broken], backoff, say)
    _until(lambda: len(restarted_at) == 5, supervisor)
    gaps = [later - earlier for earlier, later in itertools.pairwise(restarted_at)]
    # Each gap is the process's short life plus the delay: 1 s, 2 s, then 2 s at most.
    for gap, delay in zip(gaps, (1.0, 2.0, 2.0, 2.0), strict=True):
        assert gap >= delay, gaps
    assert supervisor.state_of("broken") is not State.RUNNING
    assert "no_such_factory" in broken.log_tail(), broken.log_tail()


def test_the_delay_doubles_up_to_its_ceiling() -> None:
    backoff = Backoff(first=1.0, most=30.0)
    assert [backoff.delay(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]
