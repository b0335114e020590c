"""The steady load: member writes into the seeded relationships at a fixed arrival rate (open
loop: write i is due at start + i/rate whatever the earlier ones are doing), each carrying a
unique marker so the checks can find its record, spread over both sessions instances."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from bench.faults.seeding import Relationship
from deploy.localnet.identity import bearer

KINDS = ("message", "meeting", "log", "plan")
TIMEOUT_SECONDS = 30.0  # a request still unanswered then is given up (and counted as hung)
HUNG_SECONDS = 10.0


@dataclass
class Write:
    """One write and how it went."""

    kind: str
    relationship: str
    author: str
    marker: str
    phase: str
    status: int | None = None  # None: no answer (connection failed, timed out)
    seconds: float = 0.0
    record_id: str | None = None
    error: str | None = None

    @property
    def accepted(self) -> bool:
        """Answered 2xx."""
        return self.status is not None and 200 <= self.status < 300


def _body(kind: str, marker: str, r: Relationship, rng: random.Random) -> tuple[str, Any]:
    """The path (under the relationship) and body of a write of `kind`."""
    if kind == "message":
        return "messages", {"text": marker}
    if kind == "meeting":
        # Held between the relationship's start and now (a meeting before it is refused).
        span = max(60.0, (datetime.now(UTC) - r.started_at).total_seconds() - 60)
        starts = r.started_at + timedelta(seconds=rng.uniform(1, span))
        return "meetings", {
            "status": "held",
            "starts_at": starts.isoformat(),
            "minutes": 45,
            "method": "face_to_face",
            "location": marker,
        }
    if kind == "log":
        return "logs", {"met_on": str(datetime.now(UTC).date()), "topics": [marker]}
    return "action-plan/grow", {
        "goal": marker,
        "reality": "where things stand",
        "options": "what could be done",
        "way_forward": "what will be done",
        "commitment": 6,
    }


async def _send(
    client: httpx.AsyncClient, urls: list[str], path: str, body: Any, tokens: dict[str, Any]
) -> httpx.Response:
    """POST to one instance; a refused connection (the instance is down: it never saw the
    request) goes to the other, as a load balancer would."""
    first, *others = urls
    try:
        return await client.post(f"{first}{path}", json=body, headers=bearer(tokens))
    except httpx.ConnectError:
        if not others:
            raise
        return await client.post(f"{others[0]}{path}", json=body, headers=bearer(tokens))


async def drive(
    relationships: list[Relationship],
    sessions_urls: list[str],
    rate: float,
    seconds: float,
    phase: str,
    writes: list[Write],
    tag: str,
    say: Callable[[str], None],
) -> None:
    """Send `rate` writes a second for `seconds`, into `writes`; waits for the last answer."""
    rng = random.Random(f"{tag}:{phase}")
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
    started = time.monotonic()
    tasks: set[asyncio.Task[None]] = set()
    async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS, limits=limits) as client:

        async def one(write: Write, path: str, body: Any, tokens: dict[str, Any]) -> None:
            urls = rng.sample(sessions_urls, len(sessions_urls))
            began = time.monotonic()
            try:
                answer = await _send(client, urls, path, body, tokens)
                write.status = answer.status_code
                if answer.is_success:
                    write.record_id = str(answer.json().get("id"))
                else:
                    write.error = answer.text[:200]
            except httpx.HTTPError as exc:
                write.error = f"{type(exc).__name__}: {exc}"[:200]
            write.seconds = time.monotonic() - began

        total = int(rate * seconds)
        last_report = started
        for n in range(total):
            due = started + n / rate
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            r = rng.choice(relationships)
            kind = KINDS[n % len(KINDS)]
            author = rng.choice(sorted(r.parties))
            marker = f"fb-{tag}-{phase}-{n}"
            path, body = _body(kind, marker, r, rng)
            write = Write(kind, r.id, author, marker, phase)
            writes.append(write)
            task = asyncio.create_task(
                one(write, f"/relationships/{r.id}/{path}", body, r.parties[author])
            )
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            if time.monotonic() - last_report >= 10:
                last_report = time.monotonic()
                mine = [w for w in writes if w.phase == phase]
                ok = sum(w.accepted for w in mine)
                say(f"  {phase}: {n + 1}/{total} sent, {ok} accepted so far")
        if tasks:
            await asyncio.wait(set(tasks))
