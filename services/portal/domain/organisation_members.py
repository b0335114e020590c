"""An organisation's members as its admin manages them: finding someone by name or e-mail, a
page of them at a time, the roles an admin grants, and the list as a spreadsheet.
Pure: no I/O."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, Field

from services.portal.domain.forms import first

PAGE_SIZE = 50
# The roles an organisation's admin grants and revokes (everyone is a member; only a network
# co-ordinator grants network_coordinator).
GRANTABLE = {
    "programme_coordinator": "Programme co-ordinator",
    "organisation_admin": "Organisation admin",
}
ROLES = {
    "member": "Member",
    **GRANTABLE,
    "network_coordinator": "Network co-ordinator",
}
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class OrganisationMember(BaseModel):
    """A member as the registry lists them for their organisation's admins."""

    id: str
    email: str | None = None
    name: str | None = None
    roles: list[str] = Field(default_factory=list)
    issuer: str | None = None
    joined_at: datetime

    @property
    def display(self) -> str:
        """Their name, else their e-mail."""
        return self.name or self.email or "A member without a name yet"

    @property
    def has_signed_in(self) -> bool:
        """Imported members have no provider identity until they first sign in."""
        return self.issuer is not None


def search(members: Iterable[OrganisationMember], query: str) -> list[OrganisationMember]:
    """Members whose name or e-mail holds every word of `query` (any case), A to Z by name."""
    words = query.casefold().split()
    found = [
        m for m in members if all(w in f"{m.name or ''} {m.email or ''}".casefold() for w in words)
    ]
    return sorted(found, key=lambda m: (m.display.casefold(), m.id))


@dataclass(frozen=True)
class MemberPage:
    """One page of the members found."""

    members: list[OrganisationMember]
    found: int
    number: int
    pages: int

    @property
    def first_shown(self) -> int:
        """The position of the first member shown (from 1; 0 when none)."""
        return (self.number - 1) * PAGE_SIZE + 1 if self.members else 0

    @property
    def last_shown(self) -> int:
        """The position of the last member shown."""
        return self.first_shown + len(self.members) - 1 if self.members else 0


def page_of(found: Sequence[OrganisationMember], number: str | int) -> MemberPage:
    """The `number`th page (from 1; a page beyond the last shows the last)."""
    pages = max(1, -(-len(found) // PAGE_SIZE))
    try:
        wanted = int(number)
    except ValueError:
        wanted = 1
    at = min(max(wanted, 1), pages)
    start = (at - 1) * PAGE_SIZE
    return MemberPage(list(found[start : start + PAGE_SIZE]), len(found), at, pages)


def role_change_from_form(form: Mapping[str, Sequence[str]]) -> tuple[str, bool] | None:
    """(role, grant?) from a role button, or None for anything else."""
    role, change = first(form, "role"), first(form, "change")
    if role not in GRANTABLE or change not in ("grant", "revoke"):
        return None
    return role, change == "grant"


def spreadsheet_cell(value: str) -> str:
    """A value a spreadsheet shows as text, never runs as a formula."""
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def members_csv(members: Iterable[OrganisationMember]) -> str:
    """The members as CSV: e-mail, name, roles, whether they have signed in, when they joined."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["email", "display_name", "roles", "has_signed_in", "joined_on"])
    for m in members:
        writer.writerow(
            [
                spreadsheet_cell(m.email or ""),
                spreadsheet_cell(m.name or ""),
                ";".join(sorted(m.roles)),
                "yes" if m.has_signed_in else "no",
                m.joined_at.date().isoformat(),
            ]
        )
    return out.getvalue()
