"""A member's contact details as the registry shares them, and only with the notifications
service (their own compacted topic: `shared.contracts.contacts`): the address, the name to
greet them by and their time zone. Nothing else of the profile goes there.

Pure: built from the member's stored document.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from shared.contracts.contacts import INVITATION_ID_PREFIX, MemberContact

# Set on a member's document once its contact details are on the topic (the start-up
# backfill publishes them for members who joined before the topic existed).
PUBLISHED_FIELD = "contact_v"
# What a member's document must be read with to build their contact details.
CONTACT_FIELDS = ("organisation_id", "email", "name", "profile")


def contact_of(
    member_id: str, organisation_id: str, document: Mapping[str, Any], now: datetime
) -> MemberContact:
    """The contact details a member's document holds: the profile's name and zone when they
    wrote one, else the name their provider gave."""
    profile: Mapping[str, Any] = document.get("profile") or {}
    return MemberContact(
        member_id=member_id,
        organisation_id=organisation_id,
        email=document.get("email"),
        name=profile.get("display_name") or document.get("name"),
        time_zone=profile.get("time_zone"),
        updated_at=now,
    )


def invitation_id(secret: bytes, organisation_id: str, email: str) -> str:
    """An invitation's id: keyed by the registry's secret, so the same address in the same
    organisation always gives the same id (its tombstone can be written whenever the address
    is known) while the id alone leads to no address."""
    digest = hmac.new(secret, f"{organisation_id}|{email}".encode(), hashlib.sha256)
    return f"{INVITATION_ID_PREFIX}{digest.hexdigest()[:16]}"
