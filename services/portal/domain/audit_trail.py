"""The organisation's audit trail as its admin reads it: who changed its sign-in provider,
people's roles, its integration clients, and who exported or erased someone's data — each
named as the admin may name them. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel

from services.portal.domain.organisation_members import ROLES, OrganisationMember

ACTIONS = {
    "provider.connected": "Connected the sign-in provider",
    "role.granted": "Granted a role",
    "role.revoked": "Revoked a role",
    "invitation.used": "An invitation was used at sign-in",
    "client.registered": "Registered an integration client",
    "client.deleted": "Revoked an integration client",
    "member.exported": "Downloaded their data",
    "member.erased": "Erased a member",
}


class AuditEntry(BaseModel):
    """One entry as the registry gives it."""

    id: str
    at: datetime
    action: str
    actor_id: str
    actor_organisation_id: str = ""
    subject: str
    detail: str = ""


@dataclass(frozen=True)
class AuditRow:
    """One line of the page."""

    at: datetime
    who: str
    what: str
    about: str
    detail: str


def _person(member_id: str, by_id: dict[str, OrganisationMember]) -> str | None:
    member = by_id.get(member_id)
    return member.display if member else None


def rows(
    entries: Iterable[AuditEntry], members: Iterable[OrganisationMember], organisation_id: str
) -> list[AuditRow]:
    """The entries, newest first, with people named from the organisation's member list:
    someone of another organisation is a network co-ordinator (only they act across), the
    sign-in flow and the operator are named as such, and someone erased since is a former
    member."""
    by_id = {m.id: m for m in members}
    found = []
    for entry in sorted(entries, key=lambda e: e.at, reverse=True):
        if entry.actor_id == "sign-in":
            who = "The sign-in"
        elif entry.actor_id == "operator":
            who = "The network's operator"
        elif entry.actor_organisation_id and entry.actor_organisation_id != organisation_id:
            who = "A network co-ordinator (of another organisation)"
        else:
            who = _person(entry.actor_id, by_id) or "A former member"
        about = _person(entry.subject, by_id) or (
            "A former member" if entry.subject.startswith("mem_") else entry.subject
        )
        detail = ROLES.get(entry.detail, entry.detail)
        found.append(
            AuditRow(entry.at, who, ACTIONS.get(entry.action, entry.action), about, detail)
        )
    return found
