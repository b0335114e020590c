"""The notifications service's adapters that routes use, built once by the composition root."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from jinja2 import Environment

from services.notifications.adapters.preference_store import PreferenceStore
from services.notifications.adapters.webhook_subscriptions import WebhookSubscriptions


@dataclass(frozen=True)
class NotificationComponents:
    """Everything the routes use."""

    preferences: PreferenceStore
    unsubscribe_key: bytes
    portal_url: str
    pages: Environment
    webhooks: WebhookSubscriptions


async def _components(request: Request) -> NotificationComponents:
    components: NotificationComponents = request.app.state.components
    return components


Components = Annotated[NotificationComponents, Depends(_components)]
