"""The matching service's queries other than by `_id`, and the index each needs on MongoDB
proper (`shared.mongo.indexes`; listed in docs/operations.md)."""

from __future__ import annotations

from services.matching.adapters.circle_store import CIRCLES
from services.matching.adapters.proposal_store import PROPOSALS
from services.matching.adapters.read_model import ENROLMENTS
from services.matching.adapters.round_jobs import ROUND_JOBS
from shared.mongo.indexes import Index, Kept, job_indexes

ERASURE = "erasure of a member"

MATCHING_INDEXES: list[Index] = [
    Index(PROPOSALS, ("programme_id", "mentee_id"), Kept.NETWORK, "a programme's proposals"),
    Index(PROPOSALS, ("programme_id", "mentor_id"), Kept.NETWORK, "a member's proposals"),
    Index(PROPOSALS, ("mentee_id",), Kept.NETWORK, ERASURE),
    Index(PROPOSALS, ("mentor_id",), Kept.NETWORK, ERASURE),
    Index(CIRCLES, ("programme_id",), Kept.NETWORK, "a programme's circles"),
    Index(ENROLMENTS, ("programme_id", "member_id"), Kept.NETWORK, "a programme's pool"),
    Index(ENROLMENTS, ("member_id",), Kept.NETWORK, ERASURE),
    *job_indexes(ROUND_JOBS, Kept.NETWORK),
]
