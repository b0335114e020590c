"""The evaluation service's HTTP routes for network figures."""

from __future__ import annotations

from fastapi import APIRouter, Request

from services.evaluation.domain.statistics import NetworkStatistics
from shared.directory import OrganisationDirectory

router = APIRouter(prefix="/network", tags=["network outcomes"])


@router.get("/statistics", summary="Network-wide figures")
async def network_statistics(request: Request) -> NetworkStatistics:
    """How the network stands, from this service's own read models."""
    directory: OrganisationDirectory = request.app.state.directory
    return NetworkStatistics(organisations=await directory.count())
