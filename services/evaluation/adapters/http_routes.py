"""The evaluation service's HTTP routes for figures."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from services.evaluation.adapters.membership import Membership
from services.evaluation.domain.statistics import NetworkStatistics, OrganisationStatistics
from shared.auth.http import require
from shared.auth.principal import Principal, Role
from shared.directory import OrganisationDirectory
from shared.http.errors import AUTH_REFUSALS

router = APIRouter(tags=["outcomes"])

NetworkCoordinator = Annotated[Principal, Depends(require(Role.NETWORK_COORDINATOR))]
OrgAdmin = Annotated[Principal, Depends(require(Role.ORGANISATION_ADMIN))]


@router.get(
    "/network/statistics",
    summary="Network-wide figures (network co-ordinators)",
    responses=AUTH_REFUSALS,
)
async def network_statistics(request: Request, caller: NetworkCoordinator) -> NetworkStatistics:
    """How the network stands, from this service's own read models."""
    directory: OrganisationDirectory = request.app.state.directory
    return NetworkStatistics(organisations=await directory.count())


@router.get(
    "/organisations/{organisation_id}/statistics",
    summary="An organisation's own figures (its admins)",
    responses=AUTH_REFUSALS,
)
async def organisation_statistics(
    organisation_id: Annotated[str, Path(pattern=r"^org_[a-z0-9]{12}$")],
    request: Request,
    caller: OrgAdmin,
) -> OrganisationStatistics:
    """Figures drawn from the organisation's own database only."""
    membership: Membership = request.app.state.membership
    return OrganisationStatistics(
        organisation_id=organisation_id, members=await membership.count(caller, organisation_id)
    )
