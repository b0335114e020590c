"""Who is calling: a member of an organisation, or an organisation's integration client."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    """What a person may do. Mentor, mentee and peer are how a member takes part
    in a programme (enrolment), not roles of their own."""

    MEMBER = "member"
    PROGRAMME_COORDINATOR = "programme_coordinator"
    ORGANISATION_ADMIN = "organisation_admin"
    NETWORK_COORDINATOR = "network_coordinator"


class Scope(StrEnum):
    """What an integration client (an organisation's HR or LMS system) may do."""

    MEMBERS_READ = "members:read"
    MEMBERS_WRITE = "members:write"
    PROGRAMMES_READ = "programmes:read"
    PROGRAMMES_WRITE = "programmes:write"


class CallerKind(StrEnum):
    """A person through SSO, or a system through client credentials."""

    MEMBER = "member"
    CLIENT = "client"


@dataclass(frozen=True)
class Principal:
    """The verified caller. Every data access takes one."""

    subject: str
    organisation: str
    kind: CallerKind
    roles: frozenset[Role] = field(default_factory=frozenset)
    scopes: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_network_coordinator(self) -> bool:
        """May see network-wide aggregates and manage organisations."""
        return Role.NETWORK_COORDINATOR in self.roles

    def is_admin_of(self, organisation_id: str) -> bool:
        """An admin of that organisation (a network co-ordinator is not, by that alone)."""
        return self.organisation == organisation_id and Role.ORGANISATION_ADMIN in self.roles

    def belongs_to(self, organisation_id: str) -> bool:
        """The caller is of that organisation."""
        return self.organisation == organisation_id
