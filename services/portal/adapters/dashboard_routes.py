"""The dashboards inside the portal: the network's, an organisation's and a programme's outcome
figures, made from the evaluation service's figure routes with the person's own token (the
service decides who sees what and suppresses small figures), and each table's CSV download,
made from the same answer so that it holds exactly what the page shows."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from services.portal.adapters.components import Components
from services.portal.adapters.forms import PathId
from services.portal.adapters.signed_in import SignedIn
from services.portal.domain.dashboards import (
    FILTERS,
    LEADS,
    ROWS,
    TITLES,
    Audience,
    dashboards_for,
)
from services.portal.domain.figures import csv_filename, csv_text, find_table
from services.portal.pages.dashboards import dashboard

router = APIRouter(include_in_schema=False)


@router.get("/dashboards")
async def dashboards(request: Request, member: SignedIn, components: Components) -> Response:
    """The dashboards for the person's roles."""
    return components.pages.render(
        request,
        "dashboards.html",
        {"audiences": dashboards_for(member.session.roles), "titles": TITLES, "leads": LEADS},
        member=member,
    )


@router.get("/dashboards/{audience}")
async def dashboard_page(
    audience: Audience, request: Request, member: SignedIn, components: Components
) -> Response:
    """One dashboard, filtered as its address says."""
    page = await dashboard(member, audience, request.query_params)
    return components.pages.render(
        request,
        "dashboard.html",
        {
            "page": page,
            "title": TITLES[audience],
            "lead": LEADS[audience],
            "filter_names": FILTERS[audience],
            "row_choices": ROWS,
            "query": page.filters.query(audience),
        },
        member=member,
        status=page.status,
    )


@router.get("/dashboards/{audience}/{table_id}.csv")
async def dashboard_csv(
    audience: Audience, table_id: PathId, request: Request, member: SignedIn
) -> Response:
    """One table of the dashboard as CSV, with the same filters: what the page shows."""
    page = await dashboard(member, audience, request.query_params)
    table = find_table(page.shown, table_id)
    if table is None:
        raise HTTPException(status_code=404)
    return Response(
        csv_text(table),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{csv_filename(audience, table.id)}"'
        },
    )
