"""The meeting logs tab: the relationship's logs, newest first, and the held meetings a log
may record."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from services.portal.adapters.network_api import Service
from services.portal.adapters.signed_in import Member
from services.portal.domain.journal import SharedReflection
from services.portal.domain.relationships import Meeting, MeetingLog
from services.portal.pages.relationship import Shell, shell


@dataclass(frozen=True)
class LogsPage:
    """The relationship, its logs (newest first), its meetings, and the journal entries its
    parties chose to share into it."""

    shell: Shell
    logs: list[MeetingLog]
    meetings: list[Meeting]
    reflections: list[SharedReflection]


async def logs_page(member: Member, relationship_id: str) -> LogsPage:
    """Everything the tab and the log form show, side by side."""
    base = f"/relationships/{relationship_id}"
    heading, logs, meetings, reflections = await asyncio.gather(
        shell(member, relationship_id),
        member.api.get(Service.SESSIONS, f"{base}/logs", list[MeetingLog]),
        member.api.get(Service.SESSIONS, f"{base}/meetings", list[Meeting]),
        member.api.get(Service.SESSIONS, f"{base}/reflections", list[SharedReflection]),
    )
    newest = sorted(logs, key=lambda log: (log.met_on, log.written_at), reverse=True)
    return LogsPage(heading, newest, meetings, reflections)


async def meeting_log(member: Member, relationship_id: str, log_id: str) -> MeetingLog:
    """One log (404 for anyone but the parties and co-ordinators)."""
    found: MeetingLog = await member.api.get(
        Service.SESSIONS, f"/relationships/{relationship_id}/logs/{log_id}", MeetingLog
    )
    return found


async def meeting_ids(member: Member, relationship_id: str) -> list[str]:
    """The ids of the relationship's meetings, which a log may name."""
    meetings = await member.api.get(
        Service.SESSIONS, f"/relationships/{relationship_id}/meetings", list[Meeting]
    )
    return [m.id for m in meetings]
