"""The versioned envelope every event travels in.

Events say *that* something happened and to whom it belongs; they never carry confidential
content (a meeting log's text stays in the sessions service).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.randomness import random_uuid


class Audience(StrEnum):
    """Who an event is for: one organisation's own services, or the whole network."""

    ORGANISATION = "organisation"
    NETWORK = "network"


class EventData(BaseModel):
    """Base of every event's data model; subclasses name their type, version and topic."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_type: ClassVar[str]
    event_version: ClassVar[int] = 1
    # The publishing service: its topic is `<prefix>.<source>`.
    source: ClassVar[str]


class Envelope(BaseModel):
    """One event on the wire: metadata plus the (validated elsewhere) data object."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: uuid.UUID = Field(default_factory=random_uuid)
    type: str = Field(pattern=r"^[a-z_]+(\.[a-z_]+)+$", examples=["organisation.joined"])
    version: int = Field(ge=1)
    source: str = Field(pattern=r"^[a-z_]+$")
    time: AwareDatetime = Field(default_factory=lambda: datetime.now(UTC))
    organisation: str | None = None
    audience: Audience = Audience.ORGANISATION
    subject: str | None = None
    correlation_id: str
    causation_id: str | None = None
    data: dict[str, Any]

    def to_bytes(self) -> bytes:
        """The exact bytes published to Kafka."""
        return self.model_dump_json().encode()

    @property
    def key(self) -> bytes:
        """The partition key: per-organisation ordering, else per-subject."""
        return (self.organisation or self.subject or str(self.id)).encode()
