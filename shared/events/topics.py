"""The topics of the network, with their partitions and retention declared in one place."""

from __future__ import annotations

from dataclasses import dataclass

SERVICES = ("registry", "matching", "sessions", "evaluation")

# Domain topics keep everything: read models are rebuilt by replaying them.
DOMAIN_RETENTION_MS = -1
DEADLETTER_RETENTION_MS = 30 * 24 * 3600 * 1000


@dataclass(frozen=True)
class TopicSpec:
    """A topic as it must exist on the broker."""

    name: str
    partitions: int
    retention_ms: int

    @property
    def configs(self) -> dict[str, str]:
        """Topic-level configs sent on creation."""
        return {"retention.ms": str(self.retention_ms), "cleanup.policy": "delete"}


def domain_topic(prefix: str, source: str) -> str:
    """The topic a service publishes its events to."""
    return f"{prefix}.{source}"


def deadletter_topic(prefix: str, service: str) -> str:
    """Where a service's consumer puts events it can never process."""
    return f"{prefix}.deadletter.{service}"


def topics_for(prefix: str, service: str, partitions: int) -> list[TopicSpec]:
    """Every topic a service touches: all domain topics (it may consume any) and its DLQ."""
    specs = [TopicSpec(domain_topic(prefix, s), partitions, DOMAIN_RETENTION_MS) for s in SERVICES]
    specs.append(TopicSpec(deadletter_topic(prefix, service), 1, DEADLETTER_RETENTION_MS))
    return specs
