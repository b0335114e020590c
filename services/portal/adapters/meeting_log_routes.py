"""A relationship's meeting logs (Resource 13): the list, writing one, and its author
changing it."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from services.portal.adapters.components import Components
from services.portal.adapters.forms import PathId, confirmation, done, form_data, refused
from services.portal.adapters.network_api import Service, ServiceRefusalError
from services.portal.adapters.signed_in import Member, SignedIn
from services.portal.domain.forms import FormProblems
from services.portal.domain.journal import STAGES
from services.portal.domain.local_time import zone_of
from services.portal.domain.meeting_logs import (
    FIELDS,
    REFUSAL_FIELDS,
    LogDraft,
    draft_from_form,
    draft_of,
    log_body,
    new_draft,
)
from services.portal.domain.meetings import beside_field, meeting_choices
from services.portal.domain.relationships import MeetingLog
from services.portal.pages.feedback import boost_coverage
from services.portal.pages.meeting_logs import logs_page, meeting_ids, meeting_log
from shared import clock

router = APIRouter(include_in_schema=False)


def _refusal(exc: ServiceRefusalError) -> FormProblems:
    """A refusal beside the field it concerns (403 and 404 become 'not found')."""
    return beside_field(refused(exc, FIELDS), exc.error, REFUSAL_FIELDS)


@router.get("/relationships/{relationship_id}/logs")
async def logs(
    relationship_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """Every log of the relationship, newest first, with who wrote it."""
    page = await logs_page(member, relationship_id)
    return components.pages.render(
        request,
        "relationship_logs.html",
        {
            "shell": page.shell,
            "logs": page.logs,
            "reflections": page.reflections,
            "stages": STAGES,
            "done": confirmation(request),
        },
        member=member,
    )


async def _form(
    request: Request,
    member: Member,
    components: Components,
    relationship_id: str,
    draft: LogDraft | None,
    *,
    log: MeetingLog | None = None,
    chosen: str = "",
    problems: FormProblems | None = None,
    status: int = 200,
) -> Response:
    page = await logs_page(member, relationship_id)
    if page.shell.side not in ("mentor", "mentee") or not page.shell.relationship.active:
        raise HTTPException(status_code=404)  # only the parties write, while it runs
    zone = member.time_zone
    if draft is None:
        meeting = next((m for m in page.meetings if m.id == chosen and m.status == "held"), None)
        today = clock.now().astimezone(zone_of(zone)).date()
        met_on = meeting.starts_at.astimezone(zone_of(zone)).date() if meeting else None
        draft = new_draft(meeting, today, met_on)
    base = f"/relationships/{relationship_id}/logs"
    return components.pages.render(
        request,
        "meeting_log_form.html",
        {
            "shell": page.shell,
            "draft": draft,
            "log": log,
            "choices": meeting_choices(page.meetings, zone, keep=draft.meeting_id),
            "problems": problems,
            "coverage": await boost_coverage(member, draft.feedback),
            "action": f"{base}/{log.id}" if log else base,
        },
        member=member,
        status=status,
    )


@router.get("/relationships/{relationship_id}/logs/new")
async def new_log(
    relationship_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """The empty log; `?meeting=` names the held meeting it records."""
    chosen = request.query_params.get("meeting", "")
    return await _form(request, member, components, relationship_id, None, chosen=chosen)


@router.post("/relationships/{relationship_id}/logs")
async def write_log(
    relationship_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """Write a log: published to the parties and the co-ordinator, nobody else."""
    draft = draft_from_form(await form_data(request))
    body, problems = log_body(draft, await meeting_ids(member, relationship_id))
    status = 422
    if not problems:
        try:
            await member.api.send(
                Service.SESSIONS, "POST", f"/relationships/{relationship_id}/logs", json=body
            )
            return done(f"/relationships/{relationship_id}/logs", "log-written", "#logs")
        except ServiceRefusalError as exc:
            problems, status = (
                beside_field(refused(exc, FIELDS), exc.error, REFUSAL_FIELDS),
                exc.status,
            )
    return await _form(
        request, member, components, relationship_id, draft, problems=problems, status=status
    )


async def _own_log(member: Member, relationship_id: str, log_id: str) -> MeetingLog:
    """The member's own log; anyone else's is not theirs to change (not found)."""
    log = await meeting_log(member, relationship_id, log_id)
    if log.author != member.member_id:
        raise HTTPException(status_code=404)
    return log


@router.get("/relationships/{relationship_id}/logs/{log_id}/edit")
async def edit_log(
    relationship_id: PathId,
    log_id: PathId,
    request: Request,
    member: SignedIn,
    components: Components,
) -> Response:
    """The author's log in its form."""
    log = await _own_log(member, relationship_id, log_id)
    return await _form(request, member, components, relationship_id, draft_of(log), log=log)


@router.post("/relationships/{relationship_id}/logs/{log_id}")
async def change_log(
    relationship_id: PathId,
    log_id: PathId,
    request: Request,
    member: SignedIn,
    components: Components,
) -> Response:
    """Replace the log's content (its author only)."""
    log = await _own_log(member, relationship_id, log_id)
    draft = draft_from_form(await form_data(request))
    body, problems = log_body(draft, await meeting_ids(member, relationship_id))
    status = 422
    if not problems:
        try:
            await member.api.send(
                Service.SESSIONS,
                "PUT",
                f"/relationships/{relationship_id}/logs/{log_id}",
                json=body,
            )
            return done(f"/relationships/{relationship_id}/logs", "log-changed", "#logs")
        except ServiceRefusalError as exc:
            problems, status = (
                beside_field(refused(exc, FIELDS), exc.error, REFUSAL_FIELDS),
                exc.status,
            )
    return await _form(
        request,
        member,
        components,
        relationship_id,
        draft,
        log=log,
        problems=problems,
        status=status,
    )
