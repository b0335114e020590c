"""Refresh tokens: one use each, stored as hashes in the member's organisation's database."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from pymongo import ReturnDocument

from shared.secrets import new_token, token_hash
from shared.tenancy import TenantData

COLLECTION = "refresh_tokens"
_ORGANISATION_ID = re.compile(r"^org_[a-z0-9]{12}$")


class RefreshTokens:
    """Issues and redeems refresh tokens (system use: the sign-in and token flows)."""

    def __init__(self, data: TenantData, lifetime: timedelta) -> None:
        self._data = data
        self._lifetime = lifetime

    async def issue(self, organisation_id: str, member_id: str) -> str:
        """A new refresh token for a member; it names its organisation so it can be found."""
        token = f"{organisation_id}.{new_token('mnr_')}"
        await self._data.system_organisation(organisation_id, COLLECTION).insert_one(
            {
                "_id": token_hash(token),
                "member_id": member_id,
                "expires_at": datetime.now(UTC) + self._lifetime,
                "used": False,
            }
        )
        return token

    async def redeem(self, token: str) -> tuple[str, str] | None:
        """Use a token once: (organisation id, member id), or None if unknown, used or expired."""
        organisation_id, sep, _ = token.partition(".")
        if not sep or not _ORGANISATION_ID.match(organisation_id):
            return None
        collection = self._data.system_organisation(organisation_id, COLLECTION)
        # Atomic: of two concurrent redemptions only one finds `used: False`.
        document = await collection.find_one_and_update(
            {"_id": token_hash(token), "used": False},
            {"$set": {"used": True}},
            return_document=ReturnDocument.AFTER,
        )
        if document is None or document["expires_at"] <= datetime.now(UTC):
            return None
        return organisation_id, str(document["member_id"])
