"""Reflective journals over HTTP (seed 000, Clutterbuck and Megginson's six stages of
reflection): a member's own entries, theirs alone (`me`); anyone else gets 404. A member may
share a copy of an entry into one of their relationships, where its parties and co-ordinators
read it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from services.sessions.adapters.journal_store import JournalStore
from services.sessions.adapters.relationship_routes import RelationshipId
from services.sessions.domain.journal import (
    STAGE_PROMPTS,
    STAGES,
    JournalEntry,
    JournalEntryContent,
    SharedReflection,
)
from shared.auth.http import Caller
from shared.http.errors import AUTH_REFUSALS, Problem

router = APIRouter(tags=["reflective journal"])


async def _store(request: Request) -> JournalStore:
    store: JournalStore = request.app.state.journal
    return store


Journal = Annotated[JournalStore, Depends(_store)]
MemberId = Annotated[str, Path(max_length=200, examples=["me"])]
# Lenient on purpose: an id that is not one is answered like an unknown one (404), never 422.
EntryId = Annotated[str, Path(max_length=200, examples=["journal:mem_4b1f0c9e2d7a6b35:0000000003"])]

WRITE_REFUSALS = {
    **AUTH_REFUSALS,
    409: {"model": Problem, "description": "the journal is full"},
    422: {
        "model": Problem,
        "description": "a box is over its bound, the entry is empty, or its context names "
        "neither a meeting log nor a circle session",
    },
}
SHARE_REFUSALS = {
    **AUTH_REFUSALS,
    409: {
        "model": Problem,
        "description": "the relationship has ended, or the entry is shared into it already",
    },
}


class StagePrompt(BaseModel):
    """One stage of reflection and its prompt."""

    stage: str = Field(examples=["framing"])
    prompt: str = Field(examples=[STAGE_PROMPTS[STAGES[1]]])


class ShareRequest(BaseModel):
    """Sharing a copy of an entry into a relationship, by the author's choice."""

    model_config = ConfigDict(extra="forbid")

    relationship_id: str = Field(max_length=200, examples=["rel_4edaa8818d218819"])


@router.get(
    "/journal/prompts",
    summary="The six stages of reflection and a prompt for each (seed 000)",
    responses=AUTH_REFUSALS,
)
async def prompts(caller: Caller) -> list[StagePrompt]:
    """Clutterbuck and Megginson's stages, in order."""
    del caller  # any signed-in caller may read the prompts
    return [StagePrompt(stage=s.value, prompt=STAGE_PROMPTS[s]) for s in STAGES]


@router.get(
    "/members/{member_id}/journal",
    summary="Your reflective journal, newest first (`me`; yours alone)",
    responses=AUTH_REFUSALS,
)
async def entries(member_id: MemberId, caller: Caller, journal: Journal) -> list[JournalEntry]:
    """Anyone else's journal is a 404: the other party's, a co-ordinator's, an admin's."""
    return await journal.entries(caller, member_id)


@router.post(
    "/members/{member_id}/journal",
    summary="Write a journal entry (`me`), after a meeting or a circle session or on its own",
    status_code=status.HTTP_201_CREATED,
    responses=WRITE_REFUSALS,
)
async def write_entry(
    member_id: MemberId, body: JournalEntryContent, caller: Caller, journal: Journal
) -> JournalEntry:
    """A box per stage; `context` names the meeting log or circle session it reflects on.
    No event is published about it."""
    return await journal.write(caller, member_id, body)


@router.get(
    "/members/{member_id}/journal/{entry_id}",
    summary="One of your journal entries (`me`)",
    responses=AUTH_REFUSALS,
)
async def entry(
    member_id: MemberId, entry_id: EntryId, caller: Caller, journal: Journal
) -> JournalEntry:
    """Anyone else gets 404."""
    return await journal.one(caller, member_id, entry_id)


@router.put(
    "/members/{member_id}/journal/{entry_id}",
    summary="Change one of your journal entries (`me`; the content is replaced)",
    responses=WRITE_REFUSALS,
)
async def change_entry(
    member_id: MemberId,
    entry_id: EntryId,
    body: JournalEntryContent,
    caller: Caller,
    journal: Journal,
) -> JournalEntry:
    """Copies shared earlier keep what they said when shared."""
    return await journal.change(caller, member_id, entry_id, body)


@router.delete(
    "/members/{member_id}/journal/{entry_id}",
    summary="Remove one of your journal entries, and the copies you shared of it (`me`)",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=AUTH_REFUSALS,
)
async def remove_entry(
    member_id: MemberId, entry_id: EntryId, caller: Caller, journal: Journal
) -> Response:
    """Nothing of it is kept."""
    await journal.remove(caller, member_id, entry_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/members/{member_id}/journal/{entry_id}/shares",
    summary="Share a copy of a journal entry into one of your relationships (`me`)",
    status_code=status.HTTP_201_CREATED,
    responses=SHARE_REFUSALS,
)
async def share_entry(
    member_id: MemberId, entry_id: EntryId, body: ShareRequest, caller: Caller, journal: Journal
) -> SharedReflection:
    """The relationship's parties and its programme's co-ordinators read the copy, as they
    read its meeting logs; no event is published about it."""
    return await journal.share(caller, member_id, entry_id, body.relationship_id)


@router.get(
    "/relationships/{relationship_id}/reflections",
    summary="Journal entries the parties shared into the relationship (parties and co-ordinators)",
    responses=AUTH_REFUSALS,
)
async def shared_reflections(
    relationship_id: RelationshipId, caller: Caller, journal: Journal
) -> list[SharedReflection]:
    """Newest first; everyone else gets 404."""
    return await journal.shared_into(caller, relationship_id)
