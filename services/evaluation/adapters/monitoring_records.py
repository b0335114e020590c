"""Monitoring's own read model: one record per relationship, just what the rules need, built
from sessions' events (and evaluation's own pulse answers) in the relationship's home.

Every change is one update recording the event id (`apply_once`), and every field only moves
one way (`$min` of first times, `$max` of last times, `$addToSet` of mentees), so events that
arrive out of order or twice leave the same record: a `meeting.held` keyed to another
partition than its `relationship.started` may come first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from pymongo.asynchronous.collection import AsyncCollection

from services.evaluation.adapters.relationship_homes import Home, collection_at
from services.evaluation.domain.monitoring import ERASED, Activity, Party, PulseReading
from shared.mongo.databases import Document
from shared.mongo.effects import apply_once
from shared.tenancy import TenantData

RELATIONSHIPS = "monitored_relationships"


@dataclass(frozen=True)
class MonitoredRelationship:
    """A relationship as the rules and the survey schedule see it."""

    id: str
    programme_id: str
    parties: list[Party]
    activity: Activity


def monitored(document: Document) -> MonitoredRelationship | None:
    """A stored record as the rules see it; None until its `relationship.started` arrived.

    A group relationship (one mentor, several mentees, one relationship id) has ended once
    every mentee's part has ended; a one-to-one relationship when its mentee's has."""
    started_at = document.get("started_at")
    if started_at is None:
        return None
    mentees = document.get("mentees", [])
    parties = [Party(m["member_id"], m["organisation_id"], "mentee") for m in mentees]
    mentor = document.get("mentor")
    if mentor:
        parties.insert(0, Party(mentor["member_id"], mentor["organisation_id"], "mentor"))
    endings: dict[str, datetime] = document.get("endings") or {}
    ended_at = (
        max(endings.values())
        if endings and all(m["member_id"] in endings for m in mentees)
        else None
    )
    pulses = tuple(
        PulseReading(score=float(p["score"]), at=p["at"])
        for p in (document.get("pulses") or {}).values()
    )
    return MonitoredRelationship(
        id=document["_id"],
        programme_id=document["programme_id"],
        parties=parties,
        activity=Activity(
            started_at=started_at,
            ended_at=ended_at,
            first_meeting_at=document.get("first_meeting_at"),
            last_meeting_at=document.get("last_meeting_at"),
            last_message_at=document.get("last_message_at"),
            last_log_at=document.get("last_log_at"),
            pulses=pulses,
        ),
    )


class MonitoringRecords:
    """Reads and one-way updates of the monitoring records."""

    def __init__(self, data: TenantData) -> None:
        self._data = data

    def at(self, home: Home) -> AsyncCollection[Document]:
        """The records collection of a home."""
        return collection_at(self._data, home, RELATIONSHIPS)

    async def apply(
        self, home: Home, relationship_id: str, update: Document, event_id: str
    ) -> bool:
        """Apply one event's change to one record (created if it is the first); True if new."""
        return await apply_once(self.at(home), relationship_id, update, event_id)

    async def record_pulse(
        self,
        home: Home,
        relationship_id: str,
        side: str,
        score: float,
        at: datetime,
        event_id: str,
    ) -> bool:
        """Keep the newest pulse reading of one side (mentor or mentee) if the record is in
        this home; True if it is."""
        records = self.at(home)
        result = await records.update_one(
            {
                "_id": relationship_id,
                "_inbox": {"$ne": event_id},
                "$or": [{f"pulses.{side}": None}, {f"pulses.{side}.at": {"$lt": at}}],
            },
            {"$set": {f"pulses.{side}": {"score": score, "at": at}}, "$push": {"_inbox": event_id}},
        )
        if result.matched_count:
            return True
        # Not newer, or seen before: still "here" if the record exists in this home.
        return await records.count_documents({"_id": relationship_id}) > 0

    async def of(self, home: Home, relationship_ids: Iterable[str]) -> list[MonitoredRelationship]:
        """Several records of one home."""
        found = self.at(home).find({"_id": {"$in": sorted(set(relationship_ids))}})
        return [r for r in [monitored(d) async for d in found] if r is not None]

    async def of_programme(self, home: Home, programme_id: str) -> list[MonitoredRelationship]:
        """Every record of one programme in one home."""
        found = self.at(home).find({"programme_id": programme_id})
        return [r for r in [monitored(d) async for d in found] if r is not None]

    async def current(
        self, home: Home, now: datetime, ended_within: timedelta
    ) -> list[MonitoredRelationship]:
        """Records the sweep looks at: still going, or ended recently enough for an end-of-
        relationship survey to be open. (Whether a group has ended is worked out from its
        mentees' endings, so the filter runs here rather than in the query.)"""
        found = self.at(home).find({"started_at": {"$exists": True}})
        records = [r for r in [monitored(d) async for d in found] if r is not None]
        return [
            r
            for r in records
            if r.activity.ended_at is None or r.activity.ended_at > now - ended_within
        ]

    async def forget_member(
        self, homes: Iterable[Home], member_id: str, organisation_id: str
    ) -> None:
        """An erased member leaves every record: their id becomes `erased`."""
        for home in homes:
            records = self.at(home)
            await records.update_many(
                {"mentor.member_id": member_id}, {"$set": {"mentor.member_id": ERASED}}
            )
            await records.update_many(
                {"mentees.member_id": member_id},
                {
                    "$pull": {
                        "mentees": {"member_id": member_id, "organisation_id": organisation_id}
                    }
                },
            )
