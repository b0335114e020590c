"""Where evaluation keeps what it knows of a relationship: where sessions keeps it.

A relationship whose parties come from different organisations is a network record (its
events carry no organisation and the network audience); one inside a single organisation
lives in that organisation's own database (its events carry the organisation). Monitoring
records and alerts follow the same rule, so an organisation-internal relationship never
leaves its organisation's database (docs/security.md, "Tenancy").
"""

from __future__ import annotations

from pymongo.asynchronous.collection import AsyncCollection

from shared.events.envelope import Audience, Envelope
from shared.mongo.databases import Document
from shared.tenancy import TenantData

Home = str | None  # an organisation id, or None for the network database


def home_of(envelope: Envelope) -> Home:
    """The home an event's relationship lives in."""
    if envelope.organisation is None or envelope.audience is Audience.NETWORK:
        return None
    return envelope.organisation


def collection_at(data: TenantData, home: Home, name: str) -> AsyncCollection[Document]:
    """A collection of a home, for code acting with no caller (consumers, the sweep) or after
    the caller's right to the programme was checked."""
    if home is None:
        return data.network(name)
    return data.system_organisation(home, name)
