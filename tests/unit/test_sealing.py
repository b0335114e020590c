"""Crypto-shredding's pure rules: sealing under a member's data key, the sealed profile event,
the keys topic's records, and how matching's key reader treats them
(docs/decisions.md "Erasure reaches Kafka")."""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime

import pytest

from services.matching.adapters.data_keys import DataKeys
from services.registry.domain.export import tombstone_update
from shared.contracts import member_keys
from shared.contracts.contacts import ROLL_KEY
from shared.contracts.member_keys import KeyDestroyed, MemberKey
from shared.contracts.registry import (
    FORMER_MEMBER,
    AvailabilityWindow,
    MemberProfile,
    MemberProfileUpdated,
)
from shared.events.catalogue import catalogue, new_event
from shared.events.sealing import (
    KEY_BYTES,
    SealError,
    key_from_text,
    key_text,
    new_data_key,
    seal,
    unseal,
)
from shared.events.topics import KEYS_CHANNEL

MEMBER = "mem_4b1f0c9e2d7a6b35"
OTHER = "mem_0c1d2e3f4a5b6c7d"
ORG = "org_3f9a1c2b7d4e"
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)

PROFILE = MemberProfile(
    display_name="Alice Smith",
    skills=["service design"],
    development_goals=["lead a team through change"],
    sector="health",
    location="Leeds, UK",
    time_zone="Europe/London",
    languages=["en"],
    availability=[AvailabilityWindow(day="tue", start="09:00", end="11:30")],
    meeting_modes=["video"],
    mentor_capacity=2,
    line_manager_id=OTHER,
    share_across_organisations=True,
)
PERSONAL = ("Alice Smith", "service design", "lead a team through change", "Leeds, UK", OTHER)


def test_a_sealed_value_opens_under_its_key_and_context_only() -> None:
    key = new_data_key()
    assert len(key) == KEY_BYTES
    sealed = seal(key, b"Alice Smith", b"ctx")
    assert unseal(key, sealed, b"ctx") == b"Alice Smith"
    assert b"Alice" not in base64.urlsafe_b64decode(sealed)
    assert seal(key, b"Alice Smith", b"ctx") != sealed  # a fresh nonce every time
    with pytest.raises(SealError):
        unseal(new_data_key(), sealed, b"ctx")
    with pytest.raises(SealError):
        unseal(key, sealed, b"another context")


def test_tampered_cut_or_garbled_sealed_text_is_refused() -> None:
    key = new_data_key()
    raw = bytearray(base64.urlsafe_b64decode(seal(key, b"x" * 40, b"ctx")))
    raw[20] ^= 1
    for broken in (
        base64.urlsafe_b64encode(bytes(raw)).decode(),
        seal(key, b"x", b"ctx")[:20],
        "not base64 at all!",
        "",
    ):
        with pytest.raises(SealError):
            unseal(key, broken, b"ctx")


def test_a_key_survives_its_text_form_and_nothing_else_passes_for_one() -> None:
    key = new_data_key()
    assert key_from_text(key_text(key)) == key
    for text in ("", "abc", key_text(b"short"), "!!!!"):
        with pytest.raises(SealError):
            key_from_text(text)


def test_the_profile_event_carries_ids_in_the_clear_and_nothing_personal() -> None:
    assert set(MemberProfileUpdated.model_fields) == {"member_id", "organisation_id", "sealed"}
    key = new_data_key()
    envelope = new_event(
        MemberProfileUpdated.of(MEMBER, ORG, PROFILE, key), organisation=ORG, subject=MEMBER
    )
    wire = envelope.to_bytes()
    for text in PERSONAL:
        assert text.encode() not in wire
    parsed = catalogue.parse(wire)
    assert isinstance(parsed.data, MemberProfileUpdated)
    assert (parsed.envelope.type, parsed.envelope.version) == ("member.profile_updated", 2)
    assert parsed.data.opened(key) == PROFILE


def test_a_profile_sealed_for_one_member_does_not_open_as_anothers() -> None:
    key = new_data_key()
    event = MemberProfileUpdated.of(MEMBER, ORG, PROFILE, key)
    moved = event.model_copy(update={"member_id": OTHER})
    with pytest.raises(SealError):
        moved.opened(key)
    elsewhere = event.model_copy(update={"organisation_id": "org_0a1b2c3d4e5f"})
    with pytest.raises(SealError):
        elsewhere.opened(key)


def test_without_its_key_a_profile_reads_as_a_former_members() -> None:
    event = MemberProfileUpdated.of(MEMBER, ORG, PROFILE, new_data_key())
    former = event.opened(None)
    assert former == MemberProfile.former()
    assert former.display_name == FORMER_MEMBER
    assert former.skills == former.development_goals == former.languages == []
    assert former.location is None and former.line_manager_id is None
    assert former.mentor_capacity == 0 and former.share_across_organisations is False


def test_key_records_and_the_destroyed_marker() -> None:
    key = new_data_key()
    record = MemberKey(member_id=MEMBER, organisation_id=ORG, key=key_text(key), created_at=NOW)
    state = member_keys.published(record)
    assert (state.channel, state.key) == (KEYS_CHANNEL, f"member:{MEMBER}")
    assert state.value is not None and member_keys.parse(state.value) == record
    destroyed = member_keys.published(
        KeyDestroyed(member_id=MEMBER, organisation_id=ORG, destroyed_at=NOW)
    )
    assert destroyed.key == state.key  # written over the key, so compaction removes it
    assert destroyed.value is not None
    assert key_text(key).encode() not in destroyed.value
    assert isinstance(member_keys.parse(destroyed.value), KeyDestroyed)


def _key_value(member: str, key: bytes) -> bytes:
    record = MemberKey(member_id=member, organisation_id=ORG, key=key_text(key), created_at=NOW)
    value = member_keys.published(record).value
    assert value is not None
    return value


def _destroyed_value(member: str) -> bytes:
    value = member_keys.published(
        KeyDestroyed(member_id=member, organisation_id=ORG, destroyed_at=NOW)
    ).value
    assert value is not None
    return value


def test_the_key_reader_answers_known_and_destroyed_keys_and_destroyed_is_final() -> None:
    keys = DataKeys(bootstrap="unused:9092", topic="t")
    mine, theirs = new_data_key(), new_data_key()
    keys._apply(f"member:{MEMBER}".encode(), _key_value(MEMBER, mine))
    keys._apply(f"member:{OTHER}".encode(), _key_value(OTHER, theirs))
    keys._apply(ROLL_KEY.encode(), None)
    keys._apply(b"member:mem_x", b"not a record")
    keys._apply(f"member:{OTHER}".encode(), _destroyed_value(OTHER))
    # A key record read after the marker (one the relay had in flight) does not bring it back.
    keys._apply(f"member:{OTHER}".encode(), _key_value(OTHER, theirs))

    async def answers() -> tuple[bytes | None, bytes | None]:
        return await keys.key_for(MEMBER), await keys.key_for(OTHER)

    assert asyncio.run(answers()) == (mine, None)


def test_the_tombstone_unsets_the_data_key_even_when_the_read_missed_it() -> None:
    update = tombstone_update({"_id": MEMBER, "organisation_id": ORG}, NOW, MEMBER)
    assert "_data_key" in update["$unset"]
