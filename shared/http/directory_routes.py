"""`GET /organisations` over a service's own organisation directory."""

from __future__ import annotations

from fastapi import APIRouter, Request

from shared.auth.http import Caller
from shared.directory import KnownOrganisation, OrganisationDirectory
from shared.http.errors import AUTH_REFUSALS


def directory_router() -> APIRouter:
    """Routes showing what this service has learned about the network's organisations."""
    router = APIRouter(tags=["organisations"])

    @router.get(
        "/organisations", summary="Organisations this service knows of", responses=AUTH_REFUSALS
    )
    async def known_organisations(request: Request, caller: Caller) -> list[KnownOrganisation]:
        """The service's read model of `organisation.joined`, oldest first."""
        directory: OrganisationDirectory = request.app.state.directory
        return await directory.list()

    return router
