"""Refresh tokens: one use each, stored as hashes in the member's organisation's database.

A token issued to a web app (the portal) is bound to that app: only the app, authenticated,
can redeem or revoke it (RFC 6749 §6, RFC 7009).

Using a token up is an insert of its hash into a second collection: the unique `_id` lets
exactly one of two concurrent redemptions through, on MongoDB and on FerretDB alike (an update
guarded by `used: false` is a read then a write on FerretDB, and both could pass).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from shared.mongo.databases import Document
from shared.secrets import new_token, token_hash
from shared.tenancy import TenantData

COLLECTION = "refresh_tokens"
USED = "refresh_tokens_used"
_ORGANISATION_ID = re.compile(r"^org_[a-z0-9]{12}$")


class RefreshTokens:
    """Issues, redeems and revokes refresh tokens (system use: the sign-in and token flows)."""

    def __init__(self, data: TenantData, lifetime: timedelta) -> None:
        self._data = data
        self._lifetime = lifetime

    async def issue(
        self, organisation_id: str, member_id: str, client_id: str | None = None
    ) -> str:
        """A new refresh token for a member (bound to `client_id` when a web app gets it); it
        names its organisation so it can be found."""
        token = f"{organisation_id}.{new_token('mnr_')}"
        await self._data.system_organisation(organisation_id, COLLECTION).insert_one(
            {
                "_id": token_hash(token),
                "member_id": member_id,
                "client_id": client_id,
                "expires_at": datetime.now(UTC) + self._lifetime,
                "used": False,
            }
        )
        return token

    async def redeem(self, token: str, client_id: str | None) -> tuple[str, str] | None:
        """Use a token once: (organisation id, member id), or None if unknown, used, expired
        or bound to another client than `client_id` (the authenticated caller, if any)."""
        document = await self._find(token)
        if (
            document is None
            or document["used"]
            or document.get("client_id") != client_id
            or document["expires_at"] <= datetime.now(UTC)
            or not await self._use_up(token)
        ):
            return None
        return token.partition(".")[0], str(document["member_id"])

    async def revoke(self, token: str, client_id: str) -> None:
        """Retire a token the client holds (RFC 7009: an unknown token is no error)."""
        document = await self._find(token)
        if document is not None and document.get("client_id") == client_id:
            await self._use_up(token)

    async def _find(self, token: str) -> Document | None:
        collection = self._collection(token, COLLECTION)
        return None if collection is None else await collection.find_one({"_id": token_hash(token)})

    async def _use_up(self, token: str) -> bool:
        used, tokens = self._collection(token, USED), self._collection(token, COLLECTION)
        if used is None or tokens is None:
            return False
        try:
            await used.insert_one({"_id": token_hash(token), "at": datetime.now(UTC)})
        except DuplicateKeyError:
            return False
        # The flag only serves readers (the member's export counts live tokens).
        await tokens.update_one({"_id": token_hash(token)}, {"$set": {"used": True}})
        return True

    def _collection(self, token: str, name: str) -> AsyncCollection[Document] | None:
        organisation_id, sep, _ = token.partition(".")
        if not sep or not _ORGANISATION_ID.match(organisation_id):
            return None
        return self._data.system_organisation(organisation_id, name)
