"""Provider trials in the organisation's own database: started by one of its admins, signed in
through once by the sign-in flow, saved (connected) at most once by the admin who started it."""

from __future__ import annotations

from datetime import datetime

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from services.registry.domain.provider_trial import ProviderTrial, TrialStatus
from shared.auth.principal import Principal
from shared.mongo.claims import CLAIMS, claim_id
from shared.mongo.databases import Document
from shared.tenancy import TenantData

COLLECTION = "provider_trials"
SAVED_CLAIM = 1  # a trial is saved once, so its one claim is its first revision


class ProviderTrialStore:
    """Reads and writes trials; only their starter sees them."""

    def __init__(self, data: TenantData) -> None:
        self._data = data

    def _of(self, caller: Principal, organisation_id: str) -> AsyncCollection[Document]:
        return self._data.of(
            caller, organisation_id, COLLECTION, admins_only=True, network_coordinators=True
        )

    async def add(self, caller: Principal, organisation_id: str, document: Document) -> None:
        """A new trial (its provider checked, its secret sealed), started by `caller`."""
        await self._of(caller, organisation_id).insert_one(document)

    async def get(self, caller: Principal, organisation_id: str, trial_id: str) -> Document | None:
        """The trial, for the admin who started it (None for anyone else)."""
        document = await self._of(caller, organisation_id).find_one(
            {"_id": trial_id, "started_by": caller.subject}
        )
        return dict(document) if document else None

    async def for_sign_in(self, organisation_id: str, trial_id: str) -> Document | None:
        """The trial a sign-in attempt belongs to (system use: the sign-in flow)."""
        collection = self._data.system_organisation(organisation_id, COLLECTION)
        document = await collection.find_one({"_id": trial_id})
        return dict(document) if document else None

    async def record(self, organisation_id: str, trial_id: str, fields: Document) -> None:
        """The outcome of the trial's one sign-in (system use: the sign-in flow); a trial that
        already has one keeps it."""
        collection = self._data.system_organisation(organisation_id, COLLECTION)
        await collection.update_one(
            {"_id": trial_id, "status": TrialStatus.STARTED.value},
            {"$set": {**fields, "sign_in_url": None}},
        )

    async def take(
        self, caller: Principal, organisation_id: str, trial_id: str, now: datetime
    ) -> Document | None:
        """Mark a passed, unexpired trial of the caller's as saved and return it; None when
        it is not (so it is saved at most once, even by two clicks at the same moment)."""
        trials = self._of(caller, organisation_id)
        document = await trials.find_one({"_id": trial_id, "started_by": caller.subject})
        if (
            document is None
            or document["status"] != TrialStatus.PASSED.value
            or document["expires_at"] <= now
        ):
            return None
        # Saved once: a guarded update is a read then a write on FerretDB, and two clicks
        # could both pass it; an insert by a unique `_id` lets exactly one through anywhere.
        try:
            await trials.database[CLAIMS].insert_one(
                {"_id": claim_id(trials, trial_id, SAVED_CLAIM), "at": now}
            )
        except DuplicateKeyError:
            return None
        await trials.update_one(
            {"_id": trial_id}, {"$set": {"status": TrialStatus.SAVED.value, "saved_at": now}}
        )
        return dict(document)


def view(document: Document, now: datetime) -> ProviderTrial:
    """A stored trial as its admin sees it (the sign-in URL only while it can be used)."""
    expired = now >= document["expires_at"]
    usable = document["status"] == TrialStatus.STARTED.value and not expired
    return ProviderTrial.model_validate(
        {
            **document,
            "id": document["_id"],
            "expired": expired,
            "sign_in_url": document.get("sign_in_url") if usable else None,
        }
    )
