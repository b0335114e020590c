"""bench/faults' checks find what they are there to find: a write lost from the store, a
record written twice, an event missing or counted twice in a consumer's read model."""

from __future__ import annotations

from typing import Any

from bench.faults.checks import Found, compare
from bench.faults.load import Write

REL = "rel_0123456789abcdef"
MENTOR, MENTEE = "mem_mentor", "mem_mentee"
PARTIES = {REL: [MENTOR, MENTEE]}
BEFORE = {REL: {"messages": 3, "logs": 1, "ratings": 0}}


def _write(kind: str, n: int, status: int | None = 201) -> Write:
    return Write(kind, REL, MENTEE, f"fb-t-faults-{n}", "faults", status=status)


def _message(number: int) -> dict[str, Any]:
    return {"_id": f"relationship:{REL}:{number:010d}", "number": number, "_kind": "message"}


def _found(records: dict[str, list[dict[str, Any]]], **facts: Any) -> Found:
    base: dict[str, Any] = {
        "messages": {"2027-03": 3},
        "logs_written": {"evt_0": "x"},
        "commitment": {},
        "meetings": {},
    }
    # The other party's unread item for every message, by the id notifications gives it.
    items = {
        f"unread:{MENTOR}:relationship:{REL}:{d['number']}"
        for docs in records.values()
        for d in docs
        if d["_kind"] == "message"
    }
    return Found(records, {REL: {**base, **facts}}, items)


def test_everything_in_place_is_neither_lost_nor_doubled() -> None:
    writes = [_write("message", 1), _write("log", 2), _write("meeting", 3)]
    records = {
        "fb-t-faults-1": [_message(4)],
        "fb-t-faults-2": [{"_id": "log:x:1", "_kind": "log"}],
        "fb-t-faults-3": [{"_id": f"meeting:{REL}:0000000001", "_kind": "meeting"}],
    }
    found = _found(
        records,
        messages={"2027-03": 4},
        logs_written={"evt_0": "x", "evt_1": "y"},
        meetings={f"meeting:{REL}:0000000001": {}},
    )
    outcome = compare(writes, found, BEFORE, PARTIES)
    assert (outcome.accepted, outcome.lost, outcome.doubled) == (3, 0, 0)


def test_a_write_answered_2xx_without_its_record_is_lost() -> None:
    outcome = compare([_write("log", 1)], _found({}), BEFORE, PARTIES)
    assert outcome.not_stored == 1 and outcome.lost == 1


def test_a_record_written_twice_is_doubled_and_so_are_its_counts() -> None:
    records = {"fb-t-faults-1": [_message(4), _message(5)]}
    found = _found(records, messages={"2027-03": 5})
    outcome = compare([_write("message", 1)], found, BEFORE, PARTIES)
    assert outcome.doubled_records == 1 and outcome.lost == 0


def test_an_event_missing_or_counted_twice_in_evaluation_is_found() -> None:
    records = {"fb-t-faults-1": [{"_id": "log:x:1", "_kind": "log"}]}
    missing = compare([_write("log", 1)], _found(records), BEFORE, PARTIES)
    assert missing.events_missing["evaluation logs"] == 1 and missing.lost == 1
    twice = _found(records, logs_written={"evt_0": "x", "evt_1": "y", "evt_2": "z"})
    doubled = compare([_write("log", 1)], twice, BEFORE, PARTIES)
    assert doubled.events_doubled["evaluation logs"] == 1 and doubled.doubled == 1


def test_a_message_without_its_unread_item_is_lost() -> None:
    records = {"fb-t-faults-1": [_message(4)]}
    found = _found(records, messages={"2027-03": 4})
    found.items.clear()
    outcome = compare([_write("message", 1)], found, BEFORE, PARTIES)
    assert outcome.events_missing["notifications unread items"] == 1


def test_a_write_without_an_answer_may_be_stored_once() -> None:
    records = {"fb-t-faults-1": [{"_id": "log:x:1", "_kind": "log"}]}
    found = _found(records, logs_written={"evt_0": "x", "evt_1": "y"})
    outcome = compare([_write("log", 1, status=None)], found, BEFORE, PARTIES)
    assert outcome.stored_without_2xx == 1 and outcome.lost == 0 and outcome.accepted == 0
