"""An instance's recent copies of relationships: how long each is trusted, and which copies
the changes read from sessions' topic make it forget."""

from __future__ import annotations

import json

import pytest

from services.sessions.adapters.relationship_cache import RecentRelationships
from services.sessions.adapters.relationship_changes import changed_relationship
from services.sessions.domain.relationships import Relationship
from tests.unit.test_relationships import relationship


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [100.0]
    monkeypatch.setattr(
        "services.sessions.adapters.relationship_cache.time.monotonic", lambda: now[0]
    )
    return now


def copies() -> tuple[RecentRelationships, Relationship]:
    return RecentRelationships(ttl_seconds=5.0, watched_ttl_seconds=600.0), relationship()


def test_recent_relationships_are_kept_for_their_ttl_and_forgotten_on_change(
    clock: list[float],
) -> None:
    recent = RecentRelationships(ttl_seconds=5.0)
    r = relationship()
    assert recent.get(r.id) is None
    recent.put(r)
    clock[0] += 5.0
    assert recent.get(r.id) == r
    clock[0] += 0.1
    assert recent.get(r.id) is None  # older than the TTL: loaded again
    recent.put(r)
    recent.forget(r.id)
    assert recent.get(r.id) is None


def test_copies_are_kept_long_only_while_changes_are_watched(clock: list[float]) -> None:
    recent, r = copies()
    recent.put(r, recent.loading())
    clock[0] += 6.0
    assert recent.get(r.id) is None  # nobody announces changes yet: the short TTL
    recent.watch()
    recent.put(r, recent.loading())
    clock[0] += 599.0
    assert recent.get(r.id) == r
    clock[0] += 2.0
    assert recent.get(r.id) is None


def test_a_load_begun_before_watching_is_kept_briefly(clock: list[float]) -> None:
    recent, r = copies()
    began = recent.loading()
    recent.watch()  # changes before this moment were not read: the load may hold one
    recent.put(r, began)
    clock[0] += 6.0
    assert recent.get(r.id) is None


def test_a_copy_loaded_before_its_relationship_changed_is_not_kept(clock: list[float]) -> None:
    recent, r = copies()
    recent.watch()
    began = recent.loading()
    recent.forget(r.id)  # its change was announced while the load was under way
    recent.put(r, began)
    assert recent.get(r.id) is None
    recent.put(r, recent.loading())  # a load begun after the change is kept
    assert recent.get(r.id) == r


def test_a_change_elsewhere_does_not_refuse_other_loads(clock: list[float]) -> None:
    recent, r = copies()
    recent.watch()
    began = recent.loading()
    recent.forget("rel_another")
    recent.put(r, began)
    assert recent.get(r.id) == r


def test_when_changes_cannot_be_read_the_long_kept_copies_go(clock: list[float]) -> None:
    recent, r = copies()
    recent.watch()
    recent.put(r, recent.loading())
    recent.stop_watching()
    assert recent.get(r.id) is None
    recent.put(r, recent.loading())
    clock[0] += 6.0
    assert recent.get(r.id) is None
    assert recent.in_network(r.id) is r.network  # where it is kept never changes


def test_this_instances_own_writes_are_kept_as_written(clock: list[float]) -> None:
    recent, r = copies()
    recent.watch()
    recent.forget(r.id)
    recent.put(r)  # written here just now (no load began earlier)
    assert recent.get(r.id) == r


def _record(kind: str, subject: str | None) -> bytes:
    return json.dumps({"type": kind, "subject": subject, "data": {}}).encode()


@pytest.mark.parametrize(
    ("value", "changed"),
    [
        (_record("relationship.ended", "rel_1"), "rel_1"),
        (_record("relationship.phase_changed", "rel_2"), "rel_2"),
        (_record("relationship.started", "rel_3"), "rel_3"),
        (_record("message.posted", "rel_1"), None),  # the relationship itself is unchanged
        (_record("relationship.ended", None), None),
        (b"not json", None),
        (b"[1, 2]", None),
        (None, None),
    ],
)
def test_only_relationship_events_name_a_changed_relationship(
    value: bytes | None, changed: str | None
) -> None:
    assert changed_relationship(value) == changed
