"""The committed AsyncAPI document is the one the code generates."""

from __future__ import annotations

from pathlib import Path

from shared.events.asyncapi import build, render

DOC = Path(__file__).resolve().parents[2] / "docs" / "asyncapi.json"


def test_the_committed_catalogue_matches_the_code() -> None:
    regenerate = "python -m shared.events.asyncapi --output docs/asyncapi.json"
    assert DOC.read_text() == render(), f"docs/asyncapi.json is stale: run `{regenerate}`"


def test_every_event_is_documented_with_a_summary_and_a_data_schema() -> None:
    messages = build()["components"]["messages"]
    assert "organisation.joined.v1" in messages
    for name, message in messages.items():
        assert message["summary"], name
        if name.startswith("contacts."):  # keyed state, not events: no envelope around it
            assert "member_id" in message["payload"]["properties"] or name.endswith("invitation")
            assert message["payload"]["properties"]["email"], name
        elif name.startswith("keys."):  # members' data keys: keyed state too
            assert "member_id" in message["payload"]["properties"], name
        else:
            assert message["payload"]["properties"]["data"]["properties"], name


def test_contact_details_have_a_compacted_channel_of_their_own() -> None:
    document = build()
    contacts = document["channels"]["contacts"]
    assert contacts["address"] == "{prefix}.registry.contacts"
    assert "cleanup.policy=compact" in contacts["description"]
    assert set(contacts["messages"]) == {"contacts.member_contact", "contacts.admin_invitation"}
    # No event on a domain topic carries an address.
    for name, channel in document["channels"].items():
        if name not in ("contacts", "keys"):
            for ref in channel["messages"]:
                data = document["components"]["messages"][ref]["payload"]["properties"]["data"]
                assert "email" not in data["properties"], ref


def test_data_keys_have_a_channel_of_their_own_and_no_event_names_a_profile_field() -> None:
    document = build()
    keys = document["channels"]["keys"]
    assert keys["address"] == "{prefix}.registry.keys"
    assert set(keys["messages"]) == {"keys.member_key", "keys.key_destroyed"}
    destroyed = document["components"]["messages"]["keys.key_destroyed"]["payload"]
    assert "key" not in destroyed["properties"]
    # The profile travels sealed: no event's schema names a profile's personal field.
    for name, channel in document["channels"].items():
        if name not in ("contacts", "keys"):
            for ref in channel["messages"]:
                data = document["components"]["messages"][ref]["payload"]["properties"]["data"]
                for field in ("display_name", "development_goals", "location", "line_manager_id"):
                    assert field not in data["properties"], (ref, field)
