"""A person's own notification preferences over HTTP, with their network token: which kinds of
e-mail they get and how often digests come. Only their own: there is no route to anyone
else's."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from services.notifications.adapters.components import Components
from services.notifications.domain.preferences import PreferenceChange, PreferencesView
from shared.auth.http import Caller
from shared.http.errors import AUTH_REFUSALS, Problem

router = APIRouter(tags=["preferences"])
PATH = "/members/me/notification-preferences"

REFUSALS: dict[int | str, dict[str, Any]] = {
    **AUTH_REFUSALS,
    404: {"model": Problem, "description": "the caller is not a member (an integration client)"},
}
CHANGE_EXAMPLES = {
    "fewer_mails": {
        "summary": "No reminders, weekly digests",
        "value": {"kinds": {"meeting_reminder": False}, "digest_frequency": "weekly"},
    },
    "back_on": {
        "summary": "Unread messages back on",
        "value": {"kinds": {"unread_messages": True}},
    },
}


@router.get(
    PATH,
    summary="My notification preferences",
    responses=REFUSALS,
)
async def my_preferences(caller: Caller, components: Components) -> PreferencesView:
    """Every kind of e-mail, on or off, with what it is about, and the digest frequency
    (everything on, daily, until you choose)."""
    return PreferencesView.of(await components.preferences.mine(caller))


@router.put(
    PATH,
    summary="Change my notification preferences",
    responses={
        **REFUSALS,
        422: {"model": Problem, "description": "an unknown kind or frequency (named)"},
    },
)
async def change_my_preferences(
    change: Annotated[PreferenceChange, Body(openapi_examples=CHANGE_EXAMPLES)],
    caller: Caller,
    components: Components,
) -> PreferencesView:
    """Turn kinds on or off (those left out stay as they are) and set the digest frequency;
    answers the preferences as they now stand."""
    return PreferencesView.of(await components.preferences.change_mine(caller, change))
