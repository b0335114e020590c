"""The portal's adapters, built once by the composition root and handed to routes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from services.portal.adapters.network_api import NetworkApi
from services.portal.adapters.network_sign_in import NetworkSignIn
from services.portal.adapters.pages import Pages
from services.portal.adapters.signed_in import SessionKeeper
from services.portal.adapters.web_sessions import WebSessions


@dataclass(frozen=True)
class PortalComponents:
    """Everything the portal's routes use."""

    pages: Pages
    network: NetworkApi
    sign_in: NetworkSignIn
    sessions: WebSessions
    keeper: SessionKeeper
    public_url: str = ""  # where browsers reach the portal (for pages the registry returns to)
    registry_public_url: str = ""  # where browsers reach the registry (its sign-in callback)


async def _components(request: Request) -> PortalComponents:
    components: PortalComponents = request.app.state.components
    return components


Components = Annotated[PortalComponents, Depends(_components)]
