"""Routes for members' profiles."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from services.registry.adapters.components import Components
from services.registry.adapters.http_members import MemberId
from services.registry.adapters.http_organisations import OrganisationId
from services.registry.domain.profile import (
    PersonCard,
    Profile,
    SharedProfile,
    with_organisation_record,
)
from shared.auth.http import Caller, person_or_client_with
from shared.auth.principal import CallerKind, Principal, Scope
from shared.contracts.registry import (
    AvailabilityWindow,
    MemberProfile,
    MemberProfileUpdated,
    MemberReadinessChanged,
)
from shared.errors import DomainError, NotFoundError
from shared.events.catalogue import new_event
from shared.http.errors import AUTH_REFUSALS, Problem

router = APIRouter(tags=["profiles"])
# People, and the organisation's integration clients granted members:read.
MemberDataReader = Annotated[Principal, Depends(person_or_client_with(Scope.MEMBERS_READ))]
_REFERENCE = re.compile(r"^org_[a-z0-9]{12}/mem_[a-z0-9]{16}$")


class NotAMemberError(DomainError):
    """Integration clients have no profile of their own."""

    status = 403
    error = "forbidden"


@router.get("/me/profile", summary="My profile", responses=AUTH_REFUSALS)
async def my_profile(caller: Caller, components: Components) -> Profile:
    """The signed-in member's profile (404 until they write one)."""
    return await components.members.profile(caller, caller.organisation, caller.subject)


@router.put(
    "/me/profile",
    summary="Write my profile",
    responses={**AUTH_REFUSALS, 422: {"model": Problem, "description": "a field is not valid"}},
)
async def write_my_profile(profile: Profile, caller: Caller, components: Components) -> Profile:
    """Replace the profile; matching hears `member.profile_updated` (and
    `member.readiness_changed` when training or induction changes). Mentor training, the
    mentee induction and the EMCC level are the organisation's record (its admin or HR
    system imports them): what a member sends for them is ignored, and the answer shows
    the values on record."""
    if caller.kind is not CallerKind.MEMBER:
        raise NotAMemberError("an integration client has no profile of its own")
    try:
        profile.check_for(caller.subject)
    except ValueError as exc:
        raise DomainError(str(exc)) from exc
    if profile.line_manager_id is not None:
        await components.members.get(caller, caller.organisation, profile.line_manager_id)
    try:
        before: Profile | None = await components.members.profile(
            caller, caller.organisation, caller.subject
        )
    except NotFoundError:
        before = None
    profile = with_organisation_record(profile, before)
    # The profile travels sealed under the member's data key, destroyed on erasure.
    key = await components.members.data_key(caller, caller.organisation, caller.subject)
    events = [
        new_event(
            MemberProfileUpdated.of(
                caller.subject, caller.organisation, announced_profile(profile), key
            ),
            organisation=caller.organisation,
            subject=caller.subject,
        )
    ]
    readiness = (profile.ready_as_mentor, profile.ready_as_mentee)
    if before is None or readiness != (before.ready_as_mentor, before.ready_as_mentee):
        events.append(
            new_event(
                MemberReadinessChanged(
                    member_id=caller.subject,
                    organisation_id=caller.organisation,
                    ready_as_mentor=readiness[0],
                    ready_as_mentee=readiness[1],
                ),
                organisation=caller.organisation,
                subject=caller.subject,
            )
        )
    await components.members.save_profile(caller, profile, events)
    return profile


@router.get(
    "/organisations/{organisation_id}/members/{member_id}/profile",
    summary="A member's profile (in full for their organisation; shared part for others)",
    responses=AUTH_REFUSALS,
)
async def member_profile(
    organisation_id: OrganisationId,
    member_id: MemberId,
    caller: MemberDataReader,
    components: Components,
) -> Profile | SharedProfile:
    """The member's own organisation sees the whole profile. Another organisation's member
    sees only the shape matching needs, and only if the member consented; otherwise 404."""
    if caller.belongs_to(organisation_id):
        return await components.members.profile(caller, organisation_id, member_id)
    if caller.kind is not CallerKind.MEMBER:
        raise NotFoundError(f"no member {member_id!r} that you can see")
    return await components.members.shared_profile(caller, organisation_id, member_id)


PersonRef = Annotated[
    list[str],
    Query(
        alias="member",
        min_length=1,
        max_length=100,
        description="`organisation id/member id`, repeated (at most 100)",
        examples=[["org_3f9a1c2b7d4e/mem_4b1f0c9e2d7a6b35"]],
    ),
]


@router.get(
    "/people",
    summary="How people are named to me (one call for a page's names)",
    responses={**AUTH_REFUSALS, 422: {"model": Problem, "description": "a reference is not one"}},
)
async def people(
    member: PersonRef, caller: MemberDataReader, components: Components
) -> list[PersonCard]:
    """Each person's organisation name and, where the caller may see it, display name: in
    full for the caller's own organisation, across organisations only with the person's
    consent to share their profile. Erased people are former members; ids that name nobody
    come back without a name, exactly like people who did not consent."""
    references = []
    for reference in member:
        organisation_id, slash, member_id = reference.partition("/")
        if not slash or not _REFERENCE.match(reference):
            raise DomainError(f"{reference!r} is not `organisation id/member id`")
        references.append((organisation_id, member_id))
    names = {o.id: o.profile.name for o in await components.organisations.directory()}
    return await components.members.cards(caller, references, names)


def announced_profile(profile: Profile) -> MemberProfile:
    """What `member.profile_updated` tells matching of a profile (sealed on the wire)."""
    return MemberProfile(
        display_name=profile.display_name,
        skills=profile.skills,
        development_goals=profile.development_goals,
        sector=profile.sector,
        job_level=profile.job_level,
        location=profile.location,
        time_zone=profile.time_zone,
        languages=profile.languages,
        availability=[
            AvailabilityWindow(day=s.day, start=s.start, end=s.end) for s in profile.availability
        ],
        meeting_modes=[m.value for m in profile.meeting_modes],
        mentor_capacity=profile.mentor_capacity,
        line_manager_id=profile.line_manager_id,
        emcc_level=profile.emcc_level,
        mentor_roles=[r.value for r in profile.mentor_roles],
        emcc_competences=[c.value for c in profile.emcc_competences],
        wanted_mentor_roles=[r.value for r in profile.wanted_mentor_roles],
        share_across_organisations=profile.share_across_organisations,
    )
