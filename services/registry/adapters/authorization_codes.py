"""One-use authorization codes for the network's web apps, stored as hashes in the registry's
network database and redeemed at most once: of two redemptions only one deletes the record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.registry.domain.authorization import AuthorizationRequest, code_expired
from shared import clock
from shared.secrets import new_token, token_hash
from shared.tenancy import TenantData

COLLECTION = "authorization_codes"


@dataclass(frozen=True)
class IssuedCode:
    """What a code stands for: the app's request and who signed in."""

    request: AuthorizationRequest
    organisation_id: str
    member_id: str
    issued_at: datetime


class AuthorizationCodes:
    """Issues and redeems codes (system use: the authorization and token endpoints)."""

    def __init__(self, data: TenantData) -> None:
        self._codes = data.network(COLLECTION)

    async def issue(
        self, request: AuthorizationRequest, organisation_id: str, member_id: str
    ) -> str:
        """A fresh code for the app; only its hash is kept."""
        code = new_token("mnc_")
        await self._codes.insert_one(
            {
                "_id": token_hash(code),
                "request": request.model_dump(),
                "organisation_id": organisation_id,
                "member_id": member_id,
                "issued_at": clock.now(),
            }
        )
        return code

    async def redeem(self, code: str) -> IssuedCode | None:
        """The code's record, once: None if unknown, already redeemed or expired."""
        key = token_hash(code)
        document = await self._codes.find_one({"_id": key})
        if document is None:
            return None
        # The delete decides between two redemptions racing with the same code: by `_id`, it
        # removes the record once on MongoDB and on FerretDB alike.
        if (await self._codes.delete_one({"_id": key})).deleted_count != 1:
            return None
        if code_expired(document["issued_at"], clock.now()):
            return None
        return IssuedCode(
            request=AuthorizationRequest.model_validate(document["request"]),
            organisation_id=document["organisation_id"],
            member_id=document["member_id"],
            issued_at=document["issued_at"],
        )
