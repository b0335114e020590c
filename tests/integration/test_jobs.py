"""Long work as a job, on the real MongoDB-wire server: the request's answer comes at once,
progress is written as the work goes, the result (or the failure, in words) when it ends; only
its owner reads it; a job a stopped process left running is marked failed at the next start."""

from __future__ import annotations

import asyncio
import secrets
from datetime import timedelta
from typing import Any

from pymongo import AsyncMongoClient

from shared import clock
from shared.mongo.databases import Document
from shared.mongo.jobs import Job, Jobs, JobState, Progress, abandon_unfinished


async def _finished(jobs: Jobs, collection: Any, job: Job, owner: str) -> Job:
    for _ in range(200):
        found = await jobs.get(collection, job.id, owner)
        assert found is not None
        if found.state is not JobState.RUNNING:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError("the job never finished")


async def test_a_job_reports_progress_and_ends_with_its_result(
    mongo: AsyncMongoClient[Document],
) -> None:
    collection = mongo[f"t{secrets.token_hex(4)}_jobs"]["jobs"]
    jobs = Jobs()
    halfway = asyncio.Event()
    go_on = asyncio.Event()

    async def work(progress: Progress) -> dict[str, Any]:
        await progress.report(0, 10, "counting")
        await progress.report(5, 10, "counting")  # within half a second: not written
        await asyncio.sleep(0.6)
        await progress.report(6, 10, "counting")
        halfway.set()
        await go_on.wait()
        await progress.report(10, 10, "counting")
        return {"counted": 10}

    job = await jobs.start(collection, "counting", "mem_owner", work)
    assert job.state is JobState.RUNNING, "the answer comes before the work is done"
    await halfway.wait()
    during = await jobs.get(collection, job.id, "mem_owner")
    assert during is not None and (during.done, during.total) == (6, 10)
    assert await jobs.get(collection, job.id, "mem_someone_else") is None, "owner only"
    go_on.set()
    done = await _finished(jobs, collection, job, "mem_owner")
    assert done.state is JobState.DONE and done.result == {"counted": 10}
    assert done.done == 10 and done.finished_at is not None


async def test_a_failing_job_says_why_and_a_restart_fails_what_was_left_running(
    mongo: AsyncMongoClient[Document],
) -> None:
    collection = mongo[f"t{secrets.token_hex(4)}_jobs"]["jobs"]
    jobs = Jobs()

    async def broken(progress: Progress) -> dict[str, Any]:
        await progress.report(1, 3)
        raise ValueError("row 2 could not be read")

    failed = await _finished(jobs, collection, await jobs.start(collection, "x", "m", broken), "m")
    assert failed.state is JobState.FAILED and failed.error == "row 2 could not be read"

    never = asyncio.Event()

    async def stuck(progress: Progress) -> dict[str, Any]:
        await never.wait()
        return {}

    left = await jobs.start(collection, "x", "m", stuck)
    assert await abandon_unfinished(collection, clock.now() + timedelta(seconds=1)) == 1
    after = await jobs.get(collection, left.id, "m")
    assert after is not None and after.state is JobState.FAILED
    assert after.error is not None and "run it again" in after.error
    never.set()
