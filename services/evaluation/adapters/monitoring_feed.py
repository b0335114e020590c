"""Sessions' events (and evaluation's own pulse answers) into the monitoring records, then a
review of the relationships they touched — so an alert or a due survey does not wait for the
sweep.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from services.evaluation.adapters.monitoring_records import MonitoringRecords
from services.evaluation.adapters.relationship_homes import Home, home_of
from services.evaluation.adapters.relationship_review import RelationshipReview
from services.evaluation.adapters.survey_collections import ERASED_MEMBERS
from services.evaluation.adapters.survey_templates import SurveyTemplates
from services.evaluation.domain.monitoring import ERASED
from services.evaluation.domain.questions import SurveyKind, pulse_score
from shared.contracts.evaluation import SurveyCompleted
from shared.contracts.sessions import (
    MeetingHeld,
    MeetingLogWritten,
    MessagePosted,
    RelationshipEnded,
    RelationshipStarted,
)
from shared.events.catalogue import InboundEvent
from shared.events.envelope import Envelope, EventData
from shared.mongo.databases import Document
from shared.tenancy import TenantData

Touched = dict[Home, set[str]]
Step = Callable[[Touched, Any], Awaitable[None]]


class MonitoringFeed:
    """Event handlers of the monitoring read model."""

    def __init__(
        self,
        data: TenantData,
        records: MonitoringRecords,
        templates: SurveyTemplates,
        review: RelationshipReview,
    ) -> None:
        self._data = data
        self._records = records
        self._templates = templates
        self._review = review
        self._steps: dict[type[EventData], Step] = {
            RelationshipStarted: self._started,
            RelationshipEnded: self._ended,
            MeetingHeld: self._meeting,
            MeetingLogWritten: self._log,
            MessagePosted: self._message,
            SurveyCompleted: self._survey_completed,
        }

    @property
    def followed(self) -> tuple[type[EventData], ...]:
        """The event types the monitoring records are built from."""
        return tuple(self._steps)

    async def on_events(self, events: Sequence[InboundEvent[Any]]) -> None:
        """Apply a batch of mixed types in order (others are ignored), then review each
        relationship it touched once: one review per relationship per batch, not per event."""
        touched: Touched = defaultdict(set)
        for event in events:
            step = self._steps.get(type(event.data))
            if step is not None:
                await step(touched, event)
        await self._review_touched(touched)

    async def _apply(
        self, touched: Touched, envelope: Envelope, rel: str, update: Document
    ) -> None:
        home = home_of(envelope)
        await self._records.apply(home, rel, update, str(envelope.id))
        touched[home].add(rel)

    async def _review_touched(self, touched: Touched) -> None:
        for home, ids in touched.items():
            await self._review.review_ids(home, ids)

    async def _started(self, touched: Touched, event: InboundEvent[RelationshipStarted]) -> None:
        """A relationship started (a group's: once per mentee, one relationship id)."""
        d = event.data
        mentee = await self._unless_erased(d.mentee_id, d.mentee_organisation_id)
        mentor = await self._unless_erased(d.mentor_id, d.mentor_organisation_id)
        update: Document = {
            "$set": {
                "programme_id": d.programme_id,
                "model": d.model,
                "mentor": {"member_id": mentor, "organisation_id": d.mentor_organisation_id},
            },
            "$min": {"started_at": d.started_at},
        }
        if mentee != ERASED:
            update["$addToSet"] = {
                "mentees": {"member_id": mentee, "organisation_id": d.mentee_organisation_id}
            }
        await self._apply(touched, event.envelope, d.relationship_id, update)

    async def _ended(self, touched: Touched, event: InboundEvent[RelationshipEnded]) -> None:
        """A mentee's part in a relationship ended (all of a one-to-one relationship)."""
        d = event.data
        update = {"$set": {"programme_id": d.programme_id, f"endings.{d.mentee_id}": d.ended_at}}
        await self._apply(touched, event.envelope, d.relationship_id, update)

    async def _meeting(self, touched: Touched, event: InboundEvent[MeetingHeld]) -> None:
        """A meeting took place."""
        d = event.data
        update = {
            "$set": {"programme_id": d.programme_id},
            "$min": {"first_meeting_at": d.held_at},
            "$max": {"last_meeting_at": d.held_at},
        }
        await self._apply(touched, event.envelope, d.relationship_id, update)

    async def _log(self, touched: Touched, event: InboundEvent[MeetingLogWritten]) -> None:
        """A meeting log was written (activity, not contact)."""
        d = event.data
        update = {
            "$set": {"programme_id": d.programme_id},
            "$max": {"last_log_at": d.written_at},
        }
        await self._apply(touched, event.envelope, d.relationship_id, update)

    async def _message(self, touched: Touched, event: InboundEvent[MessagePosted]) -> None:
        """Someone wrote in a relationship's thread (circles' threads are not monitored here)."""
        d = event.data
        if d.thread_kind != "relationship":
            return
        update = {
            "$set": {"programme_id": d.programme_id},
            "$max": {"last_message_at": d.posted_at},
        }
        await self._apply(touched, event.envelope, d.thread_id, update)

    async def _survey_completed(
        self, touched: Touched, event: InboundEvent[SurveyCompleted]
    ) -> None:
        """A pulse answer's score (no respondent) becomes its side's latest reading."""
        d = event.data
        if d.kind != SurveyKind.PULSE.value or d.relationship_id is None:
            return
        template = await self._templates.exact(d.template_id, d.template_version)
        score = None if template is None else pulse_score(template.questions, d.scores)
        if score is None:
            return
        # The relationship lives in the respondent's organisation, or in the network.
        for home in (d.organisation_id, None):
            if await self._records.record_pulse(
                home,
                d.relationship_id,
                d.respondent_role,
                score,
                d.completed_at,
                str(event.envelope.id),
            ):
                touched[home].add(d.relationship_id)
                break

    async def _unless_erased(self, member_id: str, organisation_id: str) -> str:
        """The member's id, or `erased` if they were (a replay must not bring them back)."""
        markers = self._data.system_organisation(organisation_id, ERASED_MEMBERS)
        return ERASED if await markers.find_one({"_id": member_id}) is not None else member_id
