"""An organisation's webhooks over HTTP, for its admins (with their network token): register
endpoints of the organisation's own systems and get their signing secret, change, delete,
rotate the secret, read the delivery log and redeliver. Anyone else is answered 404."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response

from services.notifications.adapters.components import Components
from services.notifications.domain.webhook_endpoints import (
    CreatedEndpoint,
    Deliveries,
    Delivery,
    Endpoint,
    EndpointChange,
    EndpointRegistration,
    Endpoints,
    EventTypeWords,
    RotatedSecret,
)
from services.notifications.domain.webhook_events import CATALOGUE
from shared.auth.http import Caller
from shared.http.errors import AUTH_REFUSALS, Problem

router = APIRouter(tags=["webhooks"])
WEBHOOKS = "/organisations/{org_id}/webhooks"
ENDPOINT = WEBHOOKS + "/{endpoint_id}"

REFUSALS: dict[int | str, dict[str, Any]] = {
    **AUTH_REFUSALS,
    404: {
        "model": Problem,
        "description": "not an admin of that organisation, or no such endpoint or delivery",
    },
}
REFUSED_INPUT: dict[int | str, dict[str, Any]] = {
    **REFUSALS,
    422: {
        "model": Problem,
        "description": "a URL refused (not https, a private, loopback, link-local or metadata "
        "address, an unresolvable host, credentials in it) or an unknown event type; the "
        "field is named in `fields`",
    },
}
REGISTRATION_EXAMPLES = {
    "hr_system": {
        "summary": "The HR system hears of enrolments and relationships",
        "value": {
            "url": "https://hr.northshore.example/mentornet/webhooks",
            "event_types": ["member.enrolled", "relationship.started", "relationship.ended"],
            "description": "HR system",
        },
    },
}
CHANGE_EXAMPLES = {
    "turn_on": {"summary": "Turn a disabled endpoint back on", "value": {"enabled": True}},
    "more_events": {
        "summary": "Hear of meetings too",
        "value": {"event_types": ["relationship.started", "meeting.held"]},
    },
}


@router.get("/webhooks/event-types", summary="Event types a webhook can hear of")
async def event_types(_: Caller) -> list[EventTypeWords]:
    """The subscribable catalogue: only events about an organisation's own people and
    programmes, never anything anyone wrote."""
    return [EventTypeWords(type=t.type, description=t.description) for t in CATALOGUE]


@router.get(WEBHOOKS, summary="The organisation's webhook endpoints", responses=REFUSALS)
async def list_endpoints(org_id: str, caller: Caller, components: Components) -> Endpoints:
    """Every endpoint, oldest first (never their secrets)."""
    return Endpoints(endpoints=await components.webhooks.endpoints(caller, org_id))


@router.post(
    WEBHOOKS,
    status_code=201,
    summary="Register a webhook endpoint",
    responses=REFUSED_INPUT,
)
async def register_endpoint(
    org_id: str,
    asked: Annotated[EndpointRegistration, Body(openapi_examples=REGISTRATION_EXAMPLES)],
    caller: Caller,
    components: Components,
) -> CreatedEndpoint:
    """A new endpoint, enabled, with its signing secret (`whsec_…`): shown this once."""
    return await components.webhooks.register(caller, org_id, asked)


@router.get(ENDPOINT, summary="One webhook endpoint", responses=REFUSALS)
async def one_endpoint(
    org_id: str, endpoint_id: str, caller: Caller, components: Components
) -> Endpoint:
    """The endpoint, with why it is turned off if it is."""
    return await components.webhooks.one(caller, org_id, endpoint_id)


@router.patch(ENDPOINT, summary="Change a webhook endpoint", responses=REFUSED_INPUT)
async def change_endpoint(
    org_id: str,
    endpoint_id: str,
    asked: Annotated[EndpointChange, Body(openapi_examples=CHANGE_EXAMPLES)],
    caller: Caller,
    components: Components,
) -> Endpoint:
    """Change the URL, event types, description, or turn it on or off (turning it back on
    clears its failing streak)."""
    return await components.webhooks.change(caller, org_id, endpoint_id, asked)


@router.delete(ENDPOINT, status_code=204, summary="Delete a webhook endpoint", responses=REFUSALS)
async def delete_endpoint(
    org_id: str, endpoint_id: str, caller: Caller, components: Components
) -> Response:
    """The endpoint goes; nothing more is sent to it."""
    await components.webhooks.delete(caller, org_id, endpoint_id)
    return Response(status_code=204)


@router.post(
    ENDPOINT + "/secret/rotate", summary="Rotate an endpoint's signing secret", responses=REFUSALS
)
async def rotate_secret(
    org_id: str, endpoint_id: str, caller: Caller, components: Components
) -> RotatedSecret:
    """A new secret, shown this once; until `previous_secret_valid_until` every delivery is
    signed with both, so the receiving system can switch without missing one."""
    return await components.webhooks.rotate(caller, org_id, endpoint_id)


@router.get(ENDPOINT + "/deliveries", summary="An endpoint's delivery log", responses=REFUSALS)
async def deliveries(
    org_id: str,
    endpoint_id: str,
    caller: Caller,
    components: Components,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    before: Annotated[str | None, Query(description="a delivery id: older ones")] = None,
) -> Deliveries:
    """Deliveries newest first, each with every attempt (status code, time taken, error)."""
    return await components.webhooks.deliveries(caller, org_id, endpoint_id, limit, before)


@router.post(
    ENDPOINT + "/deliveries/{delivery_id}/redeliver",
    status_code=202,
    summary="Send a delivery again",
    responses={
        **REFUSALS,
        422: {"model": Problem, "description": "the endpoint is turned off"},
    },
)
async def redeliver(
    org_id: str, endpoint_id: str, delivery_id: str, caller: Caller, components: Components
) -> Delivery:
    """One new attempt of the same message (same `webhook-id`, a new timestamp and
    signature), now."""
    return await components.webhooks.redeliver(caller, org_id, endpoint_id, delivery_id)
