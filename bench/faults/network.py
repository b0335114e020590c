"""Two instances of each of the five services, on the bench's own servers: the same
settings for both (databases, topics, consumer groups), as a second replica would run."""

from __future__ import annotations

import secrets
import socket
from dataclasses import dataclass
from pathlib import Path

from bench.faults.servers import LocalServers
from deploy.localnet.processes import SERVICES, ServiceProcess, start_network, stop_network
from shared.secrets import new_secret_key


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Instances:
    """The running service instances: the first of each serves the seeding."""

    first: dict[str, ServiceProcess]
    second: dict[str, ServiceProcess]
    env: dict[str, str]

    def all(self) -> list[ServiceProcess]:
        """Every instance."""
        return [*self.first.values(), *self.second.values()]

    def urls(self) -> dict[str, str]:
        """Each service's first instance (for the seeding)."""
        return {name: p.url for name, p in self.first.items()}

    def of(self, service: str) -> list[ServiceProcess]:
        """Both instances of `service`."""
        return [self.first[service], self.second[service]]

    def stop(self) -> None:
        """Stop every instance."""
        stop_network(self.all())


def start_instances(servers: LocalServers, log_dir: Path) -> Instances:
    """Both instances of every service, ready."""
    tag = secrets.token_hex(3)
    ports = {s: free_port() for s in SERVICES}
    env = {
        "MENTORNET_KAFKA_BOOTSTRAP": servers.kafka_bootstrap,
        "MENTORNET_MONGO_URL": servers.mongo_url,
        "MENTORNET_DB_PREFIX": f"bf{tag}",
        "MENTORNET_TOPIC_PREFIX": f"benchfaults{tag}",
        "MENTORNET_SECRET_KEY": new_secret_key(),
        # Tokens signed in before the load outlive the run (the longest the registry allows).
        "MENTORNET_ACCESS_TOKEN_SECONDS": "3600",
        "MENTORNET_SMTP_HOST": "127.0.0.1",
        "MENTORNET_SMTP_PORT": str(servers.mailpit_smtp_port),
        # Unread messages stay in their digest for the whole run, where the checks find them.
        "MENTORNET_DIGEST_SETTLE_SECONDS": "86400",
    }
    first = start_network(env, log_dir, ports=ports, services=SERVICES)
    merged = dict(first[0].env)
    second = [
        ServiceProcess(p.service, free_port(), dict(p.env), log_dir / f"{p.service}-2.log")
        for p in first
    ]
    try:
        for p in second:
            p.start()
        for p in second:
            p.wait_ready(180)
    except BaseException:
        stop_network(first + second)
        raise
    return Instances({p.service: p for p in first}, {p.service: p for p in second}, merged)
