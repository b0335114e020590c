"""Each member's personal calendar feed: a secret URL their calendar app subscribes to.

Calendar apps cannot send a bearer token, so the feed's URL carries its own credential: a
token `cal.<organisation id>.<secret>`, where the secret is 256 random bits. The organisation
id is not secret (the directory lists it); it only tells the lookup which organisation's
database to read — the feed record lives with the member's organisation, one per
member. Only the token's SHA-256 is stored (`shared/secrets.py`), so the database alone does
not give anyone a working URL; a token is shown once, when created. Creating again rotates
it (one replace: the old URL stops at once), deleting revokes it, and erasure removes it.

Lookup: the token's shape is checked before any database is touched (anything else is a plain
404), then the record is found by the token's hash and compared again in constant time. The
feed reads as the member it belongs to, and only their meetings (`MeetingStore.of_member`).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, Field

from services.sessions.adapters.calendar_ics import render
from services.sessions.adapters.meeting_store import MeetingStore
from shared.auth.principal import CallerKind, Principal
from shared.errors import NotFoundError
from shared.secrets import matches, new_token, token_hash
from shared.tenancy import TenantData

CALENDAR_FEEDS = "calendar_feeds"
TOKEN_PREFIX = "cal"  # noqa: S105 (a public marker, not a secret)
# `cal.` + organisation id (as the databases allow it) + `.` + token_urlsafe(32).
_TOKEN = re.compile(r"^cal\.([a-z0-9_]{1,40})\.([A-Za-z0-9_-]{43})$")
FEED_NAME = "Mentoring meetings"
REFRESH = timedelta(hours=1)


class FeedStatus(BaseModel):
    """Whether the member has a feed (its URL cannot be shown again: only its hash is kept)."""

    active: bool = Field(examples=[True])
    created_at: datetime | None = None


def feed_token(organisation_id: str) -> str:
    """A new feed token for a member of `organisation_id`."""
    return new_token(f"{TOKEN_PREFIX}.{organisation_id}.")


def token_organisation(token: str) -> str | None:
    """The organisation a well-formed feed token names; None for anything else."""
    found = _TOKEN.match(token)
    return found.group(1) if found else None


def _member(caller: Principal, member_id: str) -> str:
    """The caller's own member id if `member_id` is `me` or theirs; else 404."""
    if caller.kind is not CallerKind.MEMBER or member_id not in ("me", caller.subject):
        raise NotFoundError(f"no member {member_id!r} whose calendar feed you can manage")
    return caller.subject


class CalendarFeedStore:
    """Feed records in each member's organisation's database, and the feeds themselves."""

    def __init__(self, data: TenantData, meetings: MeetingStore) -> None:
        self._data = data
        self._meetings = meetings

    async def status(self, caller: Principal, member_id: str) -> FeedStatus:
        """Whether the caller has a feed."""
        member = _member(caller, member_id)
        found = await self._data.own(caller, CALENDAR_FEEDS).find_one({"_id": member})
        if found is None:
            return FeedStatus(active=False)
        return FeedStatus(active=True, created_at=found["created_at"])

    async def issue(self, caller: Principal, member_id: str) -> tuple[str, datetime]:
        """Create or rotate the caller's feed; the token (shown once) and when."""
        member = _member(caller, member_id)
        token = feed_token(caller.organisation)
        now = datetime.now(UTC)
        await self._data.own(caller, CALENDAR_FEEDS).replace_one(
            {"_id": member},
            {
                "_id": member,
                "member_id": member,
                "token_hash": token_hash(token),
                "created_at": now,
            },
            upsert=True,
        )
        return token, now

    async def revoke(self, caller: Principal, member_id: str) -> None:
        """Revoke the caller's feed (nothing to revoke is fine)."""
        member = _member(caller, member_id)
        await self._data.own(caller, CALENDAR_FEEDS).delete_many({"_id": member})

    async def feed(self, token: str) -> bytes:
        """The calendar a feed token opens; 404 for a token that is malformed, unknown or
        revoked (all alike)."""
        organisation = token_organisation(token)
        if organisation is None:
            raise NotFoundError("no such calendar")
        # No caller exists here: the token is the credential, and it names the database.
        feeds = self._data.system_organisation(organisation, CALENDAR_FEEDS)
        record = await feeds.find_one({"token_hash": token_hash(token)})
        if record is None or not matches(token, str(record["token_hash"])):
            raise NotFoundError("no such calendar")
        member = Principal(
            subject=str(record["member_id"]), organisation=organisation, kind=CallerKind.MEMBER
        )
        return render(await self._meetings.of_member(member), name=FEED_NAME, refresh=REFRESH)

    async def erase_member(self, member_id: str, organisation_id: str) -> None:
        """An erased member's feed goes (idempotent)."""
        feeds = self._data.system_organisation(organisation_id, CALENDAR_FEEDS)
        await feeds.delete_many({"_id": member_id})
