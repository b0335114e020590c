"""How a consumer splits a partition's records into handler calls."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shared.contracts.registry import OrganisationJoined
from shared.events.catalogue import InboundEvent, catalogue, new_event
from shared.kafka.consumer import HandlerRun, merge_runs, plan_runs


@dataclass
class FakeRecord:
    value: bytes | None
    offset: int
    topic: str = "t.registry"
    partition: int = 0
    key: bytes | None = None


async def _noop(events: Sequence[InboundEvent[Any]]) -> None:
    return None


def _joined(n: int) -> bytes:
    data = OrganisationJoined(
        organisation_id=f"org_{n:012d}", name=f"Org {n}", joined_at=datetime.now(UTC)
    )
    return new_event(data, organisation=f"org_{n:012d}").to_bytes()


def test_consecutive_events_of_a_type_share_one_call_and_poison_is_set_aside() -> None:
    records = [FakeRecord(_joined(0), 0), FakeRecord(b"junk", 1), FakeRecord(_joined(2), 2)]
    runs, poison = plan_runs(records, catalogue, {("organisation.joined", 1): _noop})
    assert len(runs) == 1
    assert [r.offset for r in runs[0].records] == [0, 2]
    assert [e.data.organisation_id for e in runs[0].events] == [
        "org_000000000000",
        "org_000000000002",
    ]
    assert [(r.offset, "not a valid envelope" in str(e)) for r, e in poison] == [(1, True)]


def test_events_nobody_handles_are_skipped_not_poison() -> None:
    runs, poison = plan_runs([FakeRecord(_joined(0), 0)], catalogue, {})
    assert runs == []
    assert poison == []


def test_an_event_on_a_topic_not_its_owners_is_poison_not_handled() -> None:
    forged = FakeRecord(_joined(1), 1, topic="t.sessions")
    records = [FakeRecord(_joined(0), 0), forged]
    runs, poison = plan_runs(records, catalogue, {("organisation.joined", 1): _noop})
    assert [r.offset for run in runs for r in run.records] == [0]
    assert [(r.offset, str(e)) for r, e in poison] == [
        (1, "organisation.joined is published only by registry; refused on the sessions topic")
    ]


def test_a_long_run_of_one_type_is_split_into_calls_of_at_most_max_run() -> None:
    records = [FakeRecord(_joined(n), n) for n in range(7)]
    runs, _ = plan_runs(records, catalogue, {("organisation.joined", 1): _noop}, max_run=3)
    assert [[r.offset for r in run.records] for run in runs] == [[0, 1, 2], [3, 4, 5], [6]]


async def _other(events: Sequence[InboundEvent[Any]]) -> None:
    return None


def _runs(*spec: tuple[Any, int]) -> list[HandlerRun]:
    """Runs of `size` events for `handler`, offsets counting on from 0."""
    runs, offset = [], 0
    for handler, size in spec:
        run = HandlerRun(handler)
        for _ in range(size):
            value = _joined(offset)
            run.records.append(FakeRecord(value, offset))
            run.events.append(catalogue.parse(value, published_by="registry"))
            offset += 1
        runs.append(run)
    return runs


def test_a_batch_over_several_partitions_is_one_call_per_handler_in_each_partitions_order() -> None:
    runs = {
        "a": _runs((_noop, 3), (_other, 2), (_noop, 1)),
        "b": _runs((_noop, 4)),
        "c": _runs((_other, 5), (_noop, 2)),
    }
    calls = merge_runs(runs)
    shape = [[(k, r.handler, len(r.records)) for k, r in call] for call in calls]
    assert shape == [
        [("a", _noop, 3), ("b", _noop, 4)],
        [("a", _other, 2), ("c", _other, 5)],
        [("a", _noop, 1), ("c", _noop, 2)],
    ]
    for key, partition_runs in runs.items():  # every run once, in its partition's order
        assert [r for call in calls for k, r in call if k == key] == partition_runs


def test_a_merged_call_stays_within_the_largest_call_a_rebalance_waits_for() -> None:
    runs = {p: _runs((_noop, 40)) for p in "abcd"}
    calls = merge_runs(runs, max_run=100)
    assert [sum(len(r.records) for _, r in call) for call in calls] == [80, 80]
