"""The evaluation service's queries other than by `_id`, and the index each needs on MongoDB
proper (`shared.mongo.indexes`; listed in docs/operations.md). Collections kept where their
relationship lives (`relationship_homes`) are in both kinds of database."""

from __future__ import annotations

from services.evaluation.adapters.alert_book import ALERTS
from services.evaluation.adapters.membership import COLLECTION as MEMBERS
from services.evaluation.adapters.monitoring_records import RELATIONSHIPS
from services.evaluation.adapters.outcome_store import mention_indexes
from services.evaluation.adapters.reminder_board import REMINDERS
from services.evaluation.adapters.survey_collections import ANSWERS, INVITATIONS, RESPONDENTS
from services.evaluation.adapters.survey_templates import TEMPLATES
from shared.mongo.indexes import Index, Kept

ERASURE = "erasure of a member"

EVALUATION_INDEXES: list[Index] = [
    Index(ALERTS, ("programme_id",), Kept.BOTH, "a programme's alerts"),
    Index(MEMBERS, ("erased_at",), Kept.ORGANISATION, "live members counted"),
    Index(RELATIONSHIPS, ("programme_id",), Kept.BOTH, "a programme's relationships"),
    Index(RELATIONSHIPS, ("started_at",), Kept.BOTH, "the monitoring sweep: current ones"),
    Index(RELATIONSHIPS, ("mentor.member_id",), Kept.BOTH, ERASURE),
    Index(RELATIONSHIPS, ("mentees.member_id",), Kept.BOTH, ERASURE),
    Index(REMINDERS, ("member_id",), Kept.ORGANISATION, "a member's reminders; erasure"),
    Index(ANSWERS, ("programme_id",), Kept.ORGANISATION, "a programme's survey comments"),
    Index(INVITATIONS, ("member_id", "closes_at"), Kept.ORGANISATION, "a member's surveys"),
    Index(RESPONDENTS, ("member_id",), Kept.ORGANISATION, ERASURE),
    Index(RESPONDENTS, ("receipt", "claimed_at"), Kept.ORGANISATION, "answers to settle"),
    Index(TEMPLATES, ("programme_id", "template_id"), Kept.NETWORK, "a programme's templates"),
    # The outcome records of generation 0 (the replay indexes the generations it writes).
    *mention_indexes(0),
]
