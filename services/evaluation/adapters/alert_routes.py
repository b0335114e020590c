"""Monitoring alerts and their thresholds over HTTP, for a programme's co-ordinators only
(everyone else gets 404, as for a programme that does not exist)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from services.evaluation.adapters.alert_book import AlertStatus, AlertView
from services.evaluation.adapters.surveys_and_alerts import SurveysAndAlerts
from services.evaluation.domain.monitoring import AlertThresholds
from shared.auth.http import Caller
from shared.http.errors import AUTH_REFUSALS, Problem

router = APIRouter(tags=["monitoring"])


async def _parts(request: Request) -> SurveysAndAlerts:
    parts: SurveysAndAlerts = request.app.state.surveys_and_alerts
    return parts


Parts = Annotated[SurveysAndAlerts, Depends(_parts)]
# Lenient on purpose: an id that is not one is answered like an unknown one (404), never 422.
ProgrammeId = Annotated[str, Path(max_length=200, examples=["prg_7c1d2e3f4a5b"])]
AlertId = Annotated[str, Path(max_length=200, examples=["alr_1a2b3c4d5e6f7a8b"])]

MOVE_REFUSALS: dict[int | str, dict[str, Any]] = {
    **AUTH_REFUSALS,
    409: {"model": Problem, "description": "the alert is not in a state for this"},
}
THRESHOLD_REFUSALS: dict[int | str, dict[str, Any]] = {
    **AUTH_REFUSALS,
    409: {"model": Problem, "description": "the low-pulse threshold moved less than a week ago"},
    422: {"model": Problem, "description": "a threshold is out of range or out of order"},
}


@router.get(
    "/programmes/{programme_id}/alerts",
    summary="The programme's monitoring alerts, newest first (its co-ordinators)",
    responses=AUTH_REFUSALS,
)
async def list_alerts(
    programme_id: ProgrammeId,
    caller: Caller,
    parts: Parts,
    status: Annotated[AlertStatus | None, Query(description="only alerts in this state")] = None,
) -> list[AlertView]:
    """Checklist 5: no first meeting, contact overdue, inactivity (a warning first), a low
    pulse check. Each names the relationship and its parties, never anyone's answers."""
    return await parts.alerts.listing(caller, programme_id, status)


@router.post(
    "/programmes/{programme_id}/alerts/{alert_id}/acknowledgement",
    summary="Acknowledge an alert: seen, and being looked into (its co-ordinators)",
    responses=MOVE_REFUSALS,
)
async def acknowledge_alert(
    programme_id: ProgrammeId, alert_id: AlertId, caller: Caller, parts: Parts
) -> AlertView:
    """open → acknowledged."""
    return await parts.alerts.acknowledge(caller, programme_id, alert_id)


@router.post(
    "/programmes/{programme_id}/alerts/{alert_id}/resolution",
    summary="Resolve an alert (its co-ordinators)",
    responses=MOVE_REFUSALS,
)
async def resolve_alert(
    programme_id: ProgrammeId, alert_id: AlertId, caller: Caller, parts: Parts
) -> AlertView:
    """open or acknowledged → resolved. The same condition is never raised again; a new
    episode (a meeting, then silence again) raises a new alert."""
    return await parts.alerts.resolve(caller, programme_id, alert_id)


@router.get(
    "/programmes/{programme_id}/alert-thresholds",
    summary="The programme's alert thresholds (its co-ordinators)",
    responses=AUTH_REFUSALS,
)
async def get_thresholds(
    programme_id: ProgrammeId, caller: Caller, parts: Parts
) -> AlertThresholds:
    """Defaults from the seeds until set: first meeting within 21 days, contact 14 days after
    a meeting, a warning at 83 days without activity and an alert at 90, a pulse at or below 2
    of 5."""
    return (await parts.programmes.coordinated(caller, programme_id)).thresholds


@router.put(
    "/programmes/{programme_id}/alert-thresholds",
    summary="Set the programme's alert thresholds (its co-ordinators)",
    responses=THRESHOLD_REFUSALS,
)
async def set_thresholds(
    programme_id: ProgrammeId, thresholds: AlertThresholds, caller: Caller, parts: Parts
) -> AlertThresholds:
    """Relationships are reviewed at once with the new thresholds; alerts already raised stay.
    The low-pulse threshold moves at most once a week (409 says when it can move again), so
    reading alerts after small moves cannot bracket a relationship's pulse."""
    terms = await parts.programmes.set_thresholds(caller, programme_id, thresholds)
    await parts.review.review_programme(programme_id)
    return terms.thresholds
