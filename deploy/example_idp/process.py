"""Run one example provider as a subprocess (for tests and the local demo)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from deploy.example_idp.config import IdpConfig


class IdpProcess:
    """One provider on 127.0.0.1:`port`, its config written to `work_dir`, output logged there.

    `config.issuer` must be `http://127.0.0.1:<port>` (the provider checks nothing else:
    the issuer is what it puts in ID tokens and discovery).
    """

    def __init__(
        self,
        config: IdpConfig | dict[str, Any],
        port: int,
        work_dir: Path,
        name: str = "idp",
        pid_file: Path | None = None,
    ) -> None:
        self.config = config if isinstance(config, IdpConfig) else IdpConfig.from_dict(config)
        self.port = port
        self.work_dir = work_dir
        self.config_path = work_dir / f"{name}.json"
        self.log_path = work_dir / f"{name}.log"
        # Where its pid is kept while it runs, so a later run finds it if this one is killed.
        self.pid_file = pid_file
        if pid_file is None and (run_dir := os.environ.get("MENTORNET_RUN_DIR")):
            self.pid_file = Path(run_dir) / f"{name}-{port}.pid"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Where the provider answers."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def issuer(self) -> str:
        """The `iss` of its ID tokens."""
        return self.config.issuer

    def start(self) -> IdpProcess:
        """Write the config and start the provider in the background (its own session)."""
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(json.dumps(self.config.to_dict(), indent=2), encoding="utf-8")
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - fixed argv, our own module
                [
                    sys.executable,
                    "-m",
                    "deploy.example_idp",
                    "--port",
                    str(self.port),
                    "--config",
                    str(self.config_path),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        if self.pid_file is not None:
            self.pid_file.parent.mkdir(parents=True, exist_ok=True)
            self.pid_file.write_text(f"{self.process.pid}\n")
        return self

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Block until discovery answers with our issuer; raise with the log's tail if not."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None:
                raise RuntimeError("IdpProcess.wait_ready() before start()")
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"example provider on port {self.port} exited "
                    f"({self.process.returncode}):\n{self.log_tail()}"
                )
            try:
                r = httpx.get(f"{self.url}/.well-known/openid-configuration", timeout=2)
                if r.status_code == 200 and r.json().get("issuer") == self.issuer:
                    return
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.1)
        raise TimeoutError(
            f"example provider on port {self.port} not ready after {timeout:.0f}s:\n"
            f"{self.log_tail()}"
        )

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM, then kill after `timeout`; returns the exit code (None if never started)."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.pid_file is not None:
            self.pid_file.unlink(missing_ok=True)
        return self.process.returncode

    def log_tail(self, lines: int = 30) -> str:
        """The last lines the provider wrote."""
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def __enter__(self) -> IdpProcess:
        self.start()
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
