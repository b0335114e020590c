"""The faults: every `every` seconds a random service instance is killed (SIGKILL) and started
again; once in the phase the Kafka broker is restarted, and once the database server."""

from __future__ import annotations

import asyncio
import random
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench.faults.network import Instances
from bench.faults.servers import LocalServers
from deploy.localnet.processes import ServiceProcess


@dataclass
class Fault:
    """One fault: what, when (monotonic) and when what it broke was back."""

    what: str
    at: float
    recovered_at: float | None = None


def _kill_and_restart(process: ServiceProcess, attempts: int = 5) -> None:
    """SIGKILL, then start again until it is ready (a start while the broker or the database
    is down may exit: started again, as a supervisor would)."""
    process.stop(signal.SIGKILL, timeout=10)
    for attempt in range(1, attempts + 1):
        process.start()
        try:
            process.wait_ready(120)
            return
        except (RuntimeError, TimeoutError):
            process.stop(signal.SIGKILL, timeout=10)
            if attempt == attempts:
                raise
            time.sleep(2)


async def inject(
    instances: Instances,
    servers: LocalServers,
    seconds: float,
    every: float,
    faults: list[Fault],
    say: Callable[[str], None],
    seed: str,
) -> None:
    """Run the faults for `seconds`: a kill every `every` s; the broker restarted at a third
    of the phase, the database server at two thirds. Returns once everything is back."""
    rng = random.Random(seed)
    started = time.monotonic()
    running: set[asyncio.Task[None]] = set()
    down: set[int] = set()  # ports of instances being restarted: not killed again meanwhile

    async def restart(server: str) -> None:
        fault = Fault(f"{server} restarted", time.monotonic())
        faults.append(fault)
        say(f"  fault: restarting {server}")
        await asyncio.to_thread(servers.restart, server)
        fault.recovered_at = time.monotonic()
        say(f"  {server} back after {fault.recovered_at - fault.at:.1f} s")

    async def kill() -> None:
        candidates = [p for p in instances.all() if p.port not in down]
        if not candidates:
            return
        process = rng.choice(candidates)
        down.add(process.port)
        fault = Fault(f"{process.service}:{process.port} killed", time.monotonic())
        faults.append(fault)
        try:
            await asyncio.to_thread(_kill_and_restart, process)
        finally:
            down.discard(process.port)
        fault.recovered_at = time.monotonic()
        say(
            f"  fault: {fault.what} (SIGKILL), ready again after "
            f"{fault.recovered_at - fault.at:.1f} s"
        )

    planned = {seconds / 3: "kafka", 2 * seconds / 3: "mongo"}
    next_kill = every
    while time.monotonic() - started < seconds:
        elapsed = time.monotonic() - started
        for at, server in list(planned.items()):
            if elapsed >= at:
                del planned[at]
                running.add(asyncio.create_task(restart(server)))
        if elapsed >= next_kill:
            next_kill += every
            running.add(asyncio.create_task(kill()))
        await asyncio.sleep(0.5)
    if running:
        await asyncio.wait(running)
