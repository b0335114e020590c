"""Relationships this instance read a moment ago, so the access check every sessions request
starts with does not cost a database round trip each time.

Why: on FerretDB every query costs database CPU (bench/api measured the relationship lookup as
a third of the database's commands), and nearly every request begins by loading its
relationship. Why it is safe: access is decided on the relationship's own content (its parties
and programme) after the load, never by where it was found, so a cached copy grants nothing
the stored one would not. Only reads use it: every write into a relationship loads it afresh
(`RelationshipStore.for_party`), so nothing is written into a relationship another instance
has just ended.

How long a copy is trusted: every change to a relationship publishes a `relationship.*` event
on sessions' topic, and every instance reads that topic for itself
(`relationship_changes.py`), forgetting what it announces. While that reader is live, a copy
is kept for `WATCHED_TTL_SECONDS` (another instance's change is seen here as soon as its event
is read: tens of milliseconds); while it is not (starting, or Kafka unreachable), for
`TTL_SECONDS`. This instance's own changes are seen at once. A load that began before its
relationship was forgotten is not kept (it may have read the old content).

Where a relationship is kept (the network's database or its organisation's) is fixed when it
starts, so that is remembered beyond any TTL: a fresh load then asks the one place it is in.
"""

from __future__ import annotations

import time

from services.sessions.domain.relationships import Relationship

TTL_SECONDS = 5.0
# A safety net only (the topic reader announces every change): an instance's copies are not
# kept for ever.
WATCHED_TTL_SECONDS = 600.0
MAX_ENTRIES = 20_000  # a few MB; beyond it the oldest half is dropped
MAX_HOMES = 200_000  # id → a bool: ~20 MB; beyond it all are forgotten (and learnt again)


class RecentRelationships:
    """A time-limited map of relationship id → relationship."""

    def __init__(
        self, ttl_seconds: float = TTL_SECONDS, watched_ttl_seconds: float = WATCHED_TTL_SECONDS
    ) -> None:
        self._ttl = ttl_seconds
        self._watched_ttl = watched_ttl_seconds
        self._entries: dict[str, tuple[float, Relationship]] = {}  # id → (expiry, copy)
        self._in_network: dict[str, bool] = {}
        # Each forget (and each start of watching) takes the next tick; a load notes the tick
        # it began at, so a copy read before its relationship changed is recognised.
        self._tick = 0
        self._forgotten: dict[str, int] = {}
        self._oldest_trusted = 0  # loads begun earlier than this are not kept
        self._watched_since: int | None = None

    def get(self, rel_id: str) -> Relationship | None:
        """The relationship if this instance loaded or changed it recently enough."""
        entry = self._entries.get(rel_id)
        if entry is None:
            return None
        if time.monotonic() > entry[0]:
            del self._entries[rel_id]
            return None
        return entry[1]

    def loading(self) -> int:
        """The tick a load begins at: pass it to `put` with what was loaded."""
        return self._tick

    def put(self, r: Relationship, loaded_at: int | None = None) -> None:
        """Remember `r` as loaded from the database at tick `loaded_at` (None: as this
        instance has just written it)."""
        began = self._tick if loaded_at is None else loaded_at
        if began < self._oldest_trusted or self._forgotten.get(r.id, -1) > began:
            return  # changed since the load began: the next read loads it again
        watched = self._watched_since is not None and began >= self._watched_since
        if len(self._entries) >= MAX_ENTRIES:
            oldest = sorted(self._entries.items(), key=lambda item: item[1][0])
            for key, _ in oldest[: MAX_ENTRIES // 2]:
                del self._entries[key]
        ttl = self._watched_ttl if watched else self._ttl
        self._entries[r.id] = (time.monotonic() + ttl, r)
        if len(self._in_network) >= MAX_HOMES:
            self._in_network.clear()
        self._in_network[r.id] = r.network

    def in_network(self, rel_id: str) -> bool | None:
        """Whether `rel_id` is kept in the network's database (None: not known here)."""
        return self._in_network.get(rel_id)

    def forget(self, rel_id: str) -> None:
        """Drop `rel_id`: it changed (here or, as its event says, elsewhere)."""
        self._entries.pop(rel_id, None)
        self._tick += 1
        if len(self._forgotten) >= MAX_ENTRIES:
            self._forgotten.clear()
            self._oldest_trusted = self._tick
        self._forgotten[rel_id] = self._tick

    def watch(self) -> None:
        """Every change is announced here from now on: loads begun from now are kept long."""
        self._tick += 1
        self._watched_since = self._tick

    def stop_watching(self) -> None:
        """Changes may go unannounced (the topic cannot be read): keep copies briefly again,
        and drop the ones kept long."""
        self._watched_since = None
        self._entries.clear()
