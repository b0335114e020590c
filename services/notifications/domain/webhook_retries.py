"""When a webhook delivery is tried again, and when an endpoint that keeps failing is turned
off (the Standard Webhooks practice: retries with growing delays over about a day, then give
up; an endpoint failing for a long time is disabled rather than hammered for ever).

A response 2xx is a delivery; anything else — another status, a redirect (never followed), a
timeout, a refused connection — is a failed attempt.
"""

from __future__ import annotations

from datetime import datetime, timedelta


def parse_schedule(text: str) -> tuple[float, ...]:
    """The delays, in seconds, before each attempt ("0,5,300" = at once, 5 s later, 5 min
    after that); refuses an empty or negative schedule."""
    delays = tuple(float(part) for part in text.split(",") if part.strip())
    if not delays or any(d < 0 for d in delays):
        raise ValueError("a retry schedule is one or more delays of 0 seconds or more")
    return delays


def delivered(response_code: int | None) -> bool:
    """Only a 2xx answer delivers."""
    return response_code is not None and 200 <= response_code < 300


def next_attempt_at(
    schedule: tuple[float, ...], attempts_made: int, now: datetime
) -> datetime | None:
    """When the next attempt is due after `attempts_made` failed ones (None: give up)."""
    if attempts_made >= len(schedule):
        return None
    return now + timedelta(seconds=schedule[attempts_made])


def should_disable(failing_since: datetime | None, now: datetime, after: timedelta) -> bool:
    """An endpoint failing with no success since `failing_since` is disabled once that has
    lasted `after`."""
    return failing_since is not None and now - failing_since >= after
