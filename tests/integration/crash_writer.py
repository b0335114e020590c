"""A process that writes a state change with its event and dies before the relay publishes.

Run by test_outbox.py as `python -m tests.integration.crash_writer`, settings in the
environment. The relay is running, but the process is SIGKILLed right after the write returns,
before the event loop gives the relay a turn: the crash the outbox exists for.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import UTC, datetime

from shared.contracts.registry import OrganisationJoined
from shared.events.catalogue import new_event
from shared.logging import configure_logging
from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings

COLLECTION = "crash_docs"


async def main(organisation_id: str) -> None:
    """Write one document with its event, then die."""
    configure_logging("crash-writer", "WARNING")
    runtime = ServiceRuntime("registry", ServiceSettings(), outbox_collections=[COLLECTION])
    await runtime.start()
    data = OrganisationJoined(
        organisation_id=organisation_id, name="Crash Test Org", joined_at=datetime.now(UTC)
    )
    event = new_event(data, organisation=organisation_id)
    await runtime.outbox.insert(
        runtime.databases.network[COLLECTION], {"_id": organisation_id}, [event]
    )
    print(f"event {event.id}", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
