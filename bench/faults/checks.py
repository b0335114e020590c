"""After the run: every write's record in the sessions store, and its event in the
consumers' read models, read directly from the database.

The store is the truth of what was written: each record the load wrote carries its write's
marker. A write answered 2xx must have exactly one record; a write that got no 2xx may have
none or one (the client cannot know), never two. Every record stored must have its event
exactly once in each consumer that keeps one per write: evaluation's outcome record of the
relationship (its meetings by id; logs written, GROW commitment ratings and messages counted)
and notifications' unread-message digest items (one per message and other party, by id).
Counts are compared against a snapshot of the same records taken before the load."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pymongo import MongoClient

from bench.faults.load import Write

# Where each kind of write is stored in sessions, and the field holding the marker.
STORED: dict[str, tuple[str, str]] = {
    "message": ("messages", "text"),
    "meeting": ("meetings", "location"),
    "log": ("meeting_logs", "topics"),
    "plan": ("grow_notes", "goal"),
}
# Per relationship, evaluation's counts of what the writes cause.
COUNTED = ("messages", "logs", "ratings")

Document = dict[str, Any]


@dataclass
class Outcome:
    """What the checks found."""

    accepted: int = 0
    not_stored: int = 0  # answered 2xx, no record
    doubled_records: int = 0  # records beyond one for a write
    stored_without_2xx: int = 0  # no 2xx answer, one record (allowed)
    events_missing: Counter[str] = field(default_factory=Counter)  # per consumer
    events_doubled: Counter[str] = field(default_factory=Counter)

    @property
    def lost(self) -> int:
        """Writes answered 2xx whose record or whose event somewhere is missing."""
        return self.not_stored + sum(self.events_missing.values())

    @property
    def doubled(self) -> int:
        """Records or events more than once."""
        return self.doubled_records + sum(self.events_doubled.values())


def _databases(client: MongoClient[Document], prefix: str, service: str) -> list[str]:
    base = f"{prefix}_{service}_"
    return [n for n in client.list_database_names() if n.startswith(base)]


def _marker_of(kind: str, document: Document) -> str | None:
    value = document.get(STORED[kind][1])
    if isinstance(value, list):
        value = value[0] if value else None
    return value if isinstance(value, str) else None


def stored_records(client: MongoClient[Document], prefix: str) -> dict[str, list[Document]]:
    """Every record carrying a bench marker, by marker (with its kind under `_kind`)."""
    found: dict[str, list[Document]] = {}
    for name in _databases(client, prefix, "sessions"):
        for kind, (collection, _) in STORED.items():
            for document in client[name][collection].find({}):
                marker = _marker_of(kind, document)
                if marker and marker.startswith("fb-"):
                    found.setdefault(marker, []).append({**document, "_kind": kind})
    return found


def evaluation_facts(client: MongoClient[Document], prefix: str) -> dict[str, Document]:
    """Evaluation's outcome record of every relationship (live generation), by id."""
    network = client[f"{prefix}_evaluation_network"]
    pointer = network["outcome_generation"].find_one({"_id": "current"})
    generation = int(pointer["generation"]) if pointer else 0
    facts: dict[str, Document] = {}
    for name in _databases(client, prefix, "evaluation"):
        for document in client[name][f"outcome_g{generation}_relationships"].find({}):
            facts[str(document["_id"])] = document
    return facts


def counts(facts: Document | None) -> dict[str, int]:
    """What evaluation has counted in one relationship."""
    if facts is None:
        return dict.fromkeys(COUNTED, 0)
    return {
        "messages": sum(int(v) for v in (facts.get("messages") or {}).values()),
        "logs": len(facts.get("logs_written") or {}),
        "ratings": len(facts.get("commitment") or {}),
    }


def digest_items(client: MongoClient[Document], prefix: str) -> set[str]:
    """The ids of every item waiting in notifications' digests."""
    collection = client[f"{prefix}_notifications_network"]["digest_items"]
    return {str(d["_id"]) for d in collection.find({}, projection={"_id": 1})}


@dataclass
class Found:
    """What the database holds: the bench's records by marker, evaluation's relationship
    records by id, notifications' digest item ids."""

    records: dict[str, list[Document]]
    facts: dict[str, Document]
    items: set[str]


def read(mongo_url: str, prefix: str) -> Found:
    """Everything the checks compare, read directly from the database."""
    client: MongoClient[Document] = MongoClient(mongo_url, tz_aware=True)
    try:
        return Found(
            stored_records(client, prefix),
            evaluation_facts(client, prefix),
            digest_items(client, prefix),
        )
    finally:
        client.close()


def check(
    mongo_url: str,
    prefix: str,
    writes: Iterable[Write],
    before: dict[str, dict[str, int]],
    parties: dict[str, list[str]],
) -> Outcome:
    """Compare what was written with what is stored and what the consumers hold."""
    return compare(writes, read(mongo_url, prefix), before, parties)


def compare(
    writes: Iterable[Write],
    found: Found,
    before: dict[str, dict[str, int]],
    parties: dict[str, list[str]],
) -> Outcome:
    """The comparison itself. `before`: evaluation's counts per relationship before the
    load; `parties`: each relationship's member ids."""
    records, facts, items = found.records, found.facts, found.items
    outcome = Outcome()
    expected: dict[str, Counter[str]] = {}
    meetings: dict[str, set[str]] = {}
    for write in writes:
        stored = records.get(write.marker, [])
        if write.accepted:
            outcome.accepted += 1
            if not stored:
                outcome.not_stored += 1
        elif len(stored) == 1:
            outcome.stored_without_2xx += 1
        outcome.doubled_records += max(0, len(stored) - 1)
        for document in stored:
            tally = expected.setdefault(write.relationship, Counter())
            if write.kind == "message":
                tally["messages"] += 1
                _check_digest(document, write, parties, items, outcome)
            elif write.kind == "log":
                tally["logs"] += 1
            elif write.kind == "plan":
                tally["ratings"] += 1
            else:
                meetings.setdefault(write.relationship, set()).add(str(document["_id"]))
    for relationship, tally in expected.items():
        now = counts(facts.get(relationship))
        was = before.get(relationship, dict.fromkeys(COUNTED, 0))
        for what in COUNTED:
            difference = now[what] - was[what] - tally[what]
            if difference < 0:
                outcome.events_missing[f"evaluation {what}"] += -difference
            elif difference > 0:
                outcome.events_doubled[f"evaluation {what}"] += difference
    for relationship, ids in meetings.items():
        held = set((facts.get(relationship) or {}).get("meetings") or {})
        missing = len(ids - held)
        if missing:
            outcome.events_missing["evaluation meetings"] += missing
    return outcome


def _check_digest(
    document: Document,
    write: Write,
    parties: dict[str, list[str]],
    items: set[str],
    outcome: Outcome,
) -> None:
    """One unread item per other party of the relationship (ids make doubles impossible)."""
    thread = str(document["_id"]).split(":")[1]
    number = int(document["number"])
    for member in parties.get(write.relationship, []):
        if member == write.author:
            continue
        if f"unread:{member}:relationship:{thread}:{number}" not in items:
            outcome.events_missing["notifications unread items"] += 1


def snapshot(mongo_url: str, prefix: str) -> dict[str, dict[str, int]]:
    """Evaluation's counts per relationship now (before the load)."""
    client: MongoClient[Document] = MongoClient(mongo_url, tz_aware=True)
    try:
        return {r: counts(f) for r, f in evaluation_facts(client, prefix).items()}
    finally:
        client.close()
