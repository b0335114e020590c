"""Invitations to an organisation's roles (its first admins, named when it is registered; the
network office's first co-ordinator): whoever signs in through the organisation's provider with
the invited, verified e-mail address gets the roles — once, and only for a while.

An invitation that worked forever would let anyone who can make the provider assert that
address (a replaced provider, a recycled mailbox) become an admin again and again; so it is
used up by its first sign-in and expires after INVITATION_LIFETIME (docs/security.md).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

INVITATION_LIFETIME = timedelta(days=14)


def still_valid(invited_at: datetime, now: datetime) -> bool:
    """Whether an invitation sent at `invited_at` may still be used at `now` (a stored time
    without a zone is UTC)."""
    if invited_at.tzinfo is None:
        invited_at = invited_at.replace(tzinfo=UTC)
    return now - invited_at <= INVITATION_LIFETIME
