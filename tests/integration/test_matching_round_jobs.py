"""The matching service, started for real (its lifespan against the real servers), marks a
round a stopped process left running as failed, in words that say to run it again; a round that
had finished is left as it was."""

from __future__ import annotations

from datetime import timedelta

from pymongo import AsyncMongoClient

from services.matching.adapters.round_jobs import KIND, ROUND_JOBS
from services.matching.app import create_app
from shared import clock
from shared.mongo.databases import Document
from shared.settings import ServiceSettings


async def test_rounds_left_running_are_marked_failed_when_matching_starts(
    settings: ServiceSettings, mongo: AsyncMongoClient[Document]
) -> None:
    jobs = mongo[f"{settings.db_prefix}_matching_network"][ROUND_JOBS]
    before = clock.now() - timedelta(minutes=2)
    common = {"kind": KIND, "owner": "mem_coordinator", "total": 3, "started_at": before}
    await jobs.insert_many(
        [
            {"_id": "job_left", **common, "state": "running", "done": 1, "step": "assigning"},
            {"_id": "job_done", **common, "state": "done", "done": 3, "result": {"x": 1}},
        ]
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        left = await jobs.find_one({"_id": "job_left"})
        finished = await jobs.find_one({"_id": "job_done"})
    assert left is not None and left["state"] == "failed"
    assert "run it again" in left["error"] and left["finished_at"] is not None
    assert finished is not None and finished["state"] == "done" and "error" not in finished
