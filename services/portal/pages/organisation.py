"""The organisation admin's workspace, apart from members: the organisation's profile, its
sign-in provider (tried before it is saved), its integration clients, the programmes it is
invited to, where its members stand in their relationships, and its audit trail. Every call
is the admin's own: the registry and the sessions service decide what they may see and do."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException

from services.portal.adapters.network_api import Service
from services.portal.adapters.signed_in import Member
from services.portal.domain.audit_trail import AuditEntry, AuditRow, rows
from services.portal.domain.integration_clients import IntegrationClient, IssuedClient
from services.portal.domain.member_standing import RelationshipStatus, Standing, standings
from services.portal.domain.organisation_members import OrganisationMember
from services.portal.domain.organisation_profile import Organisation
from services.portal.domain.programme_invitations import (
    Invitation,
    InvitedProgramme,
    invitations,
)
from services.portal.domain.sign_in_provider import ConnectedProvider, ProviderTrial
from services.portal.pages.parts import or_none


def _organisation(member: Member) -> str:
    return f"/organisations/{member.organisation_id}"


@dataclass(frozen=True)
class ProfilePage:
    """The organisation as it presents itself, and the provider its domains lead to."""

    organisation: Organisation
    provider: ConnectedProvider | None


async def profile_page(member: Member) -> ProfilePage:
    """The organisation and its connected provider (admins only: anyone else, not found)."""
    api, path = member.api, _organisation(member)
    organisation, provider = await asyncio.gather(
        api.get(Service.REGISTRY, path, Organisation),
        or_none(api.get(Service.REGISTRY, f"{path}/identity-provider", ConnectedProvider)),
    )
    return ProfilePage(organisation, provider)


async def save_profile(member: Member, body: dict[str, Any]) -> None:
    """Replace the profile (ServiceRefusalError: a taken name or e-mail domain, 409)."""
    await member.api.send(Service.REGISTRY, "PUT", f"{_organisation(member)}/profile", json=body)


@dataclass(frozen=True)
class ProviderPage:
    """The provider in use, and the trial the admin came back from (if any)."""

    provider: ConnectedProvider | None
    trial: ProviderTrial | None


async def provider_page(member: Member, trial_id: str | None) -> ProviderPage:
    """The connected provider and the admin's own trial (another's trial: not found)."""
    api, path = member.api, f"{_organisation(member)}/identity-provider"
    provider, trial = await asyncio.gather(
        or_none(api.get(Service.REGISTRY, path, ConnectedProvider)),
        api.get(Service.REGISTRY, f"{path}/trials/{trial_id}", ProviderTrial)
        if trial_id
        else _nothing(),
    )
    return ProviderPage(provider, trial)


async def _nothing() -> None:
    return None


async def start_trial(member: Member, body: dict[str, Any]) -> ProviderTrial:
    """The registry checks the provider and keeps the trial ten minutes."""
    trial: ProviderTrial = await member.api.send(
        Service.REGISTRY,
        "POST",
        f"{_organisation(member)}/identity-provider/trials",
        json=body,
        model=ProviderTrial,
    )
    return trial


async def save_trial(member: Member, trial_id: str) -> None:
    """Connect the provider the passed trial signed in through."""
    await member.api.send(
        Service.REGISTRY,
        "POST",
        f"{_organisation(member)}/identity-provider/trials/{trial_id}/connect",
    )


async def clients(member: Member) -> list[IntegrationClient]:
    """The organisation's integration clients, newest first."""
    found: list[IntegrationClient] = await member.api.get(
        Service.REGISTRY, f"{_organisation(member)}/clients", list[IntegrationClient]
    )
    return sorted(found, key=lambda c: c.created_at, reverse=True)


async def client(member: Member, client_id: str) -> IntegrationClient:
    """One of the organisation's clients (none of that id: not found)."""
    for found in await clients(member):
        if found.client_id == client_id:
            return found
    raise HTTPException(status_code=404)


async def register_client(member: Member, body: dict[str, Any]) -> IssuedClient:
    """A new client and its secret (the only time the secret is known)."""
    issued: IssuedClient = await member.api.send(
        Service.REGISTRY, "POST", f"{_organisation(member)}/clients", json=body, model=IssuedClient
    )
    return issued


async def revoke_client(member: Member, client_id: str) -> None:
    """Its secret stops working at once."""
    await member.api.send(
        Service.REGISTRY, "DELETE", f"{_organisation(member)}/clients/{client_id}"
    )


@dataclass(frozen=True)
class InvitationsPage:
    """Programmes waiting for the organisation's acceptance, and those it accepted."""

    waiting: list[Invitation]
    accepted: list[InvitedProgramme]


async def invitations_page(member: Member) -> InvitationsPage:
    """The organisation's programmes and the network's organisations (to name who invited)."""
    api = member.api
    programmes, directory = await asyncio.gather(
        api.get(Service.REGISTRY, "/programmes", list[InvitedProgramme]),
        api.get(Service.REGISTRY, "/organisations", list[Organisation]),
    )
    names = {o.id: o.profile.name for o in directory}
    waiting, accepted = invitations(programmes, member.organisation_id, names)
    return InvitationsPage(waiting, accepted)


async def accept(member: Member, programme_id: str) -> None:
    """The organisation takes part in the programme."""
    await member.api.send(Service.REGISTRY, "POST", f"/programmes/{programme_id}/acceptance")


async def standing_page(member: Member) -> list[Standing]:
    """Each member's relationships (status only), named from the organisation's member list,
    with the programmes named."""
    api = member.api
    statuses, members, programmes = await asyncio.gather(
        api.get(
            Service.SESSIONS,
            f"{_organisation(member)}/relationship-status",
            list[RelationshipStatus],
        ),
        api.get(Service.REGISTRY, f"{_organisation(member)}/members", list[OrganisationMember]),
        api.get(Service.REGISTRY, "/programmes", list[InvitedProgramme]),
    )
    return standings(statuses, members, {p.id: p.design.name for p in programmes})


async def audit_trail_page(member: Member) -> list[AuditRow]:
    """The organisation's audit trail, its people named from its member list."""
    api = member.api
    entries, members = await asyncio.gather(
        api.get(Service.REGISTRY, f"{_organisation(member)}/audit-trail", list[AuditEntry]),
        api.get(Service.REGISTRY, f"{_organisation(member)}/members", list[OrganisationMember]),
    )
    return rows(entries, members, member.organisation_id)
