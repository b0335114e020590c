"""BOOST feedback as it is written: which letters the boxes typed so far cover (htmx asks
for this fragment while a meeting log or a circle note is being written)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.portal.adapters.components import Components
from services.portal.adapters.forms import form_data
from services.portal.adapters.signed_in import SignedIn
from services.portal.domain.feedback import boxes_from_form
from services.portal.pages.feedback import boost_coverage

router = APIRouter(include_in_schema=False)


@router.post("/feedback/boost")
async def coverage(request: Request, member: SignedIn, components: Components) -> Response:
    """The letters covered, as a fragment to swap in beside the boxes."""
    found = await boost_coverage(member, boxes_from_form(await form_data(request)))
    return components.pages.render(
        request, "_boost_coverage.html", {"coverage": found}, member=member
    )
