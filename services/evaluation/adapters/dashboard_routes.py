"""The dashboards (issue 8, item 5): static HTML, CSS and JavaScript, one page per audience.

The pages carry no figures and no names: they are the same bytes for everyone, so they are
served without a token and kept out of the OpenAPI document (they are not API). In the browser
the page takes the person's network access token (from the URL fragment the sign-in hands over,
or pasted) and calls this service's JSON figure routes with `Authorization: Bearer ...`; those
routes decide what the caller may see and suppress small figures, exactly as for any other API
client. docs/security.md says why the token lives in the tab's sessionStorage and nowhere else.
"""

from __future__ import annotations

from enum import StrEnum
from importlib import resources
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path
from fastapi.responses import RedirectResponse, Response

router = APIRouter(include_in_schema=False)

ASSETS = resources.files("services.evaluation.adapters") / "dashboard_assets"

# What a page may do: scripts, styles and calls only from this service, nothing inline, no
# frames, no forms posting elsewhere. A figure or a label injected into the page cannot run.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


class Audience(StrEnum):
    """Who a dashboard is for (issue 8, item 4: who sees which figures)."""

    NETWORK = "network"
    ORGANISATION = "organisation"
    PROGRAMME = "programme"


TITLES = {
    Audience.NETWORK: "Network outcomes",
    Audience.ORGANISATION: "Our organisation's outcomes",
    Audience.PROGRAMME: "Programme outcomes",
}

# The only files served under /dashboards/static/, with their types: a name not listed is 404,
# so no path reaches outside the assets folder.
STATIC_FILES = {
    "dashboard.css": "text/css; charset=utf-8",
    "dashboard.js": "text/javascript; charset=utf-8",
    "charts.js": "text/javascript; charset=utf-8",
    "figures.js": "text/javascript; charset=utf-8",
    "session.js": "text/javascript; charset=utf-8",
}


def _asset(name: str) -> bytes:
    return (ASSETS / name).read_bytes()


def _page(audience: Audience) -> bytes:
    """The page for one audience: the shared template with its audience and title filled in
    (both from the fixed lists above, never from the request)."""
    template = _asset("dashboard.html").decode()
    return (
        template.replace("{{audience}}", audience.value)
        .replace("{{title}}", TITLES[audience])
        .encode()
    )


@router.get("/dashboards")
async def dashboards_index() -> Response:
    """The list of dashboards, one per audience."""
    return Response(_asset("index.html"), media_type="text/html", headers=SECURITY_HEADERS)


@router.get("/dashboards/")
async def dashboards_index_slash() -> RedirectResponse:
    """`/dashboards/` is `/dashboards`; relative links in the pages assume no trailing slash."""
    return RedirectResponse("/dashboards", status_code=308)


@router.get("/dashboards/static/{name}")
async def dashboard_asset(name: Annotated[str, Path(max_length=40)]) -> Response:
    """A stylesheet or script of the dashboards."""
    media_type = STATIC_FILES.get(name)
    if media_type is None:
        raise HTTPException(status_code=404, detail="no such file")
    return Response(_asset(name), media_type=media_type, headers=SECURITY_HEADERS)


@router.get("/dashboards/{audience}")
async def dashboard(audience: Annotated[str, Path(max_length=40)]) -> Response:
    """One audience's dashboard page (it fetches its figures itself, with the person's token)."""
    if audience not in {a.value for a in Audience}:
        raise HTTPException(status_code=404, detail="no such dashboard")
    return Response(_page(Audience(audience)), media_type="text/html", headers=SECURITY_HEADERS)
