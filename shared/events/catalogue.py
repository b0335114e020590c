"""Which event types exist, at which versions, with which data model.

A consumer turns bytes into a typed event only through here; anything that does not parse,
is of an unknown type or version, or whose data does not validate is a poison event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import ValidationError

from shared.events.envelope import Audience, Envelope, EventData
from shared.logging import causation_id_var, correlation_id_var
from shared.randomness import random_uuid

D = TypeVar("D", bound=EventData)


class PoisonEventError(ValueError):
    """Bytes that can never become a valid event, however often they are retried."""


@dataclass(frozen=True)
class InboundEvent(Generic[D]):
    """An event as a handler receives it: the envelope and its validated data."""

    envelope: Envelope
    data: D


class EventCatalogue:
    """The registry of event types to their data models."""

    def __init__(self) -> None:
        self._models: dict[tuple[str, int], type[EventData]] = {}

    def register(self, model: type[D]) -> type[D]:
        """Add a data model; usable as a class decorator."""
        key = (model.event_type, model.event_version)
        existing = self._models.get(key)
        if existing is not None and existing is not model:
            raise ValueError(f"event {key} is registered twice")
        self._models[key] = model
        return model

    def models(self) -> list[type[EventData]]:
        """Every registered data model, for documentation and contract tests."""
        return list(self._models.values())

    def parse(
        self, raw: bytes | None, *, published_by: str | None = None
    ) -> InboundEvent[EventData]:
        """Bytes from Kafka to a typed event, or PoisonEventError saying why not.

        `published_by` is the service whose topic the bytes were read from: an event type is
        accepted only from the topic of the service that owns it (its model's `source`), with
        an envelope naming that service. Kafka's ACLs let only that service write there, so an
        event of another's type on it is forged (or a bug), and never applied.
        """
        if raw is None:
            raise PoisonEventError("the record has no value")
        try:
            envelope = Envelope.model_validate_json(raw)
        except ValidationError as exc:
            raise PoisonEventError(f"not a valid envelope: {_summary(exc)}") from exc
        model = self._models.get((envelope.type, envelope.version))
        if model is None:
            raise PoisonEventError(f"unknown event type {envelope.type} v{envelope.version}")
        if published_by is not None:
            _check_publisher(envelope, model.source, published_by)
        try:
            data = model.model_validate(envelope.data)
        except ValidationError as exc:
            raise PoisonEventError(
                f"invalid data for {envelope.type} v{envelope.version}: {_summary(exc)}"
            ) from exc
        return InboundEvent(envelope=envelope, data=data)


def _check_publisher(envelope: Envelope, owner: str, published_by: str) -> None:
    if owner != published_by:
        raise PoisonEventError(
            f"{envelope.type} is published only by {owner}; refused on the {published_by} topic"
        )
    if envelope.source != owner:
        raise PoisonEventError(
            f"{envelope.type} on {owner}'s topic names {envelope.source} as its source"
        )


def _summary(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}"
        for err in exc.errors()[:5]
    )


def new_event(
    data: EventData,
    *,
    organisation: str | None,
    subject: str | None = None,
    audience: Audience = Audience.ORGANISATION,
) -> Envelope:
    """Wrap data in an envelope that continues the current request's or event's chain."""
    event_id = random_uuid()
    return Envelope(
        id=event_id,
        type=data.event_type,
        version=data.event_version,
        source=data.source,
        organisation=organisation,
        audience=audience,
        subject=subject,
        correlation_id=correlation_id_var.get() or str(event_id),
        causation_id=causation_id_var.get(),
        data=data.model_dump(mode="json"),
    )


# The one catalogue of the network; contracts register their models into it on import.
catalogue = EventCatalogue()
