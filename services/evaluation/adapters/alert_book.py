"""Monitoring alerts: raised once per condition (`alert.raised` in the same write), seen,
acknowledged and resolved by the programme's co-ordinators only.

Alerts live in their relationship's home (the network database for a cross-organisation
relationship, else its organisation's). They name the relationship and the kind, never a
score or an answer; the co-ordinator's view adds the parties' member ids so they know whom to
support. A concern a circle's member raised with the co-ordinators (seed 001, "What can go
wrong?") is an alert too, in the network database (circles are network records): it names the
circle and the concern, whose text and author stay in the sessions service (docs/decisions.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field
from pymongo.errors import DuplicateKeyError

from services.evaluation.adapters.monitoring_records import MonitoringRecords
from services.evaluation.adapters.programme_monitoring import ProgrammeMonitoring, ProgrammeTerms
from services.evaluation.adapters.relationship_homes import Home, collection_at
from services.evaluation.domain.monitoring import AlertKind, concern_alert_id, describe
from shared.auth.principal import Principal
from shared.contracts.evaluation import AlertRaised
from shared.contracts.sessions import CircleConcernRaised
from shared.errors import ConflictError, NotFoundError
from shared.events.catalogue import InboundEvent, new_event
from shared.events.envelope import Audience
from shared.logging import get_logger
from shared.mongo.databases import Document
from shared.mongo.outbox import OutboxWriter
from shared.tenancy import TenantData

log = get_logger(__name__)

ALERTS = "alerts"


class AlertStatus(StrEnum):
    """open → acknowledged → resolved (or open → resolved)."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class AlertParty(BaseModel):
    """Whom the co-ordinator may want to support."""

    member_id: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])
    organisation_id: str = Field(examples=["org_0a1b2c3d4e5f"])
    role: str = Field(examples=["mentee"])


class AlertView(BaseModel):
    """An alert as its programme's co-ordinators see it."""

    id: str = Field(examples=["alr_1a2b3c4d5e6f7a8b"])
    kind: AlertKind = Field(examples=["no_first_meeting"])
    description: str = Field(
        examples=["No first meeting yet: the relationship started on 4 January 2027."]
    )
    relationship_id: str | None = Field(
        default=None,
        examples=["rel_5d2c7a9e1b3f4a6c"],
        description="the relationship (every kind but circle_concern)",
    )
    circle_id: str | None = Field(
        default=None, examples=[None], description="the circle (circle_concern only)"
    )
    concern_id: str | None = Field(
        default=None,
        examples=[None],
        description="circle_concern only: read it at the sessions service's "
        "GET /circles/{circle_id}/concerns/{concern_id}",
    )
    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    since: datetime = Field(
        description="the moment the condition is counted from", examples=["2027-01-04T09:30:00Z"]
    )
    raised_at: datetime = Field(examples=["2027-01-25T10:00:00Z"])
    status: AlertStatus = Field(examples=["open"])
    acknowledged_at: datetime | None = Field(default=None, examples=["2027-01-26T08:15:00Z"])
    resolved_at: datetime | None = Field(default=None, examples=[None])
    parties: list[AlertParty] = Field(default_factory=list)


@dataclass(frozen=True)
class NewAlert:
    """A condition the review found, as an alert to raise (if not raised before)."""

    alert_id: str
    relationship_id: str
    programme_id: str
    kind: AlertKind
    since: datetime
    raised_at: datetime

    def announcement(self) -> AlertRaised:
        """The `alert.raised` event: kind and relationship, nothing about anyone's answers."""
        return AlertRaised(
            alert_id=self.alert_id,
            kind=self.kind.value,
            relationship_id=self.relationship_id,
            programme_id=self.programme_id,
            raised_at=self.raised_at,
        )


def _view(document: Document, parties: list[AlertParty]) -> AlertView:
    kind = AlertKind(document["kind"])
    return AlertView(
        id=document["_id"],
        kind=kind,
        description=describe(kind, document["since"]),
        relationship_id=document.get("relationship_id"),
        circle_id=document.get("circle_id"),
        concern_id=document.get("concern_id"),
        programme_id=document["programme_id"],
        since=document["since"],
        raised_at=document["raised_at"],
        status=AlertStatus(document["status"]),
        acknowledged_at=document.get("acknowledged_at"),
        resolved_at=document.get("resolved_at"),
        parties=parties,
    )


class AlertBook:
    """Raising alerts, and co-ordinators' work on them."""

    def __init__(
        self,
        data: TenantData,
        outbox: OutboxWriter,
        programmes: ProgrammeMonitoring,
        records: MonitoringRecords,
        clock: Callable[[], datetime],
    ) -> None:
        self._data = data
        self._outbox = outbox
        self._programmes = programmes
        self._records = records
        self._clock = clock

    # --- raising (the review; no caller) ---------------------------------------------------

    async def raise_new(self, home: Home, alerts: Sequence[NewAlert]) -> int:
        """Store and announce the alerts not raised before; returns how many were new."""
        if not alerts:
            return 0
        collection = collection_at(self._data, home, ALERTS)
        ids = [a.alert_id for a in alerts]
        known = {
            d["_id"] async for d in collection.find({"_id": {"$in": ids}}, projection={"_id": 1})
        }
        raised = 0
        for alert in alerts:
            if alert.alert_id in known:
                continue
            document = {
                "_id": alert.alert_id,
                "relationship_id": alert.relationship_id,
                "programme_id": alert.programme_id,
                "kind": alert.kind.value,
                "since": alert.since,
                "raised_at": alert.raised_at,
                "status": AlertStatus.OPEN.value,
            }
            event = new_event(
                alert.announcement(),
                organisation=home,
                subject=alert.relationship_id,
                audience=Audience.NETWORK if home is None else Audience.ORGANISATION,
            )
            try:
                await self._outbox.insert(collection, document, [event])
            except DuplicateKeyError:
                continue  # raised meanwhile by the sweep or another event: once is enough
            raised += 1
        if raised:
            log.info("alerts raised", count=raised)
        return raised

    async def on_concern_raised(self, events: Sequence[InboundEvent[CircleConcernRaised]]) -> None:
        """A concern raised with the co-ordinators: one alert per concern, in the network
        database, announced as `alert.raised` (its kind and circle; nothing of the concern)."""
        items = []
        for event in events:
            d = event.data
            alert_id = concern_alert_id(d.concern_id)
            document = {
                "_id": alert_id,
                "circle_id": d.circle_id,
                "concern_id": d.concern_id,
                "programme_id": d.programme_id,
                "kind": AlertKind.CIRCLE_CONCERN.value,
                "since": d.raised_at,
                "raised_at": d.raised_at,
                "status": AlertStatus.OPEN.value,
            }
            announcement = AlertRaised(
                alert_id=alert_id,
                kind=AlertKind.CIRCLE_CONCERN.value,
                circle_id=d.circle_id,
                programme_id=d.programme_id,
                raised_at=d.raised_at,
            )
            items.append(
                (
                    document,
                    [
                        new_event(
                            announcement,
                            organisation=None,
                            subject=d.circle_id,
                            audience=Audience.NETWORK,
                        )
                    ],
                )
            )
        raised = await self._outbox.insert_new(collection_at(self._data, None, ALERTS), items)
        if raised:
            log.info("concern alerts raised", count=raised)

    # --- co-ordinators ---------------------------------------------------------------------

    @staticmethod
    def _homes(terms: ProgrammeTerms) -> list[Home]:
        """Where a programme's alerts can be: the network database and each of its
        organisations' (an organisation-internal relationship's alerts stay there)."""
        return [None, *terms.organisations]

    async def listing(
        self, caller: Principal, programme_id: str, status: AlertStatus | None
    ) -> list[AlertView]:
        """The programme's alerts, newest first, for its co-ordinators."""
        terms = await self._programmes.coordinated(caller, programme_id)
        query: Document = {"programme_id": programme_id}
        if status is not None:
            query["status"] = status.value
        views: list[AlertView] = []
        for home in self._homes(terms):
            found = await collection_at(self._data, home, ALERTS).find(query).to_list()
            views.extend(await self._views(home, found))
        return sorted(views, key=lambda v: (v.raised_at, v.id), reverse=True)

    async def _views(self, home: Home, documents: list[Document]) -> list[AlertView]:
        """Alerts of one home with their relationships' parties."""
        if not documents:
            return []
        relationships = [d["relationship_id"] for d in documents if d.get("relationship_id")]
        records = {r.id: r for r in await self._records.of(home, relationships)}
        views = []
        for document in documents:
            record = records.get(document.get("relationship_id", ""))
            parties = [
                AlertParty(member_id=p.member_id, organisation_id=p.organisation_id, role=p.role)
                for p in (record.parties if record else [])
                if p.present
            ]
            views.append(_view(document, parties))
        return views

    async def acknowledge(self, caller: Principal, programme_id: str, alert_id: str) -> AlertView:
        """A co-ordinator has seen the alert and is on it (open → acknowledged)."""
        return await self._move(
            caller, programme_id, alert_id, AlertStatus.ACKNOWLEDGED, [AlertStatus.OPEN]
        )

    async def resolve(self, caller: Principal, programme_id: str, alert_id: str) -> AlertView:
        """A co-ordinator closes the alert (from open or acknowledged)."""
        return await self._move(
            caller,
            programme_id,
            alert_id,
            AlertStatus.RESOLVED,
            [AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED],
        )

    async def _move(
        self,
        caller: Principal,
        programme_id: str,
        alert_id: str,
        to: AlertStatus,
        allowed_from: list[AlertStatus],
    ) -> AlertView:
        terms = await self._programmes.coordinated(caller, programme_id)
        for home in self._homes(terms):
            collection = collection_at(self._data, home, ALERTS)
            document = await collection.find_one({"_id": alert_id, "programme_id": programme_id})
            if document is None:
                continue
            current = AlertStatus(document["status"])
            if current not in allowed_from:
                raise ConflictError(
                    f"the alert is {current.value} already; it cannot become {to.value}"
                )
            stamp = "acknowledged" if to is AlertStatus.ACKNOWLEDGED else "resolved"
            result = await collection.update_one(
                {"_id": alert_id, "status": current.value},
                {
                    "$set": {
                        "status": to.value,
                        f"{stamp}_at": self._clock(),
                        f"{stamp}_by": caller.subject,
                    }
                },
            )
            if not result.matched_count:
                raise ConflictError("the alert changed meanwhile; read it again")
            return next(
                v for v in await self.listing(caller, programme_id, None) if v.id == alert_id
            )
        raise NotFoundError(f"no alert {alert_id!r} in this programme")
