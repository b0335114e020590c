"""Bulk import, applied: one read of the organisation's members, one ordered insert of every
new member (each document carrying its own events), one update per changed profile, nothing
for an unchanged row.

Why the writes take this shape (BRIEF §5a, and measured on FerretDB 1.24 / SQLite): inserts
are cheap, updates dear (each one a lookup and a write by `_id` since docs/decisions.md §18; a
scan of the collection before). So an update is written only for a profile that really
changed, as one statement carrying that member's events (atomic per member, FerretDB has no
transactions); replacing documents by delete and re-insert can lose a member (a crash between
the two) or a concurrent write (a sign-in, a role change), so it is not done.

A row is applied whole or not at all: each member is one document, written with its events
in one statement. Imports into one organisation run one at a time in this process, so two
uploads of the same file cannot both create the same e-mail.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime

from pydantic import ValidationError

from services.registry.adapters.member_store import MemberStore
from services.registry.domain.member import Member, new_member_id
from services.registry.domain.member_import import (
    ExistingMember,
    ImportPlan,
    ImportReport,
    ImportRow,
    Write,
    plan_import,
)
from services.registry.domain.profile import Profile
from shared import clock
from shared.auth.principal import Principal, Role
from shared.contracts.registry import (
    MemberProfileUpdated,
    MemberReadinessChanged,
    MemberRegistered,
)
from shared.events.catalogue import new_event
from shared.events.envelope import Envelope
from shared.logging import get_logger
from shared.mongo.databases import Document

log = get_logger(__name__)

_locks: dict[str, asyncio.Lock] = {}
_PROFILE_EVENT_FIELDS = frozenset(MemberProfileUpdated.model_fields) - {
    "member_id",
    "organisation_id",
}


class MemberImport:
    """Applies a parsed file to an organisation's members, for a caller allowed to."""

    def __init__(self, members: MemberStore) -> None:
        self._members = members

    async def run(
        self, caller: Principal, organisation_id: str, rows: Sequence[ImportRow]
    ) -> ImportReport:
        """Create, update or leave each row's member; the report says which and why."""
        async with _locks.setdefault(organisation_id, asyncio.Lock()):
            documents = await self._members.for_import(caller, organisation_id)
            plan = await asyncio.to_thread(_plan, rows, documents)
            await self._create(caller, organisation_id, plan)
            await self._update(caller, organisation_id, plan)
        report = plan.report()
        log.info("members imported", organisation=organisation_id, **report.totals.model_dump())
        return report

    async def _create(self, caller: Principal, organisation_id: str, plan: ImportPlan) -> None:
        creations = plan.creations
        if not creations:
            return
        now = clock.now()
        items = await asyncio.to_thread(_creation_items, organisation_id, creations, now)
        written = await self._members.add_imported(caller, organisation_id, items)
        if written < len(creations):
            plan.refuse(
                [w.row for w in creations[written:]],
                "not written: the database refused it; nothing of this row was saved "
                "(upload the file again)",
            )

    async def _update(self, caller: Principal, organisation_id: str, plan: ImportPlan) -> None:
        for write in plan.changes:
            events = _profile_events(organisation_id, write)
            if not await self._members.set_profile(
                caller, organisation_id, write.member_id, write.profile, events
            ):
                plan.refuse([write.row], "the member was removed while the file was imported")


def _plan(rows: Sequence[ImportRow], documents: list[Document]) -> ImportPlan:
    existing: dict[str, ExistingMember] = {}
    for document in documents:
        email = document.get("email")
        if not isinstance(email, str) or email in existing:
            continue  # erased (no e-mail), or a second member with it: the first one counts
        try:
            profile = Profile.model_validate(document["profile"]) if "profile" in document else None
        except ValidationError:
            profile = None  # stored under older rules: the import writes it afresh
        existing[email] = ExistingMember(str(document["_id"]), email, profile)
    return plan_import(rows, existing, new_member_id)


def _creation_items(
    organisation_id: str, creations: list[Write], now: datetime
) -> list[tuple[Member, Profile, list[Envelope]]]:
    items = []
    for write in creations:
        member = Member(
            id=write.member_id,
            organisation_id=organisation_id,
            email=write.email,
            name=write.profile.display_name,
            roles=[Role.MEMBER],
            joined_at=now,
        )
        registered = new_event(
            MemberRegistered(
                member_id=member.id,
                organisation_id=organisation_id,
                roles=[Role.MEMBER.value],
                registered_at=now,
            ),
            organisation=organisation_id,
            subject=member.id,
        )
        items.append(
            (member, write.profile, [registered, *_profile_events(organisation_id, write)])
        )
    return items


def _profile_events(organisation_id: str, write: Write) -> list[Envelope]:
    """`member.profile_updated`, and `member.readiness_changed` when readiness flips (a new
    member, or one without a profile, counts as ready for nothing before)."""
    profile = write.profile
    data = profile.model_dump(mode="json", include=set(_PROFILE_EVENT_FIELDS))
    events = [
        new_event(
            MemberProfileUpdated(
                member_id=write.member_id, organisation_id=organisation_id, **data
            ),
            organisation=organisation_id,
            subject=write.member_id,
        )
    ]
    before = write.before
    was = (before.ready_as_mentor, before.ready_as_mentee) if before else (False, False)
    now = (profile.ready_as_mentor, profile.ready_as_mentee)
    if now != was:
        events.append(
            new_event(
                MemberReadinessChanged(
                    member_id=write.member_id,
                    organisation_id=organisation_id,
                    ready_as_mentor=now[0],
                    ready_as_mentee=now[1],
                ),
                organisation=organisation_id,
                subject=write.member_id,
            )
        )
    return events
