"""Processes an earlier run of the local network left behind, found and stopped.

A run that was killed (SIGKILL, a closed terminal) cannot stop what it started: its services
and example providers run in sessions of their own and keep their ports. The next run would
then talk to them instead of its own (a leftover provider knows an old client secret: every
sign-in is refused). So before a run starts anything it stops what an earlier run of this
checkout left: the pids kept in its run directory, and whatever of ours still holds a port it
needs. A port held by anything else is named, with how to choose other ports; never stopped.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LISTEN = "0A"  # the TCP state "listen" in /proc/net/tcp


class PortTakenError(RuntimeError):
    """A port the network needs is held by a process that is not one of ours."""


@dataclass(frozen=True)
class Leftover:
    """A process of ours from an earlier run."""

    pid: int
    what: str  # e.g. "the sessions service", "an example provider"

    def __str__(self) -> str:
        return f"{self.what} (pid {self.pid})"


def _argv(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [a.decode(errors="replace") for a in raw.split(b"\0") if a]


def _cwd(pid: int) -> str:
    try:
        return os.readlink(f"/proc/{pid}/cwd")
    except OSError:
        return ""


def ours(pid: int, root: Path = ROOT) -> Leftover | None:
    """The process as a leftover when it is a service or an example provider run from this
    checkout (its Python under `root`, or `root` its working directory); else None."""
    argv = _argv(pid)
    if len(argv) < 3 or argv[1] != "-m":
        return None
    here = str(root)
    if not (argv[0].startswith(here + os.sep) or _cwd(pid) == here):
        return None
    if argv[2] == "deploy.example_idp":
        return Leftover(pid, "an example sign-in provider")
    if argv[2] == "uvicorn":
        app = next((a for a in argv[3:] if a.startswith("services.")), None)
        if app is not None:
            return Leftover(pid, f"the {app.split('.')[1]} service")
    return None


def _listening_inodes(port: int) -> set[str]:
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if (
                len(fields) > 9
                and fields[3] == LISTEN
                and int(fields[1].rsplit(":", 1)[1], 16) == port
            ):
                inodes.add(fields[9])
    return inodes


def listener_of(port: int) -> int | None:
    """The pid listening on `port` (any local address), if it is a process this user may
    look into; None when nothing listens or the listener is someone else's."""
    inodes = {f"socket:[{inode}]" for inode in _listening_inodes(port)}
    if not inodes:
        return None
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            for fd in (entry / "fd").iterdir():
                if os.readlink(fd) in inodes:
                    return int(entry.name)
        except OSError:
            continue
    return None


def port_in_use(port: int) -> bool:
    """Whether something listens on `port`."""
    return bool(_listening_inodes(port))


def stop(pid: int, timeout: float = 20.0) -> None:
    """SIGTERM, then SIGKILL after `timeout` seconds; harmless when it is gone already."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    while _alive(pid):
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie of ours (not reaped yet) is gone for every purpose here.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def stop_recorded(pid_dir: Path, root: Path = ROOT) -> list[Leftover]:
    """Stop every process of ours whose pid an earlier run kept in `pid_dir`; the pid files
    go either way (a pid that is not ours any more was recycled)."""
    stopped: list[Leftover] = []
    for pid_file in sorted(pid_dir.glob("*.pid")) if pid_dir.is_dir() else []:
        text = pid_file.read_text().strip()
        leftover = ours(int(text), root) if text.isdigit() else None
        if leftover is not None:
            stop(leftover.pid)
            stopped.append(leftover)
        pid_file.unlink(missing_ok=True)
    return stopped


def clear_ports(ports: Iterable[int], root: Path = ROOT) -> list[Leftover]:
    """Make sure the network can listen on `ports`: stop a process of ours that holds one
    (an earlier run's, whatever state directory it used); raise PortTakenError naming the holder
    when it is anything else."""
    stopped: list[Leftover] = []
    for port in ports:
        if not port_in_use(port):
            continue
        pid = listener_of(port)
        leftover = None if pid is None else ours(pid, root)
        if leftover is None:
            holder = "another user's process" if pid is None else f"pid {pid}"
            command = " ".join(_argv(pid))[:120] if pid is not None else ""
            raise PortTakenError(
                f"port {port} is in use by {holder}{f' ({command})' if command else ''}, "
                "not by an earlier run of this network: stop it, or choose other ports with "
                "MENTORNET_FIRST_PORT (the portal's; the services take the five after it) and "
                "MENTORNET_FIRST_PROVIDER_PORT (the example providers')"
            )
        stop(leftover.pid)
        stopped.append(leftover)
    return stopped
