"""Erasure reaches Kafka: after a member is erased, nothing personal of theirs can be read
from any topic or read model (docs/security.md, "Erasure reaches Kafka").

The attack: someone with read access to the broker (a consumer of any topic, a copy of its
log) reads every topic from the beginning, in the clear, after the erasure, and looks for the
member's display name, goals, location and line manager.

A partner of this module's own — Quillwood Heritage Trust — holds the people, so nobody
else's is erased.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from pydantic import ValidationError
from pymongo import AsyncMongoClient, MongoClient

from deploy.localnet.identity import Person, bearer, sign_in_tokens
from services.matching.adapters.data_keys import DataKeys
from services.matching.adapters.read_model import CandidateReadModel
from shared.contracts import member_keys
from shared.contracts.member_keys import KeyDestroyed, MemberKey
from shared.contracts.registry import (
    FORMER_MEMBER,
    MemberErased,
    MemberProfile,
    MemberProfileUpdated,
)
from shared.events.catalogue import InboundEvent, catalogue
from shared.events.sealing import SealError, key_from_text, key_text
from shared.events.topics import (
    contacts_topic,
    deadletter_topic,
    domain_topic,
    member_keys_topic,
)
from shared.kafka.consumer import EventConsumer
from shared.kafka.producer import EventProducer
from shared.kafka.security import kafka_client_options
from shared.mongo.databases import ServiceDatabases
from shared.tenancy import TenantData
from tests.e2e.conftest import World, connect_partner
from tests.e2e.consumed import topic_end
from tests.e2e.test_first_flow import eventually

NAME = "Quillon Rowanberry"
GOAL = "weave a tapestry of Tregaron"
LOCATION = "Pontrhydfendigaid"
SKILL = "coracle building"
# Compaction removes a destroyed key within about a minute, two at most (docs/decisions.md).
COMPACTION_SECONDS = 240


@dataclass
class Rowan:
    """This module's partner, its people's token responses and member ids."""

    id: str
    tokens: dict[str, dict[str, Any]]
    ids: dict[str, str]


@pytest.fixture(scope="module")
def rowan(world: World, tmp_path_factory: pytest.TempPathFactory) -> Rowan:
    """Quillwood Heritage Trust: an admin; Sorrel, a manager; Quillon, who reports to Sorrel."""
    registry = world.url("registry")
    people = {
        "admin": Person("quillwood-admin", "admin@quillwood.example", "Rowan Admin"),
        "sorrel": Person("quillwood-sorrel", "sorrel@quillwood.example", "Sorrel Rowan"),
        "quill": Person("quillwood-quill", "quill@quillwood.example", NAME),
    }
    organisation_id, _ = connect_partner(
        registry,
        world.coordinator,
        "Quillwood Heritage Trust",
        "heritage",
        list(people.values()),
        [people["admin"].email],
        tmp_path_factory.mktemp("rowan"),
        world.providers,
    )
    tokens = {k: sign_in_tokens(registry, organisation_id, p) for k, p in people.items()}
    ids = {
        k: httpx.get(f"{registry}/me", headers=bearer(t)).json()["id"] for k, t in tokens.items()
    }
    return Rowan(organisation_id, tokens, ids)


def _write_profile(world: World, tokens: dict[str, Any], profile: dict[str, Any]) -> None:
    written = httpx.put(
        f"{world.url('registry')}/me/profile",
        headers=bearer(tokens),
        json={
            "time_zone": "Europe/London",
            "languages": ["en"],
            "meeting_modes": ["video"],
            "sector": "heritage",
            **profile,
        },
    )
    assert written.status_code == 200, written.text


def _mongo(world: World) -> MongoClient[dict[str, Any]]:
    return MongoClient(world.env["MENTORNET_MONGO_URL"], tz_aware=True)


def _matching_candidate(world: World, rowan: Rowan, key: str) -> dict[str, Any] | None:
    database = f"{world.env['MENTORNET_DB_PREFIX']}_matching_o_{rowan.id}"
    with _mongo(world) as mongo:
        return mongo[database]["candidates"].find_one({"_id": rowan.ids[key]})


def every_record(world: World) -> dict[str, list[tuple[bytes | None, bytes | None]]]:
    """(key, value) of every record of every topic of the network, from the beginning to the
    end each topic has now, read as any client with read access could (no group)."""
    prefix = world.env["MENTORNET_TOPIC_PREFIX"] + "."

    async def read() -> dict[str, list[tuple[bytes | None, bytes | None]]]:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=world.env["MENTORNET_KAFKA_BOOTSTRAP"],
            enable_auto_commit=False,
            **kafka_client_options(),
        )
        await consumer.start()
        try:
            topics = sorted(t for t in await consumer.topics() if t.startswith(prefix))
            async with asyncio.timeout(10):
                await consumer._client.set_topics(topics)
                while not all(consumer.partitions_for_topic(t) for t in topics):
                    await consumer._client.force_metadata_update()
            partitions = [
                TopicPartition(t, p) for t in topics for p in consumer.partitions_for_topic(t) or ()
            ]
            consumer.assign(partitions)
            await consumer.seek_to_beginning(*partitions)
            ends = await consumer.end_offsets(partitions)
            found: dict[str, list[tuple[bytes | None, bytes | None]]] = {t: [] for t in topics}

            async def behind() -> bool:
                return any([await consumer.position(tp) < ends[tp] for tp in partitions])

            async with asyncio.timeout(60):
                while await behind():
                    for tp, records in (await consumer.getmany(timeout_ms=500)).items():
                        found[tp.topic] += [(r.key, r.value) for r in records]
            return found
        finally:
            await consumer.stop()

    return asyncio.run(read())


def _in_clear(records: dict[str, list[tuple[bytes | None, bytes | None]]], text: str) -> list[str]:
    """The topics on which `text` can be read as it is."""
    needle = text.encode()
    return sorted(
        topic
        for topic, found in records.items()
        if any(needle in (k or b"") or needle in (v or b"") for k, v in found)
    )


def _manager_beside(
    records: dict[str, list[tuple[bytes | None, bytes | None]]], member: str, manager: str
) -> list[str]:
    """The topics with a record naming both the member and their line manager: who manages
    whom is the member's personal data (the manager's id alone is the manager's)."""
    return sorted(
        topic
        for topic, found in records.items()
        if any(member.encode() in (v or b"") and manager.encode() in (v or b"") for _, v in found)
    )


def test_after_erasure_no_topic_and_no_read_model_holds_the_members_personal_data(
    world: World, rowan: Rowan
) -> None:
    quill, sorrel = rowan.ids["quill"], rowan.ids["sorrel"]
    _write_profile(world, rowan.tokens["sorrel"], {"display_name": "Sorrel Rowan"})
    _write_profile(
        world,
        rowan.tokens["quill"],
        {
            "display_name": NAME,
            "skills": [SKILL],
            "development_goals": [GOAL],
            "location": LOCATION,
            "line_manager_id": sorrel,
        },
    )

    def matching_read_the_profile() -> bool:
        """matching's read model holds Quillon's profile, name and all"""
        candidate = _matching_candidate(world, rowan, "quill")
        return candidate is not None and candidate["profile"]["display_name"] == NAME

    eventually(matching_read_the_profile)
    # Before the erasure: the profile is on the registry's topic, sealed, and the key on the
    # keys topic opens it — the check below could fail.
    records = every_record(world)
    assert _in_clear(records, LOCATION) == []
    keys = _keys_on_topics(records)
    mine = [p for p in _sealed_profiles(records, world.env["MENTORNET_TOPIC_PREFIX"])]
    assert NAME in {p.opened(keys[quill]).display_name for p in mine if p.member_id == quill}
    quills_key = key_text(keys[quill])
    candidate = _matching_candidate(world, rowan, "quill")
    assert candidate is not None
    assert candidate["profile"]["location"] == LOCATION
    assert candidate["profile"]["line_manager_id"] == sorrel

    erased = httpx.delete(
        f"{world.url('registry')}/me",
        params={"confirm": quill},
        headers=bearer(rowan.tokens["quill"]),
    )
    assert erased.status_code == 200, erased.text

    _nothing_left_on_kafka(world, quill, sorrel)
    _nothing_left_in_read_models(world, quill, sorrel, quills_key)
    _replay_reads_a_former_member(world, rowan)


def _nothing_left_on_kafka(world: World, quill: str, sorrel: str) -> None:
    """Read every topic from its beginning until compaction removed the erased member's key
    (and their contact details): from then on nothing of theirs reads in the clear, and no key
    left on any topic opens anything of theirs."""
    prefix = world.env["MENTORNET_TOPIC_PREFIX"]
    compacting = {contacts_topic(prefix), member_keys_topic(prefix)}
    deadline = time.monotonic() + COMPACTION_SECONDS
    while True:
        records = every_record(world)
        for text in (NAME, GOAL, LOCATION, SKILL):
            # Topics that keep everything never held it in the clear at all.
            assert set(_in_clear(records, text)) <= compacting, f"{text!r} is readable on Kafka"
        assert set(_manager_beside(records, quill, sorrel)) <= compacting
        keys = _keys_on_topics(records)
        if quill not in keys and not any(
            _in_clear(records, text) for text in (NAME, GOAL, LOCATION, SKILL)
        ):
            break
        assert time.monotonic() < deadline, "the erased member's key is still on Kafka"
        time.sleep(5)
    sealed = _sealed_profiles(records, prefix)
    assert quill in {p.member_id for p in sealed}  # the events stay; only the key went
    for event in sealed:
        if event.member_id != quill:
            continue
        for key in keys.values():  # any key still on any topic, not just the member's own
            with pytest.raises(SealError):
                event.opened(key)
    # The destroyed key's marker stays on the topic for good, with nothing personal in it.
    assert quill in _destroyed_on_topics(records)


def _keys_on_topics(
    records: dict[str, list[tuple[bytes | None, bytes | None]]],
) -> dict[str, bytes]:
    """Every data key any record of any topic holds, by member (the last one read wins)."""
    keys: dict[str, bytes] = {}
    for found in records.values():
        for _, value in found:
            try:
                record = member_keys.parse(value or b"")
            except ValidationError:
                continue
            if isinstance(record, MemberKey):
                keys[record.member_id] = key_from_text(record.key)
    return keys


def _destroyed_on_topics(records: dict[str, list[tuple[bytes | None, bytes | None]]]) -> set[str]:
    destroyed = set()
    for found in records.values():
        for _, value in found:
            try:
                record = member_keys.parse(value or b"")
            except ValidationError:
                continue
            if isinstance(record, KeyDestroyed):
                destroyed.add(record.member_id)
    return destroyed


def _sealed_profiles(
    records: dict[str, list[tuple[bytes | None, bytes | None]]], prefix: str
) -> list[MemberProfileUpdated]:
    events = []
    for _, value in records[domain_topic(prefix, "registry")]:
        envelope = json.loads(value or b"{}")
        if (envelope.get("type"), envelope.get("version")) == (
            MemberProfileUpdated.event_type,
            MemberProfileUpdated.event_version,
        ):
            events.append(MemberProfileUpdated.model_validate(envelope["data"]))
    return events


def _nothing_left_in_read_models(world: World, quill: str, sorrel: str, key: str) -> None:
    """No document of any service's database holds the member's personal data, nor their
    destroyed data key."""
    prefix = f"{world.env['MENTORNET_DB_PREFIX']}_"

    def held() -> list[str]:
        found = []
        with _mongo(world) as mongo:
            for name in mongo.list_database_names():
                if not name.startswith(prefix):
                    continue
                for collection in mongo[name].list_collection_names():
                    for document in mongo[name][collection].find({}):
                        text = json.dumps(document, default=str)
                        if any(t in text for t in (NAME, GOAL, LOCATION, SKILL, key)) or (
                            quill in text and sorrel in text
                        ):
                            found.append(f"{name}.{collection}")
        return found

    def nowhere() -> bool:
        """no database of any service holds Quillon's personal data"""
        return held() == []

    eventually(nowhere, timeout=30)


def _replay_reads_a_former_member(world: World, rowan: Rowan) -> None:
    """Rebuild matching's candidate read model from the registry topic's beginning, into
    databases of its own, with its own copy of the keys: everybody else's profile opens as
    before; the erased member's events read as a former member's and leave nothing."""
    prefix = world.env["MENTORNET_TOPIC_PREFIX"]
    bootstrap = world.env["MENTORNET_KAFKA_BOOTSTRAP"]
    tag = secrets.token_hex(3)
    replay_db = f"{world.env['MENTORNET_DB_PREFIX']}r{tag}"
    group = f"{prefix}.matching.replay-{tag}"
    ends = topic_end(world, "registry")
    opened: list[MemberProfile] = []

    async def replay() -> None:
        mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            world.env["MENTORNET_MONGO_URL"], tz_aware=True
        )
        keys = DataKeys(bootstrap=bootstrap, topic=member_keys_topic(prefix))
        candidates = CandidateReadModel(TenantData(ServiceDatabases(mongo, replay_db, "m")), keys)
        producer = EventProducer(bootstrap, client_id="replay")
        consumer = EventConsumer(
            bootstrap=bootstrap,
            group_id=group,
            topics=[domain_topic(prefix, "registry")],
            catalogue=catalogue,
            producer=producer,
            deadletter_topic=deadletter_topic(prefix, f"matching-replay-{tag}"),
        )

        async def profiles(events: Sequence[InboundEvent[MemberProfileUpdated]]) -> None:
            for e in events:
                if e.data.member_id == rowan.ids["quill"]:
                    opened.append(e.data.opened(await keys.key_for(e.data.member_id)))
            await candidates.on_profile_updated(events)

        consumer.subscribe(MemberProfileUpdated, profiles)
        consumer.subscribe(MemberErased, candidates.on_erased)
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **kafka_client_options())
        await producer.start()
        await keys.start()
        await consumer.start()
        await admin.start()
        tasks = [asyncio.create_task(keys.run()), asyncio.create_task(consumer.run())]
        try:
            async with asyncio.timeout(120):
                while True:
                    committed = await admin.list_consumer_group_offsets(group)
                    if all(
                        tp in committed and committed[tp].offset >= end
                        for tp, end in ends.items()
                        if end > 0
                    ):
                        break
                    await asyncio.sleep(0.5)
        finally:
            await consumer.stop()
            await keys.stop()
            await asyncio.gather(*tasks, return_exceptions=True)
            await admin.close()
            await producer.stop()
            await mongo.close()

    asyncio.run(replay())
    assert opened, "the replay met none of the erased member's events"
    assert all(p == MemberProfile.former() for p in opened)
    assert all(p.display_name == FORMER_MEMBER for p in opened)
    with _mongo(world) as mongo:
        database = mongo[f"{replay_db}_m_o_{rowan.id}"]
        sorrel = database["candidates"].find_one({"_id": rowan.ids["sorrel"]})
        assert sorrel is not None and sorrel["profile"]["display_name"] == "Sorrel Rowan"
        assert database["candidates"].find_one({"_id": rowan.ids["quill"]}) is None
        assert database["erasures"].find_one({"_id": rowan.ids["quill"]}) is not None
        for name in mongo.list_database_names():
            if name.startswith(replay_db):
                mongo.drop_database(name)
