"""Who may manage an organisation's webhooks: that organisation's own admins, and nobody else
— not another organisation's admin, not a plain member, not an integration client. Everyone
else is told there is nothing there (404), never that they may not look (403), so an
organisation's endpoints are not even confirmed to exist."""

from __future__ import annotations

from shared.auth.principal import CallerKind, Principal
from shared.errors import NotFoundError


def ensure_admin(caller: Principal, organisation_id: str) -> None:
    """Refuse (404) anyone but an admin of `organisation_id` signed in as a person."""
    if caller.kind is not CallerKind.MEMBER or not caller.is_admin_of(organisation_id):
        raise NotFoundError("no such organisation's webhooks")
