"""A person's session in the portal, and the rules of its life.

The session is the server-side half of a cookie: the browser holds only a random session id;
the network tokens stay here. It ends after a quiet spell (idle) or a fixed time whatever
happens (absolute); the access token is refreshed shortly before it expires.

Pure rules: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

REFRESH_AHEAD = timedelta(seconds=60)
# How often a session's last-seen time is written: a write per page would cost more than the
# minute of idle-time precision it buys.
SEEN_PRECISION = timedelta(seconds=60)


@dataclass(frozen=True)
class Lifetimes:
    """How long a session may be idle, and how long it may live at all."""

    idle: timedelta
    absolute: timedelta


@dataclass(frozen=True)
class WebSession:
    """Who is signed in, with what tokens, since when."""

    key: str  # the hash of the cookie's session id: what the store is keyed by
    member_id: str
    organisation_id: str
    roles: frozenset[str]
    access_token: str
    refresh_token: str
    access_expires_at: datetime
    csrf_token: str
    created_at: datetime
    seen_at: datetime
    display_name: str  # for the page header; from the profile (or the provider) at sign-in
    time_zone: str  # times on every page are shown in it; from the profile

    def ended(self, now: datetime, lifetimes: Lifetimes) -> bool:
        """Past its absolute lifetime, or idle for too long."""
        return now - self.created_at >= lifetimes.absolute or now - self.seen_at >= lifetimes.idle

    def needs_refresh(self, now: datetime) -> bool:
        """The access token expires within a minute."""
        return self.access_expires_at - now <= REFRESH_AHEAD

    def worth_marking_seen(self, now: datetime) -> bool:
        """Enough time passed since the last recorded visit to write a new one."""
        return now - self.seen_at >= SEEN_PRECISION


def safe_next(target: str | None) -> str:
    """Where to go after sign-in: a path of this portal only (never another site, so a link
    cannot use sign-in to send a person elsewhere)."""
    if not target or len(target) > 500:
        return "/"
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(c) < 32 for c in target)
    ):
        return "/"
    return target
