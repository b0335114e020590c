"""The reflective journal (seed 000): the member's own entries, writing and changing one
(offered after a meeting log or a circle session, with it as context), and sharing a copy into
a relationship. The sessions service answers 404 for anyone else's entry."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.portal.adapters.components import Components
from services.portal.adapters.forms import PathId, confirmation, done, form_data, refused
from services.portal.adapters.network_api import Service, ServiceRefusalError
from services.portal.adapters.signed_in import Member, SignedIn
from services.portal.domain.forms import FormProblems, first
from services.portal.domain.journal import (
    STAGE_NAMES,
    EntryDraft,
    JournalEntry,
    draft_from_form,
    draft_of,
    entry_body,
    new_draft,
)
from services.portal.pages.journal import JOURNAL, journal_entry, journal_page

router = APIRouter(include_in_schema=False)


@router.get("/journal")
async def journal(request: Request, member: SignedIn, components: Components) -> Response:
    """The member's entries, newest first: theirs alone."""
    page = await journal_page(member)
    return components.pages.render(
        request, "journal.html", {"page": page, "done": confirmation(request)}, member=member
    )


async def _form(
    request: Request,
    member: Member,
    components: Components,
    draft: EntryDraft,
    *,
    entry: JournalEntry | None = None,
    problems: FormProblems | None = None,
    status: int = 200,
) -> Response:
    page = await journal_page(member)
    return components.pages.render(
        request,
        "journal_form.html",
        {
            "page": page,
            "draft": draft,
            "entry": entry,
            "problems": problems,
            "action": f"/journal/{entry.id}" if entry else "/journal",
        },
        member=member,
        status=status,
    )


@router.get("/journal/new")
async def new_entry(request: Request, member: SignedIn, components: Components) -> Response:
    """The empty entry; `?relationship=&log=` or `?circle=&session=` say what it reflects on."""
    return await _form(request, member, components, new_draft(request.query_params))


async def _save(
    request: Request, member: Member, components: Components, entry: JournalEntry | None
) -> Response:
    draft = draft_from_form(await form_data(request))
    body, problems = entry_body(draft)
    status = 422
    if not problems:
        method, path = ("PUT", f"{JOURNAL}/{entry.id}") if entry else ("POST", JOURNAL)
        try:
            await member.api.send(Service.SESSIONS, method, path, json=body)
            return done("/journal", "entry-changed" if entry else "entry-written", "#entries")
        except ServiceRefusalError as exc:
            problems, status = refused(exc, STAGE_NAMES), exc.status
    return await _form(
        request, member, components, draft, entry=entry, problems=problems, status=status
    )


@router.post("/journal")
async def write_entry(request: Request, member: SignedIn, components: Components) -> Response:
    """Write an entry: for the member alone."""
    return await _save(request, member, components, None)


@router.get("/journal/{entry_id}/edit")
async def edit_entry(
    entry_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """The member's entry in its form."""
    entry = await journal_entry(member, entry_id)
    return await _form(request, member, components, draft_of(entry), entry=entry)


@router.post("/journal/{entry_id}")
async def change_entry(
    entry_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """Replace the entry's content (copies shared before stay as they were)."""
    entry = await journal_entry(member, entry_id)
    return await _save(request, member, components, entry)


@router.post("/journal/{entry_id}/shares")
async def share_entry(
    entry_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """Share a copy into one of the member's relationships, by their choice."""
    relationship_id = first(await form_data(request), "relationship_id")
    try:
        await member.api.send(
            Service.SESSIONS,
            "POST",
            f"{JOURNAL}/{entry_id}/shares",
            json={"relationship_id": relationship_id},
        )
    except ServiceRefusalError as exc:
        if exc.status in (403, 404):
            raise
        page = await journal_page(member)
        return components.pages.render(
            request,
            "journal.html",
            {"page": page, "done": None, "share_problem": (entry_id, exc.detail)},
            member=member,
            status=exc.status,
        )
    return done("/journal", "entry-shared", "#entries")
