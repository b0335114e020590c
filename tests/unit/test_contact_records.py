"""Contact details as the registry shares them: what a record holds, its key, its tombstone,
and how the outbox carries keyed state (a tombstone is a record with no value)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from services.registry.domain.contact import contact_of, invitation_id
from shared.contracts import contacts
from shared.contracts.contacts import AdminInvitation, MemberContact
from shared.events.topics import CONTACTS_CONFIGS, contacts_topic, member_keys_topic, topics_for
from shared.mongo.outbox_staging import pending_from, stage

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def test_a_members_contact_takes_the_profiles_name_and_zone_over_the_providers() -> None:
    document = {
        "email": "alice@northshore.example",
        "name": "A. Smith (from the provider)",
        "profile": {"display_name": "Alice Smith", "time_zone": "Europe/London", "skills": []},
        "roles": ["member"],
    }
    contact = contact_of("mem_1", "org_1", document, NOW)
    assert contact == MemberContact(
        member_id="mem_1",
        organisation_id="org_1",
        email="alice@northshore.example",
        name="Alice Smith",
        time_zone="Europe/London",
        updated_at=NOW,
    )
    without_profile = contact_of("mem_1", "org_1", {"email": None, "name": "Alice"}, NOW)
    assert without_profile.name == "Alice" and without_profile.email is None
    assert without_profile.time_zone is None


def test_an_invitation_id_is_stable_secret_and_leads_to_no_address() -> None:
    one = invitation_id(b"a" * 32, "org_1", "it-lead@example.org")
    assert one == invitation_id(b"a" * 32, "org_1", "it-lead@example.org")
    assert one != invitation_id(b"b" * 32, "org_1", "it-lead@example.org")
    assert one != invitation_id(b"a" * 32, "org_2", "it-lead@example.org")
    assert one.startswith("inv_") and "example" not in one


def test_records_are_keyed_by_person_and_read_back_by_their_kind() -> None:
    member = MemberContact(
        member_id="mem_1", organisation_id="org_1", email="a@x.org", updated_at=NOW
    )
    invitation = AdminInvitation(
        invitation_id="inv_1",
        organisation_id="org_1",
        organisation_name="Northshore",
        email="b@x.org",
        roles=["organisation_admin"],
        invited_at=NOW,
    )
    for record, key in ((member, "member:mem_1"), (invitation, "invitation:inv_1")):
        state = contacts.published(record)
        assert state.channel == "registry.contacts" and state.key == key
        assert state.value is not None and contacts.parse(state.value) == record
    gone = contacts.tombstone(contacts.member_key("mem_1"))
    assert gone.key == "member:mem_1" and gone.value is None
    with pytest.raises(ValidationError):
        contacts.parse(b'{"record": "something_else"}')


def test_the_outbox_publishes_keyed_state_and_tombstones_on_the_contacts_topic() -> None:
    member = MemberContact(
        member_id="mem_1", organisation_id="org_1", email="a@x.org", updated_at=NOW
    )
    staged = stage(
        [contacts.published(member), contacts.tombstone(contacts.member_key("mem_1"))], "mn"
    )
    pending = pending_from("db", "members", {"_id": "mem_1", "_outbox": staged})
    assert [p.record.topic for p in pending] == ["mn.registry.contacts"] * 2
    assert [p.record.key for p in pending] == [b"member:mem_1"] * 2
    assert pending[0].record.value is not None and b"a@x.org" in pending[0].record.value
    assert pending[1].record.value is None  # the tombstone, in write order after the value


def test_the_contacts_topic_is_compacted_with_a_bound_in_seconds() -> None:
    [spec] = [s for s in topics_for("mn", "registry", 6) if s.name == contacts_topic("mn")]
    assert spec.configs["cleanup.policy"] == "compact"
    assert int(spec.configs["segment.ms"]) <= 60_000
    assert int(spec.configs["max.compaction.lag.ms"]) <= 60_000
    assert spec.configs == CONTACTS_CONFIGS
    # The data keys' topic is compacted and bounded the same way (crypto-shredding).
    [keys] = [s for s in topics_for("mn", "registry", 6) if s.name == member_keys_topic("mn")]
    assert keys.configs == CONTACTS_CONFIGS
    others = [s for s in topics_for("mn", "registry", 6) if s.name not in (spec.name, keys.name)]
    assert all(s.configs["cleanup.policy"] == "delete" for s in others)
