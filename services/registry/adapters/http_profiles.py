"""Routes for members' profiles."""

from __future__ import annotations

from fastapi import APIRouter

from services.registry.adapters.components import Components
from services.registry.adapters.http_members import MemberId
from services.registry.adapters.http_organisations import OrganisationId
from services.registry.domain.profile import Profile, SharedProfile
from shared.auth.http import Caller
from shared.auth.principal import CallerKind
from shared.contracts.registry import (
    AvailabilityWindow,
    MemberProfileUpdated,
    MemberReadinessChanged,
)
from shared.errors import DomainError, NotFoundError
from shared.events.catalogue import new_event
from shared.http.errors import AUTH_REFUSALS, Problem

router = APIRouter(tags=["profiles"])


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
    `member.readiness_changed` when training or induction changes)."""
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
    events = [
        new_event(
            _updated(caller.subject, caller.organisation, profile),
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
    caller: Caller,
    components: Components,
) -> Profile | SharedProfile:
    """The member's own organisation sees the whole profile. Another organisation's member
    sees only the shape matching needs, and only if the member consented; otherwise 404."""
    if caller.belongs_to(organisation_id):
        return await components.members.profile(caller, organisation_id, member_id)
    if caller.kind is not CallerKind.MEMBER:
        raise NotFoundError(f"no member {member_id!r} that you can see")
    return await components.members.shared_profile(caller, organisation_id, member_id)


def _updated(member_id: str, organisation_id: str, profile: Profile) -> MemberProfileUpdated:
    return MemberProfileUpdated(
        member_id=member_id,
        organisation_id=organisation_id,
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
        share_across_organisations=profile.share_across_organisations,
    )
