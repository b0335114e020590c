"""Contact details: the one place e-mail addresses leave the registry, which owns them.

They are keyed state on a compacted topic of their own (`<prefix>.registry.contacts`,
`shared.events.topics.CONTACTS_CONFIGS`), never events on a domain topic, because an address
must be gone from the broker once its member is erased, and domain topics keep everything:

- key `member:<member id>`: the member's `MemberContact` (address, how to greet them, their
  time zone), written again whenever one of those changes; a tombstone (no value) on erasure;
- key `invitation:<invitation id>`: an `AdminInvitation` to an address that is no member yet
  (an organisation's first admins, the network's first co-ordinator); a tombstone once it is
  withdrawn or the member who took it up is erased;
- key `~roll`: a tombstone the registry appends to every partition every few seconds, so the
  segment holding an erased address is rolled and compacted even when nothing else is written.

Compaction then removes every earlier value of an erased key within the bound docs/decisions.md
21 states. Consumers (the notifications service) keep their copy in their own database and drop
it on the tombstone, and again on `member.erased`, which the domain topic keeps for good.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from shared.events.keyed_state import KeyedState
from shared.events.topics import CONTACTS_CHANNEL

ROLL_KEY = "~roll"
VERSION = 1
# Every invitation id starts so (a member's never does): the reader tells them apart by id.
INVITATION_ID_PREFIX = "inv_"


class MemberContact(BaseModel):
    """How to reach a member: the value of key `member:<member id>`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    record: Literal["member_contact"] = "member_contact"
    version: int = Field(default=VERSION, ge=1, examples=[1])
    member_id: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])
    organisation_id: str = Field(examples=["org_3f9a1c2b7d4e"])
    email: str | None = Field(
        default=None,
        examples=["alice@northshore-care.example"],
        description="none if their provider gave no address",
    )
    name: str | None = Field(
        default=None,
        examples=["Alice Smith"],
        description="the name on their profile, else the one their provider gave",
    )
    time_zone: str | None = Field(
        default=None, examples=["Europe/London"], description="their profile's IANA zone"
    )
    updated_at: datetime


class AdminInvitation(BaseModel):
    """An invitation to an address that is no member yet: the value of key
    `invitation:<invitation id>`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    record: Literal["admin_invitation"] = "admin_invitation"
    version: int = Field(default=VERSION, ge=1, examples=[1])
    invitation_id: str = Field(examples=["inv_5b2e9c1d7a3f4e60"])
    organisation_id: str = Field(examples=["org_3f9a1c2b7d4e"])
    organisation_name: str = Field(examples=["Northshore Care Trust"])
    email: str = Field(examples=["it-lead@northshore-care.example"])
    roles: list[str] = Field(examples=[["organisation_admin"]])
    invited_at: datetime


ContactRecord = Annotated[MemberContact | AdminInvitation, Field(discriminator="record")]
CONTACT_RECORD: TypeAdapter[MemberContact | AdminInvitation] = TypeAdapter(ContactRecord)


def member_key(member_id: str) -> str:
    """The key of a member's contact details."""
    return f"member:{member_id}"


def invitation_key(invitation_id: str) -> str:
    """The key of an invitation."""
    return f"invitation:{invitation_id}"


def published(record: MemberContact | AdminInvitation) -> KeyedState:
    """The record as the registry's outbox publishes it."""
    key = (
        member_key(record.member_id)
        if isinstance(record, MemberContact)
        else invitation_key(record.invitation_id)
    )
    return KeyedState(CONTACTS_CHANNEL, key, record.model_dump_json().encode())


def tombstone(key: str) -> KeyedState:
    """The deletion of a key (`member_key(...)`, `invitation_key(...)`)."""
    return KeyedState(CONTACTS_CHANNEL, key, None)


def parse(value: bytes) -> MemberContact | AdminInvitation:
    """A record's value read back (pydantic's ValidationError if it is not one)."""
    return CONTACT_RECORD.validate_json(value)
