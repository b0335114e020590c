"""The survey and monitoring parts of the evaluation service, built and wired in one place so
the composition root (`app.py`) needs only a few lines for them.

Time is injectable: every part reads `clock` (UTC now by default), and the sweep interval
comes from `MENTORNET_MONITORING_SWEEP_SECONDS`, so tests need not wait weeks — an e2e test
publishes `relationship.started` with a start in the past and the on-event review raises the
alert at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.evaluation.adapters.alert_book import ALERTS, AlertBook
from services.evaluation.adapters.monitoring_feed import MonitoringFeed
from services.evaluation.adapters.monitoring_records import MonitoringRecords
from services.evaluation.adapters.programme_monitoring import ProgrammeMonitoring
from services.evaluation.adapters.relationship_review import RelationshipReview
from services.evaluation.adapters.reminder_board import ReminderBoard
from services.evaluation.adapters.survey_collections import INVITATIONS, RESPONDENTS
from services.evaluation.adapters.survey_erasure import SurveyErasure
from services.evaluation.adapters.survey_responses import SurveyResponses
from services.evaluation.adapters.survey_templates import SurveyTemplates
from shared import clock as wall_clock
from shared.contracts.registry import (
    MemberErased,
    ProgrammeCoordinatorsChanged,
    ProgrammePublished,
)
from shared.contracts.sessions import CircleConcernRaised
from shared.directory import OrganisationDirectory
from shared.runtime import ServiceRuntime
from shared.tenancy import TenantData

# Collections whose documents carry outbox events (for ServiceRuntime's crash sweep).
OUTBOX_COLLECTIONS = [ALERTS, RESPONDENTS, INVITATIONS]
# Topics these parts consume: sessions' events, the registry's, and evaluation's own pulses.
CONSUMES_FROM = ["registry", "sessions", "evaluation"]


class MonitoringSettings(BaseSettings):
    """How often the monitoring sweep runs (environment, prefix `MENTORNET_MONITORING_`)."""

    model_config = SettingsConfigDict(env_prefix="MENTORNET_MONITORING_", extra="ignore")

    sweep_seconds: float = Field(
        default=900.0,
        gt=0,
        description="the sweep finds what time alone changed (a relationship going quiet, a "
        "survey falling due); events are reviewed as they arrive",
    )


@dataclass
class SurveysAndAlerts:
    """Every store and handler of surveys, reminders and monitoring alerts."""

    programmes: ProgrammeMonitoring
    templates: SurveyTemplates
    records: MonitoringRecords
    alerts: AlertBook
    surveys: SurveyResponses
    board: ReminderBoard
    review: RelationshipReview
    feed: MonitoringFeed
    erasure: SurveyErasure

    @classmethod
    def build(
        cls,
        runtime: ServiceRuntime,
        data: TenantData,
        directory: OrganisationDirectory,
        clock: Callable[[], datetime] = wall_clock.now,
    ) -> SurveysAndAlerts:
        """Build every part on the service's data door and outbox."""
        programmes = ProgrammeMonitoring(data, clock)
        templates = SurveyTemplates(data, programmes, clock)
        records = MonitoringRecords(data)
        alerts = AlertBook(data, runtime.outbox, programmes, records, clock)
        surveys = SurveyResponses(data, runtime.outbox, templates, clock)
        board = ReminderBoard(data, clock)
        review = RelationshipReview(
            data, records, programmes, templates, alerts, surveys, board, directory, clock
        )
        return cls(
            programmes=programmes,
            templates=templates,
            records=records,
            alerts=alerts,
            surveys=surveys,
            board=board,
            review=review,
            feed=MonitoringFeed(data, records, templates, review),
            erasure=SurveyErasure(data, surveys, board, records),
        )

    def wire(self, runtime: ServiceRuntime, settings: MonitoringSettings | None = None) -> None:
        """Subscribe the handlers and schedule the sweep (before the runtime starts)."""
        settings = settings or MonitoringSettings()
        runtime.subscribe(ProgrammePublished, self.programmes.on_published)
        runtime.subscribe(ProgrammeCoordinatorsChanged, self.programmes.on_coordinators_changed)
        runtime.subscribe(CircleConcernRaised, self.alerts.on_concern_raised)
        runtime.subscribe(MemberErased, self.erasure.on_erased)
        runtime.every(settings.sweep_seconds, "monitoring-sweep", self.review.sweep)
