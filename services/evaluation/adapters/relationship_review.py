"""The review: what monitoring does with a relationship's record at a given moment.

For each relationship it runs the monitoring rules (alerts, raised once, each with a gentle
reminder for the parties where one fits), and the programme's survey schedule (surveys due to
the right people, and one reminder for a survey left unanswered). It runs on every event that
changes a record (for that relationship), after a co-ordinator changes a programme's terms
(for that programme), and on a periodic sweep (for every current relationship) — time passing
is an event too. Every write is keyed by what it is about, so running it again changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from services.evaluation.adapters.alert_book import AlertBook, NewAlert
from services.evaluation.adapters.monitoring_records import MonitoredRelationship, MonitoringRecords
from services.evaluation.adapters.programme_monitoring import ProgrammeMonitoring, ProgrammeTerms
from services.evaluation.adapters.relationship_homes import Home
from services.evaluation.adapters.reminder_board import ReminderBoard
from services.evaluation.adapters.survey_collections import ERASED_MEMBERS
from services.evaluation.adapters.survey_responses import SurveyResponses
from services.evaluation.adapters.survey_templates import SurveyTemplates
from services.evaluation.domain import reminders
from services.evaluation.domain.built_in_surveys import BUILT_IN
from services.evaluation.domain.monitoring import Party, alert_id, conditions, raised_at
from services.evaluation.domain.questions import TemplateVersion
from services.evaluation.domain.reminders import ReminderTopic
from services.evaluation.domain.survey_schedule import open_occasions, respondents, survey_id
from shared.directory import OrganisationDirectory
from shared.logging import get_logger
from shared.mongo.databases import Document
from shared.tenancy import TenantData

log = get_logger(__name__)


class RelationshipReview:
    """Runs the rules and the schedule over monitoring records."""

    def __init__(
        self,
        data: TenantData,
        records: MonitoringRecords,
        programmes: ProgrammeMonitoring,
        templates: SurveyTemplates,
        alerts: AlertBook,
        surveys: SurveyResponses,
        board: ReminderBoard,
        directory: OrganisationDirectory,
        clock: Callable[[], datetime],
    ) -> None:
        self._data = data
        self._records = records
        self._programmes = programmes
        self._templates = templates
        self._alerts = alerts
        self._surveys = surveys
        self._board = board
        self._directory = directory
        self._clock = clock

    async def sweep(self) -> None:
        """Every current relationship in every home, and answers a crash left unsettled."""
        now = self._clock()
        organisations = [o.id for o in await self._directory.list()]
        longest_window = timedelta(days=90)  # the longest a survey can stay open
        for home in [None, *organisations]:
            try:
                current = await self._records.current(home, now, longest_window)
                await self.review(home, current, now)
                if home is not None:
                    await self._surveys.settle_interrupted(home)
            except Exception:
                # One home's trouble must not keep the others from their review; the next
                # sweep tries it again.
                log.warning("monitoring sweep failed for a home", home=home, exc_info=True)

    async def review_ids(self, home: Home, relationship_ids: Iterable[str]) -> None:
        """Review some relationships of one home now (after events changed them)."""
        await self.review(home, await self._records.of(home, relationship_ids), self._clock())

    async def review_programme(self, programme_id: str) -> None:
        """Review a programme's relationships now (after its terms changed)."""
        terms = (await self._programmes.terms_of([programme_id]))[programme_id]
        for home in [None, *terms.organisations]:
            await self.review(
                home, await self._records.of_programme(home, programme_id), self._clock()
            )

    async def review(
        self, home: Home, relationships: list[MonitoredRelationship], now: datetime
    ) -> None:
        """Alerts, surveys and reminders for `relationships` (all of one home) at `now`."""
        if not relationships:
            return
        programme_ids = {r.programme_id for r in relationships}
        terms = await self._programmes.terms_of(programme_ids)
        templates = await self._templates.latest_for(programme_ids)
        erased = await self._erased(p for r in relationships for p in r.parties)
        plan = _Plan()
        for r in relationships:
            parties = [p for p in r.parties if p.present and p.member_id not in erased]
            self._plan_alerts(plan, r, parties, terms[r.programme_id], now)
            self._plan_surveys(plan, r, parties, terms[r.programme_id], templates, now)
        await self._alerts.raise_new(home, plan.alerts)
        for organisation_id, invitations in plan.invitations.items():
            await self._surveys.invite(organisation_id, invitations)
            waiting = [i for i in invitations if i["remind_from"] <= now]
            answered = await self._surveys.answered_among(
                organisation_id, (i["_id"] for i in waiting)
            )
            plan.reminders[organisation_id].extend(
                _survey_reminder(i, now) for i in waiting if i["_id"] not in answered
            )
        for organisation_id, notes in plan.reminders.items():
            await self._board.record(organisation_id, notes)

    # --- planning --------------------------------------------------------------------------

    def _plan_alerts(
        self,
        plan: _Plan,
        r: MonitoredRelationship,
        parties: list[Party],
        terms: ProgrammeTerms,
        now: datetime,
    ) -> None:
        for condition in conditions(r.activity, terms.thresholds, now):
            plan.alerts.append(
                NewAlert(
                    alert_id=alert_id(r.id, condition),
                    relationship_id=r.id,
                    programme_id=r.programme_id,
                    kind=condition.kind,
                    since=condition.since,
                    raised_at=raised_at(condition.kind, now),
                )
            )
            topic = reminders.nudge_for(condition.kind)
            if topic is None:
                continue
            episode = f"{r.id}|{condition.since.isoformat()}"
            for party in parties:
                plan.reminders[party.organisation_id].append(
                    {
                        "_id": reminders.reminder_id(party.member_id, topic, episode),
                        "member_id": party.member_id,
                        "topic": topic.value,
                        "text": reminders.TEXTS[topic],
                        "created_at": now,
                    }
                )

    def _plan_surveys(
        self,
        plan: _Plan,
        r: MonitoredRelationship,
        parties: list[Party],
        terms: ProgrammeTerms,
        templates: dict[tuple[str, str], TemplateVersion],
        now: datetime,
    ) -> None:
        schedule = terms.schedule
        for occasion in open_occasions(schedule, r.activity.started_at, r.activity.ended_at, now):
            template = templates.get((r.programme_id, occasion.template_id)) or BUILT_IN.get(
                occasion.template_id
            )
            if template is None:
                continue  # a template the schedule names but this programme does not have
            for party in respondents(template.kind, parties):
                plan.invitations[party.organisation_id].append(
                    {
                        "_id": survey_id(r.id, occasion, party.member_id),
                        "member_id": party.member_id,
                        "organisation_id": party.organisation_id,
                        "role": party.role,
                        "programme_id": r.programme_id,
                        "relationship_id": r.id,
                        "template_id": template.template_id,
                        "template_version": template.version,
                        "title": template.title,
                        "kind": template.kind.value,
                        "occasion": occasion.key,
                        "opens_at": occasion.opens_at,
                        "closes_at": occasion.closes_at,
                        "remind_from": occasion.opens_at
                        + timedelta(days=schedule.remind_after_days),
                        "created_at": now,
                    }
                )

    async def _erased(self, parties: Iterable[Party]) -> set[str]:
        """Members of these parties who were erased (a replayed event may still name them)."""
        by_organisation: dict[str, set[str]] = defaultdict(set)
        for p in parties:
            if p.present:
                by_organisation[p.organisation_id].add(p.member_id)
        erased: set[str] = set()
        for organisation_id, members in by_organisation.items():
            markers = self._data.system_organisation(organisation_id, ERASED_MEMBERS)
            erased |= {
                d["_id"]
                async for d in markers.find(
                    {"_id": {"$in": sorted(members)}}, projection={"_id": 1}
                )
            }
        return erased


class _Plan:
    """What one review will write, grouped by where it goes."""

    def __init__(self) -> None:
        self.alerts: list[NewAlert] = []
        self.invitations: dict[str, list[Document]] = defaultdict(list)
        self.reminders: dict[str, list[Document]] = defaultdict(list)


def _survey_reminder(invitation: Document, now: datetime) -> Document:
    member_id = invitation["member_id"]
    return {
        "_id": reminders.reminder_id(member_id, ReminderTopic.SURVEY, invitation["_id"]),
        "member_id": member_id,
        "topic": ReminderTopic.SURVEY.value,
        "text": reminders.survey_text(invitation["title"], invitation["closes_at"]),
        "survey_id": invitation["_id"],
        "closes_at": invitation["closes_at"],
        "created_at": now,
    }
