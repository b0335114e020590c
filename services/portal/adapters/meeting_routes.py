"""A relationship's meetings: the list, planning one, moving it, recording it as held or
cancelling it, downloading it for a calendar; and the member's own calendar feed."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.portal.adapters.components import Components
from services.portal.adapters.forms import PathId, confirmation, done, form_data, refused
from services.portal.adapters.network_api import Service, ServiceRefusalError
from services.portal.adapters.signed_in import Member, SignedIn
from services.portal.domain.forms import FormProblems
from services.portal.domain.meetings import (
    FIELDS,
    FeedCreated,
    beside_field,
    changes_from_form,
    ics_filename,
    meeting_values,
    new_meeting_from_form,
    typed,
)
from services.portal.pages.meetings import meeting, meetings_page
from services.portal.pages.relationship import visible
from shared import clock

router = APIRouter(include_in_schema=False)


async def _page(
    request: Request,
    member: Member,
    components: Components,
    relationship_id: str,
    *,
    form_for: str = "",
    values: dict[str, str] | None = None,
    problems: FormProblems | None = None,
    feed_created: FeedCreated | None = None,
    status: int = 200,
) -> Response:
    page = await meetings_page(member, relationship_id, clock.now())
    return components.pages.render(
        request,
        "relationship_meetings.html",
        {
            "shell": page.shell,
            "page": page,
            "form_for": form_for,
            "values": values or {},
            "problems": problems,
            "feed_created": feed_created,
            "done": confirmation(request),
            "done_code": request.query_params.get("done", ""),
            "meeting_values": meeting_values,
        },
        member=member,
        status=status,
    )


def _refusal(exc: ServiceRefusalError) -> FormProblems:
    """A refusal beside the field it concerns (403 and 404 become 'not found')."""
    return beside_field(refused(exc, FIELDS), exc.error)


@router.get("/relationships/{relationship_id}/meetings")
async def meetings(
    relationship_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """Meetings to confirm, ahead, held and cancelled, in the member's zone."""
    return await _page(request, member, components, relationship_id)


@router.post("/relationships/{relationship_id}/meetings")
async def plan(
    relationship_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """Plan a meeting: the local time typed is read in the member's zone."""
    form = await form_data(request)
    body, problems = new_meeting_from_form(form, member.time_zone)
    status = 422
    if not problems:
        try:
            await member.api.send(
                Service.SESSIONS, "POST", f"/relationships/{relationship_id}/meetings", json=body
            )
            return done(
                f"/relationships/{relationship_id}/meetings", "meeting-planned", "#meetings"
            )
        except ServiceRefusalError as exc:
            problems, status = _refusal(exc), exc.status
    return await _page(
        request,
        member,
        components,
        relationship_id,
        form_for="plan",
        values=typed(form),
        problems=problems,
        status=status,
    )


async def _change(
    request: Request,
    member: Member,
    components: Components,
    relationship_id: str,
    meeting_id: str,
    action: str,
) -> Response:
    """Move a meeting (PATCH, something must change) or record it as held (POST .../held,
    with whatever differed from the plan)."""
    form = await form_data(request)
    current = await meeting(member, relationship_id, meeting_id)
    changes, problems = changes_from_form(
        form, current, member.time_zone, required=action == "move"
    )
    status = 422
    if not problems:
        path = f"/relationships/{relationship_id}/meetings/{meeting_id}"
        try:
            if action == "move":
                await member.api.send(Service.SESSIONS, "PATCH", path, json=changes)
            else:
                await member.api.send(Service.SESSIONS, "POST", f"{path}/held", json=changes)
            code = "meeting-moved" if action == "move" else "meeting-held"
            return done(f"/relationships/{relationship_id}/meetings", code, "#meetings")
        except ServiceRefusalError as exc:
            problems, status = _refusal(exc), exc.status
    return await _page(
        request,
        member,
        components,
        relationship_id,
        form_for=f"{action}:{meeting_id}",
        values=typed(form),
        problems=problems,
        status=status,
    )


@router.post("/relationships/{relationship_id}/meetings/{meeting_id}/move")
async def move(
    relationship_id: PathId,
    meeting_id: PathId,
    request: Request,
    member: SignedIn,
    components: Components,
) -> Response:
    """Move a planned meeting, or change its length, way of meeting or place."""
    return await _change(request, member, components, relationship_id, meeting_id, "move")


@router.post("/relationships/{relationship_id}/meetings/{meeting_id}/held")
async def held(
    relationship_id: PathId,
    meeting_id: PathId,
    request: Request,
    member: SignedIn,
    components: Components,
) -> Response:
    """Record a planned meeting as held, as planned or as it went."""
    return await _change(request, member, components, relationship_id, meeting_id, "held")


@router.post("/relationships/{relationship_id}/meetings/{meeting_id}/cancel")
async def cancel(
    relationship_id: PathId,
    meeting_id: PathId,
    request: Request,
    member: SignedIn,
    components: Components,
) -> Response:
    """Cancel a planned meeting (the form asked to confirm)."""
    try:
        await member.api.send(
            Service.SESSIONS,
            "POST",
            f"/relationships/{relationship_id}/meetings/{meeting_id}/cancel",
        )
    except ServiceRefusalError as exc:
        return await _page(
            request,
            member,
            components,
            relationship_id,
            form_for=f"cancel:{meeting_id}",
            problems=refused(exc, ()),
            status=exc.status,
        )
    return done(f"/relationships/{relationship_id}/meetings", "meeting-cancelled", "#meetings")


@router.get("/relationships/{relationship_id}/meetings/{meeting_id}.ics")
async def meeting_calendar(
    relationship_id: PathId, meeting_id: PathId, member: SignedIn
) -> Response:
    """The meeting as an iCalendar file, fetched with the member's own token."""
    answer = await member.api.download(
        Service.SESSIONS, f"/relationships/{relationship_id}/meetings/{meeting_id}.ics"
    )
    return Response(
        content=answer.content,
        media_type="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="{ics_filename(meeting_id)}"'},
    )


@router.post("/relationships/{relationship_id}/calendar-feed")
async def create_feed(
    relationship_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """A new calendar feed address (any earlier one stops working). It is a credential: the
    page shows it this once, in its body, never in a URL (and, like every page, uncached)."""
    await visible(member, relationship_id)  # only from a page the member may see
    created = await member.api.send(
        Service.SESSIONS, "POST", "/members/me/calendar-feed", model=FeedCreated
    )
    return await _page(
        request, member, components, relationship_id, feed_created=created, form_for="feed"
    )


@router.post("/relationships/{relationship_id}/calendar-feed/revoke")
async def revoke_feed(relationship_id: PathId, member: SignedIn) -> Response:
    """The calendar feed's address stops working."""
    await visible(member, relationship_id)  # only from a page the member may see
    await member.api.send(Service.SESSIONS, "DELETE", "/members/me/calendar-feed")
    return done(f"/relationships/{relationship_id}/meetings", "feed-revoked", "#calendar-feed")
