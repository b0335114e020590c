"""The one door to a service's data: every door takes the caller.

Route handlers never pick a database. They ask this layer, with the verified principal, and
it answers with the caller's own organisation's collections — or with another organisation's
only where a rule allows it, and otherwise a 404 that does not confirm the organisation exists.
Consumers and the sign-in flow, which act before any caller exists, use the `system_*` doors,
named so that every use can be found and reviewed.
"""

from __future__ import annotations

from collections.abc import Collection

from pymongo.asynchronous.collection import AsyncCollection

from shared.auth.principal import CallerKind, Principal
from shared.errors import NotFoundError
from shared.mongo.databases import Document, ServiceDatabases


class TenantData:
    """Hands out collections by the caller's identity."""

    def __init__(self, databases: ServiceDatabases) -> None:
        self._databases = databases

    def own(self, caller: Principal, collection: str) -> AsyncCollection[Document]:
        """A collection of the caller's own organisation."""
        return self._databases.organisation(caller.organisation)[collection]

    def of(
        self,
        caller: Principal,
        organisation_id: str,
        collection: str,
        *,
        admins_only: bool = False,
        network_coordinators: bool = False,
    ) -> AsyncCollection[Document]:
        """A collection of `organisation_id`, if the caller may enter it.

        Its own members may (only its admins with `admins_only`); network co-ordinators may
        where `network_coordinators` says so. Anyone else gets NotFoundError.
        """
        allowed = (
            caller.is_admin_of(organisation_id)
            if admins_only
            else caller.belongs_to(organisation_id)
        )
        if not allowed and not (network_coordinators and caller.is_network_coordinator):
            raise NotFoundError(f"no organisation {organisation_id!r} that you can see")
        return self._databases.organisation(organisation_id)[collection]

    def consented(
        self, caller: Principal, organisation_id: str, collection: str
    ) -> AsyncCollection[Document]:
        """Another organisation's collection for reading records their owners agreed to share;
        the store must filter on that consent in every query (its tests prove it does)."""
        del caller  # any signed-in caller; the records' own consent decides
        return self._databases.organisation(organisation_id)[collection]

    def overseen(
        self,
        caller: Principal,
        coordinators: Collection[str],
        organisations: Collection[str],
        organisation_id: str,
        collection: str,
    ) -> AsyncCollection[Document]:
        """A participating organisation's collection for one of a programme's co-ordinators
        (`coordinators`, `organisations`: the programme's), to oversee that programme's
        records; the store must filter on the programme in every query."""
        if not (
            caller.kind is CallerKind.MEMBER
            and caller.subject in coordinators
            and caller.organisation in organisations
            and organisation_id in organisations
        ):
            raise NotFoundError(f"no organisation {organisation_id!r} that you can see")
        return self._databases.organisation(organisation_id)[collection]

    def network(self, collection: str) -> AsyncCollection[Document]:
        """A network-level collection; its store applies the record-level rules."""
        return self._databases.network[collection]

    def system_organisation(
        self, organisation_id: str, collection: str
    ) -> AsyncCollection[Document]:
        """An organisation's collection for code acting with no caller: event consumers
        (the event names its organisation) and the sign-in and token flows."""
        return self._databases.organisation(organisation_id)[collection]
