"""The organisation admin's members: the list with a search, roles granted and revoked, erasure
after a confirmation step, the list as CSV, and importing a CSV or JSON file as a registry job
whose progress the page follows (leaving the page does not stop it)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from services.portal.adapters.components import Components
from services.portal.adapters.forms import PathId, done, form_data, refused
from services.portal.adapters.network_api import ServiceRefusalError
from services.portal.adapters.organisation_routes import OrganisationAdmin, render
from services.portal.adapters.signed_in import Member
from services.portal.domain.forms import FormProblems, first
from services.portal.domain.member_imports import (
    MAX_UPLOAD_BYTES,
    OUTCOMES,
    report_csv,
    rows_to_show,
    upload_format,
    upload_problem,
)
from services.portal.domain.organisation_members import (
    GRANTABLE,
    ROLES,
    members_csv,
    role_change_from_form,
    search,
)
from services.portal.pages import organisation_members as pages

router = APIRouter(include_in_schema=False)
MEMBERS = "/organisation/members"
Search = Annotated[str, Query(max_length=100)]
PageNumber = Annotated[str, Query(max_length=6)]
# A body this much over the file limit is refused before it is read (the form's other fields
# are small); a file just over the limit is refused beside the field.
_BODY_ALLOWANCE = 1024 * 1024


def _members_url(query: str, number: str, **extra: str) -> str:
    parameters = {k: v for k, v in {"q": query, "page": number, **extra}.items() if v}
    return f"{MEMBERS}?{urlencode(parameters)}" if parameters else MEMBERS


async def _members(
    request: Request,
    member: Member,
    components: Components,
    query: str,
    number: str,
    *,
    refusals: dict[str, str] | None = None,
    import_problems: FormProblems | None = None,
    status: int = 200,
) -> Response:
    page, everyone = await pages.members_page(member, query, number)
    context = {
        "page": page,
        "everyone": everyone,
        "query": query,
        "grantable": GRANTABLE,
        "roles": ROLES,
        "refusals": refusals or {},
        "import_problems": import_problems,
        "max_megabytes": MAX_UPLOAD_BYTES // (1024 * 1024),
        "page_url": lambda n: _members_url(query, str(n)),
    }
    return render(request, components, member, "organisation_members.html", context, status)


@router.get(MEMBERS)
async def members(
    request: Request,
    member: OrganisationAdmin,
    components: Components,
    q: Search = "",
    page: PageNumber = "1",
) -> Response:
    """The organisation's members, found by name or e-mail, a page at a time."""
    return await _members(request, member, components, q.strip(), page)


@router.get(f"{MEMBERS}.csv")
async def export(member: OrganisationAdmin, q: Search = "") -> Response:
    """The members (those found, when searching) as a spreadsheet."""
    found = search(await pages.all_members(member), q.strip())
    return Response(
        members_csv(found),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="members.csv"'},
    )


@router.post(f"{MEMBERS}/{{member_id}}/roles")
async def change_role(
    member_id: PathId, request: Request, member: OrganisationAdmin, components: Components
) -> Response:
    """Grant or revoke a role; a refusal (an admin's own admin role) shows beside the member."""
    form = await form_data(request)
    query, number = first(form, "q"), first(form, "page") or "1"
    change = role_change_from_form(form)
    if change is None:
        refusals = {member_id: "Choose a role to grant or remove."}
        return await _members(
            request, member, components, query, number, refusals=refusals, status=422
        )
    role, grant = change
    try:
        await pages.change_role(member, member_id, role, grant)
    except ServiceRefusalError as exc:
        if exc.status == 404:
            raise
        reason = refused(exc, ()) if exc.status != 403 else FormProblems(message=exc.detail)
        refusals = {member_id: (reason.message or "").rstrip(".") + "."}
        return await _members(
            request, member, components, query, number, refusals=refusals, status=exc.status
        )
    anchor = f"member-{member_id}"
    code = "role-granted" if grant else "role-revoked"
    target = _members_url(query, number, done=code, at=anchor)
    return RedirectResponse(f"{target}#{anchor}", status_code=303)


async def _erasure(
    request: Request,
    member: Member,
    components: Components,
    member_id: str,
    problems: FormProblems | None = None,
    status: int = 200,
) -> Response:
    found = await pages.one_member(member, member_id)
    context = {"who": found, "problems": problems}
    return render(request, components, member, "organisation_member_erase.html", context, status)


@router.get(f"{MEMBERS}/{{member_id}}/erase")
async def erasure(
    member_id: PathId, request: Request, member: OrganisationAdmin, components: Components
) -> Response:
    """The confirmation step: what erasing a member does, and the box to tick."""
    return await _erasure(request, member, components, member_id)


@router.post(f"{MEMBERS}/{{member_id}}/erase")
async def erase(
    member_id: PathId, request: Request, member: OrganisationAdmin, components: Components
) -> Response:
    """Erase the member across the network, once the admin has confirmed."""
    if first(await form_data(request), "understood") != "yes":
        problems = FormProblems(
            {"understood": "tick the box to confirm: erasure cannot be undone"},
            "Please confirm before erasing.",
        )
        return await _erasure(request, member, components, member_id, problems, 422)
    await pages.one_member(member, member_id)
    await pages.erase(member, member_id)
    return done(MEMBERS, "member-erased")


# Importing a file --------------------------------------------------------------------------


# The import form streams past the portal's usual 1 MiB body limit up to the file's own.
BODY_LIMITS = {f"{MEMBERS}/imports": MAX_UPLOAD_BYTES + _BODY_ALLOWANCE}


async def _declared_size(request: Request) -> None:
    """Refuse a body far over the file limit before reading it."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES + _BODY_ALLOWANCE:
        raise HTTPException(
            status_code=413,
            detail=f"The file is over {MAX_UPLOAD_BYTES // (1024 * 1024)} MB: split it into "
            "smaller files and import each.",
        )


@router.post(f"{MEMBERS}/imports", dependencies=[Depends(_declared_size)])
async def start_import(
    request: Request, member: OrganisationAdmin, components: Components
) -> Response:
    """Send the chosen file to the registry, which imports it as a job; then follow it."""
    chosen = (await request.form()).get("file")
    upload = chosen if isinstance(chosen, UploadFile) else None
    filename = (upload.filename or "") if upload else ""
    size = (upload.size or 0) if upload else 0
    kind = (upload.content_type or "") if upload else ""
    problem = upload_problem(filename, size, kind)
    if problem is None and upload is not None:
        try:
            job = await pages.start_import(
                member, await upload.read(), upload_format(filename, kind) or "text/csv"
            )
        except ServiceRefusalError as exc:
            if exc.status in (403, 404):
                raise
            problems = FormProblems({"file": exc.detail}, "The file was not imported.")
            return await _members(
                request, member, components, "", "1", import_problems=problems, status=exc.status
            )
        return RedirectResponse(f"{MEMBERS}/imports/{job.id}", status_code=303)
    status = 413 if size > MAX_UPLOAD_BYTES else 422
    problems = FormProblems({"file": problem or "choose a file"}, "The file was not imported.")
    return await _members(
        request, member, components, "", "1", import_problems=problems, status=status
    )


@router.get(f"{MEMBERS}/imports/{{job_id}}")
async def import_progress(
    job_id: PathId, request: Request, member: OrganisationAdmin, components: Components
) -> Response:
    """How far the import has got (the page asks again every second while it runs), then
    its report."""
    job = await pages.import_job(member, job_id)
    report = job.result
    context = {
        "job": job,
        "shown": rows_to_show(report) if report else [],
        "outcomes": OUTCOMES,
    }
    return render(request, components, member, "organisation_import.html", context)


@router.get(f"{MEMBERS}/imports/{{job_id}}/report.csv")
async def import_report(job_id: PathId, member: OrganisationAdmin) -> Response:
    """The whole report as a spreadsheet (once the import is done)."""
    job = await pages.import_job(member, job_id)
    if job.result is None:
        raise HTTPException(status_code=404)
    return Response(
        report_csv(job.result),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="import-report.csv"'},
    )
