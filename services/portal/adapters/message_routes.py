"""E-mentoring messages in a relationship or a circle: the thread, posting, and the live
stream an open page listens to (server-sent events, relayed from the sessions service with
the person's own token)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import Response, StreamingResponse

from services.portal.adapters.components import Components
from services.portal.adapters.forms import PathId, form_data, refused
from services.portal.adapters.network_api import ServiceRefusalError
from services.portal.adapters.signed_in import Member, SignedIn
from services.portal.domain.forms import FormProblems, first
from services.portal.domain.people import People
from services.portal.domain.relationships import Message
from services.portal.pages import circle, messages, relationship
from services.portal.pages.messages import ThreadPlace

router = APIRouter(include_in_schema=False)
_Cursor = Annotated[str | None, Query(max_length=200)]
_LastEventId = Annotated[str | None, Header(alias="Last-Event-ID", max_length=32)]


async def _thread(
    request: Request,
    member: Member,
    components: Components,
    place: ThreadPlace,
    *,
    cursor: str | None = None,
    draft: str = "",
    problems: FormProblems | None = None,
    status: int = 200,
) -> Response:
    heading: relationship.Shell | circle.Shell
    if place.kind == "relationship":
        heading, page = await messages.relationship_thread(member, place.id, cursor)
        template = "relationship_messages.html"
    else:
        heading, page = await messages.circle_thread(member, place.id, cursor)
        template = "circle_messages.html"
    context = {
        "shell": heading,
        "page": page,
        "draft": draft,
        "problems": problems,
        "cursor": cursor,
    }
    return components.pages.render(request, template, context, member=member, status=status)


async def _post(
    request: Request, member: Member, components: Components, place: ThreadPlace
) -> Response:
    text = first(await form_data(request), "text")
    if not text:
        problems = FormProblems({"text": "write a message first"})
        return await _thread(request, member, components, place, problems=problems, status=422)
    try:
        await messages.post(member, place, text)
    except ServiceRefusalError as exc:
        problems = refused(exc, ("text",))
        return await _thread(
            request, member, components, place, draft=text, problems=problems, status=exc.status
        )
    return Response(status_code=303, headers={"Location": f"{place.page}#message-form"})


def _live(member: Member, components: Components, place: ThreadPlace, after: str) -> Response:
    def render(message: Message, people: People) -> str:
        return components.pages.fragment(
            "_message.html",
            {"message": message, "people": people, "member": member, "zone": member.time_zone},
        )

    return StreamingResponse(
        messages.live(member, place, after, render),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _resume(last_event_id: str | None, after: int | None) -> str:
    # A reconnecting browser says where it got to; a fresh page, where its history ended.
    if last_event_id and last_event_id.isdigit():
        return last_event_id
    return str(after or 0)


@router.get("/relationships/{relationship_id}/messages")
async def relationship_thread(
    relationship_id: PathId,
    request: Request,
    member: SignedIn,
    components: Components,
    cursor: _Cursor = None,
) -> Response:
    """The relationship's messages, newest last; new ones arrive while the page is open."""
    place = ThreadPlace("relationship", relationship_id)
    return await _thread(request, member, components, place, cursor=cursor)


@router.post("/relationships/{relationship_id}/messages")
async def post_to_relationship(
    relationship_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """Post a message to the other party."""
    return await _post(request, member, components, ThreadPlace("relationship", relationship_id))


@router.get("/relationships/{relationship_id}/messages/live")
async def relationship_live(
    relationship_id: PathId,
    member: SignedIn,
    components: Components,
    last_event_id: _LastEventId = None,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> Response:
    """New messages as server-sent events of HTML, for the open page."""
    place = ThreadPlace("relationship", relationship_id)
    await messages.participants(member, place)  # 404 before the stream opens, for outsiders
    return _live(member, components, place, _resume(last_event_id, after))


@router.get("/circles/{circle_id}/messages")
async def circle_thread(
    circle_id: PathId,
    request: Request,
    member: SignedIn,
    components: Components,
    cursor: _Cursor = None,
) -> Response:
    """The circle's messages, newest last; new ones arrive while the page is open."""
    return await _thread(
        request, member, components, ThreadPlace("circle", circle_id), cursor=cursor
    )


@router.post("/circles/{circle_id}/messages")
async def post_to_circle(
    circle_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """Post a message to the circle."""
    return await _post(request, member, components, ThreadPlace("circle", circle_id))


@router.get("/circles/{circle_id}/messages/live")
async def circle_live(
    circle_id: PathId,
    member: SignedIn,
    components: Components,
    last_event_id: _LastEventId = None,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> Response:
    """New messages as server-sent events of HTML, for the open page."""
    place = ThreadPlace("circle", circle_id)
    await messages.participants(member, place)
    return _live(member, components, place, _resume(last_event_id, after))
