"""Keyed state for a compacted topic: the latest value of a key, not an event."""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.randomness import random_uuid


@dataclass(frozen=True)
class KeyedState:
    """The latest value of a key on a compacted topic of state (not an event): published
    through the outbox like an event, in the same write as the change it follows. A None
    value is a tombstone: the key is deleted, and compaction later removes every earlier
    value of it from the topic."""

    channel: str  # the topic's name after the prefix, e.g. "registry.contacts"
    key: str
    value: bytes | None
    id: str = field(default_factory=lambda: str(random_uuid()))
