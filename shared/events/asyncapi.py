"""The event catalogue as an AsyncAPI 3.0 document, generated from the code.

`python -m shared.events.asyncapi --output docs/asyncapi.json` writes it; a unit test fails when the
committed copy no longer matches the code, so the catalogue cannot drift.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import shared.contracts  # noqa: F401 - registers every event model
from shared.contracts.contacts import AdminInvitation, MemberContact
from shared.contracts.member_keys import KeyDestroyed, MemberKey
from shared.events.catalogue import catalogue
from shared.events.envelope import Envelope
from shared.events.topics import CONTACTS_CHANNEL, CONTACTS_CONFIGS, KEYS_CHANNEL, SERVICES


def build() -> dict[str, Any]:
    """The AsyncAPI document for every registered event."""
    models = sorted(catalogue.models(), key=lambda m: (m.source, m.event_type, m.event_version))
    envelope = Envelope.model_json_schema()
    channels: dict[str, Any] = {
        s: {
            "address": f"{{prefix}}.{s}",
            "description": f"Events the {s} service publishes.",
            "parameters": {"prefix": {"default": "mentornet"}},
            "messages": {},
        }
        for s in SERVICES
    }
    messages: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for model in models:
        name = f"{model.event_type}.v{model.event_version}"
        payload = {
            **envelope,
            "title": f"{model.event_type} v{model.event_version}",
            "properties": {
                **envelope["properties"],
                "type": {"const": model.event_type},
                "version": {"const": model.event_version},
                "source": {"const": model.source},
                "data": model.model_json_schema(),
            },
        }
        messages[name] = {
            "name": name,
            "summary": (model.__doc__ or "").strip().split("\n")[0],
            "contentType": "application/json",
            "payload": payload,
        }
        channels[model.source]["messages"][name] = {"$ref": f"#/components/messages/{name}"}
        operations[f"publish.{name}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{model.source}"},
            "messages": [{"$ref": f"#/channels/{model.source}/messages/{name}"}],
        }
    _contact_records(channels, messages, operations)
    _key_records(channels, messages, operations)
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "mentornet events",
            "version": "1",
            "description": (
                "Every event of the network, in its versioned envelope. Keys: the organisation "
                "id (else the subject). Events never carry confidential content."
            ),
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }


def _contact_records(
    channels: dict[str, Any], messages: dict[str, Any], operations: dict[str, Any]
) -> None:
    """The contacts topic: keyed state (not events), compacted, read by notifications only."""
    channels["contacts"] = {
        "address": f"{{prefix}}.{CONTACTS_CHANNEL}",
        "description": (
            "Contact details the registry shares with the notifications service: keyed state, "
            "not events. Key `member:<member id>` or `invitation:<invitation id>`; the value is "
            "the latest record, and a record with no value (a tombstone) deletes the key, so "
            "compaction removes an erased member's address from the topic "
            f"(configs: {', '.join(f'{k}={v}' for k, v in sorted(CONTACTS_CONFIGS.items()))})."
        ),
        "parameters": {"prefix": {"default": "mentornet"}},
        "messages": {},
    }
    for model in (MemberContact, AdminInvitation):
        name = f"contacts.{model.model_fields['record'].default}"
        messages[name] = {
            "name": name,
            "summary": (model.__doc__ or "").strip().split("\n")[0],
            "contentType": "application/json",
            "payload": model.model_json_schema(),
        }
        channels["contacts"]["messages"][name] = {"$ref": f"#/components/messages/{name}"}
        operations[f"publish.{name}"] = {
            "action": "send",
            "channel": {"$ref": "#/channels/contacts"},
            "messages": [{"$ref": f"#/channels/contacts/messages/{name}"}],
        }


def _key_records(
    channels: dict[str, Any], messages: dict[str, Any], operations: dict[str, Any]
) -> None:
    """The keys topic: members' data keys, keyed state, compacted, read by matching only."""
    channels["keys"] = {
        "address": f"{{prefix}}.{KEYS_CHANNEL}",
        "description": (
            "Members' data keys, which open the `sealed` profile in `member.profile_updated`: "
            "keyed state, not events, compacted like the contacts topic. Key "
            "`member:<member id>`: a `member_key` until the member is erased, then a "
            "`key_destroyed` written over it for good, so compaction removes the key."
        ),
        "parameters": {"prefix": {"default": "mentornet"}},
        "messages": {},
    }
    for model in (MemberKey, KeyDestroyed):
        name = f"keys.{model.model_fields['record'].default}"
        messages[name] = {
            "name": name,
            "summary": (model.__doc__ or "").strip().split("\n")[0],
            "contentType": "application/json",
            "payload": model.model_json_schema(),
        }
        channels["keys"]["messages"][name] = {"$ref": f"#/components/messages/{name}"}
        operations[f"publish.{name}"] = {
            "action": "send",
            "channel": {"$ref": "#/channels/keys"},
            "messages": [{"$ref": f"#/channels/keys/messages/{name}"}],
        }


def render() -> str:
    """The document as stable, pretty JSON."""
    return json.dumps(build(), indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Print the catalogue (or write it to --output)."""
    parser = argparse.ArgumentParser(
        prog="python -m shared.events.asyncapi",
        description="Print the network's event catalogue as an AsyncAPI 3.0 document.",
    )
    parser.add_argument("--output", type=Path, help="write to this file instead of stdout")
    args = parser.parse_args(argv)
    if args.output is None:
        sys.stdout.write(render())
    else:
        args.output.write_text(render())
    return 0


if __name__ == "__main__":
    sys.exit(main())
