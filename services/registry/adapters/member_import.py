"""Bulk import, applied: one read of the organisation's members, ordered inserts of every
new member (each document carrying its own events, CREATE_BATCH per insert), the changed
profiles written together, nothing for an unchanged row.

Why the writes take this shape (docs/decisions.md 10 and 37, measured on FerretDB 1.24 /
SQLite): inserts are cheap, updates dear, and every command a round trip of its own. So an
update is written only for a profile that really changed, as one statement carrying that
member's events (atomic per member, FerretDB has no transactions), and the changes are
claimed against the revisions the one read saw, all at once, then written MAX_UPDATE_BATCH
statements per command (`OutboxWriter.update_each`); a member changed by someone else since
the read is written alone, read afresh. Replacing documents by delete and re-insert can lose
a member (a crash between the two) or a concurrent write (a sign-in, a role change), so it is
not done.

A row is applied whole or not at all: each member is one document, written with its events
in one statement. Imports into one organisation run one at a time in this process, so two
uploads of the same file cannot both create the same e-mail.

An import can also run as a job (`ImportJobs`): the request answers at once, the rows are
written in the background with their progress recorded in the organisation's own `jobs`
collection, and the report is the job's result.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Sequence
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from services.registry.adapters.member_store import DATA_KEY, MemberStore
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
    MemberProfile,
    MemberProfileUpdated,
    MemberReadinessChanged,
    MemberRegistered,
)
from shared.errors import NotFoundError
from shared.events.catalogue import new_event
from shared.events.envelope import Envelope
from shared.events.sealing import key_from_text, new_data_key
from shared.logging import get_logger
from shared.mongo.databases import Document
from shared.mongo.jobs import Job, Jobs, Progress, abandon_unfinished
from shared.tenancy import TenantData

log = get_logger(__name__)
JOBS = "jobs"
KIND = "member_import"
# New members written per statement: big enough to stay fast, small enough for progress to move.
CREATE_BATCH = 500
# Batches of new members written at once: two keep the database busy while the next is made.
CREATE_IN_FLIGHT = 2
# Changed profiles written together (claimed at once, then MAX_UPDATE_BATCH per command).
CHANGE_BATCH = 100
CHANGE_IN_FLIGHT = 2
REMOVED = "the member was removed while the file was imported"

_locks: dict[str, asyncio.Lock] = {}
_PROFILE_EVENT_FIELDS = frozenset(MemberProfile.model_fields)


class MemberImport:
    """Applies a parsed file to an organisation's members, for a caller allowed to."""

    def __init__(self, members: MemberStore) -> None:
        self._members = members

    async def run(
        self,
        caller: Principal,
        organisation_id: str,
        rows: Sequence[ImportRow] | Awaitable[Sequence[ImportRow]],
        progress: Progress | None = None,
    ) -> ImportReport:
        """Create, update or leave each row's member; the report says which and why.
        `rows` may still be being read (the file is parsed while the members are read).
        `progress` hears how many rows are done (rows with nothing to write count at once)."""
        counter = _RowCounter(progress, len(rows) if isinstance(rows, Sequence) else 0)
        lock = _locks.setdefault(organisation_id, asyncio.Lock())
        if lock.locked():
            await counter.step(0, "waiting for another import of the organisation to finish")
        async with lock:
            await counter.step(0, "reading the organisation's members")
            reading = asyncio.ensure_future(self._existing(caller, organisation_id))
            try:
                rows = rows if isinstance(rows, Sequence) else await rows
            except BaseException:
                reading.cancel()
                with contextlib.suppress(BaseException):
                    await reading
                raise
            existing, documents = await reading
            plan = await asyncio.to_thread(plan_import, rows, existing, new_member_id)
            counter.total = len(rows)
            await counter.step(len(rows) - len(plan.writes), "adding new members")
            await self._create(caller, organisation_id, plan, counter)
            await counter.step(0, "updating changed profiles")
            await self._update(caller, organisation_id, plan, counter, documents)
        report = plan.report()
        log.info("members imported", organisation=organisation_id, **report.totals.model_dump())
        return report

    async def _existing(
        self, caller: Principal, organisation_id: str
    ) -> tuple[dict[str, ExistingMember], dict[str, Document]]:
        """Every live member by e-mail, as the plan compares rows with them, and every member
        document by id, as read. Each reply's members are checked while the next is read."""
        documents: dict[str, Document] = {}
        checking = []
        async for reply in self._members.for_import(caller, organisation_id):
            documents.update((str(d["_id"]), d) for d in reply)
            checking.append(asyncio.ensure_future(asyncio.to_thread(_existing_members, reply)))
        existing: dict[str, ExistingMember] = {}
        for checked in checking:
            for member in await checked:
                existing.setdefault(member.email, member)  # a second one with it: the first counts
        return existing, documents

    async def _create(
        self, caller: Principal, organisation_id: str, plan: ImportPlan, counter: _RowCounter
    ) -> None:
        creations = plan.creations
        now = clock.now()
        starts = range(0, len(creations), CREATE_BATCH)

        async def write(start: int) -> set[str]:
            batch = creations[start : start + CREATE_BATCH]
            items = await asyncio.to_thread(_creation_items, organisation_id, batch, now)
            return await self._members.add_imported(caller, organisation_id, items)

        # In batches, so a job's progress moves while a big file's new members are written;
        # CREATE_IN_FLIGHT at once, so one batch is made and sent while another is written.
        # After a batch the database refused midway, no other starts.
        writing: dict[int, asyncio.Future[set[str]]] = {}
        refused: list[Write] = []
        try:
            for start in starts[:CREATE_IN_FLIGHT]:
                writing[start] = asyncio.ensure_future(write(start))
            for start in starts:
                batch = creations[start : start + CREATE_BATCH]
                written = await writing.pop(start) if start in writing else set()
                refused += [w for w in batch if w.member_id not in written]
                await counter.step(len(batch))
                following = start + CREATE_IN_FLIGHT * CREATE_BATCH
                if not refused and following < len(creations):
                    writing[following] = asyncio.ensure_future(write(following))
        finally:
            for left in writing.values():
                left.cancel()
        if refused:
            plan.refuse(
                [w.row for w in refused],
                "not written: the database refused it; nothing of this row was saved "
                "(upload the file again)",
            )

    async def _update(
        self,
        caller: Principal,
        organisation_id: str,
        plan: ImportPlan,
        counter: _RowCounter,
        documents: dict[str, Document],
    ) -> None:
        changes = plan.changes

        async def write(batch: Sequence[Write]) -> None:
            async with in_flight:
                keyed: list[tuple[Write, Document, bytes]] = []
                for change in batch:
                    document = documents[change.member_id]
                    if DATA_KEY in document:
                        keyed.append((change, document, key_from_text(document[DATA_KEY])))
                        continue
                    try:  # a member from before data keys: one is made now, in a write of its own
                        key = await self._members.data_key(
                            caller, organisation_id, change.member_id
                        )
                    except NotFoundError:
                        plan.refuse([change.row], REMOVED)
                        continue
                    keyed.append((change, document, key))
                items = await asyncio.to_thread(_change_items, organisation_id, keyed)
                written = await self._members.set_profiles(caller, organisation_id, items)
                plan.refuse([w.row for w, _, _ in keyed if w.member_id not in written], REMOVED)
                await counter.step(len(batch))

        # CHANGE_IN_FLIGHT batches at once: the next batch's profiles are sealed and its
        # events made while one is written. Different members: they cannot collide.
        in_flight = asyncio.Semaphore(CHANGE_IN_FLIGHT)
        batches = [changes[s : s + CHANGE_BATCH] for s in range(0, len(changes), CHANGE_BATCH)]
        tasks = [asyncio.ensure_future(write(batch)) for batch in batches]
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()


class _RowCounter:
    """How many rows are done, told to a job's progress (if the import runs as one)."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self._progress = progress
        self.total = total
        self._done = 0
        self._step = ""

    async def step(self, rows: int, step: str | None = None) -> None:
        """`rows` more are done (now in `step`, if it changed)."""
        self._done += rows
        self._step = step or self._step
        if self._progress is not None:
            await self._progress.report(self._done, self.total, self._step)


class ImportJob(Job):
    """An import running as a job; its result, once done, is the import's report."""

    result: ImportReport | None = None  # type: ignore[assignment]


class ImportJobs:
    """Imports as jobs, recorded in the organisation's own database for whoever started them."""

    def __init__(self, data: TenantData, members: MemberStore, jobs: Jobs) -> None:
        self._data = data
        self._members = members
        self._jobs = jobs

    async def start(
        self, caller: Principal, organisation_id: str, rows: Sequence[ImportRow]
    ) -> ImportJob:
        """Start importing `rows` in the background; the job answers at once."""
        collection = self._data.of(caller, organisation_id, JOBS)
        importing = MemberImport(self._members)

        async def work(progress: Progress) -> dict[str, Any]:
            report = await importing.run(caller, organisation_id, rows, progress)
            return report.model_dump(mode="json")

        job = await self._jobs.start(collection, KIND, caller.subject, work, total=len(rows))
        return ImportJob.model_validate(job.model_dump())

    async def get(self, caller: Principal, organisation_id: str, job_id: str) -> ImportJob | None:
        """An import job, for the one who started it (None for anyone else)."""
        collection = self._data.of(caller, organisation_id, JOBS)
        job = await self._jobs.get(collection, job_id, caller.subject)
        return None if job is None else ImportJob.model_validate(job.model_dump())

    async def abandon_unfinished(
        self, organisation_ids: Sequence[str], started_before: datetime
    ) -> int:
        """At start-up: imports a stopped process left running are marked failed (system use)."""
        abandoned = 0
        for organisation_id in organisation_ids:
            collection = self._data.system_organisation(organisation_id, JOBS)
            abandoned += await abandon_unfinished(collection, started_before)
        if abandoned:
            log.warning("imports left running by a stopped process marked failed", count=abandoned)
        return abandoned


def _existing_members(documents: list[Document]) -> list[ExistingMember]:
    members = []
    for document in documents:
        email = document.get("email")
        if not isinstance(email, str):
            continue  # erased: no e-mail
        try:
            profile = Profile.model_validate(document["profile"]) if "profile" in document else None
        except ValidationError:
            profile = None  # stored under older rules: the import writes it afresh
        members.append(ExistingMember(str(document["_id"]), email, profile))
    return members


_Creation = tuple[Member, Profile, list[Envelope], bytes]


def _creation_items(organisation_id: str, creations: list[Write], now: datetime) -> list[_Creation]:
    items = []
    for write in creations:
        key = new_data_key()  # each new member's own, stored and published with them
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
            (
                member,
                write.profile,
                [registered, *_profile_events(organisation_id, write, key)],
                key,
            )
        )
    return items


def _change_items(
    organisation_id: str, keyed: list[tuple[Write, Document, bytes]]
) -> list[tuple[Document, Profile, list[Envelope]]]:
    return [
        (document, write.profile, _profile_events(organisation_id, write, key))
        for write, document, key in keyed
    ]


def _profile_events(organisation_id: str, write: Write, key: bytes) -> list[Envelope]:
    """`member.profile_updated` (the profile sealed under the member's data key `key`), and
    `member.readiness_changed` when readiness flips (a new member, or one without a profile,
    counts as ready for nothing before)."""
    profile = write.profile
    announced = MemberProfile.model_validate(
        profile.model_dump(mode="json", include=set(_PROFILE_EVENT_FIELDS))
    )
    events = [
        new_event(
            MemberProfileUpdated.of(write.member_id, organisation_id, announced, key),
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
