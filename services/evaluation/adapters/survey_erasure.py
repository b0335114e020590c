"""`member.erased` reaches surveys, reminders and monitoring (docs/security.md,
"Evaluation: surveys and alerts").

What goes: the member's due surveys, their answered-survey records, any answer still
traceable to them (an answer interrupted mid-write), their reminders, and their id in every
monitoring record (it becomes `erased`). A marker keeps a replayed event from bringing them
back. What stays: settled answers, which carry nothing that leads back to the member, alerts
(which name no one), and scores already pooled into figures (see docs/security.md).
"""

from __future__ import annotations

from collections.abc import Sequence

from services.evaluation.adapters.monitoring_records import MonitoringRecords
from services.evaluation.adapters.reminder_board import ReminderBoard
from services.evaluation.adapters.survey_collections import ERASED_MEMBERS
from services.evaluation.adapters.survey_responses import SurveyResponses
from shared.contracts.registry import MemberErased
from shared.events.catalogue import InboundEvent
from shared.mongo.effects import insert_once
from shared.tenancy import TenantData


class SurveyErasure:
    """The evaluation service's survey and monitoring side of erasure."""

    def __init__(
        self,
        data: TenantData,
        surveys: SurveyResponses,
        board: ReminderBoard,
        records: MonitoringRecords,
    ) -> None:
        self._data = data
        self._surveys = surveys
        self._board = board
        self._records = records

    async def on_erased(self, events: Sequence[InboundEvent[MemberErased]]) -> None:
        """Forget each erased member (a redelivery finds nothing left to remove)."""
        for event in events:
            member, organisation = event.data.member_id, event.data.organisation_id
            await insert_once(
                self._data.system_organisation(organisation, ERASED_MEMBERS),
                [{"_id": member, "erased_at": event.data.erased_at}],
            )
            await self._surveys.forget(organisation, member)
            await self._board.forget(organisation, member)
            await self._records.forget_member([None, organisation], member, organisation)
