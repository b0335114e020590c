"""One-click unsubscribe (RFC 8058), without signing in.

Every mail's `List-Unsubscribe` names `POST /unsubscribe/{token}`, which a mail client calls
with `List-Unsubscribe=One-Click` and which turns that mail's kind off for its recipient. The
same link followed in a browser (`GET`) shows a page with one button that posts it: a GET
changes nothing, so a link checker or a preview that fetches it unsubscribes nobody. A token
that does not verify (made up, altered, another person's or kind's) is refused with 404 and
changes nothing.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status
from fastapi.responses import HTMLResponse

from services.notifications.adapters.components import Components, NotificationComponents
from services.notifications.domain.kinds import WORDS, MailKind
from services.notifications.domain.unsubscribe import Unsubscribe, read_token

router = APIRouter(tags=["unsubscribe"])
Token = Annotated[
    str,
    Path(max_length=300, examples=["org_3f9a1c2b7d4e.mem_4b1f0c9e2d7a6b35.meeting_reminder.AbC"]),
]
# The token is in the address: it must not travel on to the portal as a Referer, nor be kept.
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; form-action 'self'; base-uri 'none'",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}
NOT_VALID = "This link is not valid"


def _page(
    components: NotificationComponents,
    title: str,
    lines: list[str],
    *,
    code: int = status.HTTP_200_OK,
    confirm: str | None = None,
    u: Unsubscribe | None = None,
) -> HTMLResponse:
    members = u is not None and u.kind is not MailKind.INVITATION
    html = components.pages.get_template("unsubscribe.html.j2").render(
        title=title,
        lines=lines,
        confirm=confirm,
        kind_label=WORDS[u.kind].label if u is not None else "",
        settings=f"{components.portal_url}/profile/notifications" if members else None,
    )
    return HTMLResponse(html, status_code=code, headers=HEADERS)


def _refused(components: NotificationComponents) -> HTMLResponse:
    return _page(
        components,
        NOT_VALID,
        [
            "This unsubscribe link was not made by mentornet, or it was changed. Nothing has "
            "been changed. Use the link in the e-mail itself, or choose your e-mails in your "
            "settings in the portal."
        ],
        code=status.HTTP_404_NOT_FOUND,
    )


@router.get(
    "/unsubscribe/{token}",
    summary="The page of an unsubscribe link (changes nothing)",
    response_class=HTMLResponse,
    responses={404: {"description": "not a valid link"}},
)
async def unsubscribe_page(token: Token, components: Components) -> HTMLResponse:
    """Says which e-mails the link stops and asks to confirm with one button."""
    u = read_token(components.unsubscribe_key, token)
    if u is None:
        return _refused(components)
    label = WORDS[u.kind].label.lower()
    return _page(
        components,
        f"Stop e-mails about {label}?",
        [f"You will no longer get e-mails about {label} ({WORDS[u.kind].description})."],
        confirm=f"/unsubscribe/{token}",
        u=u,
    )


@router.post(
    "/unsubscribe/{token}",
    summary="Unsubscribe (RFC 8058 one-click)",
    response_class=HTMLResponse,
    responses={404: {"description": "not a valid link"}},
)
async def unsubscribe(token: Token, components: Components) -> HTMLResponse:
    """Turns the link's kind of e-mail off for the person it names, without signing in. The
    body (`List-Unsubscribe=One-Click` from a mail client, or empty from the page's button)
    is not needed: the signed link says everything."""
    u = read_token(components.unsubscribe_key, token)
    if u is None:
        return _refused(components)
    await components.preferences.unsubscribe(u)
    label = WORDS[u.kind].label.lower()
    return _page(
        components,
        "You are unsubscribed",
        [f"You will no longer get e-mails about {label}."]
        + (
            ["You can turn them back on at any time in your settings in the portal."]
            if u.kind is not MailKind.INVITATION
            else []
        ),
        u=u,
    )
