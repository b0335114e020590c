"""Personal calendar feeds over HTTP: a member creates (or rotates), checks and revokes their
feed; a calendar app fetches it by its secret URL, with no bearer token (see
calendar_feed_store for how the token is kept and checked)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response, status
from pydantic import BaseModel, Field

from services.sessions.adapters.calendar_feed_store import CalendarFeedStore, FeedStatus
from services.sessions.adapters.calendar_ics import MEDIA_TYPE
from shared.auth.http import Caller
from shared.http.errors import AUTH_REFUSALS, Problem
from shared.http.rate_limits import TOO_OFTEN, RateLimit

router = APIRouter(tags=["calendar feeds"])


async def _store(request: Request) -> CalendarFeedStore:
    store: CalendarFeedStore = request.app.state.calendar_feeds
    return store


Feeds = Annotated[CalendarFeedStore, Depends(_store)]
MemberId = Annotated[str, Path(max_length=200, examples=["me"])]
# Any string: a token that is not one is answered like an unknown one (404), never 422.
FeedToken = Annotated[str, Path(examples=["cal.org_0a1b2c3d4e5f.x7Qm..."])]
FEED_ROUTE = "calendar_feed"


class FeedCreated(BaseModel):
    """The feed's URL: shown this once (only a hash of its secret is kept)."""

    url: str = Field(examples=["https://sessions.example/calendar/cal.org_0a1b2c3d4e5f.x7Qm.ics"])
    created_at: datetime
    note: str = Field(
        default="Subscribe to this URL in your calendar app. Anyone with it can read your "
        "meeting times and places: keep it private. Creating a new one stops this one.",
    )


@router.get(
    "/members/{member_id}/calendar-feed",
    summary="Whether you have a calendar feed (`me`)",
    responses=AUTH_REFUSALS,
)
async def feed_status(member_id: MemberId, caller: Caller, feeds: Feeds) -> FeedStatus:
    """The URL itself cannot be shown again; create a new one if it is lost."""
    return await feeds.status(caller, member_id)


@router.post(
    "/members/{member_id}/calendar-feed",
    summary="Create or rotate your personal calendar feed URL (`me`)",
    status_code=status.HTTP_201_CREATED,
    responses=AUTH_REFUSALS,
)
async def create_feed(
    member_id: MemberId, request: Request, caller: Caller, feeds: Feeds
) -> FeedCreated:
    """Returns the secret URL once; any earlier URL stops working at once."""
    token, created_at = await feeds.issue(caller, member_id)
    return FeedCreated(url=str(request.url_for(FEED_ROUTE, token=token)), created_at=created_at)


@router.delete(
    "/members/{member_id}/calendar-feed",
    summary="Revoke your calendar feed URL (`me`)",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=AUTH_REFUSALS,
)
async def revoke_feed(member_id: MemberId, caller: Caller, feeds: Feeds) -> Response:
    """The URL answers 404 from now on (revoking when there is none is fine)."""
    await feeds.revoke(caller, member_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/calendar/{token}.ics",
    name=FEED_ROUTE,
    summary="A member's calendar feed (no sign-in: the secret URL is the credential)",
    response_class=Response,
    responses={
        200: {"content": {"text/calendar": {}}, "description": "an iCalendar feed (RFC 5545)"},
        404: {"model": Problem, "description": "no such feed: unknown, malformed or revoked"},
        **TOO_OFTEN,
    },
)
async def calendar_feed(token: FeedToken, feeds: Feeds, request: Request) -> Response:
    """The member's planned and held meetings across all their relationships. Unknown and
    revoked URLs are 404 alike. The request log shows this route's template, never the
    token. A feed fetched more often than calendar apps poll (30 times in 10 minutes by
    default) answers 429."""
    limit: RateLimit = request.app.state.calendar_feed_limit
    # Counted by the token's hash: the limiter's memory never holds a feed's credential.
    await limit.hit(hashlib.sha256(token.encode()).hexdigest())
    calendar = await feeds.feed(token)
    return Response(
        content=calendar,
        media_type=MEDIA_TYPE,
        headers={"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"},
    )
