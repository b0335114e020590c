"""The home page: what needs me now."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.portal.adapters.components import Components
from services.portal.adapters.signed_in import SignedIn
from services.portal.pages.home import home_page

router = APIRouter(include_in_schema=False)


@router.get("/")
async def home(request: Request, member: SignedIn, components: Components) -> Response:
    """Next actions first; then relationships, circles and the meetings ahead."""
    page = await home_page(member)
    return components.pages.render(request, "home.html", {"page": page}, member=member)
