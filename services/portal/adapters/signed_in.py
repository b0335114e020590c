"""Who is signed in, for each request: the session behind the cookie, its tokens kept fresh,
and every state-changing request checked against cross-site forgery.

The browser holds one HttpOnly, SameSite=Lax cookie with a random session id (Secure and
`__Host-` prefixed over https); nothing else about the person or their tokens reaches it.
"""

from __future__ import annotations

import asyncio
import hmac
from dataclasses import dataclass, replace
from typing import Annotated
from urllib.parse import urlsplit
from weakref import WeakValueDictionary

from fastapi import Depends, Request
from starlette.responses import Response

from services.portal.adapters.network_api import MemberApi, NetworkApi, SignInRequiredError
from services.portal.adapters.network_sign_in import IssuedTokens, NetworkSignIn
from services.portal.adapters.web_sessions import WebSessions
from services.portal.domain.sign_in import new_secret
from services.portal.domain.web_session import Lifetimes, WebSession
from shared import clock

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


class ForgedRequestError(Exception):
    """A state-changing request without this session's anti-forgery token, or from elsewhere."""


@dataclass(frozen=True)
class Cookies:
    """The portal's cookie names and attributes (RFC 6265bis prefixes over https)."""

    secure: bool

    @property
    def session(self) -> str:
        """The session id's cookie."""
        return "__Host-mn_session" if self.secure else "mn_session"

    @property
    def sign_in(self) -> str:
        """Binds a sign-in under way to the browser that started it."""
        return "__Host-mn_sign_in" if self.secure else "mn_sign_in"

    def set(self, response: Response, name: str, value: str, max_age: int) -> None:
        """Set an HttpOnly, SameSite=Lax cookie for the whole portal."""
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path="/",
            secure=self.secure,
            httponly=True,
            samesite="lax",
        )

    def clear(self, response: Response, name: str) -> None:
        """Remove a cookie."""
        response.delete_cookie(name, path="/", secure=self.secure, httponly=True, samesite="lax")


@dataclass(frozen=True)
class Member:
    """The signed-in person of this request and their way to the services."""

    session: WebSession
    api: MemberApi

    @property
    def member_id(self) -> str:
        """Their member id."""
        return self.session.member_id

    @property
    def organisation_id(self) -> str:
        """Their organisation."""
        return self.session.organisation_id

    @property
    def csrf_token(self) -> str:
        """The anti-forgery token every form and htmx request of theirs carries."""
        return self.session.csrf_token

    @property
    def time_zone(self) -> str:
        """Their time zone (from their profile)."""
        return self.session.time_zone


class SessionKeeper:
    """Starts, finds, refreshes and ends web sessions."""

    def __init__(
        self,
        sessions: WebSessions,
        sign_in: NetworkSignIn,
        network: NetworkApi,
        lifetimes: Lifetimes,
        cookies: Cookies,
        portal_origin: str,
    ) -> None:
        self._sessions = sessions
        self._sign_in = sign_in
        self._network = network
        self.lifetimes = lifetimes
        self.cookies = cookies
        self._origin = portal_origin
        # One refresh at a time per session in this process: a refresh token works once.
        self._refreshing: WeakValueDictionary[str, asyncio.Lock] = WeakValueDictionary()

    async def begin(
        self, tokens: IssuedTokens, display_name: str, time_zone: str
    ) -> tuple[str, WebSession]:
        """A new session (a new id: a session id from before sign-in is never reused)."""
        session_id, now = new_secret(), clock.now()
        session = WebSession(
            key="",
            member_id=tokens.principal.subject,
            organisation_id=tokens.principal.organisation,
            roles=frozenset(r.value for r in tokens.principal.roles),
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            access_expires_at=tokens.expires_at,
            csrf_token=new_secret(),
            created_at=now,
            seen_at=now,
            display_name=display_name,
            time_zone=time_zone,
        )
        await self._sessions.start(session_id, session)
        return session_id, session

    async def current(self, request: Request) -> WebSession | None:
        """The live session behind the request's cookie, tokens fresh; None if there is none
        (never signed in, signed out, idle or too old)."""
        session_id = request.cookies.get(self.cookies.session)
        if not session_id:
            return None
        session = await self._sessions.find(session_id)
        now = clock.now()
        if session is None or session.ended(now, self.lifetimes):
            if session is not None:
                await self._sessions.end(session)
            return None
        if session.needs_refresh(now):
            session = await self._refresh(session)
            if session is None:
                return None
        if session.worth_marking_seen(now):
            session = await self._sessions.mark_seen(session, now)
        return session

    async def member(self, request: Request) -> Member:
        """The signed-in person, or SignInRequiredError; unsafe methods must carry the
        session's anti-forgery token and come from the portal's own pages."""
        session = await self.current(request)
        if session is None:
            raise SignInRequiredError()
        if request.method in UNSAFE_METHODS:
            await self._check_not_forged(request, session)
        return Member(session, self._network.as_member(session.access_token))

    async def end(self, session: WebSession) -> None:
        """Sign out: the refresh token is revoked and the session forgotten."""
        await self._sign_in.revoke(session.refresh_token)
        await self._sessions.end(session)

    async def remember_person(self, session: WebSession, display_name: str, zone: str) -> None:
        """The person changed their name or time zone."""
        await self._sessions.store_person(session, display_name, zone)

    async def _refresh(self, session: WebSession) -> WebSession | None:
        lock = self._refreshing.setdefault(session.key, asyncio.Lock())
        async with lock:
            stored = await self._sessions.reload(session)
            if stored is None:
                return None
            if not stored.needs_refresh(clock.now()):
                return stored  # refreshed meanwhile, here or by another instance
            tokens = await self._sign_in.refresh(stored.refresh_token)
            if tokens is None:
                # Another instance may have used the refresh token a moment ago.
                latest = await self._sessions.reload(stored)
                if latest is None or latest.refresh_token == stored.refresh_token:
                    return None
                return latest
            fresh = replace(
                stored,
                access_token=tokens.access_token,
                refresh_token=tokens.refresh_token,
                access_expires_at=tokens.expires_at,
                roles=frozenset(r.value for r in tokens.principal.roles),
            )
            await self._sessions.store_tokens(fresh)
            return fresh

    async def _check_not_forged(self, request: Request, session: WebSession) -> None:
        origin = request.headers.get("origin")
        if origin is not None and origin != self._origin:
            raise ForgedRequestError(f"a request from {origin}")
        presented = request.headers.get(CSRF_HEADER)
        if presented is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")
        ):
            value = (await request.form()).get(CSRF_FIELD)
            presented = value if isinstance(value, str) else None
        if presented is None or not hmac.compare_digest(presented, session.csrf_token):
            raise ForgedRequestError("no valid anti-forgery token")


def origin_of(url: str) -> str:
    """scheme://host[:port] of a URL, as browsers send it in `Origin`."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _keeper(request: Request) -> SessionKeeper:
    keeper: SessionKeeper = request.app.state.components.keeper
    return keeper


async def _member(request: Request) -> Member:
    return await _keeper(request).member(request)


SignedIn = Annotated[Member, Depends(_member)]
Keeper = Annotated[SessionKeeper, Depends(_keeper)]
