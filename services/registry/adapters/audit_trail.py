"""Each organisation's audit trail, in its own registry database (`audit_trail`).

An entry is written BEFORE the change it records: a crash between the two leaves an entry for
a change that did not happen (its detail says what was asked), never a change without an
entry. Entries are only ever inserted."""

from __future__ import annotations

from services.registry.domain.audit import AuditEntry
from shared.auth.principal import Principal
from shared.mongo.databases import Document
from shared.tenancy import TenantData

COLLECTION = "audit_trail"
SHOWN = 500  # the newest entries a reader gets


class AuditTrail:
    """Appends to and reads organisations' audit trails."""

    def __init__(self, data: TenantData) -> None:
        self._data = data

    async def record(self, organisation_id: str, entry: AuditEntry) -> None:
        """Append an entry to `organisation_id`'s trail (system use: whoever acts on an
        organisation — its admin, a network co-ordinator, the sign-in flow — is recorded
        in that organisation's trail, whatever door their change itself goes through)."""
        collection = self._data.system_organisation(organisation_id, COLLECTION)
        document: Document = {"_id": entry.id, **entry.model_dump(mode="python", exclude={"id"})}
        await collection.insert_one(document)

    async def read(self, caller: Principal, organisation_id: str) -> list[AuditEntry]:
        """The newest entries first, for the organisation's admins and network
        co-ordinators (everyone else: NotFoundError)."""
        collection = self._data.of(
            caller, organisation_id, COLLECTION, admins_only=True, network_coordinators=True
        )
        documents = await collection.find({}).to_list()
        entries = [AuditEntry.model_validate({**d, "id": d["_id"]}) for d in documents]
        return sorted(entries, key=lambda e: (e.at, e.id), reverse=True)[:SHOWN]
