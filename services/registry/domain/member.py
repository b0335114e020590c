"""A person of a partner organisation, known by their provider's issuer and subject.

Roles (docs/security.md, "Network tokens") and who may grant them:
- `member`: everyone who signs in;
- `programme_coordinator`, `organisation_admin`: granted by an admin of the same organisation
  (or a network co-ordinator);
- `network_coordinator`: granted only by a network co-ordinator.
An admin cannot remove their own admin role, so an organisation is never left without one by
accident.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, Field

from shared.auth.principal import Principal, Role
from shared.randomness import random_hex

_EMAIL = re.compile(r"^[^@\s]{1,64}@[a-z0-9.-]{1,253}\.[a-z]{2,63}$")


class Member(BaseModel):
    """A member as the registry stores and shows it."""

    id: str = Field(pattern=r"^mem_[a-z0-9]{16}$", examples=["mem_4b1f0c9e2d7a6b35"])
    organisation_id: str = Field(examples=["org_3f9a1c2b7d4e"])
    issuer: str | None = Field(
        default=None,
        description="the provider's issuer; none until a member imported in bulk "
        "first signs in (pre-provisioned)",
    )
    subject: str | None = Field(default=None, description="the provider's subject, likewise")
    email: str | None = Field(default=None, examples=["alice@northshore-care.example"])
    name: str | None = Field(default=None, examples=["Alice Smith"])
    roles: list[Role] = Field(examples=[["member"]])
    joined_at: AwareDatetime


def new_member_id() -> str:
    """A fresh, unguessable member id."""
    return f"mem_{random_hex(8)}"


def normalise_email(value: str) -> str:
    """An e-mail address as compared (lower case), or ValueError."""
    email = value.strip().lower()
    if not _EMAIL.match(email):
        raise ValueError(f"not an e-mail address: {value!r}")
    return email


def first_sign_in(
    *,
    organisation_id: str,
    issuer: str,
    subject: str,
    email: str | None,
    name: str | None,
    invited: list[Role],
    now: datetime,
) -> Member:
    """The member provisioned on someone's first sign-in, with the roles of the invitation
    their verified e-mail address used up (`invited`: none without one)."""
    roles = {Role.MEMBER, *invited}
    return Member(
        id=new_member_id(),
        organisation_id=organisation_id,
        issuer=issuer,
        subject=subject,
        email=email.lower() if email else None,
        name=name,
        roles=sorted(roles),
        joined_at=now,
    )


def verified_email(claims: Mapping[str, Any]) -> str | None:
    """The provider's e-mail address for the person, lower case, only when the provider says
    it is verified with the JSON value `true` (a string "false", 1 or "yes" is not)."""
    email = claims.get("email")
    if not isinstance(email, str) or claims.get("email_verified") is not True:
        return None
    return email.strip().lower() or None


def check_may_change_role(actor: Principal, member: Member, role: Role, *, grant: bool) -> None:
    """Raise PermissionError unless `actor` may grant (or revoke) `role` for `member`."""
    if role is Role.MEMBER:
        raise PermissionError("everyone who signs in is a member; that role is not granted")
    if role is Role.NETWORK_COORDINATOR:
        if not actor.is_network_coordinator:
            raise PermissionError("only a network co-ordinator can change that role")
        return
    if not (actor.is_admin_of(member.organisation_id) or actor.is_network_coordinator):
        raise PermissionError("only an admin of the member's organisation can change roles")
    if not grant and role is Role.ORGANISATION_ADMIN and actor.subject == member.id:
        raise PermissionError("you cannot remove your own admin role; ask another admin")
