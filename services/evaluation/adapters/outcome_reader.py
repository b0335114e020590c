"""Figures for a caller, drawn from the live generation of the outcome read models.

Drawing the network's figures needs every record of every organisation, and on FerretDB
reading tens of thousands of documents from hundreds of databases takes seconds (measured by
`bench/evaluation`). So the service keeps the live generation's records in memory for drawing:
loaded once (through the data door's `system` collections, as the consumer reads them), kept
current before every drawing by the change log every instance's projection writes
(`outcome_changes.py`: one lookup by `_id` when nothing changed), so two instances draw the
same figures however the topics' partitions are split between them; reloaded when a replay
switches generations, and in the background after `max_age_seconds` (a safety net).

Who may draw on which records is decided before any figure is drawn
(`services.evaluation.domain.figure_access`); every table is suppressed before it leaves.
"""

from __future__ import annotations

import asyncio
import time
from datetime import date

from pymongo.asynchronous.collection import AsyncCollection

from services.evaluation.adapters.outcome_changes import OutcomeChanges
from services.evaluation.adapters.outcome_store import ORGANISATION_KINDS, VERSION, OutcomeStore
from services.evaluation.domain.figure_access import (
    may_list_programme,
    may_see_organisation,
    may_see_programme,
    organisation_view,
    programme_view,
)
from services.evaluation.domain.figures import FigureTable, Scope
from services.evaluation.domain.outcome_facts import (
    FactKind,
    OutcomeState,
    ProgrammeFacts,
    from_document,
)
from services.evaluation.domain.outcome_figures import RowDimension, figure_tables
from services.evaluation.domain.suppression import suppress
from shared.auth.principal import Principal
from shared.errors import NotFoundError
from shared.logging import get_logger
from shared.mongo.databases import Document

log = get_logger(__name__)

PARALLEL_READS = 8
# Fields only the fold needs (deduplication, log counts, query helpers): not read for figures.
NOT_FOR_FIGURES: Document = {
    "inbox": 0,
    "logs_written": 0,
    "party_ids": 0,
    "organisation_ids": 0,
    "programme_ids": 0,
}


class OutcomeReader:
    """Draws suppressed figure tables for the three audiences: organisation admins, programme
    co-ordinators and network co-ordinators (docs/security.md, "Who sees what → Evaluation")."""

    def __init__(
        self, store: OutcomeStore, changes: OutcomeChanges, *, max_age_seconds: float = 600.0
    ) -> None:
        self._store = store
        self._changes = changes
        self._max_age = max_age_seconds
        self._state: OutcomeState | None = None
        self._versions: dict[tuple[FactKind, str], int] = {}
        self._seen = 0  # the newest change (of the generation held) applied to the state
        self._generation = -1
        self._loaded_at = 0.0
        self._loading: asyncio.Lock = asyncio.Lock()
        self._catching_up: asyncio.Lock = asyncio.Lock()
        self._refreshing: asyncio.Task[None] | None = None

    # --- the records in memory -----------------------------------------------------------

    async def _records(self) -> OutcomeState:
        generation = await self._store.generation()
        if self._state is None or generation != self._generation:
            async with self._loading:
                if self._state is None or generation != self._generation:
                    await self._load(generation)
        elif time.monotonic() - self._loaded_at > self._max_age and self._refreshing is None:
            self._refreshing = asyncio.create_task(self._refresh(generation))
        await self._catch_up()
        assert self._state is not None
        return self._state

    async def _catch_up(self) -> None:
        """Apply every change logged since the last one applied (any instance's writes)."""
        async with self._catching_up:
            state, versions, generation = self._state, self._versions, self._generation
            if state is None:
                return
            newest, records = await self._changes.since(generation, self._seen)
            if self._state is not state:
                return  # reloaded meanwhile: the new state starts from its own number
            for kind, body in records:
                _keep_newer(state, versions, kind, body)
            self._seen = newest

    async def _refresh(self, generation: int) -> None:
        try:
            async with self._loading:
                await self._load(generation)
        except Exception:
            log.warning(
                "refreshing the outcome records failed; serving the ones held", exc_info=True
            )
        finally:
            self._refreshing = None

    async def _load(self, generation: int) -> None:
        # The log's newest number first: a change logged while reading is applied after.
        seen = await self._changes.newest(generation)
        organisations = await self._store.organisations(generation)
        reads = [(kind, self._store.system(kind, None, generation)) for kind in FactKind] + [
            (kind, self._store.system(kind, organisation_id, generation))
            for organisation_id in organisations
            for kind in ORGANISATION_KINDS
        ]
        state, versions = await _read(reads)
        self._state, self._versions, self._generation = state, versions, generation
        self._seen = seen
        self._loaded_at = time.monotonic()

    # --- the audiences -------------------------------------------------------------------

    async def for_organisation(
        self, caller: Principal, organisation_id: str, scope: Scope, today: date
    ) -> list[FigureTable]:
        """An organisation's figures for its admins: its own people, and the relationships
        they are in, by programme. Anyone else: NotFoundError."""
        if not may_see_organisation(caller, organisation_id):
            raise NotFoundError(f"no organisation {organisation_id!r} whose figures you can see")
        view = organisation_view(await self._records(), organisation_id)
        narrowed = scope.model_copy(update={"organisation_id": organisation_id})
        return await _suppressed(view, RowDimension.PROGRAMME, narrowed, today)

    async def for_programme(
        self,
        caller: Principal,
        programme_id: str,
        scope: Scope,
        today: date,
        rows: RowDimension = RowDimension.ORGANISATION,
    ) -> list[FigureTable]:
        """A programme's figures for its co-ordinators, by organisation taking part (or by
        the organisation pairs it made). Anyone else: NotFoundError."""
        records = await self._records()
        programme = records.programmes.get(programme_id)
        if programme is None or not may_see_programme(caller, programme):
            raise NotFoundError(f"no programme {programme_id!r} whose figures you can see")
        view = programme_view(records, programme)
        narrowed = scope.model_copy(update={"programme_id": programme_id})
        return await _suppressed(view, rows, narrowed, today)

    async def for_network(
        self,
        caller: Principal,
        scope: Scope,
        today: date,
        rows: RowDimension = RowDimension.ORGANISATION,
    ) -> list[FigureTable]:
        """Pooled figures across organisations for the network co-ordinator, by organisation
        or by organisation pair (each row shown only where suppression allows)."""
        if not caller.is_network_coordinator:
            raise NotFoundError("no figures you can see")
        return await _suppressed(await self._records(), rows, scope, today)

    async def programmes(self, caller: Principal) -> list[ProgrammeFacts]:
        """The programmes whose figures the caller may see or filter by."""
        records = await self._records()
        listed = [p for p in records.programmes.values() if may_list_programme(caller, p)]
        return sorted(listed, key=lambda p: p.id)


def _keep_newer(
    state: OutcomeState, versions: dict[tuple[FactKind, str], int], kind: FactKind, body: Document
) -> None:
    """Put a stored record into `state` unless the one held is as new or newer (two writers'
    changes may be logged in the other order than their versions)."""
    version = int(body.get(VERSION, 0))
    key = (kind, str(body["_id"]))
    if version <= versions.get(key, 0):
        return
    versions[key] = version
    state.add(kind, from_document(kind, body))


async def _read(
    reads: list[tuple[FactKind, AsyncCollection[Document]]],
) -> tuple[OutcomeState, dict[tuple[FactKind, str], int]]:
    """Run the reads (a few at a time) into one state, with each record's version."""
    semaphore = asyncio.Semaphore(PARALLEL_READS)

    async def one(collection: AsyncCollection[Document]) -> list[Document]:
        async with semaphore:
            return await collection.find({}, projection=NOT_FOR_FIGURES).to_list()

    found = await asyncio.gather(*(one(collection) for _, collection in reads))
    state = OutcomeState()
    versions: dict[tuple[FactKind, str], int] = {}
    for (kind, _), documents in zip(reads, found, strict=True):
        for body in documents:
            _keep_newer(state, versions, kind, body)
    return state, versions


async def _suppressed(
    state: OutcomeState, dimension: RowDimension, scope: Scope, today: date
) -> list[FigureTable]:
    """The tables, drawn here (they read the live state, which event handlers on this loop
    change) and suppressed on a worker thread: suppression (the bridge search over every
    hidden cell) is the heavy part, and on the event loop it would hold up every other
    request and event while a large network's tables are worked out."""
    tables = figure_tables(state, dimension, scope, today)
    return await asyncio.to_thread(lambda: [suppress(table) for table in tables])
