"""Members' data keys: what opens the personal part of their events, until they are erased.

Keyed state on a compacted topic of the registry's own (`<prefix>.registry.keys`, configured
and rolled like the contacts topic: `shared.events.topics.CONTACTS_CONFIGS`):

- key `member:<member id>`: a `MemberKey` — the member's data key, published once, in the same
  write that makes it (a profile's first write, or the bulk import that creates the member);
- on erasure the same key gets a `KeyDestroyed` (no key material), in the same write as the
  member's tombstone and `member.erased`. Compaction then removes the earlier `MemberKey`
  from the broker within the bound docs/decisions.md states, and the marker stays for good,
  so a reader tells "destroyed" (the member reads as a former member) from "not here yet"
  (wait for it) however late it starts;
- key `~roll`: the contacts topic's roll marker (`shared.contracts.contacts.ROLL_KEY`),
  appended to every partition every few seconds so compaction never waits for traffic.

Readers keep keys in memory only, read from the topic's beginning at every start.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from shared.events.keyed_state import KeyedState
from shared.events.topics import KEYS_CHANNEL

VERSION = 1


class MemberKey(BaseModel):
    """A member's data key: the value of key `member:<member id>` while they are a member."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    record: Literal["member_key"] = "member_key"
    version: int = Field(default=VERSION, ge=1, examples=[1])
    member_id: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])
    organisation_id: str = Field(examples=["org_3f9a1c2b7d4e"])
    key: str = Field(description="URL-safe base64 of 32 random bytes (AES-256-GCM)")
    created_at: datetime


class KeyDestroyed(BaseModel):
    """The member was erased and their key destroyed: the value of `member:<member id>` for
    good. Holds no key and nothing personal."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    record: Literal["key_destroyed"] = "key_destroyed"
    version: int = Field(default=VERSION, ge=1, examples=[1])
    member_id: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])
    organisation_id: str = Field(examples=["org_3f9a1c2b7d4e"])
    destroyed_at: datetime


KeyRecord = Annotated[MemberKey | KeyDestroyed, Field(discriminator="record")]
KEY_RECORD: TypeAdapter[MemberKey | KeyDestroyed] = TypeAdapter(KeyRecord)


def member_key(member_id: str) -> str:
    """The record key of a member's data key."""
    return f"member:{member_id}"


def published(record: MemberKey | KeyDestroyed) -> KeyedState:
    """The record as the registry's outbox publishes it."""
    return KeyedState(KEYS_CHANNEL, member_key(record.member_id), record.model_dump_json().encode())


def parse(value: bytes) -> MemberKey | KeyDestroyed:
    """A record's value read back (pydantic's ValidationError if it is not one)."""
    return KEY_RECORD.validate_json(value)
