"""A relationship's meetings over HTTP: its parties plan them, record them as held and cancel
them; its parties and its programme's co-ordinators read them and download them as `.ics`."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Request, Response, status
from pydantic import Field

from services.sessions.adapters.calendar_ics import MEDIA_TYPE
from services.sessions.adapters.meeting_store import MeetingStore
from services.sessions.domain.meetings import Meeting, MeetingChanges, MeetingFacts, MeetingStatus
from shared.auth.http import Caller
from shared.http.errors import AUTH_REFUSALS, Problem

router = APIRouter(tags=["meetings"])


async def _store(request: Request) -> MeetingStore:
    store: MeetingStore = request.app.state.meetings
    return store


Meetings = Annotated[MeetingStore, Depends(_store)]
# Lenient on purpose: an id that is not one is answered like an unknown one (404), never 422.
RelationshipId = Annotated[str, Path(max_length=200, examples=["rel_5d2c7a9e1b3f4a6c"])]
MeetingId = Annotated[
    str, Path(max_length=200, examples=["meeting:rel_4edaa8818d218819:0000000003"])
]

WRITE_REFUSALS = {
    **AUTH_REFUSALS,
    409: {
        "model": Problem,
        "description": "the relationship has ended, or the meeting is no longer planned",
    },
    422: {
        "model": Problem,
        "description": "unknown time zone, a local time that does not exist, a length outside "
        "the programme's bounds (the reason names them), a held meeting in the future, or a "
        "planned one in the past",
    },
}
CALENDAR_RESPONSE = {
    200: {"content": {"text/calendar": {}}, "description": "an iCalendar file (RFC 5545)"},
    **AUTH_REFUSALS,
}


class NewMeeting(MeetingFacts):
    """A meeting to plan, or one already held to record."""

    status: Literal[MeetingStatus.PLANNED, MeetingStatus.HELD] = Field(
        default=MeetingStatus.PLANNED,
        examples=["planned"],
        description="`planned` (ahead) or `held` (it has taken place: publishes `meeting.held`)",
    )


@router.get(
    "/relationships/{relationship_id}/meetings",
    summary="The relationship's meetings, earliest first (parties and co-ordinators)",
    responses=AUTH_REFUSALS,
)
async def meetings(
    relationship_id: RelationshipId, caller: Caller, store: Meetings
) -> list[Meeting]:
    """Planned, held and cancelled. A planned meeting after the relationship ended shows as
    cancelled. Anyone else gets 404."""
    return await store.of_relationship(caller, relationship_id)


@router.post(
    "/relationships/{relationship_id}/meetings",
    summary="Plan a meeting, or record one as held (a party)",
    status_code=status.HTTP_201_CREATED,
    responses=WRITE_REFUSALS,
)
async def create_meeting(
    relationship_id: RelationshipId, body: NewMeeting, caller: Caller, store: Meetings
) -> Meeting:
    """`starts_at` with an offset, or a local time with `time_zone` (IANA). A held meeting
    publishes `meeting.held` (when, how long, which method)."""
    facts = MeetingFacts.model_validate(body.model_dump(exclude={"status"}))
    return await store.create(caller, relationship_id, facts, body.status)


# Declared before the JSON route of one meeting: `{meeting_id}` would also match `x.ics`.
@router.get(
    "/relationships/{relationship_id}/meetings/{meeting_id}.ics",
    summary="One meeting as an iCalendar (.ics) file (parties and co-ordinators)",
    response_class=Response,
    responses=CALENDAR_RESPONSE,
)
async def meeting_calendar(
    relationship_id: RelationshipId, meeting_id: MeetingId, caller: Caller, store: Meetings
) -> Response:
    """SUMMARY is "Mentoring meeting" and nothing more; times in the meeting's time zone."""
    calendar = await store.calendar(caller, relationship_id, meeting_id)
    return Response(
        content=calendar,
        media_type=MEDIA_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="mentoring-meeting-{meeting_id}.ics"',
            "Cache-Control": "private, no-store",
        },
    )


@router.get(
    "/relationships/{relationship_id}/meetings/{meeting_id}",
    summary="One meeting (parties and co-ordinators)",
    responses=AUTH_REFUSALS,
)
async def meeting(
    relationship_id: RelationshipId, meeting_id: MeetingId, caller: Caller, store: Meetings
) -> Meeting:
    """Anyone else gets 404."""
    return await store.one(caller, relationship_id, meeting_id)


@router.post(
    "/relationships/{relationship_id}/meetings/{meeting_id}/held",
    summary="Record a planned meeting as held (a party)",
    responses=WRITE_REFUSALS,
)
async def hold_meeting(
    relationship_id: RelationshipId,
    meeting_id: MeetingId,
    caller: Caller,
    store: Meetings,
    body: MeetingChanges | None = None,
) -> Meeting:
    """With whatever differed from the plan (no body: as planned); publishes `meeting.held`
    exactly once (a second attempt is 409)."""
    return await store.hold(caller, relationship_id, meeting_id, body or MeetingChanges())


@router.patch(
    "/relationships/{relationship_id}/meetings/{meeting_id}",
    summary="Move a planned meeting, or change its length, method or place (a party)",
    responses=WRITE_REFUSALS,
)
async def reschedule_meeting(
    relationship_id: RelationshipId,
    meeting_id: MeetingId,
    body: MeetingChanges,
    caller: Caller,
    store: Meetings,
) -> Meeting:
    """Only what is sent changes (an empty `location` removes it); it stays planned and
    ahead, within the programme's bounds. Its calendar event keeps its UID with a higher
    SEQUENCE, so subscribed calendars move it."""
    return await store.reschedule(caller, relationship_id, meeting_id, body)


@router.post(
    "/relationships/{relationship_id}/meetings/{meeting_id}/cancel",
    summary="Cancel a planned meeting (a party)",
    responses=WRITE_REFUSALS,
)
async def cancel_meeting(
    relationship_id: RelationshipId, meeting_id: MeetingId, caller: Caller, store: Meetings
) -> Meeting:
    """It stays in the list, marked cancelled, and leaves the parties' calendar feeds."""
    return await store.cancel(caller, relationship_id, meeting_id)
