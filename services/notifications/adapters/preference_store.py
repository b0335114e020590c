"""People's choices, in their own organisation's database (`preferences`, one document per
person): a member reads and writes only their own; an unsubscribe link, verified before it
gets here, turns one kind off for the person it names."""

from __future__ import annotations

from services.notifications.domain.kinds import DigestFrequency, MailKind
from services.notifications.domain.preferences import PreferenceChange, Preferences
from services.notifications.domain.unsubscribe import Unsubscribe
from shared.auth.principal import CallerKind, Principal
from shared.errors import NotFoundError
from shared.mongo.databases import Document
from shared.tenancy import TenantData

PREFERENCES = "preferences"
_KINDS = frozenset(k.value for k in MailKind)  # a kind no longer known is dropped on reading


def _preferences(document: Document | None) -> Preferences:
    if document is None:
        return Preferences()
    return Preferences(
        off=frozenset(MailKind(k) for k in document.get("off", []) if k in _KINDS),
        digest_frequency=DigestFrequency(document.get("digest_frequency", "daily")),
    )


def _document(person_id: str, preferences: Preferences) -> Document:
    return {
        "_id": person_id,
        "off": sorted(k.value for k in preferences.off),
        "digest_frequency": preferences.digest_frequency.value,
    }


class PreferenceStore:
    """Preferences by person."""

    def __init__(self, data: TenantData) -> None:
        self._data = data

    @staticmethod
    def _member(caller: Principal) -> None:
        if caller.kind is not CallerKind.MEMBER:
            raise NotFoundError("only members have notification preferences")

    async def mine(self, caller: Principal) -> Preferences:
        """The caller's own preferences (defaults until they choose)."""
        self._member(caller)
        document = await self._data.own(caller, PREFERENCES).find_one({"_id": caller.subject})
        return _preferences(document)

    async def change_mine(self, caller: Principal, change: PreferenceChange) -> Preferences:
        """Apply the caller's change to their own preferences."""
        self._member(caller)
        collection = self._data.own(caller, PREFERENCES)
        changed = _preferences(await collection.find_one({"_id": caller.subject})).changed(change)
        await collection.replace_one(
            {"_id": caller.subject}, _document(caller.subject, changed), upsert=True
        )
        return changed

    async def unsubscribe(self, u: Unsubscribe) -> None:
        """Turn one kind off for the person a verified link names (no caller: the link is
        the proof)."""
        collection = self._data.system_organisation(u.organisation_id, PREFERENCES)
        current = _preferences(await collection.find_one({"_id": u.person_id}))
        await collection.replace_one(
            {"_id": u.person_id}, _document(u.person_id, current.without(u.kind)), upsert=True
        )

    async def of(self, organisation_id: str, person_ids: list[str]) -> dict[str, Preferences]:
        """Several people's preferences of one organisation (system use: sending)."""
        collection = self._data.system_organisation(organisation_id, PREFERENCES)
        found = {
            str(d["_id"]): _preferences(d)
            async for d in collection.find({"_id": {"$in": sorted(set(person_ids))}})
        }
        return {p: found.get(p, Preferences()) for p in person_ids}

    async def forget(self, organisation_id: str, person_id: str) -> None:
        """An erased member's preferences go."""
        await self._data.system_organisation(organisation_id, PREFERENCES).delete_one(
            {"_id": person_id}
        )
