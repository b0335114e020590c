"""The organisation's members as its admin manages them: the list (searched in the portal, one
call to the registry), roles, erasure, and importing a file as a registry job."""

from __future__ import annotations

from fastapi import HTTPException

from services.portal.adapters.network_api import Service
from services.portal.adapters.signed_in import Member
from services.portal.domain.member_imports import ImportJob
from services.portal.domain.organisation_members import (
    MemberPage,
    OrganisationMember,
    page_of,
    search,
)


def _members_path(member: Member) -> str:
    return f"/organisations/{member.organisation_id}/members"


async def all_members(member: Member) -> list[OrganisationMember]:
    """Everyone of the organisation (admins only: anyone else, not found)."""
    found: list[OrganisationMember] = await member.api.get(
        Service.REGISTRY, _members_path(member), list[OrganisationMember]
    )
    return found


async def members_page(member: Member, query: str, number: str) -> tuple[MemberPage, int]:
    """The page of members matching `query`, and how many members there are in all."""
    everyone = await all_members(member)
    return page_of(search(everyone, query), number), len(everyone)


async def one_member(member: Member, member_id: str) -> OrganisationMember:
    """A member of the organisation (none of that id: not found)."""
    for found in await all_members(member):
        if found.id == member_id:
            return found
    raise HTTPException(status_code=404)


async def change_role(member: Member, member_id: str, role: str, grant: bool) -> None:
    """Grant or revoke `role` (ServiceRefusalError: e.g. an admin's own admin role, 403)."""
    await member.api.send(
        Service.REGISTRY,
        "PUT" if grant else "DELETE",
        f"{_members_path(member)}/{member_id}/roles/{role}",
    )


async def erase(member: Member, member_id: str) -> None:
    """Erase the member across the network (it cannot be undone)."""
    await member.api.send(Service.REGISTRY, "DELETE", f"{_members_path(member)}/{member_id}")


async def start_import(member: Member, content: bytes, content_type: str) -> ImportJob:
    """The registry reads the file at once (refusing it whole if it cannot) and imports its rows
    as a job."""
    job: ImportJob = await member.api.upload(
        Service.REGISTRY, f"{_members_path(member)}/import-jobs", content, content_type, ImportJob
    )
    return job


async def import_job(member: Member, job_id: str) -> ImportJob:
    """How far the import has got (only whoever started it; anyone else, not found)."""
    job: ImportJob = await member.api.get(
        Service.REGISTRY, f"{_members_path(member)}/import-jobs/{job_id}", ImportJob
    )
    return job
