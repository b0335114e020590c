"""Signing in and out: the person types their work e-mail (or picks their organisation), goes
through their organisation's own provider by way of the network's authorization server, and
lands signed in on the page they wanted."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.portal.adapters.components import Components
from services.portal.adapters.network_api import MemberApi, Service, ServiceRefusalError
from services.portal.adapters.network_sign_in import SignInRefusedError
from services.portal.adapters.signed_in import Keeper, SignedIn
from services.portal.domain.profiles import MemberRecord, Profile
from services.portal.domain.sign_in import (
    ATTEMPT_LIFETIME,
    Attempt,
    Refusal,
    authorize_url,
    check_return,
    digest,
    new_secret,
    refusal_for,
)
from services.portal.domain.web_session import safe_next
from shared import clock

router = APIRouter(include_in_schema=False)
_Text = Annotated[str | None, Query(max_length=500)]


def _form_token(browser_secret: str) -> str:
    # Ties the sign-in form to this browser's sign-in cookie: a form posted from another site
    # cannot know it (no signing in a victim as the attacker).
    return digest(f"sign-in-form:{browser_secret}")


async def _sign_in_page(
    request: Request,
    components: Components,
    *,
    next_page: str = "/",
    email: str = "",
    refusal: Refusal | None = None,
    status: int = 200,
) -> Response:
    cookies = components.keeper.cookies
    secret = request.cookies.get(cookies.sign_in) or new_secret()
    response = components.pages.render(
        request,
        "sign_in.html",
        {
            "next_page": next_page,
            "email": email,
            "refusal": refusal,
            "form_token": _form_token(secret),
            "organisations": await components.sign_in.organisations(),
        },
        status=status,
    )
    cookies.set(response, cookies.sign_in, secret, int(ATTEMPT_LIFETIME.total_seconds()))
    return response


@router.get("/sign-in")
async def sign_in_page(
    request: Request, components: Components, keeper: Keeper, next: _Text = None
) -> Response:
    """The sign-in page (signed-in people go straight on)."""
    next_page = safe_next(next)
    if await keeper.current(request) is not None:
        return RedirectResponse(next_page, status_code=303)
    return await _sign_in_page(request, components, next_page=next_page)


@router.post("/sign-in")
async def start_sign_in(
    request: Request,
    components: Components,
    form_token: Annotated[str, Form(max_length=100)] = "",
    email: Annotated[str, Form(max_length=320)] = "",
    organisation: Annotated[str, Form(max_length=40)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    """Off to the network's authorization server, with this browser bound to the attempt."""
    next_page, email = safe_next(next), email.strip()
    secret = request.cookies.get(components.keeper.cookies.sign_in)
    if secret is None or not hmac.compare_digest(form_token, _form_token(secret)):
        return await _sign_in_page(
            request,
            components,
            next_page=next_page,
            email=email,
            refusal=Refusal("This sign-in form had expired. Please try again."),
            status=400,
        )
    if not organisation and ("@" not in email or "." not in email.rpartition("@")[2]):
        return await _sign_in_page(
            request,
            components,
            next_page=next_page,
            email=email,
            refusal=Refusal(
                "Type your work e-mail address (like name@your-organisation.org), "
                "or choose your organisation.",
                "email",
            ),
            status=422,
        )
    attempt = Attempt(
        state=new_secret(),
        code_verifier=new_secret(),
        browser_hash=digest(secret),
        next_page=next_page,
        email=email or None,
        created_at=clock.now(),
    )
    await components.sessions.begin_attempt(attempt)
    sign_in = components.sign_in
    location = authorize_url(
        sign_in.authorization_endpoint,
        client_id=sign_in.client_id,
        redirect_uri=sign_in.redirect_uri,
        attempt=attempt,
        organisation_id=organisation or None,
    )
    return RedirectResponse(location, status_code=303)


@router.get("/auth/callback")
async def callback(
    request: Request,
    components: Components,
    code: _Text = None,
    state: _Text = None,
    iss: _Text = None,
    error: _Text = None,
    error_description: _Text = None,
) -> Response:
    """Back from the authorization server: check that this browser started this sign-in
    here, lately, with the server we trust; then a new session, and on to the page wanted."""
    attempt = await components.sessions.take_attempt(state) if state else None
    email = (attempt.email or "") if attempt else ""
    next_page = attempt.next_page if attempt else "/"
    keeper = components.keeper
    refusal = check_return(
        attempt,
        browser_secret=request.cookies.get(keeper.cookies.sign_in),
        issuer=iss,
        expected=components.sign_in.issuer,
        now=clock.now(),
    )
    if refusal is None and error:
        refusal = refusal_for(error, error_description)
    if refusal is None and attempt is not None and code:
        try:
            tokens = await components.sign_in.exchange(code, attempt.code_verifier)
        except SignInRefusedError:
            refusal = Refusal("The sign-in could not be completed. Please sign in again.")
        else:
            api = components.network.as_member(tokens.access_token)
            name, zone = await _person(api)
            session_id, _ = await keeper.begin(tokens, name, zone)
            response = RedirectResponse(next_page, status_code=303)
            keeper.cookies.set(
                response,
                keeper.cookies.session,
                session_id,
                int(keeper.lifetimes.absolute.total_seconds()),
            )
            keeper.cookies.clear(response, keeper.cookies.sign_in)
            return response
    return await _sign_in_page(
        request,
        components,
        next_page=next_page,
        email=email,
        refusal=refusal or Refusal("The sign-in did not complete. Please try again."),
        status=400,
    )


async def _person(api: MemberApi) -> tuple[str, str]:
    """The name and time zone to show, from the member's profile (or their record)."""
    try:
        profile = await api.get(Service.REGISTRY, "/me/profile", Profile)
        return profile.display_name, profile.time_zone
    except ServiceRefusalError:
        record = await api.get(Service.REGISTRY, "/me", MemberRecord)
        return record.name or record.email or "there", "UTC"


@router.post("/sign-out")
async def sign_out(member: SignedIn, components: Components) -> Response:
    """The refresh token is revoked and the session forgotten; the cookie goes too."""
    await components.keeper.end(member.session)
    response = RedirectResponse("/signed-out", status_code=303)
    components.keeper.cookies.clear(response, components.keeper.cookies.session)
    return response


@router.get("/signed-out", response_class=HTMLResponse)
async def signed_out(request: Request, components: Components) -> Response:
    """Said goodbye."""
    return components.pages.render(request, "signed_out.html")
