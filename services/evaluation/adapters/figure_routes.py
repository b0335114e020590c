"""Outcome figures over HTTP: each audience its own, suppressed (docs/security.md,
"Who sees what → Evaluation").

- `GET /organisations/{organisation_id}/figures`: the organisation's admins (rows: programmes);
- `GET /programmes/{programme_id}/figures`: the programme's co-ordinators (rows: organisations);
- `GET /network/figures`: the network co-ordinator, pooled (rows: organisations);
- both of those `?rows=organisation_pair`: a row per organisation pair its programmes made
  (seed 004, organisations mentoring each other), suppressed by the same rules;
- `GET /figures/programmes`: the programmes whose figures the caller may see (a filter list).

Anyone else gets 404 on the first two (their existence is not confirmed); the filters narrow
within what the caller may see and may narrow a figure into suppression, never out of it.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from services.evaluation.adapters.outcome_reader import OutcomeReader
from services.evaluation.domain.figures import FigureTable, Scope, whole_months
from services.evaluation.domain.outcome_facts import ProgrammeFacts
from services.evaluation.domain.outcome_figures import RowDimension
from shared import clock
from shared.auth.http import Caller, require
from shared.auth.principal import Principal, Role
from shared.errors import DomainError
from shared.http.errors import AUTH_REFUSALS, Problem

router = APIRouter(tags=["outcomes"])

NetworkCoordinator = Annotated[Principal, Depends(require(Role.NETWORK_COORDINATOR))]
# Lenient on purpose: an id that is not one is answered like an unknown one (404), never 422.
OrganisationId = Annotated[str, Path(max_length=64, examples=["org_3f9a1c2b7d4e"])]
ProgrammeId = Annotated[str, Path(max_length=64, examples=["prg_7c1d2e3f4a5b"])]
ProgrammeFilter = Annotated[
    str | None,
    Query(
        max_length=64, description="only this programme's figures", examples=["prg_7c1d2e3f4a5b"]
    ),
]
OrganisationFilter = Annotated[
    str | None,
    Query(
        max_length=64,
        description="only figures involving this organisation",
        examples=["org_3f9a1c2b7d4e"],
    ),
]


class FigureRows(StrEnum):
    """What the rows of the network's and a programme's tables are."""

    ORGANISATION = RowDimension.ORGANISATION.value
    ORGANISATION_PAIR = RowDimension.ORGANISATION_PAIR.value


Rows = Annotated[
    FigureRows,
    Query(
        description="a row per organisation, or per organisation pair a programme made "
        "(seed 004: organisations mentoring each other); pairs' figures are suppressed alike",
        examples=["organisation_pair"],
    ),
]
Since = Annotated[
    date | None,
    Query(
        description="from this month on (widened to the first day of its month)",
        examples=["2027-01-01"],
    ),
]
Until = Annotated[
    date | None,
    Query(
        description="up to this month (widened to the last day of its month)",
        examples=["2027-12-31"],
    ),
]

EXAMPLE: list[dict[str, Any]] = [
    {
        "id": "relationships",
        "title": "Relationships started, active, ended early and completed",
        "measure": "count",
        "row_heading": "organisation",
        "columns": ["started", "active", "ended_early", "completed"],
        "rows": [
            {
                "label": "Northshore Care Trust",
                "cells": [
                    {"value": 14, "people": 22, "suppressed": False},
                    {"value": 9, "people": 15, "suppressed": False},
                    {"value": None, "people": 0, "suppressed": True},
                    {"value": None, "people": 0, "suppressed": True},
                ],
            }
        ],
        "total": {
            "label": "all",
            "cells": [
                {"value": 31, "people": 48, "suppressed": False},
                {"value": 20, "people": 33, "suppressed": False},
                {"value": 6, "people": 11, "suppressed": False},
                {"value": 5, "people": 9, "suppressed": False},
            ],
        },
    }
]
FIGURES_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the figure tables, small figures suppressed (`value: null, "
        "suppressed: true`)",
        "content": {"application/json": {"example": EXAMPLE}},
    },
    **AUTH_REFUSALS,
    422: {"model": Problem, "description": "a filter is malformed (e.g. since after until)"},
}


class InvalidPeriodError(DomainError):
    """The period's start is after its end."""

    status = 422
    error = "invalid_period"


class FigureProgramme(BaseModel):
    """A programme whose figures the caller may see (for a filter list)."""

    id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    name: str | None = Field(default=None, examples=[None], description="not known here")
    model: str | None = Field(default=None, examples=["one_to_one"])
    starts_on: date | None = Field(default=None, examples=["2027-01-11"])
    ends_on: date | None = Field(default=None, examples=["2027-12-17"])
    status: str | None = Field(default=None, examples=["running"])
    owner_organisation_id: str | None = Field(default=None, examples=["org_3f9a1c2b7d4e"])
    organisations: list[str] = Field(
        default_factory=list,
        examples=[["org_3f9a1c2b7d4e", "org_0a1b2c3d4e5f"]],
        description="the organisations taking part, as its latest publication says",
    )

    @classmethod
    def of(cls, programme: ProgrammeFacts) -> FigureProgramme:
        """What a filter list (and the network co-ordinator's list of programmes) shows."""
        return cls(
            id=programme.id,
            model=programme.model,
            starts_on=programme.starts_on,
            ends_on=programme.ends_on,
            status=programme.status,
            owner_organisation_id=programme.owner_organisation_id,
            organisations=list(programme.organisations),
        )


async def _reader(request: Request) -> OutcomeReader:
    reader: OutcomeReader = request.app.state.outcomes
    return reader


Reader = Annotated[OutcomeReader, Depends(_reader)]


def _scope(
    organisation_id: str | None, programme_id: str | None, since: date | None, until: date | None
) -> Scope:
    if since is not None and until is not None and since > until:
        raise InvalidPeriodError(f"`since` ({since}) is after `until` ({until}): swap them")
    since, until = whole_months(since, until)
    return Scope(
        organisation_id=organisation_id, programme_id=programme_id, since=since, until=until
    )


@router.get(
    "/network/figures",
    summary="Pooled outcome figures across organisations (network co-ordinators)",
    responses=FIGURES_RESPONSES,
)
async def network_figures(
    caller: NetworkCoordinator,
    reader: Reader,
    programme_id: ProgrammeFilter = None,
    organisation_id: OrganisationFilter = None,
    since: Since = None,
    until: Until = None,
    rows: Rows = FigureRows.ORGANISATION,
) -> list[FigureTable]:
    """Every outcome table across the network, a row per organisation (or organisation pair)
    where suppression allows; no figure drawn from fewer than five people."""
    scope = _scope(organisation_id, programme_id, since, until)
    return await reader.for_network(caller, scope, clock.now().date(), RowDimension(rows))


@router.get(
    "/organisations/{organisation_id}/figures",
    summary="An organisation's outcome figures (its admins)",
    responses=FIGURES_RESPONSES,
)
async def organisation_figures(
    organisation_id: OrganisationId,
    caller: Caller,
    reader: Reader,
    programme_id: ProgrammeFilter = None,
    since: Since = None,
    until: Until = None,
) -> list[FigureTable]:
    """The organisation's people and the relationships they are in, a row per programme;
    anyone but its admins gets 404."""
    scope = _scope(None, programme_id, since, until)
    return await reader.for_organisation(caller, organisation_id, scope, clock.now().date())


@router.get(
    "/programmes/{programme_id}/figures",
    summary="A programme's outcome figures (its co-ordinators)",
    responses=FIGURES_RESPONSES,
)
async def programme_figures(
    programme_id: ProgrammeId,
    caller: Caller,
    reader: Reader,
    organisation_id: OrganisationFilter = None,
    since: Since = None,
    until: Until = None,
    rows: Rows = FigureRows.ORGANISATION,
) -> list[FigureTable]:
    """The programme's figures, a row per organisation taking part (or per organisation pair
    it made); anyone but its co-ordinators gets 404."""
    scope = _scope(organisation_id, None, since, until)
    today = clock.now().date()
    return await reader.for_programme(caller, programme_id, scope, today, RowDimension(rows))


@router.get(
    "/figures/programmes",
    summary="The programmes whose figures you may see",
    responses=AUTH_REFUSALS,
)
async def figure_programmes(caller: Caller, reader: Reader) -> list[FigureProgramme]:
    """The network co-ordinator: every programme; an organisation's admin: the programmes
    their organisation takes part in; a co-ordinator: the programmes they co-ordinate. Each
    with its kind, dates, status and the organisations taking part (its name is the
    registry's)."""
    return [FigureProgramme.of(p) for p in await reader.programmes(caller)]
