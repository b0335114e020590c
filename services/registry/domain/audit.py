"""The organisation's audit trail: who changed what that decides who can act as its people or
reads their data — its provider, roles (and invitations used), integration clients, exports
and erasures. Its admins and the network co-ordinators read it (docs/security.md, "Audit
trail"); nobody changes or deletes an entry through the API.

Pure: what an entry says. No names, e-mail addresses or secrets, only ids, so the trail holds
nothing an erased member's record must lose.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, Field

from shared.auth.principal import Principal


class AuditAction(StrEnum):
    """What happened."""

    PROVIDER_CONNECTED = "provider.connected"
    ROLE_GRANTED = "role.granted"
    ROLE_REVOKED = "role.revoked"
    INVITATION_USED = "invitation.used"
    CLIENT_REGISTERED = "client.registered"
    CLIENT_DELETED = "client.deleted"
    MEMBER_EXPORTED = "member.exported"
    MEMBER_ERASED = "member.erased"


class AuditEntry(BaseModel):
    """One entry of an organisation's audit trail."""

    id: str = Field(examples=["aud_1a2b3c4d5e6f7a8b"])
    at: AwareDatetime
    action: AuditAction = Field(examples=["provider.connected"])
    actor_id: str = Field(
        description="the member (or client, or `sign-in` for an invitation used at sign-in) "
        "who acted",
        examples=["mem_4b1f0c9e2d7a6b35"],
    )
    actor_organisation_id: str = Field(
        description="the actor's organisation: another one's for a network co-ordinator",
        examples=["org_3f9a1c2b7d4e"],
    )
    subject: str = Field(
        description="what it was done to: a member id, a client id, the provider's issuer",
        examples=["mem_0c1d2e3f4a5b6c7d"],
    )
    detail: str = Field(default="", examples=["organisation_admin"])


def new_entry(
    actor: Principal | None, action: AuditAction, subject: str, detail: str, now: datetime
) -> AuditEntry:
    """An entry for `action` by `actor` (None: the sign-in flow, before anyone is signed in)."""
    return AuditEntry(
        id=f"aud_{secrets.token_hex(8)}",
        at=now,
        action=action,
        actor_id=actor.subject if actor else "sign-in",
        actor_organisation_id=actor.organisation if actor else "",
        subject=subject,
        detail=detail,
    )
