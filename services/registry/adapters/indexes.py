"""The registry's queries other than by `_id`, and the index each needs on MongoDB proper
(`shared.mongo.indexes`; listed in docs/operations.md). The unique `name_key` index of the
organisation directory is not here: it decides what a write may do, so the store creates it
on every server (`OrganisationStore.prepare`)."""

from __future__ import annotations

from services.registry.adapters.member_import import JOBS
from services.registry.adapters.member_store import COLLECTION as MEMBERS
from services.registry.adapters.programme_store import CIRCLES, ENROLMENTS, PROGRAMMES
from services.registry.adapters.refresh_tokens import COLLECTION as REFRESH_TOKENS
from services.registry.adapters.sign_in import ATTEMPTS
from services.registry.domain.export import PENDING_FIELD
from shared.mongo.indexes import Index, Kept, job_indexes

REGISTRY_INDEXES: list[Index] = [
    Index(MEMBERS, ("issuer", "subject"), Kept.ORGANISATION, "a member by their sign-in"),
    Index(MEMBERS, ("email", "issuer", "subject"), Kept.ORGANISATION, "an invitation by e-mail"),
    Index(MEMBERS, (PENDING_FIELD,), Kept.ORGANISATION, "erasures to finish"),
    Index(MEMBERS, ("erased_at",), Kept.ORGANISATION, "live members (listing, contacts)"),
    Index(REFRESH_TOKENS, ("member_id",), Kept.ORGANISATION, "a member's export; erasure"),
    Index(REFRESH_TOKENS, ("family",), Kept.ORGANISATION, "a reused token retires its family"),
    Index(ATTEMPTS, ("created_at",), Kept.NETWORK, "abandoned sign-ins swept"),
    Index(PROGRAMMES, ("coordinators",), Kept.NETWORK, "the programmes a member co-ordinates"),
    Index(PROGRAMMES, ("organisations",), Kept.NETWORK, "an organisation's programmes"),
    Index(ENROLMENTS, ("programme_id",), Kept.NETWORK, "a programme's enrolments"),
    Index(ENROLMENTS, ("member_id", "organisation_id"), Kept.NETWORK, "export; erasure"),
    Index(CIRCLES, ("programme_id",), Kept.NETWORK, "a programme's circles"),
    Index(CIRCLES, ("members.member_id",), Kept.NETWORK, "export; erasure"),
    Index(CIRCLES, ("facilitator_id",), Kept.NETWORK, "export"),
    *job_indexes(JOBS, Kept.ORGANISATION),
]
