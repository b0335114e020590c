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
        assert message["payload"]["properties"]["data"]["properties"], name
