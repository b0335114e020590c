"""The profile page: the member's registry profile, saving it from the form, their data as a
download, and erasure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import httpx

from services.portal.adapters.forms import refused
from services.portal.adapters.network_api import Service, ServiceRefusalError
from services.portal.adapters.signed_in import Member
from services.portal.domain.forms import FormProblems
from services.portal.domain.profiles import FIELDS, Profile, ProfileDraft, profile_from_form
from services.portal.pages.parts import or_none


async def my_profile(member: Member) -> Profile | None:
    """The profile, or None until they write one."""
    found: Profile | None = await or_none(member.api.get(Service.REGISTRY, "/me/profile", Profile))
    return found


@dataclass(frozen=True)
class Saving:
    """What became of a posted profile form."""

    draft: ProfileDraft  # as typed
    current: Profile | None  # as stored before (its readiness dates are shown either way)
    saved: Profile | None  # None when something must be put right
    problems: FormProblems
    status: int = 200


async def save_from_form(member: Member, form: Mapping[str, Sequence[str]]) -> Saving:
    """Read the stored profile (the form keeps what it does not show), check the form, and
    write the profile; the registry's refusal lands beside the fields it names."""
    current = await my_profile(member)
    draft, body, problems = profile_from_form(form, current)
    if problems:
        return Saving(draft, current, None, problems, 422)
    try:
        saved: Profile = await member.api.send(
            Service.REGISTRY, "PUT", "/me/profile", json=body, model=Profile
        )
    except ServiceRefusalError as exc:
        return Saving(draft, current, None, refused(exc, FIELDS), exc.status)
    return Saving(draft, current, saved, FormProblems())


async def my_data(member: Member) -> httpx.Response:
    """Everything the registry holds about the member, as it serves it."""
    return await member.api.download(Service.REGISTRY, "/me/export")


async def erase(member: Member) -> None:
    """Erase the member across the network; the request names whom, as the registry asks."""
    await member.api.send(Service.REGISTRY, "DELETE", f"/me?confirm={member.member_id}")
