"""Run a service as a real uvicorn process and wait for it to be ready."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from deploy.localnet.kafka_users import client_env, prepare_network, users_dir
from shared.secrets import new_token

SERVICES = ("registry", "matching", "sessions", "evaluation", "notifications")
PORTAL = "portal"  # the web app: a client of the four, not a service of its own data
# A process's own Kafka user (shared/kafka/security.py), never inherited from the launcher.
KAFKA_LOGIN = ("MENTORNET_KAFKA_USERNAME", "MENTORNET_KAFKA_PASSWORD")
# Where processes keep their pids when no pid file is given: `./mentornet test` and `bench`
# set it, so that what a killed run left is found and stopped by the next.
RUN_DIR_VARIABLE = "MENTORNET_RUN_DIR"
DEFAULT_PORTS = {
    "portal": 8000,
    "registry": 8001,
    "matching": 8002,
    "sessions": 8003,
    "evaluation": 8004,
    "notifications": 8005,
}


@dataclass
class ServiceProcess:
    """One service under uvicorn, its output going to a log file."""

    service: str
    port: int
    env: dict[str, str]
    log_path: Path
    # The ASGI app factory uvicorn runs; by default the service's own `create_app`.
    factory: str | None = None
    # Where its pid is kept while it runs, so a later run finds it if this one is killed.
    pid_file: Path | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    @property
    def url(self) -> str:
        """Where the service answers."""
        return f"http://127.0.0.1:{self.port}"

    def __post_init__(self) -> None:
        if self.pid_file is None and (run_dir := os.environ.get(RUN_DIR_VARIABLE)):
            self.pid_file = Path(run_dir) / f"{self.service}-{self.port}.pid"

    def start(self) -> None:
        """Start uvicorn in the background."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - fixed argv, our own module
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "--factory",
                    self.factory or f"services.{self.service}.app:create_app",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--no-access-log",
                    "--timeout-graceful-shutdown",
                    "20",
                ],
                # On the local broker with users, only the Kafka user it is given: never the
                # launcher's (admin).
                env={**_inherited(os.environ), **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
                # Its own session: a terminal's Ctrl-C reaches only the launcher, which then
                # stops every service in order (SIGTERM, graceful) instead of racing them.
                start_new_session=True,
            )
        if self.pid_file is not None:
            self.pid_file.parent.mkdir(parents=True, exist_ok=True)
            self.pid_file.write_text(f"{self.process.pid}\n")

    def exit_code(self) -> int | None:
        """Its exit code once it has exited; None while it runs (or before start())."""
        return None if self.process is None else self.process.poll()

    def ready_now(self) -> bool:
        """Whether /readyz answers 200 right now (one quick try, no waiting)."""
        try:
            return httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Block until /readyz answers 200; raise with the log's tail if it never does."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.service} exited ({self.process.returncode}):\n{self.log_tail()}"
                )
            if self.ready_now():
                return
            time.sleep(0.25)
        raise TimeoutError(f"{self.service} not ready after {timeout:.0f}s:\n{self.log_tail()}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int | None:
        """Stop gracefully (SIGTERM), or kill after `timeout`; returns the exit code."""
        if self.process is None or self.process.poll() is not None:
            self._forget_pid()
            return None if self.process is None else self.process.returncode
        self.process.send_signal(sig)
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        self._forget_pid()
        return code

    def _forget_pid(self) -> None:
        if self.pid_file is not None:
            self.pid_file.unlink(missing_ok=True)

    def log_tail(self, lines: int = 30) -> str:
        """The last lines the service wrote."""
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def network_env(ports: dict[str, int]) -> dict[str, str]:
    """Where each part of a local network finds the others (the portal's secret included: the
    registry knows the portal as a client by it)."""
    registry = f"http://127.0.0.1:{ports['registry']}"
    portal = f"http://127.0.0.1:{ports.get(PORTAL, DEFAULT_PORTS[PORTAL])}"
    return {
        # Every service trusts tokens the registry signs, and fetches its keys from there.
        "MENTORNET_PUBLIC_URL": registry,
        "MENTORNET_TOKEN_ISSUER": registry,
        "MENTORNET_JWKS_URL": f"{registry}/.well-known/jwks.json",
        # The local network's example providers listen on plain http on loopback.
        "MENTORNET_ALLOW_HTTP_LOOPBACK_PROVIDERS": "true",
        # Webhooks may go to partners' test receivers on this machine (never in production).
        "MENTORNET_WEBHOOKS_ALLOW_LOOPBACK": "true",
        # Limits counted per caller address: on one machine every person (and the demo's
        # seeding, signing dozens in at once) comes from 127.0.0.1.
        "MENTORNET_RATE_LIMIT_SIGN_IN": "10000/minute",
        "MENTORNET_RATE_LIMIT_TOKEN": "10000/minute",
        "MENTORNET_RATE_LIMIT_UNKNOWN_KEY": "10000/minute",
        # The portal: where it is, the one redirect URI the registry accepts for it, where
        # it finds the services.
        "MENTORNET_PORTAL_PUBLIC_URL": portal,
        "MENTORNET_PORTAL_REDIRECT_URI": f"{portal}/auth/callback",
        "MENTORNET_PORTAL_CLIENT_SECRET": new_token(),
        # Unsubscribe links in e-mails lead to the notifications service itself.
        "MENTORNET_NOTIFICATIONS_PUBLIC_URL": (
            f"http://127.0.0.1:{ports.get('notifications', DEFAULT_PORTS['notifications'])}"
        ),
        **{
            f"MENTORNET_{service.upper()}_URL": f"http://127.0.0.1:{ports[service]}"
            for service in SERVICES
            if service in ports
        },
    }


def ports_from(first: int) -> dict[str, int]:
    """The portal on `first`, the five services on the ports after it (8000-8005 by default)."""
    return {name: first + offset for offset, name in enumerate((PORTAL, *SERVICES))}


def start_network(
    env: dict[str, str],
    log_dir: Path,
    ports: dict[str, int] | None = None,
    services: Sequence[str] = (*SERVICES, PORTAL),
    pid_dir: Path | None = None,
    ready_timeout: float = 180.0,
) -> list[ServiceProcess]:
    """Start the services (the four and the portal unless `services` names fewer) and wait
    until each is ready; stop them all on failure. With `pid_dir`, each keeps its pid in
    `<pid_dir>/<service>.pid` while it runs."""
    ports = ports or DEFAULT_PORTS
    env = {**network_env(ports), **env}
    prepare_network(env)  # a broker with users: topics made and ACLs granted (kafka_users.py)
    processes = [
        ServiceProcess(
            s,
            ports[s],
            {**env, **client_env(s)} if s in SERVICES else env,
            log_dir / f"{s}.log",
            pid_file=None if pid_dir is None else pid_dir / f"{s}.pid",
        )
        for s in services
    ]
    try:
        for p in processes:
            p.start()
        for p in processes:
            p.wait_ready(ready_timeout)
    except BaseException:
        stop_network(processes)
        raise
    return processes


def _inherited(environ: Mapping[str, str]) -> dict[str, str]:
    if users_dir() is None:
        return dict(environ)
    return {k: v for k, v in environ.items() if k not in KAFKA_LOGIN}


def stop_network(processes: list[ServiceProcess]) -> None:
    """Stop every service (all signalled first, so they shut down in parallel)."""
    for p in processes:
        if p.process is not None and p.process.poll() is None:
            p.process.send_signal(signal.SIGTERM)
    for p in processes:
        p.stop()
