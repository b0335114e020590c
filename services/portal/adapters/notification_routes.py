"""The person's e-mail settings: which kinds of e-mail they get, and how often summaries
come (the notifications service keeps them)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.portal.adapters.components import Components
from services.portal.adapters.forms import confirmation, done, form_data
from services.portal.adapters.signed_in import Member, SignedIn
from services.portal.domain.forms import FormProblems
from services.portal.domain.notification_choices import FREQUENCIES, NotificationChoices
from services.portal.pages.notifications import my_choices, save_from_form

router = APIRouter(include_in_schema=False)


def _render(
    request: Request,
    member: Member,
    components: Components,
    choices: NotificationChoices,
    problems: FormProblems | None = None,
    status: int = 200,
) -> Response:
    return components.pages.render(
        request,
        "notifications.html",
        {
            "choices": choices,
            "frequencies": FREQUENCIES,
            "problems": problems,
            "done": confirmation(request),
        },
        member=member,
        status=status,
    )


@router.get("/profile/notifications")
async def notification_settings(
    request: Request, member: SignedIn, components: Components
) -> Response:
    """Every kind of e-mail with its box, and the summaries' frequency."""
    return _render(request, member, components, await my_choices(member))


@router.post("/profile/notifications")
async def save_notification_settings(
    request: Request, member: SignedIn, components: Components
) -> Response:
    """Save the settings; the page says so."""
    saving = await save_from_form(member, await form_data(request))
    if saving.problems:
        return _render(request, member, components, saving.choices, saving.problems, saving.status)
    return done("/profile/notifications", "notifications-saved")
