"""Organisations in the registry's network database, written through the outbox."""

from __future__ import annotations

from collections.abc import Sequence

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from services.registry.domain.organisation import Organisation, OrganisationProfile
from shared.errors import ConflictError, NotFoundError
from shared.events.envelope import Envelope
from shared.mongo.databases import Document
from shared.runtime import ServiceRuntime

COLLECTION = "organisations"


class OrganisationStore:
    """Reads and writes organisations; creation publishes `organisation.joined`."""

    def __init__(self, runtime: ServiceRuntime) -> None:
        self._runtime = runtime
        self._collection = runtime.databases.network[COLLECTION]

    async def prepare(self) -> None:
        """Indexes this store relies on (FerretDB enforces uniqueness even without index use)."""
        await self._collection.create_index([("name_key", ASCENDING)], unique=True)

    async def add(self, organisation: Organisation, events: Sequence[Envelope]) -> None:
        """Store a new organisation with its events, or ConflictError on a taken name."""
        document = {
            "_id": organisation.id,
            "name_key": organisation.name_key,
            "profile": organisation.profile.model_dump(mode="json"),
            "joined_at": organisation.joined_at,
        }
        try:
            await self._runtime.outbox.insert(self._collection, document, events)
        except DuplicateKeyError as exc:
            raise ConflictError(
                f"an organisation named {organisation.profile.name!r} is already in the network"
            ) from exc

    async def get(self, organisation_id: str) -> Organisation:
        """One organisation, or NotFoundError."""
        document = await self._collection.find_one({"_id": organisation_id})
        if document is None:
            raise NotFoundError(f"no organisation {organisation_id!r}")
        return _to_organisation(document)

    async def list(self) -> list[Organisation]:
        """Every organisation, oldest first."""
        documents = await self._collection.find({}, projection={"_outbox": 0}).to_list()
        return sorted((_to_organisation(d) for d in documents), key=lambda o: o.joined_at)


def _to_organisation(document: Document) -> Organisation:
    return Organisation(
        id=document["_id"],
        profile=OrganisationProfile.model_validate(document["profile"]),
        joined_at=document["joined_at"],
    )
