"""Rebuild the evaluation service's outcome read models from the Kafka topics
(docs/decisions.md 16).

    python -m services.evaluation.replay [--grace-seconds S] [--quiet]

1. Reads the registry, matching, sessions and evaluation topics from their earliest offsets up
   to their ends at the start, folding every event in memory with the same `apply` the live
   consumer uses (progress on stdout).
2. Writes the records into a fresh generation of collections (`insert_many` only) and switches
   the live generation to it in one single-document write: figures are never half-built.
3. Catches up, through the live path, with the events that arrived while it ran (the live
   consumer may have put them into the old generation only), then drops the old generation.

The service may keep running throughout. Settings come from the environment (`MENTORNET_*`),
as for the service itself.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka.structs import ConsumerRecord

import shared.contracts  # noqa: F401 - registers every event model in the catalogue
from services.evaluation.adapters.event_history import ReadProgress, read_history
from services.evaluation.adapters.outcome_changes import OutcomeChanges
from services.evaluation.adapters.outcome_projection import OutcomeProjection
from services.evaluation.adapters.outcome_store import OutcomeStore
from services.evaluation.app import outcome_data
from services.evaluation.domain.outcome_facts import OutcomeState
from services.evaluation.domain.outcome_fold import FOLDED, apply
from shared import clock
from shared.events.catalogue import InboundEvent, PoisonEventError, catalogue
from shared.events.topics import domain_topic, publisher_of
from shared.settings import ServiceSettings

# The topics the outcome read models are built from.
SOURCES = ("registry", "matching", "sessions", "evaluation")
FOLDED_TYPES = frozenset((m.event_type, m.event_version) for m in FOLDED)


@dataclass
class ReplayReport:
    """What a replay did."""

    generation: int = 0
    records_read: int = 0
    events_folded: int = 0
    skipped: int = 0  # not an event, or of a type the read models do not use
    records_written: int = 0
    caught_up: int = 0
    read_seconds: float = 0.0
    write_seconds: float = 0.0
    seconds: float = 0.0


class _Folder:
    """Parses records and folds the events the read models use into one in-memory state."""

    def __init__(self) -> None:
        self.state = OutcomeState()
        self.folded = 0
        self.skipped = 0

    def events(self, records: Sequence[ConsumerRecord[bytes, bytes]]) -> list[InboundEvent[Any]]:
        """The records as events, poison and unused types counted and left out."""
        found = []
        for record in records:
            try:
                event = catalogue.parse(record.value, published_by=publisher_of(record.topic))
            except PoisonEventError:
                self.skipped += 1
                continue
            if (event.envelope.type, event.envelope.version) in FOLDED_TYPES:
                found.append(event)
            else:
                self.skipped += 1
        return found

    async def fold(self, records: list[ConsumerRecord[bytes, bytes]]) -> None:
        """Fold a batch in memory."""
        for event in self.events(records):
            apply(self.state, event)
            self.folded += 1


def _printer(label: str, say: Callable[[str], None]) -> Callable[[ReadProgress], None]:
    def report(progress: ReadProgress) -> None:
        say(
            f"  {label}: {progress.read:,}/{progress.total:,} events "
            f"({progress.rate:,.0f}/s, {progress.seconds:.1f} s)"
        )

    return report


async def rebuild(
    settings: ServiceSettings,
    *,
    say: Callable[[str], None] = print,
    grace_seconds: float = 5.0,
) -> ReplayReport:
    """Rebuild the outcome read models from the topics into a new generation, switch to it,
    catch up, and drop the generation it replaced."""
    report = ReplayReport()
    started = asyncio.get_running_loop().time()
    client, data = outcome_data(settings)
    store = OutcomeStore(data)
    topics = [domain_topic(settings.topic_prefix, s) for s in SOURCES]
    try:
        current = await store.generation()
        report.generation = current + 1
        say(f"replaying {', '.join(topics)} from the earliest offsets")
        folder = _Folder()
        # Hundreds of thousands of small objects and no reference cycles: the cyclic garbage
        # collector would rescan the growing state again and again (it halves the rate).
        gc.disable()
        try:
            ends = await read_history(
                settings.kafka_bootstrap,
                topics,
                folder.fold,
                on_progress=_printer("read and folded", say),
            )
        finally:
            gc.enable()
        report.records_read = folder.folded + folder.skipped
        report.events_folded, report.skipped = folder.folded, folder.skipped
        report.read_seconds = asyncio.get_running_loop().time() - started

        say(f"writing generation {report.generation} into fresh collections")
        write_started = asyncio.get_running_loop().time()
        report.records_written = await store.write_generation(report.generation, folder.state)
        await store.switch(report.generation, events=folder.folded, rebuilt_at=clock.now())
        report.write_seconds = asyncio.get_running_loop().time() - write_started
        say(f"  {report.records_written:,} records written; generation {report.generation} live")

        projection = OutcomeProjection(store, OutcomeChanges(data))
        catching_up = _Folder()

        async def live(records: list[ConsumerRecord[bytes, bytes]]) -> None:
            events = catching_up.events(records)
            if events:
                await projection.on_events(events)
                report.caught_up += len(events)

        await read_history(settings.kafka_bootstrap, topics, live, start=ends)
        say(f"  caught up with {report.caught_up:,} events that arrived meanwhile")

        # A live batch begun before the switch may still be writing into the old generation.
        await asyncio.sleep(grace_seconds)
        replaced = await store.organisations(current)
        await store.drop_generation(current, replaced)
        if current > 0:
            await store.drop_generation(current - 1, replaced)  # a straggler's leftovers
        say(f"  generation {current} dropped")
    finally:
        await client.close()
    report.seconds = asyncio.get_running_loop().time() - started
    return report


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, rebuild, and print what was done."""
    parser = argparse.ArgumentParser(
        prog="python -m services.evaluation.replay",
        description="Rebuild the evaluation service's outcome read models from the Kafka "
        "topics (earliest offset on), into fresh collections switched in when complete.",
    )
    parser.add_argument(
        "--grace-seconds",
        type=float,
        default=5.0,
        help="wait this long after the switch before dropping the old generation (default 5)",
    )
    parser.add_argument("--quiet", action="store_true", help="print only the summary")
    args = parser.parse_args(argv)
    say: Callable[[str], None] = (lambda _: None) if args.quiet else print
    report = asyncio.run(rebuild(ServiceSettings(), say=say, grace_seconds=args.grace_seconds))
    print(
        f"replayed {report.events_folded:,} events ({report.skipped:,} skipped) into generation "
        f"{report.generation}: {report.records_written:,} records in {report.seconds:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
