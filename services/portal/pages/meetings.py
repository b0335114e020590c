"""The meetings tab: the relationship's meetings, the programme's bounds on their length (a
hint; the sessions service enforces them) and whether the member has a calendar feed."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from services.portal.adapters.network_api import (
    Service,
    ServiceRefusalError,
    ServiceUnavailableError,
)
from services.portal.adapters.signed_in import Member
from services.portal.domain.meetings import (
    FeedStatus,
    MeetingBounds,
    MeetingsBoard,
    Programme,
    board,
)
from services.portal.domain.relationships import Meeting, MeetingLog
from services.portal.pages.parts import Missing, part
from services.portal.pages.relationship import Shell, shell


@dataclass(frozen=True)
class MeetingsPage:
    """The meetings tab."""

    shell: Shell
    board: MeetingsBoard
    feed: FeedStatus | Missing
    bounds: MeetingBounds
    logged: frozenset[str]  # held meetings a meeting log records


async def meetings_page(member: Member, relationship_id: str, now: datetime) -> MeetingsPage:
    """The relationship (404 for anyone else), its meetings grouped as of `now` and which of
    them a log records, the member's calendar feed, then the programme's bounds."""
    base = f"/relationships/{relationship_id}"
    heading, meetings, logs, feed = await asyncio.gather(
        shell(member, relationship_id),
        member.api.get(Service.SESSIONS, f"{base}/meetings", list[Meeting]),
        member.api.get(Service.SESSIONS, f"{base}/logs", list[MeetingLog]),
        part(member.api.get(Service.SESSIONS, "/members/me/calendar-feed", FeedStatus)),
    )
    bounds = await programme_bounds(member, heading.relationship.programme_id)
    logged = frozenset(log.meeting_id for log in logs if log.meeting_id)
    return MeetingsPage(heading, board(meetings, now), feed, bounds, logged)


async def programme_bounds(member: Member, programme_id: str) -> MeetingBounds:
    """How long the programme's meetings last, if the registry shows the programme to the
    member; unknown otherwise (the hint is left out, the service still enforces them)."""
    try:
        programme = await member.api.get(Service.REGISTRY, f"/programmes/{programme_id}", Programme)
    except (ServiceRefusalError, ServiceUnavailableError):
        return MeetingBounds()
    bounds: MeetingBounds = programme.design
    return bounds


async def meeting(member: Member, relationship_id: str, meeting_id: str) -> Meeting:
    """One meeting of the relationship (404 for anyone but its parties and co-ordinators)."""
    found: Meeting = await member.api.get(
        Service.SESSIONS, f"/relationships/{relationship_id}/meetings/{meeting_id}", Meeting
    )
    return found
