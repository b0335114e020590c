"""The guards checked in Python (`shared.mongo.conditions`) decide as the real server does,
on documents and conditions shaped like the ones our guarded updates use — except where
FerretDB v1 itself departs from MongoDB, where they decide as MongoDB does."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pymongo import AsyncMongoClient

from shared.mongo.conditions import UnsupportedConditionError, matches
from shared.mongo.databases import Document
from shared.settings import ServiceSettings

DOCUMENTS: list[Document] = [
    {"_id": "empty"},
    {"_id": "nulls", "issuer": None, "subject": None, "achieved_at": None},
    {"_id": "set", "issuer": "https://idp", "achieved_at": datetime(2027, 1, 1, tzinfo=UTC)},
    {"_id": "erased", "erased_at": datetime(2027, 1, 2, tzinfo=UTC), "status": "active"},
    {"_id": "versioned", "version": 3, "in_force": False, "flag": True, "count": 1},
    {
        "_id": "members",
        "members": [
            {"member_id": "m1", "organisation_id": "o1"},
            {"member_id": "m2", "organisation_id": "o2"},
        ],
    },
    {"_id": "full", "members": [{"member_id": f"m{n}", "organisation_id": "o"} for n in range(4)]},
    {"_id": "no-members", "members": []},
    {"_id": "tags", "participants": ["a", "b"], "status": "active", "phase": "progression"},
    {"_id": "signed", "in_force": False, "signatures": {"a": {"at": 1}, "b": {"at": 2}}},
    {"_id": "half", "in_force": False, "signatures": {"a": {"at": 1}}},
]

CONDITIONS: list[Document] = [
    {"issuer": None, "subject": None},
    {"achieved_at": None},
    {"erased_at": {"$exists": False}},
    {"erased_at": {"$exists": True}},
    {"status": "active"},
    {"status": "active", "phase": "progression"},
    {"version": 3},
    {"version": 2},
    {"in_force": False},
    {"flag": 1},
    {"count": True},
    {"count": 1.0},
    {"members.3": {"$exists": False}},
    {"members.1": {"$exists": True}},
    {"members.member_id": {"$ne": "m2"}},
    {"members.member_id": "m2"},
    {"members.organisation_id": {"$ne": "o"}},
    {"participants": "a"},
    {"participants": {"$ne": "c"}},
    {"in_force": False, "signatures.a": {"$exists": True}, "signatures.b": {"$exists": True}},
    {"status": {"$eq": "active"}},
    {"missing.deeper": None},
]


# FerretDB 1.24 matches `$ne` through an array of sub-documents when any element differs;
# MongoDB matches only when no element equals ("$ne ... for arrays: no element is equal").
# These (document, condition) pairs are where the server we test against is wrong.
FERRETDB_DEPARTS = {
    ("members", "{'members.member_id': {'$ne': 'm2'}}"),
    ("full", "{'members.member_id': {'$ne': 'm2'}}"),
}


async def test_every_condition_decides_as_the_server_does(
    settings: ServiceSettings, mongo: AsyncMongoClient[Document]
) -> None:
    collection = mongo[f"{settings.db_prefix}_guards"]["documents"]
    await collection.insert_many([dict(d) for d in DOCUMENTS])
    disagreements = []
    decided = 0
    for condition in CONDITIONS:
        for document in DOCUMENTS:
            server = await collection.count_documents({**condition, "_id": document["_id"]})
            ours = matches(document, condition)
            decided += 1
            if ours != bool(server):
                disagreements.append((document["_id"], str(condition), ours))
    # Where they differ, the server is FerretDB being wrong, and ours says MongoDB's "no".
    assert {(d, c) for d, c, _ in disagreements} <= FERRETDB_DEPARTS
    assert all(ours is False for _, _, ours in disagreements)
    assert decided == len(CONDITIONS) * len(DOCUMENTS)


def test_an_operator_it_does_not_know_is_refused_not_guessed() -> None:
    for condition in ({"n": {"$lt": 3}}, {"$or": [{"a": 1}]}, {"tags": {"$in": ["x"]}}):
        with pytest.raises(UnsupportedConditionError):
            matches({"_id": "x", "n": 1}, condition)
