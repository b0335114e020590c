"""The notifications service's queries other than by `_id`, and the index each needs on
MongoDB proper (`shared.mongo.indexes`; listed in docs/operations.md). The due-reads of the
queues and the timetable are the ones FerretDB scans on every pass (docs/operations.md, the
notifications benchmark); here each is an index range."""

from __future__ import annotations

from services.notifications.adapters.contact_book import ERASED
from services.notifications.adapters.mail_queue import DELIVERIES, QUEUE
from services.notifications.adapters.relationship_book import CIRCLES, PROGRAMMES, RELATIONSHIPS
from services.notifications.adapters.timetable import DIGEST_ITEMS, SCHEDULED
from services.notifications.adapters.webhook_delivery_store import (
    DELIVERIES as WEBHOOK_DELIVERIES,
)
from services.notifications.adapters.webhook_queue import QUEUE as WEBHOOK_QUEUE
from shared.mongo.indexes import Index, Kept

ERASURE = "erasure of a member"

NOTIFICATIONS_INDEXES: list[Index] = [
    Index(ERASED, ("erased_at",), Kept.NETWORK, "erasures since a moment"),
    Index(QUEUE, ("next_at",), Kept.NETWORK, "mail due to be sent"),
    Index(QUEUE, ("mail.person_id",), Kept.NETWORK, ERASURE),
    Index(DELIVERIES, ("person_id",), Kept.ORGANISATION, ERASURE),
    Index(SCHEDULED, ("due_at",), Kept.NETWORK, "reminders and logs due"),
    Index(SCHEDULED, ("person_id",), Kept.NETWORK, ERASURE),
    Index(SCHEDULED, ("meeting_id",), Kept.NETWORK, "a cancelled or moved meeting's mail"),
    Index(SCHEDULED, ("relationship_id",), Kept.NETWORK, "an ended relationship's mail"),
    Index(DIGEST_ITEMS, ("person_id",), Kept.NETWORK, "messages read leave digests; erasure"),
    Index(DIGEST_ITEMS, ("author_id",), Kept.NETWORK, ERASURE),
    Index(RELATIONSHIPS, ("participants",), Kept.NETWORK, ERASURE),
    Index(CIRCLES, ("members",), Kept.NETWORK, ERASURE),
    Index(PROGRAMMES, ("coordinators",), Kept.NETWORK, ERASURE),
    Index(WEBHOOK_DELIVERIES, ("endpoint_id", "created_at"), Kept.ORGANISATION, "log pages"),
    Index(WEBHOOK_QUEUE, ("next_at",), Kept.NETWORK, "webhook deliveries due"),
]
