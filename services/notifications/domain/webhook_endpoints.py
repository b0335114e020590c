"""An organisation's webhook endpoints and their deliveries, as the HTTP API shows them, and
the requests that register and change them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class DeliveryStatus(StrEnum):
    """Where a delivery stands."""

    PENDING = "pending"
    DELIVERED = "delivered"
    RETRYING = "retrying"
    FAILED = "failed"


class Endpoint(BaseModel):
    """One registered endpoint (its secret is never shown again after it is made)."""

    id: str = Field(examples=["whe_3k9x1c2b7d4e5f6a"])
    organisation_id: str = Field(examples=["org_3f9a1c2b7d4e"])
    url: str = Field(examples=["https://hr.northshore.example/mentornet/webhooks"])
    description: str = Field(default="", examples=["HR system: enrolments and relationships"])
    event_types: list[str] = Field(examples=[["relationship.started", "member.enrolled"]])
    enabled: bool = True
    disabled_reason: str | None = None
    failing_since: datetime | None = None
    created_at: datetime
    secret_rotated_at: datetime | None = None


class CreatedEndpoint(Endpoint):
    """A new endpoint, with its signing secret: shown this once."""

    secret: str = Field(examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])


class RotatedSecret(BaseModel):
    """A new signing secret; the old one still signs until `previous_secret_valid_until`."""

    secret: str = Field(examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])
    previous_secret_valid_until: datetime


class Endpoints(BaseModel):
    """An organisation's endpoints."""

    endpoints: list[Endpoint]


class EndpointRegistration(BaseModel):
    """Register an endpoint: where, and which event types it hears of."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=2000)
    event_types: list[str] = Field(min_length=1, max_length=50)
    description: str = Field(default="", max_length=200)


class EndpointChange(BaseModel):
    """Change an endpoint; what is left out stays as it is."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, min_length=1, max_length=2000)
    event_types: list[str] | None = Field(default=None, min_length=1, max_length=50)
    description: str | None = Field(default=None, max_length=200)
    enabled: bool | None = None


class Attempt(BaseModel):
    """One try of a delivery: its answer's status code (none if there was no answer), how
    long it took, and what went wrong if it did."""

    at: datetime
    response_code: int | None
    duration_ms: int
    error: str | None


class Delivery(BaseModel):
    """One event's message to one endpoint, and every attempt of it."""

    id: str = Field(examples=["msg_2f1c0e9d8b7a6c5d4e3f2a1b0c9d8e7f"])
    event_id: str
    event_type: str = Field(examples=["relationship.started"])
    status: DeliveryStatus
    created_at: datetime
    next_attempt_at: datetime | None = None
    attempts: list[Attempt] = Field(default_factory=list)


class Deliveries(BaseModel):
    """A page of deliveries, newest first; `next` fetches the older ones."""

    deliveries: list[Delivery]
    next: str | None = None


class EventTypeWords(BaseModel):
    """One subscribable event type, in plain words."""

    type: str = Field(examples=["relationship.started"])
    description: str = Field(examples=["a mentoring relationship of a person of yours started"])


def unknown_event_types(asked: list[str], known: set[str]) -> list[str]:
    """The asked-for event types not in the catalogue."""
    return [t for t in asked if t not in known]
