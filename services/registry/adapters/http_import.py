"""The bulk import route: an organisation's HR or LMS system uploads its people."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from services.registry.adapters.components import Components
from services.registry.adapters.http_organisations import OrganisationId
from services.registry.adapters.member_import import MemberImport
from services.registry.domain.member_import import (
    COLUMNS,
    CSV_EXAMPLE,
    JSON_EXAMPLE,
    LIST_SEPARATOR,
    MAX_BYTES,
    MAX_ROWS,
    ROW_SCHEMA,
    ImportReport,
    ImportTooLargeError,
    import_format,
    parse,
)
from shared.auth.http import require
from shared.auth.principal import Principal, Role, Scope
from shared.http.errors import AUTH_REFUSALS, Problem

router = APIRouter(tags=["members"])

Importer = Annotated[
    Principal, Depends(require(Role.ORGANISATION_ADMIN, scopes=(Scope.MEMBERS_WRITE,)))
]

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

    Each changed profile is one update, which on FerretDB scans the organisation's members:
    with 10,000 members expect a few changed rows a second (new and unchanged rows are fast).
    """
    fmt = import_format(request.headers.get("content-type"))
    body = await _read_body(request)
    rows = await asyncio.to_thread(parse, body, fmt)
    return await MemberImport(components.members).run(caller, organisation_id, rows)
