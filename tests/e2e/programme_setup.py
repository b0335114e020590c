"""Setting a programme up through the real APIs, as its owner's admin and its people would:
calls with a caller's own tokens, the profile and design bodies the tests vary, and a
programme opened with people enrolled and waiting in matching's pool."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import httpx

from tests.e2e.conftest import Crowd, World
from tests.e2e.test_first_flow import eventually


def call(
    world: World, service: str, tokens: dict[str, Any], method: str, path: str, body: Any = None
) -> httpx.Response:
    """One request to `service` with the caller's tokens."""
    with world.reader(tokens) as http:
        return http.request(method, f"{world.url(service)}{path}", json=body)


def ok(answer: httpx.Response) -> Any:
    """The answer's body, after asserting it succeeded (its URL and text if not)."""
    assert answer.status_code < 300, f"{answer.request.url}: {answer.status_code} {answer.text}"
    return answer.json() if answer.content else None


def profile(name: str, sector: str, day: str = "tue", **fields: Any) -> dict[str, Any]:
    """A profile ready for matching: mornings of `day`, by video, in English."""
    return {
        "display_name": name,
        "sector": sector,
        "time_zone": "Europe/London",
        "languages": ["en"],
        "availability": [{"day": day, "start": "09:00", "end": "12:00"}],
        "meeting_modes": ["video"],
        **fields,
    }


def design(name: str, purpose: str, goal: str, **fields: Any) -> dict[str, Any]:
    """A one-to-one programme running from today for 300 days, meeting every four weeks."""
    return {
        "name": name,
        "purpose": purpose,
        "goals": [goal],
        "model": "one_to_one",
        "starts_on": str(date.today()),
        "ends_on": str(date.today() + timedelta(days=300)),
        "meeting_every_days": 28,
        "min_meeting_minutes": 30,
        "max_meeting_minutes": 90,
        **fields,
    }


def open_and_enrol(
    world: World,
    owner: Crowd,
    terms: dict[str, Any],
    enrolling: Sequence[tuple[dict[str, Any], str]],
    invited: Sequence[Crowd] = (),
) -> str:
    """A programme of `owner`'s, accepted by the organisations invited, open, with these
    people (their tokens) enrolled in their roles, and in matching's pool."""
    programme: str = ok(call(world, "registry", owner.admin, "POST", "/programmes", terms))["id"]
    for crowd in invited:
        ok(call(world, "registry", crowd.admin, "POST", f"/programmes/{programme}/acceptance"))
    status = {"status": "open"}
    ok(call(world, "registry", owner.admin, "POST", f"/programmes/{programme}/status", status))
    for tokens, role in enrolling:
        path = f"/programmes/{programme}/enrolments"
        ok(call(world, "registry", tokens, "POST", path, {"role": role}))

    def pooled() -> bool:
        """matching's candidate pool holds everyone enrolled, with the programme's terms"""
        pool = call(
            world, "matching", owner.admin, "GET", f"/programmes/{programme}/candidate-pool"
        )
        return pool.status_code == 200 and pool.json()["eligible"] == len(enrolling)

    eventually(pooled, timeout=90)
    return programme
