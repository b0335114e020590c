"""Relationships this instance read a moment ago, so the access check every sessions request
starts with does not cost a database round trip each time.

Why: on FerretDB every query costs database CPU in proportion to its collection (bench/api
measured the relationship lookup as most of the database's time), and nearly every request
begins by loading its relationship. Why it is safe: access is decided on the relationship's
own content (its parties and programme) after the load, never by where it was found, so a
cached copy grants nothing the stored one would not. Only reads use it: every write into a
relationship loads it afresh (`RelationshipStore.for_party`), so nothing is written into a
relationship another instance has just ended. What it costs: on a read, another instance's
change (a phase move, an ending, a mentee joining a group) is seen here up to `TTL_SECONDS`
late; this instance's own changes are seen at once.

Where a relationship is kept (the network's database or its organisation's) is fixed when it
starts, so that is remembered beyond the TTL: a fresh load then asks the one place it is in.
"""

from __future__ import annotations

import time

from services.sessions.domain.relationships import Relationship

TTL_SECONDS = 5.0
MAX_ENTRIES = 20_000  # a few MB; beyond it the oldest half is dropped
MAX_HOMES = 200_000  # id → a bool: ~20 MB; beyond it all are forgotten (and learnt again)


class RecentRelationships:
    """A small time-limited map of relationship id → relationship."""

    def __init__(self, ttl_seconds: float = TTL_SECONDS) -> None:
        self._ttl = ttl_seconds
        self._entries: dict[str, tuple[float, Relationship]] = {}
        self._in_network: dict[str, bool] = {}

    def get(self, rel_id: str) -> Relationship | None:
        """The relationship if this instance loaded or changed it within the TTL."""
        entry = self._entries.get(rel_id)
        if entry is None:
            return None
        if time.monotonic() - entry[0] > self._ttl:
            del self._entries[rel_id]
            return None
        return entry[1]

    def put(self, r: Relationship) -> None:
        """Remember `r` as it is now."""
        if len(self._entries) >= MAX_ENTRIES:
            oldest = sorted(self._entries.items(), key=lambda item: item[1][0])
            for key, _ in oldest[: MAX_ENTRIES // 2]:
                del self._entries[key]
        self._entries[r.id] = (time.monotonic(), r)
        if len(self._in_network) >= MAX_HOMES:
            self._in_network.clear()
        self._in_network[r.id] = r.network

    def in_network(self, rel_id: str) -> bool | None:
        """Whether `rel_id` is kept in the network's database (None: not known here)."""
        return self._in_network.get(rel_id)

    def forget(self, rel_id: str) -> None:
        """Drop `rel_id` (this instance changed it; the next read loads it again)."""
        self._entries.pop(rel_id, None)
