"""The registry's queries other than by `_id`, and the index each needs on MongoDB proper
(`shared.mongo.indexes`; listed in docs/operations.md). The unique `name_key` index of the
organisation directory is not here: it decides what a write may do, so the store creates it
on every server (`OrganisationStore.prepare`)."""

from __future__ import annotations

from services.registry.adapters.member_store import COLLECTION as MEMBERS
from services.registry.adapters.programme_store import CIRCLES, ENROLMENTS, PROGRAMMES
from services.registry.adapters.refresh_tokens import COLLECTION as REFRESH_TOKENS
from services.registry.domain.export import PENDING_FIELD
from shared.mongo.indexes import Index, Kept

REGISTRY_INDEXES: list[Index] = [
    Index(MEMBERS, ("issuer", "subject"), Kept.ORGANISATION, "a member by their sign-in"),
    Index(MEMBERS, ("email", "issuer", "subject"), Kept.ORGANISATION, "an invitation by e-mail"),
    Index(MEMBERS, (PENDING_FIELD,), Kept.ORGANISATION, "erasures to finish"),
    Index(MEMBERS, ("erased_at",), Kept.ORGANISATION, "live members (listing, contacts)"),
    Index(REFRESH_TOKENS, ("member_id",), Kept.ORGANISATION, "a member's export; erasure"),
    Index(PROGRAMMES, ("organisations",), Kept.NETWORK, "an organisation's programmes"),
    Index(ENROLMENTS, ("programme_id",), Kept.NETWORK, "a programme's enrolments"),
    Index(ENROLMENTS, ("member_id", "organisation_id"), Kept.NETWORK, "export; erasure"),
    Index(CIRCLES, ("programme_id",), Kept.NETWORK, "a programme's circles"),
    Index(CIRCLES, ("members.member_id",), Kept.NETWORK, "export; erasure"),
    Index(CIRCLES, ("facilitator_id",), Kept.NETWORK, "export"),
]
