"""The live path of the outcome read models: the consumer handler for every event they are
built from. Per batch: read the live generation, load the records the batch touches (one query
per collection), fold the events in with the same `apply` the replay uses, write each
changed record once, and log what was written for every instance's figures
(`outcome_changes.py`)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from services.evaluation.adapters.outcome_changes import OutcomeChanges
from services.evaluation.adapters.outcome_store import ConcurrentChangeError, OutcomeStore
from services.evaluation.domain.outcome_fold import Needs, apply, needs
from shared.events.catalogue import InboundEvent
from shared.logging import get_logger

log = get_logger(__name__)

# A write that lost to another writer is applied again from fresh records; the fold makes a
# repeat harmless. Past this many tries the consumer's own retry takes over.
ATTEMPTS = 5


class OutcomeProjection:
    """Folds events into the live generation of the outcome read models."""

    def __init__(self, store: OutcomeStore, changes: OutcomeChanges) -> None:
        self._store = store
        # Where every batch's records go once written: each instance's figures follow them.
        self._changes = changes

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
                written = await self._store.save(generation, state, loaded)
            except ConcurrentChangeError:
                if attempt == ATTEMPTS:
                    raise
                log.info("outcome records changed under us; applying again", attempt=attempt)
                await asyncio.sleep(0.05 * attempt)
            else:
                # Also when nothing changed: a redelivery after a crash between the save
                # and this line logs what the first delivery wrote.
                if written:
                    await self._changes.record(generation, written)
                return
