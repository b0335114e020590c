"""Mailpit read back through its HTTP API: when each message of the run arrived (`Created`)."""

from __future__ import annotations

import re
from datetime import datetime

import httpx

PAGE = 1000
_FRACTION = re.compile(r"\.(\d{6})\d*")


def created_at(text: str) -> float:
    """Mailpit's RFC 3339 time (nanoseconds, `Z`) as epoch seconds."""
    return datetime.fromisoformat(_FRACTION.sub(r".\1", text).replace("Z", "+00:00")).timestamp()


class Mailbox:
    """The messages of one run, found by the domain of their addresses."""

    def __init__(self, url: str) -> None:
        self._http = httpx.AsyncClient(base_url=url.rstrip("/"), timeout=60)

    async def count(self, domain: str) -> int:
        """How many messages to addresses at `domain` Mailpit holds."""
        found = await self._http.get(
            "/api/v1/search", params={"query": f"to:@{domain}", "limit": 1}
        )
        found.raise_for_status()
        return int(found.json().get("messages_count", 0))

    async def arrivals(self, domain: str) -> dict[str, float]:
        """Recipient address → when its (first) message arrived, for `domain`."""
        arrived: dict[str, float] = {}
        start = 0
        while True:
            found = await self._http.get(
                "/api/v1/search",
                params={"query": f"to:@{domain}", "limit": PAGE, "start": start},
            )
            found.raise_for_status()
            messages = found.json().get("messages") or []
            for m in messages:
                at = created_at(m["Created"])
                for to in m.get("To") or []:
                    address = str(to.get("Address", "")).lower()
                    arrived[address] = min(at, arrived.get(address, at))
            if len(messages) < PAGE:
                return arrived
            start += PAGE

    async def forget(self, domain: str) -> None:
        """Delete the run's messages (only those: Mailpit may hold others')."""
        await self._http.request("DELETE", "/api/v1/search", params={"query": f"to:@{domain}"})

    async def close(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()
