"""Refresh tokens: one use each, stored as hashes in the member's organisation's database.

A token issued to a web app (the portal) is bound to that app: only the app, authenticated,
can redeem or revoke it (RFC 6749 §6, RFC 7009).

Using a token up is an insert of its hash into a second collection: the unique `_id` lets
exactly one of two concurrent redemptions through, on MongoDB and on FerretDB alike (an update
guarded by `used: false` is a read then a write on FerretDB, and both could pass).

Tokens come in families: the one a sign-in issues and every token refreshed from it. A family
lives at most `max_session` from its sign-in, however often it is refreshed (an absolute
lifetime), and presenting a token of it a second time — what a thief replaying a stolen token,
or the person after the thief, does (RFC 9700 §4.14.2) — retires the whole family, so neither
can go on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from shared.logging import get_logger
from shared.mongo.databases import Document
from shared.secrets import new_token, token_hash
from shared.tenancy import TenantData

log = get_logger(__name__)

COLLECTION = "refresh_tokens"
USED = "refresh_tokens_used"
_ORGANISATION_ID = re.compile(r"^org_[a-z0-9]{12}$")


@dataclass(frozen=True)
class Family:
    """The tokens descended from one sign-in, and when they all end."""

    id: str
    ends_at: datetime


@dataclass(frozen=True)
class Redeemed:
    """Whose token was used, and its family (the next token joins it)."""

    organisation_id: str
    member_id: str
    family: Family


class RefreshTokens:
    """Issues, redeems and revokes refresh tokens (system use: the sign-in and token flows)."""

    def __init__(
        self, data: TenantData, lifetime: timedelta, max_session: timedelta | None = None
    ) -> None:
        self._data = data
        self._lifetime = lifetime
        self._max_session = max_session or timedelta(hours=12)

    async def issue(
        self,
        organisation_id: str,
        member_id: str,
        client_id: str | None = None,
        family: Family | None = None,
    ) -> str:
        """A new refresh token for a member (bound to `client_id` when a web app gets it); it
        names its organisation so it can be found. Without `family`, a sign-in: a new family,
        ending `max_session` from now."""
        now = datetime.now(UTC)
        family = family or Family(new_token("fam_"), now + self._max_session)
        token = f"{organisation_id}.{new_token('mnr_')}"
        await self._data.system_organisation(organisation_id, COLLECTION).insert_one(
            {
                "_id": token_hash(token),
                "member_id": member_id,
                "client_id": client_id,
                "expires_at": min(now + self._lifetime, family.ends_at),
                "family": family.id,
                "family_ends_at": family.ends_at,
                "used": False,
            }
        )
        return token

    async def redeem(self, token: str, client_id: str | None) -> Redeemed | None:
        """Use a token once: whose it is, or None if unknown, expired, past its family's end
        or bound to another client than `client_id` (the authenticated caller, if any). A
        token used before retires its whole family."""
        document = await self._find(token)
        if document is None or document.get("client_id") != client_id:
            return None
        if document["used"] or not await self._use_up(token):
            await self._retire_family(token, document, "refresh token reused")
            return None
        family = Family(
            str(document.get("family") or new_token("fam_")),
            document.get("family_ends_at") or document["expires_at"],
        )
        if min(document["expires_at"], family.ends_at) <= datetime.now(UTC):
            return None
        return Redeemed(token.partition(".")[0], str(document["member_id"]), family)

    async def _retire_family(self, token: str, document: Document, why: str) -> None:
        """Every token of this token's family stops working."""
        tokens = self._collection(token, COLLECTION)
        family = document.get("family")
        if tokens is None or not family:
            return
        retired = await tokens.update_many({"family": family}, {"$set": {"used": True}})
        # A reuse is worth a look (a stolen token, or a client's bug); a sign-out is not.
        report = log.warning if why.endswith("reused") else log.info
        report(
            f"{why}: its family is retired",
            member_id=document["member_id"],
            tokens=retired.modified_count,
        )

    async def revoke(self, token: str, client_id: str) -> None:
        """Retire a token the client holds, with its family (a sign-out ends the session
        the token came from; RFC 7009: an unknown token is no error)."""
        document = await self._find(token)
        if document is not None and document.get("client_id") == client_id:
            await self._use_up(token)
            await self._retire_family(token, document, "refresh token revoked")

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
