"""BOOST feedback over HTTP (seed 000): which letters a piece of feedback covers, with a
prompt per letter, for a form to show while feedback is being written. Nothing is stored."""

from __future__ import annotations

from fastapi import APIRouter

from services.sessions.domain.feedback import BoostCoverage, BoostFeedback, coverage
from shared.auth.http import Caller
from shared.http.errors import AUTH_REFUSALS, Problem

router = APIRouter(tags=["feedback"])


@router.post(
    "/feedback/boost",
    summary="Which BOOST letters a piece of feedback covers, with a prompt per letter",
    responses={**AUTH_REFUSALS, 422: {"model": Problem, "description": "a box is too long"}},
)
async def boost_coverage(body: BoostFeedback, caller: Caller) -> list[BoostCoverage]:
    """Balanced, Observed, Objective, Specific, Timely, in order; an empty body gives the
    prompts with nothing covered. The text is not kept."""
    del caller  # any signed-in caller; nothing is read or stored
    return coverage(body)
