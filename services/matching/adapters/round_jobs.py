"""Matching rounds as jobs: the request answers at once (202 with the job), the round runs on in
the service and reports its steps (scoring pairs, assigning, writing proposals), and the
co-ordinator who started it reads how far it has got, then what it proposed.

The jobs live in the matching network database (`round_jobs`), beside the proposals they
write. Only the co-ordinator who started a round reads its job; anyone else gets 404, as for a
job that does not exist. A round still running when the service stopped is marked failed at
the next start, with words that say to run it again (`POST .../rounds` stays, for API users who
want the round's answer on the spot).
"""

from __future__ import annotations

from datetime import datetime

from pymongo.asynchronous.collection import AsyncCollection

from services.matching.adapters.proposal_store import ROUND_STEPS, ProposalStore
from shared.auth.principal import Principal
from shared.errors import NotFoundError
from shared.mongo.databases import Document
from shared.mongo.jobs import Job, Jobs, Progress, abandon_unfinished
from shared.tenancy import TenantData

ROUND_JOBS = "round_jobs"  # network: one document per round started as a job
KIND = "matching_round"


class RoundJobs:
    """Starts rounds in the background and reads them back for whoever started them."""

    def __init__(
        self, data: TenantData, proposals: ProposalStore, jobs: Jobs | None = None
    ) -> None:
        self._data = data
        self._proposals = proposals
        self._jobs = jobs or Jobs()

    def _collection(self) -> AsyncCollection[Document]:
        return self._data.network(ROUND_JOBS)

    async def start(self, caller: Principal, programme_id: str) -> Job:
        """A round of a programme the caller co-ordinates (404 otherwise; 409 for a circle
        programme), answered at once; its result names the proposals it made."""
        await self._proposals.round_programme(caller, programme_id)

        async def work(progress: Progress) -> Document:
            result = await self._proposals.run_round(caller, programme_id, progress.report)
            return {
                "programme_id": programme_id,
                "proposals": [p.id for p in result.proposals],
                "unmatched": list(result.unmatched),
                "total_score": result.total_score,
            }

        return await self._jobs.start(
            self._collection(), KIND, caller.subject, work, total=len(ROUND_STEPS)
        )

    async def get(self, caller: Principal, programme_id: str, job_id: str) -> Job:
        """The round's job, for the co-ordinator who started it (404 for anyone else)."""
        await self._proposals.coordinated(caller, programme_id)
        job = await self._jobs.get(self._collection(), job_id, caller.subject)
        if job is None or job.kind != KIND:
            raise NotFoundError(f"no round {job_id!r} that you started")
        if job.result is not None and job.result.get("programme_id") != programme_id:
            raise NotFoundError(f"no round {job_id!r} that you started")
        return job

    async def abandon_unfinished(self, started_before: datetime) -> int:
        """At start-up: rounds a stopped process left running are marked failed."""
        return await abandon_unfinished(self._collection(), started_before)

    async def stop(self) -> None:
        """The service is stopping: give running rounds a moment to finish."""
        await self._jobs.stop()
