"""The envelope and the catalogue: what becomes an event, and what is poison."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import ClassVar

import pytest

from shared.contracts.registry import OrganisationJoined
from shared.events.catalogue import EventCatalogue, PoisonEventError, catalogue, new_event
from shared.events.envelope import Audience, Envelope, EventData
from shared.events.topics import domain_topic, publisher_of
from shared.logging import causation_id_var, correlation_id_var

JOINED = OrganisationJoined(
    organisation_id="org_aaaaaaaaaaaa", name="Northshore Care Trust", joined_at=datetime.now(UTC)
)


def test_an_event_round_trips_through_bytes() -> None:
    envelope = new_event(JOINED, organisation="org_aaaaaaaaaaaa", audience=Audience.NETWORK)
    parsed = catalogue.parse(envelope.to_bytes())
    assert parsed.envelope == envelope
    assert parsed.data == JOINED
    assert envelope.type == "organisation.joined"
    assert envelope.version == 1
    assert envelope.source == "registry"


def test_new_event_continues_the_current_chain() -> None:
    c = correlation_id_var.set("corr-1")
    k = causation_id_var.set("parent-event")
    try:
        envelope = new_event(JOINED, organisation="org_aaaaaaaaaaaa")
    finally:
        correlation_id_var.reset(c)
        causation_id_var.reset(k)
    assert envelope.correlation_id == "corr-1"
    assert envelope.causation_id == "parent-event"


def test_an_event_outside_any_chain_starts_one() -> None:
    envelope = new_event(JOINED, organisation=None)
    assert envelope.correlation_id == str(envelope.id)
    assert envelope.causation_id is None


def test_the_key_keeps_one_organisations_events_in_order() -> None:
    assert new_event(JOINED, organisation="org_x", subject="m1").key == b"org_x"
    assert new_event(JOINED, organisation=None, subject="m1").key == b"m1"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\x00\xffnot json", "not a valid envelope"),
        (None, "no value"),
        (b'{"type": "organisation.joined"}', "not a valid envelope"),
    ],
)
def test_garbage_is_poison(raw: bytes | None, reason: str) -> None:
    with pytest.raises(PoisonEventError, match=reason):
        catalogue.parse(raw)


def _tampered(**changes: object) -> bytes:
    body = json.loads(new_event(JOINED, organisation="org_a").to_bytes())
    body.update(changes)
    return json.dumps(body).encode()


def test_an_unknown_type_or_version_is_poison() -> None:
    with pytest.raises(PoisonEventError, match="unknown event type"):
        catalogue.parse(_tampered(type="organisation.vanished"))
    with pytest.raises(PoisonEventError, match=r"unknown event type organisation\.joined v9"):
        catalogue.parse(_tampered(version=9))


def test_data_that_does_not_validate_is_poison_and_says_where() -> None:
    with pytest.raises(PoisonEventError, match="name"):
        catalogue.parse(_tampered(data={"organisation_id": "org_a", "joined_at": "2026-01-01"}))


def test_unknown_envelope_fields_and_naive_times_are_refused() -> None:
    with pytest.raises(PoisonEventError):
        catalogue.parse(_tampered(surprise=True))
    with pytest.raises(PoisonEventError):
        catalogue.parse(_tampered(time="2026-11-25T10:00:00"))


def test_a_type_cannot_be_registered_twice_with_different_models() -> None:
    local = EventCatalogue()

    class First(EventData):
        event_type: ClassVar[str] = "thing.happened"
        source: ClassVar[str] = "registry"

    class Second(EventData):
        event_type: ClassVar[str] = "thing.happened"
        source: ClassVar[str] = "registry"

    local.register(First)
    local.register(First)  # the same model again is harmless
    with pytest.raises(ValueError, match="registered twice"):
        local.register(Second)


def test_envelope_rejects_a_malformed_type() -> None:
    with pytest.raises(ValueError, match="type"):
        Envelope(type="Joined", version=1, source="registry", correlation_id="c", data={})


def test_an_event_is_accepted_from_the_topic_of_the_service_that_owns_its_type() -> None:
    parsed = catalogue.parse(_tampered(), published_by="registry")
    assert parsed.data == JOINED


def test_an_event_on_another_services_topic_is_poison() -> None:
    # `organisation.joined` is the registry's: the same bytes on the matching topic are forged.
    with pytest.raises(
        PoisonEventError,
        match=r"organisation\.joined is published only by registry; refused on the matching topic",
    ):
        catalogue.parse(_tampered(), published_by="matching")


def test_an_envelope_naming_another_source_is_poison_even_on_the_owners_topic() -> None:
    with pytest.raises(PoisonEventError, match="names sessions as its source"):
        catalogue.parse(_tampered(source="sessions"), published_by="registry")


def test_the_publisher_of_a_domain_topic_is_its_last_part_whatever_the_prefix() -> None:
    assert publisher_of(domain_topic("mentornet", "matching")) == "matching"
    assert publisher_of(domain_topic("team.a.mentornet", "registry")) == "registry"
