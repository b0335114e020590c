"""The topics of the network, with their partitions and retention declared in one place."""

from __future__ import annotations

from dataclasses import dataclass

SERVICES = ("registry", "matching", "sessions", "evaluation")

# Domain topics keep everything: read models are rebuilt by replaying them.
DOMAIN_RETENTION_MS = -1
DEADLETTER_RETENTION_MS = 30 * 24 * 3600 * 1000


# Contact details (e-mail addresses, names) travel on a topic of their own: keyed state, not
# events, compacted so that a member's erasure (a tombstone) removes every earlier value of
# theirs from the broker within minutes (docs/decisions.md 23). Only the registry writes it and
# only the notifications service reads it; no domain topic ever carries an address.
CONTACTS_CHANNEL = "registry.contacts"
# A segment is compacted only once it is no longer the active one, and Kafka rolls the active
# segment only when something is appended after `segment.ms`: the registry appends a tombstone
# of a placeholder key to every partition this often (`shared.contacts.ROLL_KEY`), so a
# segment holding an erased address is rolled and compacted even when nothing else happens.
CONTACTS_ROLL_SECONDS = 10.0
# Members' data keys (crypto-shredding, docs/decisions.md "Erasure reaches Kafka"): keyed state
# on a topic of their own with the same configuration and roll, so a destroyed key leaves the
# broker within the same bound. Only the registry writes it; only matching reads it.
KEYS_CHANNEL = "registry.keys"
CONTACTS_CONFIGS = {
    "cleanup.policy": "compact",
    "segment.ms": "30000",  # roll at most every 30 s (with the registry's appends above)
    "min.compaction.lag.ms": "0",
    "max.compaction.lag.ms": "30000",  # and compact within 30 s of a roll
    "min.cleanable.dirty.ratio": "0.01",  # one tombstone makes a log worth cleaning
    "file.delete.delay.ms": "1000",  # cleaned-away segment files go from disk a second later
    # Tombstones (a key, no value) stay a day, so a consumer away for less still sees them;
    # one away for longer still hears of the erasure from `member.erased`.
    "delete.retention.ms": str(24 * 3600 * 1000),
}


@dataclass(frozen=True)
class TopicSpec:
    """A topic as it must exist on the broker."""

    name: str
    partitions: int
    retention_ms: int
    compacted: bool = False

    @property
    def configs(self) -> dict[str, str]:
        """Topic-level configs sent on creation."""
        if self.compacted:
            return dict(CONTACTS_CONFIGS)
        return {"retention.ms": str(self.retention_ms), "cleanup.policy": "delete"}


def domain_topic(prefix: str, source: str) -> str:
    """The topic a service publishes its events to."""
    return f"{prefix}.{source}"


def publisher_of(topic: str) -> str:
    """The service whose domain topic `topic` is (`domain_topic`'s inverse: services' names
    have no dot, so it is the last part whatever the prefix)."""
    return topic.rsplit(".", 1)[-1]


def deadletter_topic(prefix: str, service: str) -> str:
    """Where a service's consumer puts events it can never process."""
    return f"{prefix}.deadletter.{service}"


def contacts_topic(prefix: str) -> str:
    """The compacted topic of members' contact details (the registry's)."""
    return f"{prefix}.{CONTACTS_CHANNEL}"


def member_keys_topic(prefix: str) -> str:
    """The compacted topic of members' data keys (the registry's)."""
    return f"{prefix}.{KEYS_CHANNEL}"


def topics_for(prefix: str, service: str, partitions: int) -> list[TopicSpec]:
    """Every topic a service touches: all domain topics (it may consume any), the contact
    details' topic and its DLQ."""
    specs = [TopicSpec(domain_topic(prefix, s), partitions, DOMAIN_RETENTION_MS) for s in SERVICES]
    specs.append(TopicSpec(contacts_topic(prefix), partitions, -1, compacted=True))
    specs.append(TopicSpec(member_keys_topic(prefix), partitions, -1, compacted=True))
    specs.append(TopicSpec(deadletter_topic(prefix, service), 1, DEADLETTER_RETENTION_MS))
    return specs
