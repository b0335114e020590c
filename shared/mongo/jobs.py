"""Long work that outlives the request that asked for it (a bulk import, a matching round):
the request answers at once with a job; the work runs on in the service and writes its
progress to the job's record, which the person's page polls; leaving the page stops nothing.

A job lives in the collection its owner's data lives in (an organisation's import in that
organisation's database; a programme's round in the network database), looked up by `_id`
alone. A job still running when its service stops cannot be resumed: the next start marks it
failed, with words that say to run it again.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field
from pymongo.asynchronous.collection import AsyncCollection

from shared import clock
from shared.logging import get_logger
from shared.mongo.databases import Document

log = get_logger(__name__)
# Progress is written at most this often: a record update per row of a 10,000-row import
# would cost more than the import.
PROGRESS_EVERY_SECONDS = 0.5


class JobState(StrEnum):
    """Where a job is."""

    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(BaseModel):
    """A piece of long work and how far it has got."""

    id: str = Field(examples=["job_5d2c7a9e1b3f4a6c"])
    kind: str = Field(examples=["member_import"])
    owner: str = Field(description="the member (or client) who started it", examples=["mem_1"])
    state: JobState = Field(examples=["running"])
    done: int = Field(default=0, ge=0, examples=[4200])
    total: int | None = Field(default=None, ge=0, examples=[10000])
    step: str = Field(default="", examples=["importing rows"])
    started_at: datetime
    finished_at: datetime | None = None
    error: str | None = Field(default=None, description="why it failed, in words")
    result: dict[str, Any] | None = Field(default=None, description="what it produced")


class Progress:
    """What the work calls to report how far it has got (written at most twice a second)."""

    def __init__(self, collection: AsyncCollection[Document], job_id: str) -> None:
        self._collection = collection
        self._job_id = job_id
        self._written_at = 0.0

    async def report(self, done: int, total: int | None = None, step: str = "") -> None:
        """`done` of `total` so far, in `step`."""
        now = asyncio.get_running_loop().time()
        if now - self._written_at < PROGRESS_EVERY_SECONDS and (total is None or done < total):
            return
        self._written_at = now
        fields: Document = {"done": done, "step": step}
        if total is not None:
            fields["total"] = total
        await self._collection.update_one({"_id": self._job_id}, {"$set": fields})


Work = Callable[[Progress], Awaitable[dict[str, Any]]]


class Jobs:
    """Starts jobs in the background and reads them back for their owners."""

    def __init__(self) -> None:
        self._running: set[asyncio.Task[None]] = set()  # strong references until done

    async def start(
        self,
        collection: AsyncCollection[Document],
        kind: str,
        owner: str,
        work: Work,
        total: int | None = None,
    ) -> Job:
        """Record a running job and start `work`; its result (or failure) is recorded when it
        ends."""
        job = Job(
            id=f"job_{secrets.token_hex(8)}",
            kind=kind,
            owner=owner,
            state=JobState.RUNNING,
            total=total,
            started_at=clock.now(),
        )
        await collection.insert_one({"_id": job.id, **job.model_dump(exclude={"id"})})
        task = asyncio.create_task(self._run(collection, job, work), name=f"job {job.id}")
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        return job

    async def get(
        self, collection: AsyncCollection[Document], job_id: str, owner: str
    ) -> Job | None:
        """The job, for the one who started it (None for anyone else: they see nothing)."""
        document = await collection.find_one({"_id": job_id})
        if document is None or document.get("owner") != owner:
            return None
        return Job.model_validate({**document, "id": document["_id"]})

    async def stop(self) -> None:
        """The service is stopping: wait a little for jobs to finish, then let them go (the
        next start marks what did not finish as failed)."""
        if self._running:
            await asyncio.wait(self._running, timeout=5)

    async def _run(self, collection: AsyncCollection[Document], job: Job, work: Work) -> None:
        try:
            result = await work(Progress(collection, job.id))
        except Exception as exc:
            log.exception("job failed", job=job.id, kind=job.kind)
            reason = str(exc) or type(exc).__name__
            await _end(collection, job.id, {"state": JobState.FAILED.value, "error": reason})
            return
        await _end(collection, job.id, {"state": JobState.DONE.value, "result": result})


async def abandon_unfinished(
    collection: AsyncCollection[Document], started_before: datetime
) -> int:
    """Mark jobs a stopped process left running as failed (at start-up); how many there were.
    One lookup per job found: there are few, and only their `_id`s are read."""
    ids = [
        d["_id"]
        async for d in collection.find(
            {"state": JobState.RUNNING.value, "started_at": {"$lt": started_before}},
            projection={"_id": 1},
        )
    ]
    for job_id in ids:
        await _end(
            collection,
            job_id,
            {
                "state": JobState.FAILED.value,
                "error": "the service restarted before this finished; please run it again",
            },
        )
    return len(ids)


async def _end(collection: AsyncCollection[Document], job_id: str, fields: Document) -> None:
    await collection.update_one({"_id": job_id}, {"$set": {**fields, "finished_at": clock.now()}})
