"""The bench's own Kafka broker, FerretDB server and Mailpit: their own ports and state
directory, started, restarted and stopped with the repository's local scripts."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from deploy.localnet.kafka_users import launcher_env
from shared.kafka.security import kafka_client_options

SCRIPTS = Path(__file__).resolve().parents[2] / "deploy" / "local"


@dataclass(frozen=True)
class LocalServers:
    """Where the bench's servers listen and keep their data."""

    state_dir: Path
    kafka_port: int = 49092
    kafka_controller_port: int = 49093
    mongo_port: int = 57017
    mailpit_http_port: int = 49025
    mailpit_smtp_port: int = 49026

    @property
    def kafka_bootstrap(self) -> str:
        """The broker's address."""
        return f"127.0.0.1:{self.kafka_port}"

    @property
    def mongo_url(self) -> str:
        """The database server's address."""
        return f"mongodb://127.0.0.1:{self.mongo_port}/"

    def _env(self) -> dict[str, str]:
        return {
            **os.environ,
            "KAFKA_PORT": str(self.kafka_port),
            "KAFKA_CONTROLLER_PORT": str(self.kafka_controller_port),
            "KAFKA_DATA_DIR": str(self.state_dir / "kafka"),
            "MONGO_PORT": str(self.mongo_port),
            "MONGO_DATA_DIR": str(self.state_dir / "mongo"),
            "MAILPIT_HTTP_PORT": str(self.mailpit_http_port),
            "MAILPIT_SMTP_PORT": str(self.mailpit_smtp_port),
            "MAILPIT_DATA_DIR": str(self.state_dir / "mailpit"),
        }

    def run(self, server: str, action: str) -> None:
        """`deploy/local/<server>.sh <action>` with the bench's ports and directories."""
        subprocess.run(  # noqa: S603 - our own script, fixed arguments
            [str(SCRIPTS / f"{server}.sh"), action], env=self._env(), check=True
        )

    def start(self) -> None:
        """Fresh state, then all three started (each waits until it answers)."""
        shutil.rmtree(self.state_dir, ignore_errors=True)
        self.state_dir.mkdir(parents=True)
        for server in ("kafka", "mongo", "mailpit"):
            self.run(server, "start")
        # Sign in to this broker as its admin; the services it starts, as themselves.
        os.environ.update(launcher_env(self.state_dir / "kafka" / "users"))
        kafka_client_options.cache_clear()

    def restart(self, server: str) -> None:
        """Stop `server` (kafka or mongo) and start it again on the same data."""
        self.run(server, "stop")
        self.run(server, "start")

    def stop(self) -> None:
        """Stop all three (harmless when stopped)."""
        for server in ("mailpit", "mongo", "kafka"):
            subprocess.run(  # noqa: S603 - our own script, fixed arguments
                [str(SCRIPTS / f"{server}.sh"), "stop"], env=self._env(), check=False
            )
