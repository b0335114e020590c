"""Which database holds what: one per organisation per service, plus one network database.

An organisation's private data lives in that organisation's own database; records
shared across organisations live in the service's network database.
"""

from __future__ import annotations

import re
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

Document = dict[str, Any]

_ORG_ID = re.compile(r"^[a-z0-9_]{1,40}$")


class ServiceDatabases:
    """Names and hands out one service's databases; nothing else chooses a database name."""

    def __init__(self, client: AsyncMongoClient[Document], prefix: str, service: str) -> None:
        self.client = client
        self._base = f"{prefix}_{service}"

    @property
    def network(self) -> AsyncDatabase[Document]:
        """Shared, cross-organisation records and network-wide read models."""
        return self.client[f"{self._base}_network"]

    def organisation(self, organisation_id: str) -> AsyncDatabase[Document]:
        """One organisation's private database."""
        if not _ORG_ID.match(organisation_id):
            raise ValueError(f"not an organisation id: {organisation_id!r}")
        return self.client[f"{self._base}_o_{organisation_id}"]

    async def names(self) -> list[str]:
        """Every database this service owns (for the outbox sweep and erasure)."""
        names = await self.client.list_database_names()
        return [
            n for n in names if n == f"{self._base}_network" or n.startswith(f"{self._base}_o_")
        ]

    async def ping(self) -> None:
        """Raise unless the server answers."""
        await self.client.admin.command("ping")
