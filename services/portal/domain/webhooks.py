"""An organisation's webhooks as its admin manages them: the endpoints the notifications
service signs and sends the organisation's events to, their delivery log, and the forms that add
or change one. A signing secret is shown once, on the answer that made it. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from services.portal.domain.forms import FormProblems, first

FIELDS = ("url", "event_types", "description")
DESCRIPTION_MAX = 200
URL_MAX = 2000
STATUSES = {
    "pending": "Waiting to be sent",
    "delivered": "Delivered",
    "retrying": "Failed, trying again",
    "failed": "Failed, given up",
}


class EventType(BaseModel):
    """One kind of event an endpoint may subscribe to."""

    type: str
    description: str = ""


class Endpoint(BaseModel):
    """An endpoint of the organisation's (never its secret)."""

    id: str
    url: str
    description: str = ""
    event_types: list[str] = Field(default_factory=list)
    enabled: bool = True
    disabled_reason: str | None = None
    failing_since: datetime | None = None
    created_at: datetime | None = None
    secret_rotated_at: datetime | None = None


class Endpoints(BaseModel):
    """The organisation's endpoints."""

    endpoints: list[Endpoint] = Field(default_factory=list)


class IssuedEndpoint(Endpoint):
    """An endpoint just added: the only time its signing secret is known."""

    secret: str


class RotatedSecret(BaseModel):
    """A new signing secret, and when the previous one stops being used."""

    secret: str
    previous_secret_valid_until: datetime | None = None


class Attempt(BaseModel):
    """One try at sending a delivery."""

    at: datetime
    response_code: int | None = None
    duration_ms: int = 0
    error: str | None = None


class Delivery(BaseModel):
    """One event's message to the endpoint, with every try."""

    id: str
    event_id: str = ""
    event_type: str = ""
    status: str = "pending"
    created_at: datetime
    next_attempt_at: datetime | None = None
    attempts: list[Attempt] = Field(default_factory=list)

    @property
    def last(self) -> Attempt | None:
        """The latest try (None before the first)."""
        return max(self.attempts, key=lambda a: a.at) if self.attempts else None


class Deliveries(BaseModel):
    """A page of the delivery log, newest first, and where the next page starts."""

    deliveries: list[Delivery] = Field(default_factory=list)
    next: str | None = None


def disabled_words(endpoint: Endpoint) -> str:
    """Why an endpoint is off ('' when it is on): the service says it in words ("turned off
    by an admin", "failing since … with no success; last: …")."""
    if endpoint.enabled:
        return ""
    return " ".join((endpoint.disabled_reason or "").split()) or "turned off"


@dataclass(frozen=True)
class EndpointDraft:
    """An endpoint's form as typed."""

    url: str = ""
    description: str = ""
    event_types: list[str] = field(default_factory=list)


def draft_of(endpoint: Endpoint) -> EndpointDraft:
    """The edit form filled in from the endpoint as it is."""
    return EndpointDraft(endpoint.url, endpoint.description, list(endpoint.event_types))


def _chosen(form: Mapping[str, Sequence[str]], catalogue: Sequence[str]) -> list[str]:
    # In the catalogue's order; a type the catalogue does not offer is dropped here and, if it
    # was the only one, the form says to choose one.
    picked = set(form.get("event_types") or [])
    return [t for t in catalogue if t in picked]


def _common(
    form: Mapping[str, Sequence[str]], catalogue: Sequence[str]
) -> tuple[str, list[str], dict[str, str]]:
    description = " ".join(first(form, "description").split())
    chosen = _chosen(form, catalogue)
    problems: dict[str, str] = {}
    if not chosen:
        problems["event_types"] = "choose at least one kind of event to send"
    if len(description) > DESCRIPTION_MAX:
        problems["description"] = f"keep it to {DESCRIPTION_MAX} characters"
    return description, chosen, problems


def _message(problems: Mapping[str, str]) -> FormProblems:
    return FormProblems(
        dict(problems), "Please correct the fields marked below." if problems else None
    )


def endpoint_from_form(
    form: Mapping[str, Sequence[str]], catalogue: Sequence[str]
) -> tuple[EndpointDraft, dict[str, Any], FormProblems]:
    """A new endpoint: the draft, the service's request body, and what is wrong with it. The
    service decides whether the address may be used (https, not a private address)."""
    url = first(form, "url")
    description, chosen, problems = _common(form, catalogue)
    if not url:
        problems = {"url": "give the address the events are sent to", **problems}
    elif len(url) > URL_MAX:
        problems = {"url": f"keep the address to {URL_MAX} characters", **problems}
    elif not url.lower().startswith(("https://", "http://")):
        problems = {"url": "give a web address starting with https://", **problems}
    body: dict[str, Any] = {"url": url, "event_types": chosen}
    if description:
        body["description"] = description
    return EndpointDraft(url, description, chosen), body, _message(problems)


def changes_from_form(
    form: Mapping[str, Sequence[str]], endpoint: Endpoint, catalogue: Sequence[str]
) -> tuple[EndpointDraft, dict[str, Any], FormProblems]:
    """An endpoint's new event types and description (its address stays)."""
    description, chosen, problems = _common(form, catalogue)
    body = {"event_types": chosen, "description": description}
    return EndpointDraft(endpoint.url, description, chosen), body, _message(problems)


def enabled_from_form(form: Mapping[str, Sequence[str]]) -> bool | None:
    """The enable/disable button's value (None for anything else)."""
    return {"yes": True, "no": False}.get(first(form, "enabled"))
