"""What a document stores in its outbox, and how the relay reads it back."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.contracts.registry import OrganisationJoined
from shared.events.catalogue import catalogue, new_event
from shared.mongo.outbox_staging import OUTBOX_FIELD, pending_from, stage


def _event(n: int) -> OrganisationJoined:
    return OrganisationJoined(
        organisation_id=f"org_{n:012d}", name=f"Org {n}", joined_at=datetime.now(UTC)
    )


def test_staged_events_keep_their_exact_bytes_topic_and_order() -> None:
    events = [new_event(_event(n), organisation=f"org_{n:012d}") for n in range(5)]
    staged = stage(events, "mn-test")
    document = {"_id": "doc-1", OUTBOX_FIELD: dict(reversed(list(staged.items())))}

    pending = pending_from("db", "coll", document)

    assert [p.event_id for p in pending] == [str(e.id) for e in events]
    assert [p.record.value for p in pending] == [e.to_bytes() for e in events]
    assert {p.record.topic for p in pending} == {"mn-test.registry"}
    assert pending[0].record.key == b"org_000000000000"
    assert all(p.document_id == "doc-1" and p.collection == "coll" for p in pending)
    assert catalogue.parse(pending[0].record.value).envelope == events[0]


def test_a_published_document_has_nothing_pending() -> None:
    assert pending_from("db", "coll", {"_id": 1}) == []
    assert pending_from("db", "coll", {"_id": 1, OUTBOX_FIELD: {}}) == []


def test_one_write_is_one_compressed_pack_smaller_than_its_events() -> None:
    events = [new_event(_event(n), organisation="org_000000000001") for n in range(5)]
    staged = stage(events, "mn-test")
    [entry] = staged.values()
    assert len(entry["packed"]) < sum(len(e.to_bytes()) for e in events) / 2
    pending = pending_from("db", "coll", {"_id": "doc-1", OUTBOX_FIELD: staged})
    assert {p.entry for p in pending} == set(staged)


def test_events_staged_before_packs_are_read_in_order_with_packs() -> None:
    older, newer = (new_event(_event(n), organisation="org_000000000001") for n in range(2))
    before_packs = {
        str(older.id): {
            "seq": 0,
            "at": datetime(2026, 1, 1, tzinfo=UTC),
            "topic": "mn-test.registry",
            "key": older.key.decode(),
            "value": older.to_bytes().decode(),
        }
    }
    document = {"_id": "doc-1", OUTBOX_FIELD: {**stage([newer], "mn-test"), **before_packs}}

    pending = pending_from("db", "coll", document)

    assert [p.event_id for p in pending] == [str(older.id), str(newer.id)]
    assert pending[0].entry == str(older.id)
    assert pending[0].record.value == older.to_bytes()
    assert pending[0].record.key == older.key


def test_a_lone_event_is_stored_as_it_is_under_its_id() -> None:
    event = new_event(_event(1), organisation="org_000000000001")
    staged = stage([event], "mn-test")
    assert list(staged) == [str(event.id)]
    assert staged[str(event.id)]["value"] == event.to_bytes().decode()
