"""Integration clients in their organisation's own database; secrets only as hashes."""

from __future__ import annotations

from services.registry.domain.integration_client import IntegrationClient, organisation_of
from shared.auth.principal import Principal
from shared.errors import NotFoundError
from shared.secrets import matches, token_hash
from shared.tenancy import TenantData

COLLECTION = "clients"


class ClientStore:
    """Registers, lists, removes and authenticates integration clients."""

    def __init__(self, data: TenantData) -> None:
        self._data = data

    async def add(self, caller: Principal, client: IntegrationClient, secret: str) -> None:
        """Store a new client of an organisation the caller administers."""
        collection = self._data.of(caller, client.organisation_id, COLLECTION, admins_only=True)
        document = client.model_dump(mode="python", exclude={"client_id"})
        await collection.insert_one(
            {"_id": client.client_id, **document, "secret_hash": token_hash(secret)}
        )

    async def in_organisation(
        self, caller: Principal, organisation_id: str
    ) -> list[IntegrationClient]:
        """An organisation's clients, for its admins."""
        collection = self._data.of(caller, organisation_id, COLLECTION, admins_only=True)
        return [_to_client(d) async for d in collection.find({}, projection={"secret_hash": 0})]

    async def remove(self, caller: Principal, organisation_id: str, client_id: str) -> None:
        """Delete a client: its secret stops working at once."""
        collection = self._data.of(caller, organisation_id, COLLECTION, admins_only=True)
        result = await collection.delete_one({"_id": client_id})
        if not result.deleted_count:
            raise NotFoundError(f"no client {client_id!r} in your organisation")

    async def authenticate(self, client_id: str, secret: str) -> IntegrationClient | None:
        """The client whose id and secret these are, or None (system use: the token endpoint)."""
        try:
            organisation_id = organisation_of(client_id)
        except ValueError:
            return None
        collection = self._data.system_organisation(organisation_id, COLLECTION)
        document = await collection.find_one({"_id": client_id})
        if document is None or not matches(secret, document["secret_hash"]):
            return None
        return _to_client(document)


def _to_client(document: dict[str, object]) -> IntegrationClient:
    fields = {k: v for k, v in document.items() if k not in ("_id", "secret_hash")}
    return IntegrationClient.model_validate({"client_id": document["_id"], **fields})
