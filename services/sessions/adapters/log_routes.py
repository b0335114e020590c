"""Meeting logs over HTTP (seed 002, Resource 13): a party writes, its author changes, the
parties and the programme's co-ordinators read; everyone else gets 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, status

from services.sessions.adapters.log_store import MeetingLogStore
from services.sessions.adapters.relationship_routes import RelationshipId
from services.sessions.domain.meeting_logs import MeetingLog, MeetingLogContent
from shared.auth.http import Caller
from shared.http.errors import AUTH_REFUSALS, Problem

router = APIRouter(tags=["meeting logs"])


async def _store(request: Request) -> MeetingLogStore:
    store: MeetingLogStore = request.app.state.meeting_logs
    return store


MeetingLogs = Annotated[MeetingLogStore, Depends(_store)]
# Lenient on purpose: an id that is not one is answered like an unknown one (404), never 422.
LogId = Annotated[str, Path(max_length=200, examples=["log:rel_4edaa8818d218819:0000000002"])]

WRITE_REFUSALS = {
    **AUTH_REFUSALS,
    409: {"model": Problem, "description": "the relationship has ended: no new logs"},
    422: {
        "model": Problem,
        "description": "a field is over its bound, the log is empty, or its dates do not fit",
    },
}
CHANGE_REFUSALS = {
    **WRITE_REFUSALS,
    403: {
        "model": Problem,
        "description": "the log is the other party's: only its author changes it",
    },
}


@router.post(
    "/relationships/{relationship_id}/logs",
    status_code=status.HTTP_201_CREATED,
    summary="Write a meeting log (a party of the relationship)",
    responses=WRITE_REFUSALS,
)
async def write_log(
    relationship_id: RelationshipId, body: MeetingLogContent, caller: Caller, logs: MeetingLogs
) -> MeetingLog:
    """Resource 13's boxes; publishes `meeting_log.written` (never the text)."""
    return await logs.write(caller, relationship_id, body)


@router.get(
    "/relationships/{relationship_id}/logs",
    summary="The relationship's meeting logs, newest first (parties and co-ordinators)",
    responses=AUTH_REFUSALS,
)
async def list_logs(
    relationship_id: RelationshipId, caller: Caller, logs: MeetingLogs
) -> list[MeetingLog]:
    """Visible to the relationship's parties and its programme's co-ordinators only."""
    return await logs.logs(caller, relationship_id)


@router.get(
    "/relationships/{relationship_id}/logs/{log_id}",
    summary="One meeting log (parties and co-ordinators)",
    responses=AUTH_REFUSALS,
)
async def read_log(
    relationship_id: RelationshipId, log_id: LogId, caller: Caller, logs: MeetingLogs
) -> MeetingLog:
    """Anyone else gets 404."""
    return await logs.one(caller, relationship_id, log_id)


@router.put(
    "/relationships/{relationship_id}/logs/{log_id}",
    summary="Change a meeting log (its author only; the content is replaced)",
    responses=CHANGE_REFUSALS,
)
async def change_log(
    relationship_id: RelationshipId,
    log_id: LogId,
    body: MeetingLogContent,
    caller: Caller,
    logs: MeetingLogs,
) -> MeetingLog:
    """Last write wins; `revision` counts the changes. Publishes `meeting_log.written`."""
    return await logs.change(caller, relationship_id, log_id, body)
