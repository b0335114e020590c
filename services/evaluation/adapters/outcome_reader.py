"""Figures for a caller, drawn from the live generation of the outcome read models.

Drawing the network's figures needs every record of every organisation, and on FerretDB
reading tens of thousands of documents from hundreds of databases takes seconds (measured by
`bench/evaluation`). So the service keeps the live generation's records in memory for drawing:
loaded once (through the data door's `system` collections, as the consumer reads them), kept
current by the live projection handing over every record it writes (`absorb`), reloaded when a
replay switches generations, and refreshed in the background after `max_age_seconds` (which
bounds how far behind another instance's writes it can be).

Who may draw on which records is decided before any figure is drawn
(`services.evaluation.domain.figure_access`); every table is suppressed before it leaves.
"""

from __future__ import annotations

import asyncio
import time
from datetime import date

from pymongo.asynchronous.collection import AsyncCollection

from services.evaluation.adapters.outcome_store import ORGANISATION_KINDS, OutcomeStore
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
    "_v": 0,
}


class OutcomeReader:
    """Draws suppressed figure tables for the three audiences: organisation admins, programme
    co-ordinators and network co-ordinators (docs/security.md, "Who sees what → Evaluation")."""

    def __init__(self, store: OutcomeStore, *, max_age_seconds: float = 600.0) -> None:
        self._store = store
        self._max_age = max_age_seconds
        self._state: OutcomeState | None = None
        self._generation = -1
        self._loaded_at = 0.0
        self._loading: asyncio.Lock = asyncio.Lock()
        self._refreshing: asyncio.Task[None] | None = None
        self._absorbed_while_loading: list[OutcomeState] = []
        self._is_loading = False

    # --- the records in memory -----------------------------------------------------------

    def absorb(self, generation: int, written: OutcomeState) -> None:
        """Take the records the live projection just wrote into the live generation."""
        if self._is_loading:
            self._absorbed_while_loading.append(written)
        if generation == self._generation and self._state is not None:
            _merge(self._state, written)

    async def _records(self) -> OutcomeState:
        generation = await self._store.generation()
        if self._state is None or generation != self._generation:
            async with self._loading:
                if self._state is None or generation != self._generation:
                    await self._load(generation)
        elif time.monotonic() - self._loaded_at > self._max_age and self._refreshing is None:
            self._refreshing = asyncio.create_task(self._refresh(generation))
        assert self._state is not None
        return self._state

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
        self._is_loading, self._absorbed_while_loading = True, []
        try:
            organisations = await self._store.organisations(generation)
            reads = [(kind, self._store.system(kind, None, generation)) for kind in FactKind] + [
                (kind, self._store.system(kind, organisation_id, generation))
                for organisation_id in organisations
                for kind in ORGANISATION_KINDS
            ]
            state = await _read(reads)
            for written in self._absorbed_while_loading:  # newer than what was read
                _merge(state, written)
            self._state, self._generation = state, generation
            self._loaded_at = time.monotonic()
        finally:
            self._is_loading, self._absorbed_while_loading = False, []

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
        self, caller: Principal, programme_id: str, scope: Scope, today: date
    ) -> list[FigureTable]:
        """A programme's figures for its co-ordinators, by organisation taking part. Anyone
        else: NotFoundError."""
        records = await self._records()
        programme = records.programmes.get(programme_id)
        if programme is None or not may_see_programme(caller, programme):
            raise NotFoundError(f"no programme {programme_id!r} whose figures you can see")
        view = programme_view(records, programme)
        narrowed = scope.model_copy(update={"programme_id": programme_id})
        return await _suppressed(view, RowDimension.ORGANISATION, narrowed, today)

    async def for_network(self, caller: Principal, scope: Scope, today: date) -> list[FigureTable]:
        """Pooled figures across organisations for the network co-ordinator, by organisation
        (each row shown only where suppression allows)."""
        if not caller.is_network_coordinator:
            raise NotFoundError("no figures you can see")
        return await _suppressed(await self._records(), RowDimension.ORGANISATION, scope, today)

    async def programmes(self, caller: Principal) -> list[ProgrammeFacts]:
        """The programmes whose figures the caller may see or filter by."""
        records = await self._records()
        listed = [p for p in records.programmes.values() if may_list_programme(caller, p)]
        return sorted(listed, key=lambda p: p.id)


def _merge(state: OutcomeState, written: OutcomeState) -> None:
    for kind in FactKind:
        for record in written.records(kind).values():
            state.add(kind, record)


async def _read(reads: list[tuple[FactKind, AsyncCollection[Document]]]) -> OutcomeState:
    """Run the reads (a few at a time) into one state."""
    semaphore = asyncio.Semaphore(PARALLEL_READS)

    async def one(collection: AsyncCollection[Document]) -> list[Document]:
        async with semaphore:
            return await collection.find({}, projection=NOT_FOR_FIGURES).to_list()

    found = await asyncio.gather(*(one(collection) for _, collection in reads))
    state = OutcomeState()
    for (kind, _), documents in zip(reads, found, strict=True):
        for body in documents:
            state.add(kind, from_document(kind, body))
    return state


async def _suppressed(
    state: OutcomeState, dimension: RowDimension, scope: Scope, today: date
) -> list[FigureTable]:
    """The tables, drawn here (they read the live state, which event handlers on this loop
    change) and suppressed on a worker thread: suppression (the bridge search over every
    hidden cell) is the heavy part, and on the event loop it would hold up every other
    request and event while a large network's tables are worked out."""
    tables = figure_tables(state, dimension, scope, today)
    return await asyncio.to_thread(lambda: [suppress(table) for table in tables])
