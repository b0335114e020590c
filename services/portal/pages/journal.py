"""The reflective journal's pages (seed 000, Clutterbuck and Megginson's six stages of
reflection): the member's own entries, the form, and the relationships an entry may be shared
into."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from services.portal.adapters.network_api import Service
from services.portal.adapters.signed_in import Member
from services.portal.domain.journal import STAGES, JournalEntry, StagePrompt
from services.portal.domain.people import People
from services.portal.domain.relationships import Relationship
from services.portal.pages.parts import people

JOURNAL = "/members/me/journal"


@dataclass(frozen=True)
class JournalPage:
    """The member's entries (newest first), the stages' prompts, and the running
    relationships an entry may be shared into, with the other parties' names."""

    entries: list[JournalEntry]
    prompts: dict[str, str]
    relationships: list[Relationship]
    people: People
    stages: tuple[tuple[str, str], ...] = STAGES

    def with_whom(self, relationship_id: str, me: str) -> str:
        """The others in one of the member's relationships, by name."""
        for r in self.relationships:
            if r.id == relationship_id:
                return " and ".join(self.people.name(p.member_id) for p in r.others(me))
        return "a relationship that has ended"

    def share_choices(self, entry: JournalEntry, me: str) -> dict[str, str]:
        """The running relationships `entry` is not shared into yet, by the others' names."""
        return {
            r.id: "With " + " and ".join(self.people.name(p.member_id) for p in r.others(me))
            for r in self.relationships
            if not entry.shared_into(r.id)
        }


async def journal_page(member: Member) -> JournalPage:
    """Everything the journal and its form show."""
    api = member.api
    entries, prompts, mine = await asyncio.gather(
        api.get(Service.SESSIONS, JOURNAL, list[JournalEntry]),
        api.get(Service.SESSIONS, "/journal/prompts", list[StagePrompt]),
        api.get(Service.SESSIONS, "/members/me/relationships", list[Relationship]),
    )
    active = [r for r in mine if r.active]
    parties = [(p.organisation_id, p.member_id) for r in active for p in r.parties]
    named = await people(api, member.member_id, parties)
    newest = sorted(entries, key=lambda e: e.written_at, reverse=True)
    return JournalPage(newest, {p.stage: p.prompt for p in prompts}, active, named)


async def journal_entry(member: Member, entry_id: str) -> JournalEntry:
    """One of the member's own entries (anyone else's is a 404 from the service)."""
    found: JournalEntry = await member.api.get(
        Service.SESSIONS, f"{JOURNAL}/{entry_id}", JournalEntry
    )
    return found
