"""The pages of one relationship: its heading and tabs (the shell every tab shares), the
overview with the agreement, and the list of the member's relationships."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from services.portal.adapters.network_api import Service
from services.portal.adapters.signed_in import Member
from services.portal.domain.people import People
from services.portal.domain.relationships import AgreementVersion, Relationship, ThreadSummary
from services.portal.pages.parts import Missing, or_none, part, people


@dataclass(frozen=True)
class Shell:
    """A relationship as every one of its tabs heads it."""

    relationship: Relationship
    people: People
    me: str
    side: str  # mentor, mentee, or co-ordinator (who oversees but is not a party)
    thread: ThreadSummary | Missing

    @property
    def others(self) -> str:
        """The other parties' names, for headings."""
        return " and ".join(
            self.people.name(p.member_id) for p in self.relationship.others(self.me)
        )

    @property
    def unread(self) -> int:
        """Unread messages, for the Messages tab."""
        return 0 if isinstance(self.thread, Missing) else self.thread.unread or 0


@dataclass(frozen=True)
class Overview:
    """The overview tab: the agreement and its versions."""

    shell: Shell
    agreement: AgreementVersion | None


async def visible(member: Member, relationship_id: str) -> Relationship:
    """The relationship, if the member may see it (a refusal, which is "not found", if not):
    for actions that concern the member but are reached from a relationship's page."""
    found: Relationship = await member.api.get(
        Service.SESSIONS, f"/relationships/{relationship_id}", Relationship
    )
    return found


async def shell(member: Member, relationship_id: str) -> Shell:
    """The relationship (404 for anyone but its parties and co-ordinators), who is in it, and
    the thread's unread count."""
    api = member.api
    relationship, thread = await asyncio.gather(
        api.get(Service.SESSIONS, f"/relationships/{relationship_id}", Relationship),
        part(
            api.get(
                Service.SESSIONS,
                f"/relationships/{relationship_id}/messages/summary",
                ThreadSummary,
            )
        ),
    )
    named = await people(
        api, member.member_id, [(p.organisation_id, p.member_id) for p in relationship.parties]
    )
    side = relationship.side_of(member.member_id) or "co-ordinator"
    return Shell(relationship, named, member.member_id, side, thread)


async def overview(member: Member, relationship_id: str) -> Overview:
    """The relationship and its latest agreement."""
    heading, agreement = await asyncio.gather(
        shell(member, relationship_id),
        or_none(
            member.api.get(
                Service.SESSIONS, f"/relationships/{relationship_id}/agreement", AgreementVersion
            )
        ),
    )
    return Overview(heading, agreement)


async def versions(member: Member, relationship_id: str) -> tuple[Shell, list[AgreementVersion]]:
    """Every version of the agreement, newest first."""
    heading, found = await asyncio.gather(
        shell(member, relationship_id),
        member.api.get(
            Service.SESSIONS,
            f"/relationships/{relationship_id}/agreement/versions",
            list[AgreementVersion],
        ),
    )
    return heading, sorted(found, key=lambda v: v.version, reverse=True)


async def my_relationships(member: Member) -> tuple[list[Relationship], People]:
    """The member's relationships, active first, with everyone named."""
    found = await member.api.get(Service.SESSIONS, "/members/me/relationships", list[Relationship])
    named = await people(
        member.api,
        member.member_id,
        [(p.organisation_id, p.member_id) for r in found for p in r.parties],
    )
    return sorted(found, key=lambda r: (not r.active, r.started_at)), named
