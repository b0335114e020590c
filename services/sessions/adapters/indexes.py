"""The sessions service's queries other than by `_id`, and the index each needs on MongoDB
proper (`shared.mongo.indexes`; listed in docs/operations.md)."""

from __future__ import annotations

from services.sessions.adapters.action_plan_store import GOALS, GROW, OSKAR, PLANS
from services.sessions.adapters.calendar_feed_store import CALENDAR_FEEDS
from services.sessions.adapters.circle_concern_store import CIRCLE_CONCERNS
from services.sessions.adapters.circle_session_store import CIRCLE_NOTES, CIRCLE_SESSIONS
from services.sessions.adapters.circle_store import ACCEPTANCES, CIRCLES
from services.sessions.adapters.journal_store import JOURNAL, REFLECTIONS
from services.sessions.adapters.log_store import LOGS
from services.sessions.adapters.meeting_store import AUTHOR_FIELDS, MEETINGS
from services.sessions.adapters.message_thread import MESSAGE_READS, MESSAGES
from services.sessions.adapters.programme_book import COLLECTION as PROGRAMMES
from services.sessions.adapters.relationship_store import RELATIONSHIPS
from services.sessions.domain.action_plans import SHEET_FIELDS
from shared.mongo.indexes import Index, Kept

ERASURE = "erasure of a member"

SESSIONS_INDEXES: list[Index] = [
    Index(CALENDAR_FEEDS, ("token_hash",), Kept.ORGANISATION, "a calendar feed by its token"),
    Index(PROGRAMMES, ("coordinators",), Kept.NETWORK, "the programmes a member co-ordinates"),
    Index(RELATIONSHIPS, ("programme_id",), Kept.BOTH, "a programme's relationships"),
    Index(RELATIONSHIPS, ("participants",), Kept.BOTH, ERASURE),
    Index(RELATIONSHIPS, ("mentor.organisation_id",), Kept.NETWORK, "an admin's statuses"),
    Index(RELATIONSHIPS, ("mentees.organisation_id",), Kept.NETWORK, "an admin's statuses"),
    Index(CIRCLES, ("participants",), Kept.NETWORK, "a member's circles; erasure"),
    Index(ACCEPTANCES, ("member_id",), Kept.NETWORK, ERASURE),
    Index(CIRCLE_SESSIONS, ("people",), Kept.NETWORK, ERASURE),
    Index(CIRCLE_SESSIONS, ("circle_id",), Kept.NETWORK, ERASURE),
    Index(CIRCLE_NOTES, ("author_id",), Kept.NETWORK, ERASURE),
    Index(CIRCLE_CONCERNS, ("circle_id",), Kept.NETWORK, "a circle's concerns"),
    Index(CIRCLE_CONCERNS, ("raised_by",), Kept.NETWORK, ERASURE),
    Index(CIRCLE_CONCERNS, ("facilitator_id",), Kept.NETWORK, ERASURE),
    Index(MEETINGS, ("location_by",), Kept.BOTH, ERASURE),
    *(Index(MEETINGS, (field,), Kept.BOTH, ERASURE) for field in AUTHOR_FIELDS),
    Index(LOGS, ("author",), Kept.BOTH, ERASURE),
    Index(LOGS, ("written_with",), Kept.BOTH, ERASURE),
    Index(JOURNAL, ("author",), Kept.ORGANISATION, ERASURE),
    Index(REFLECTIONS, ("author",), Kept.BOTH, ERASURE),
    Index(GOALS, ("written_by",), Kept.BOTH, ERASURE),
    Index(GOALS, ("edited_by",), Kept.BOTH, ERASURE),
    Index(GOALS, ("achieved_by",), Kept.BOTH, ERASURE),
    Index(OSKAR, ("goal_id",), Kept.BOTH, ERASURE),
    Index(OSKAR, ("recorded_by",), Kept.BOTH, ERASURE),
    Index(GROW, ("goal_id",), Kept.BOTH, ERASURE),
    Index(GROW, ("written_by",), Kept.BOTH, ERASURE),
    *(Index(PLANS, (f"written_by.{name}",), Kept.BOTH, ERASURE) for name in SHEET_FIELDS),
    Index(MESSAGES, ("author_id",), Kept.BOTH, ERASURE),
    Index(MESSAGES, ("reply_to.author_id",), Kept.BOTH, ERASURE),
    *(
        Index(
            MESSAGES,
            ("thread_kind", f"{kind}_id", "number"),
            Kept.BOTH,
            "unread count of a reader far behind (thread, number above the last read)",
        )
        for kind in ("relationship", "circle")
    ),
    Index(MESSAGE_READS, ("member_id",), Kept.BOTH, ERASURE),
]
