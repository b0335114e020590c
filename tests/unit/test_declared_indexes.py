"""Every query a service makes other than by `_id` has an index declared for MongoDB proper
(`shared.mongo.indexes`, listed in docs/operations.md): a store that starts filtering on a
field no declared index leads fails here, until its index is declared.

Read from the source (tests/unit/query_filters.py): a filter is served when one of its fields
leads an index declared on the collection the call reaches (or one of the shared ones every
service creates), its `_id` is in it, or each of its `$or` branches is served. Where the source
does not say which collection a call reaches (a collection passed in, a helper's), an index of
the service on any collection leading with the field counts. A filter this reading cannot
resolve must be named below with why it is served.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from services.evaluation.adapters.indexes import EVALUATION_INDEXES
from services.matching.adapters.indexes import MATCHING_INDEXES
from services.notifications.adapters.indexes import NOTIFICATIONS_INDEXES
from services.registry.adapters.indexes import REGISTRY_INDEXES
from services.sessions.adapters.indexes import SESSIONS_INDEXES
from shared.mongo.indexes import CLAIMS_INDEXES, SHARED_LEADING, Index, Kept
from tests.unit.query_filters import Filter, filters_in

ROOT = Path(__file__).resolve().parents[2]

DECLARED: dict[str, list[Index]] = {
    "registry": REGISTRY_INDEXES,
    "matching": MATCHING_INDEXES,
    "sessions": SESSIONS_INDEXES,
    "evaluation": EVALUATION_INDEXES,
    "notifications": NOTIFICATIONS_INDEXES,
    "portal": [],  # its store finds sessions and sign-in attempts by `_id` alone
}

# Filters the reading cannot resolve, by "path:function", and why each is served.
UNRESOLVED = {
    "services/sessions/adapters/message_store.py:summary": "`thread.scope` is thread_kind and "
    "the thread's id: the `thread_kind, <kind>_id, number` indexes",
    "services/evaluation/adapters/outcome_store.py:load": "each query is `_id $in` or "
    "`party_ids` (`mention_indexes`, per generation)",
    "services/notifications/adapters/timetable.py:unplan": "its filter is its callers' "
    "keyword arguments, read at each call",
    "services/notifications/adapters/timetable.py:uncollect": "its filter is its callers' "
    "keyword arguments, read at each call",
    "shared/mongo/numbered.py:blank": "its filter is its callers', read at each call",
    "services/portal/adapters/signed_in.py:current": "`WebSessions.find`, by `_id`: not a "
    "collection's find",
}


def _modules(service: str) -> list[Path]:
    return sorted(
        p
        for p in (ROOT / "services" / service).rglob("*.py")
        if "domain" not in p.parts and "web" not in p.parts
    )


def _shared() -> list[Path]:
    return sorted((ROOT / "shared").rglob("*.py"))


def _unserved(paths: list[Path], declared: list[Index]) -> list[Filter]:
    anywhere = {i.fields[0] for i in declared} | SHARED_LEADING
    on: dict[str, set[str]] = {}
    for index in declared:
        on.setdefault(index.collection, set(SHARED_LEADING)).add(index.fields[0])
    return [
        f
        for path in paths
        for f in filters_in(path, ROOT)
        if not f.served_by(anywhere if f.collection is None else on.get(f.collection, set()))
        and f"{f.where.split(':')[0]}:{f.function}" not in UNRESOLVED
    ]


@pytest.mark.parametrize("service", sorted(DECLARED))
def test_every_query_of_a_service_has_its_index_declared(service: str) -> None:
    unserved = _unserved(_modules(service), DECLARED[service])
    assert not unserved, "\n".join(f"{f.where} {f.function}: {f.named()}" for f in unserved)


def test_every_query_of_the_shared_code_has_its_index_declared_for_every_service() -> None:
    # Shared code runs in every service: only the declarations every service gets count.
    unserved = _unserved(_shared(), CLAIMS_INDEXES)
    assert not unserved, "\n".join(f"{f.where} {f.function}: {f.named()}" for f in unserved)


def test_a_query_on_a_field_no_index_leads_is_found(tmp_path: Path) -> None:
    # The check can fail: a store filtering on an undeclared field is reported, and so is
    # one whose field is indexed on another collection than the one it reaches.
    package = ROOT / "tests" / "unit"
    module = package / f"_store_{tmp_path.name.replace('-', '_')}.py"
    module.write_text(
        "PAINTS = 'paints'\n"
        "async def by_colour(collection, colour):\n"
        "    return await collection.find({'colour': colour}).to_list()\n"
        "async def by_id(collection, thing_id):\n"
        "    return await collection.find_one({'_id': thing_id, 'colour': 'red'})\n"
        "async def paints_by_colour(data, colour):\n"
        "    paints = data.network(PAINTS)\n"
        "    return await paints.find({'colour': colour}).to_list()\n"
    )
    try:
        found = list(filters_in(module, ROOT))
        nothing = _unserved([module], [])
        brushes = _unserved([module], [Index("brushes", ("colour",), Kept.NETWORK, "t")])
        paints = _unserved([module], [Index("paints", ("colour",), Kept.NETWORK, "t")])
    finally:
        module.unlink()
    assert [f.fields for f in found] == [{"colour"}, {"_id", "colour"}, {"colour"}]
    assert [f.collection for f in found] == [None, None, "paints"]
    assert [f.function for f in nothing] == ["by_colour", "paints_by_colour"]
    assert [f.function for f in brushes] == ["paints_by_colour"]
    assert paints == []


def test_declared_indexes_are_listed_in_the_operations_guide() -> None:
    guide = (ROOT / "docs" / "operations.md").read_text()
    section = guide.split("## Indexes for MongoDB proper", 1)[1].split("\n## ", 1)[0]
    for service, declared in DECLARED.items():
        for index in declared:
            assert index.collection in section, (service, index.collection)
            assert f"`{index.fields[0].split('.')[0]}" in section, (service, index)
