"""How the demo's people call the services: as themselves, with their own network tokens,
through the services' public HTTP APIs (the same doors a newcomer uses)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from deploy.localnet.identity import bearer


@dataclass(frozen=True)
class Actor:
    """A signed-in member: who they are and their tokens."""

    name: str
    member_id: str
    organisation_id: str
    tokens: dict[str, Any]


class DemoStepError(RuntimeError):
    """A call of the demo was refused: says which, as whom, and the service's answer."""


class Api:
    """One thread's client for the four services (`urls`: service name → base URL)."""

    def __init__(self, urls: dict[str, str], timeout: float = 30.0) -> None:
        self._urls = urls
        self._http = httpx.Client(timeout=timeout)

    def __enter__(self) -> Api:
        return self

    def __exit__(self, *_: object) -> None:
        self._http.close()

    def response(
        self, who: Actor, method: str, service: str, path: str, body: Any = None
    ) -> httpx.Response:
        """The raw answer to one call as `who`."""
        return self._http.request(
            method, f"{self._urls[service]}{path}", json=body, headers=bearer(who.tokens)
        )

    def call(self, who: Actor, method: str, service: str, path: str, body: Any = None) -> Any:
        """One call as `who`; its JSON answer, or DemoStepError if it was refused."""
        answer = self.response(who, method, service, path, body)
        if answer.status_code >= 400:
            raise DemoStepError(
                f"{method} {service}{path} as {who.name}: {answer.status_code} {answer.text[:300]}"
            )
        return answer.json() if answer.content else None

    def sessions(self, who: Actor, method: str, path: str, body: Any = None) -> Any:
        """A call to the sessions service."""
        return self.call(who, method, "sessions", path, body)


def until(check: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    """Wait until `check()` holds (events take a moment to travel between services)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise DemoStepError(f"gave up after {timeout:.0f}s waiting for {what}")
        time.sleep(0.25)
