"""A webhook message as a partner's system receives it: a CloudEvents 1.0 event in structured
mode (`application/cloudevents+json`), signed as the Standard Webhooks specification says
(`webhook-id`, `webhook-timestamp`, `webhook-signature`: HMAC-SHA256 of
`<id>.<timestamp>.<body>`, base64, prefixed `v1,`; several space-separated signatures while an
old secret is still honoured after a rotation).

A message's id (`webhook-id`) is fixed by the endpoint and the event, so a retry or a
redelivery carries the same id (a receiver drops what it has seen) with a new timestamp and
signature.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from standardwebhooks.webhooks import Webhook

from services.notifications.domain.webhook_events import Payload, subject

CONTENT_TYPE = "application/cloudevents+json"
TYPE_PREFIX = "network.mentornet."


def message_id(endpoint_id: str, event_id: str) -> str:
    """The delivery's id and `webhook-id`: one per endpoint and event, whatever happens."""
    digest = hashlib.sha256(f"{endpoint_id}\n{event_id}".encode()).hexdigest()
    return f"msg_{digest[:32]}"


def cloud_event(
    *, event_id: str, source: str, event_type: str, time: datetime, data: Payload
) -> dict[str, Any]:
    """The CloudEvents 1.0 attributes and data of one event for one organisation."""
    event: dict[str, Any] = {
        "specversion": "1.0",
        "id": event_id,
        "source": f"mentornet/{source}",
        "type": TYPE_PREFIX + event_type,
        "time": time.isoformat(),
        "datacontenttype": "application/json",
        "data": data,
    }
    about = subject(data)
    if about is not None:
        event["subject"] = about
    return event


def body(event: dict[str, Any]) -> str:
    """The exact text sent (and signed): compact JSON, keys sorted."""
    return json.dumps(event, separators=(",", ":"), sort_keys=True)


def signed_headers(msg_id: str, at: datetime, text: str, secrets: Sequence[str]) -> dict[str, str]:
    """The Standard Webhooks headers, signed with every secret given (newest first)."""
    signatures = " ".join(Webhook(s).sign(msg_id, at, text) for s in secrets)
    return {
        "content-type": CONTENT_TYPE,
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signatures,
    }
