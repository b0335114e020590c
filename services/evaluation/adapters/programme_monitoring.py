"""Each programme as monitoring needs it: its organisations and co-ordinators (from
`programme.published`), and what its co-ordinators set (alert thresholds, survey schedule).

Kept in the network database: a programme is shared by its organisations, and none of this
names a participant. Only the programme's co-ordinators reach it through a route; everyone
else gets 404, as for a programme that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from services.evaluation.domain.monitoring import AlertThresholds, check_threshold_change
from services.evaluation.domain.survey_schedule import DEFAULT_SCHEDULE, SurveySchedule
from shared.auth.principal import CallerKind, Principal
from shared.contracts.registry import ProgrammeCoordinatorsChanged, ProgrammePublished
from shared.errors import ConflictError, NotFoundError
from shared.events.catalogue import InboundEvent
from shared.mongo.databases import Document
from shared.tenancy import TenantData

PROGRAMMES = "monitored_programmes"
REVISION = "coordinators_revision"
LOW_PULSE_CHANGED = "low_pulse_changed_at"


@dataclass(frozen=True)
class ProgrammeTerms:
    """A programme's monitoring terms (defaults until its co-ordinator sets them)."""

    programme_id: str
    organisations: list[str] = field(default_factory=list)
    coordinators: list[str] = field(default_factory=list)
    thresholds: AlertThresholds = field(default_factory=AlertThresholds)
    schedule: SurveySchedule = DEFAULT_SCHEDULE


def _terms(programme_id: str, document: Document | None) -> ProgrammeTerms:
    d = document or {}
    return ProgrammeTerms(
        programme_id=programme_id,
        organisations=list(d.get("organisations", [])),
        coordinators=list(d.get("coordinators", [])),
        thresholds=AlertThresholds.model_validate(d.get("thresholds") or {}),
        schedule=SurveySchedule.model_validate(d["schedule"])
        if d.get("schedule")
        else DEFAULT_SCHEDULE,
    )


class ProgrammeMonitoring:
    """Programmes' monitoring terms."""

    def __init__(self, data: TenantData, clock: Callable[[], datetime]) -> None:
        self._programmes = data.network(PROGRAMMES)
        self._clock = clock

    async def on_published(self, events: Sequence[InboundEvent[ProgrammePublished]]) -> None:
        """Learn each programme's organisations and co-ordinators (a redelivery sets the same
        values again; the co-ordinators' own settings are other fields, never touched)."""
        for event in events:
            d = event.data
            known = await self._programmes.find_one(
                {"_id": d.programme_id}, projection={REVISION: 1}
            )
            terms: Document = {
                "owner_organisation_id": d.owner_organisation_id,
                "organisations": d.organisations,
                "model": d.model,
            }
            if not (known or {}).get(REVISION):
                # Unless `programme.coordinators_changed` has spoken since: a redelivered
                # publication must not bring back a removed co-ordinator.
                terms["coordinators"] = d.coordinators
            await self._programmes.update_one({"_id": d.programme_id}, {"$set": terms}, upsert=True)

    async def on_coordinators_changed(
        self, events: Sequence[InboundEvent[ProgrammeCoordinatorsChanged]]
    ) -> None:
        """Follow a programme's co-ordinators (highest revision wins): a removed one stops
        reading its alerts, thresholds, surveys and comments at once."""
        for event in events:
            d = event.data
            known = await self._programmes.find_one(
                {"_id": d.programme_id}, projection={REVISION: 1}
            )
            if known is None or int(known.get(REVISION, 0)) >= d.revision:
                continue
            await self._programmes.update_one(
                {"_id": d.programme_id},
                {"$set": {"coordinators": d.coordinators, REVISION: d.revision}},
            )

    async def coordinated(self, caller: Principal, programme_id: str) -> ProgrammeTerms:
        """The programme's terms if the caller co-ordinates it; otherwise NotFoundError."""
        document = await self._programmes.find_one({"_id": programme_id})
        if (
            document is None
            or caller.kind is not CallerKind.MEMBER
            or caller.subject not in document.get("coordinators", [])
        ):
            raise NotFoundError(f"no programme {programme_id!r} that you co-ordinate")
        return _terms(programme_id, document)

    async def terms_of(self, programme_ids: Iterable[str]) -> dict[str, ProgrammeTerms]:
        """Terms of several programmes at once (defaults for programmes not published yet)."""
        wanted = sorted(set(programme_ids))
        found = {d["_id"]: d async for d in self._programmes.find({"_id": {"$in": wanted}})}
        return {p: _terms(p, found.get(p)) for p in wanted}

    async def set_thresholds(
        self, caller: Principal, programme_id: str, thresholds: AlertThresholds
    ) -> ProgrammeTerms:
        """A co-ordinator sets the programme's alert thresholds; the low-pulse one moves at
        most once a week (ConflictError, saying when it can move again)."""
        now = self._clock()
        current = await self.coordinated(caller, programme_id)
        document = await self._programmes.find_one(
            {"_id": programme_id}, projection={LOW_PULSE_CHANGED: 1}
        )
        try:
            moved = check_threshold_change(
                current.thresholds, thresholds, (document or {}).get(LOW_PULSE_CHANGED), now
            )
        except ValueError as exc:
            raise ConflictError(str(exc)) from exc
        update: Document = {"thresholds": thresholds.model_dump(mode="json")}
        condition: Document = {"_id": programme_id}
        if moved:
            update[LOW_PULSE_CHANGED] = now
            # Two co-ordinators moving it at once: only one of them gets through.
            last = (document or {}).get(LOW_PULSE_CHANGED)
            condition[LOW_PULSE_CHANGED] = last if last is not None else {"$exists": False}
        result = await self._programmes.update_one(condition, {"$set": update})
        if not result.matched_count:
            raise ConflictError("the thresholds changed meanwhile; read them again")
        return await self.coordinated(caller, programme_id)

    async def set_schedule(
        self, caller: Principal, programme_id: str, schedule: SurveySchedule
    ) -> ProgrammeTerms:
        """A co-ordinator sets the programme's survey schedule (templates checked by the
        caller of this method)."""
        await self.coordinated(caller, programme_id)
        await self._programmes.update_one(
            {"_id": programme_id}, {"$set": {"schedule": schedule.model_dump(mode="json")}}
        )
        return await self.coordinated(caller, programme_id)
