"""The live path of the outcome read models: the consumer handler for every event they are
built from. Per batch: read the live generation, load the records the batch touches (one query
per collection), fold the events in with the same `apply` the replay uses, and write each
changed record once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from services.evaluation.adapters.outcome_store import ConcurrentChangeError, OutcomeStore
from services.evaluation.domain.outcome_facts import OutcomeState
from services.evaluation.domain.outcome_fold import Needs, apply, needs
from shared.events.catalogue import InboundEvent
from shared.logging import get_logger

log = get_logger(__name__)

# A write that lost to another writer is applied again from fresh records; the fold makes a
# repeat harmless. Past this many tries the consumer's own retry takes over.
ATTEMPTS = 5


class OutcomeProjection:
    """Folds events into the live generation of the outcome read models."""

    def __init__(
        self, store: OutcomeStore, on_written: Callable[[int, OutcomeState], None] | None = None
    ) -> None:
        self._store = store
        # Told of every batch of records written (the figures' records in memory).
        self._on_written = on_written

    async def on_events(self, events: Sequence[InboundEvent[Any]]) -> None:
        """Fold a batch into the records it touches (redelivery changes nothing)."""
        wanted = Needs()
        for event in events:
            wanted.update(needs(event))
        for attempt in range(1, ATTEMPTS + 1):
            generation = await self._store.generation()
            state, loaded = await self._store.load(generation, wanted)
            for event in events:
                apply(state, event)
            try:
                await self._store.save(generation, state, loaded)
            except ConcurrentChangeError:
                if attempt == ATTEMPTS:
                    raise
                log.info("outcome records changed under us; applying again", attempt=attempt)
                await asyncio.sleep(0.05 * attempt)
            else:
                if self._on_written is not None:
                    self._on_written(generation, state)
                return
