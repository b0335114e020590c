"""The bulk import routes: an organisation's HR or LMS system (or its admin) uploads its
people, and waits for the report or, as a job, comes back for it."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, status

from services.registry.adapters.components import Components
from services.registry.adapters.http_organisations import OrganisationId
from services.registry.adapters.member_import import ImportJob, MemberImport
from services.registry.domain.member_import import (
    COLUMNS,
    CSV_EXAMPLE,
    JSON_EXAMPLE,
    LIST_SEPARATOR,
    MAX_BYTES,
    MAX_ROWS,
    ROW_SCHEMA,
    ImportReport,
    ImportRow,
    ImportTooLargeError,
    import_format,
    parse,
)
from shared.auth.http import require
from shared.auth.principal import Principal, Role, Scope
from shared.errors import NotFoundError
from shared.http.errors import AUTH_REFUSALS, Problem

router = APIRouter(tags=["members"])

# Lenient on purpose: an id that is not one is answered like an unknown one (404), never 422.
JobId = Annotated[str, Path(max_length=100, examples=["job_5d2c7a9e1b3f4a6c"])]
Importer = Annotated[
    Principal, Depends(require(Role.ORGANISATION_ADMIN, scopes=(Scope.MEMBERS_WRITE,)))
]

# The uploads stream past the network's usual 1 MiB body limit up to their own (`_read_body`).
BODY_LIMITS = {
    "/organisations/{organisation_id}/members/import": MAX_BYTES,
    "/organisations/{organisation_id}/members/import-jobs": MAX_BYTES,
}

_REQUEST_BODY = {
    "required": True,
    "description": f"Up to {MAX_ROWS:,} rows and {MAX_BYTES // (1024 * 1024)} MB, UTF-8. "
    f"CSV: a header naming the columns ({', '.join(COLUMNS)}; `email` and `display_name` "
    f"required, any order), list columns separated by `{LIST_SEPARATOR}`. JSON: an array of "
    "row objects with the same keys, lists as arrays.",
    "content": {
        "text/csv": {"schema": {"type": "string"}, "example": CSV_EXAMPLE},
        "application/json": {
            "schema": {"type": "array", "maxItems": MAX_ROWS, "items": ROW_SCHEMA},
            "example": JSON_EXAMPLE,
        },
    },
}


async def _read_body(request: Request) -> bytes:
    """The raw body, refused (413) as soon as it passes MAX_BYTES."""
    declared = request.headers.get("content-length", "")
    too_big = ImportTooLargeError(f"the file is over {MAX_BYTES // (1024 * 1024)} MB; split it")
    if declared.isdigit() and int(declared) > MAX_BYTES:
        raise too_big
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_BYTES:
            raise too_big
    return bytes(body)


@router.post(
    "/organisations/{organisation_id}/members/import",
    summary="Import members in bulk (CSV or JSON); the report says what each row did",
    responses={
        **AUTH_REFUSALS,
        413: {"model": Problem, "description": f"more than {MAX_ROWS:,} rows or too many bytes"},
        415: {"model": Problem, "description": "not text/csv or application/json (UTF-8)"},
        422: {
            "model": Problem,
            "description": "the file as a whole cannot be read (unknown or missing column, "
            "broken CSV quoting, invalid JSON, no rows); nothing was imported",
        },
    },
    openapi_extra={"requestBody": _REQUEST_BODY},
)
async def import_members(
    organisation_id: OrganisationId, request: Request, caller: Importer, components: Components
) -> ImportReport:
    """For the organisation's integration clients with `members:write`, and its admins.

    Rows are keyed by e-mail within the organisation. A new e-mail creates a member who signs
    in later through the organisation's provider (linked by that verified e-mail); a known one
    updates the member's profile; a row that changes nothing writes nothing, so uploading the
    same file again is harmless. A column (JSON field) absent from the file leaves that field
    of an existing profile alone; an empty cell (`null`) resets it to the default.
    `line_manager_email` names a member of the organisation or a row of the same file.

    Answers 200 with a report of every row — `created`, `updated`, `unchanged` or `rejected`
    with the reason (invalid fields, impossible dates, the same e-mail as an earlier row, an
    unknown line manager) — and the totals. A rejected row writes nothing; the others are
    written all the same. Emits `member.registered`, `member.profile_updated` and
    `member.readiness_changed` (when readiness changes) for what was written.

    New members are inserted 500 to a command and changed profiles updated 25 to a command,
    so a changed row costs little more than an unchanged one.
    """
    # Parsed while the organisation's members are read.
    return await MemberImport(components.members).run(caller, organisation_id, _rows(request))


async def _rows(request: Request) -> list[ImportRow]:
    """The uploaded file's rows (415, 413 or 422 for a file that cannot be read as a whole)."""
    fmt = import_format(request.headers.get("content-type"))
    body = await _read_body(request)
    return await asyncio.to_thread(parse, body, fmt)


@router.post(
    "/organisations/{organisation_id}/members/import-jobs",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Import members in bulk as a job: answered at once, progress by rows",
    responses={
        **AUTH_REFUSALS,
        413: {"model": Problem, "description": f"more than {MAX_ROWS:,} rows or too many bytes"},
        415: {"model": Problem, "description": "not text/csv or application/json (UTF-8)"},
        422: {
            "model": Problem,
            "description": "the file as a whole cannot be read; nothing was imported",
        },
    },
    openapi_extra={"requestBody": _REQUEST_BODY},
)
async def start_import_job(
    organisation_id: OrganisationId, request: Request, caller: Importer, components: Components
) -> ImportJob:
    """The same import as `POST …/members/import`, for a file too big to wait for. The file is
    read (and refused as a whole) before the answer; the rows are then written in the
    background, whether or not anyone keeps asking. Poll `GET …/members/import-jobs/{job_id}`
    (only whoever started it can): `done` of `total` rows and the current `step` while it
    runs, then `state` `done` with the report as `result` (or `failed` with `error`). A job
    still running when the registry stops is marked failed when it starts again: upload the
    file again (rows already written come back `unchanged`)."""
    rows = await _rows(request)
    return await components.imports.start(caller, organisation_id, rows)


@router.get(
    "/organisations/{organisation_id}/members/import-jobs/{job_id}",
    summary="How far an import job has got, then its report (whoever started it)",
    responses=AUTH_REFUSALS,
)
async def import_job(
    organisation_id: OrganisationId, job_id: JobId, caller: Importer, components: Components
) -> ImportJob:
    """Anyone but whoever started the job gets 404."""
    job = await components.imports.get(caller, organisation_id, job_id)
    if job is None:
        raise NotFoundError(f"no import job {job_id!r} of yours")
    return job
