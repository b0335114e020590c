"""What the registry holds about one member, as they may download it, and what erasing them
leaves behind (a member may download their data and be erased; `member.erased` tells the
other services: docs/events.md).

The export shows the member's own records exactly as stored (so a field someone adds later is
exported without anyone remembering to), and only their own: a circle appears as the circle's
id, its programme and when *they* joined, never the other members. Secrets never appear: live
refresh tokens are counted, their hashes are not shown.

Erasure turns the member's document into a tombstone: every field but the few below goes, in
the one write that also carries `member.erased`. The tombstone keeps the member id (a random
pseudonym that no longer leads to anyone), the organisation, when they joined and when they
were erased, so late writes and replays can tell the id was erased rather than never known.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, Field

# Fields a tombstone keeps. Everything else in the member's document is removed.
TOMBSTONE_FIELDS = frozenset(
    {"_id", "organisation_id", "joined_at", "erased_at", "erased_by", "erasure_pending"}
)
# Removed even when a document read earlier did not show them (a concurrent write).
PERSONAL_FIELDS = ("email", "name", "issuer", "subject", "profile", "roles", "_data_key")
OUTBOX_FIELD = "_outbox"
# The revision guarded changes claim on FerretDB (shared/mongo/claims.py): kept, as `_id` is.
REVISION_FIELD = "_rev"
# Set with the tombstone; removed once refresh tokens, enrolments and circle places are gone.
PENDING_FIELD = "erasure_pending"
ERASED = "erased_at"
ERASED_BY_SELF = "self"


class ExportedEnrolment(BaseModel):
    """A programme the member is enrolled in."""

    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    role: str | None = Field(default=None, examples=["mentee"])
    enrolled_at: datetime | None = None


class ExportedCircle(BaseModel):
    """A circle the member belongs to (never who else is in it)."""

    circle_id: str = Field(examples=["cir_1a2b3c4d5e6f"])
    programme_id: str | None = Field(default=None, examples=["prg_7c1d2e3f4a5b"])
    joined_at: datetime | None = None


class MemberExport(BaseModel):
    """Everything the registry holds about the signed-in member, as one document."""

    format: str = Field(
        default="mentornet.member-export.v1", examples=["mentornet.member-export.v1"]
    )
    exported_at: AwareDatetime
    member: dict[str, Any] = Field(
        description="the member record as stored: id, organisation, the provider's issuer and "
        "subject, e-mail, name, roles, when they joined",
        examples=[{"id": "mem_4b1f0c9e2d7a6b35", "email": "alice@northshore-care.example"}],
    )
    profile: dict[str, Any] | None = Field(
        default=None, description="the profile as stored (null until written)"
    )
    invited_roles: list[str] = Field(
        default_factory=list,
        description="roles the organisation invited this member's e-mail address to",
        examples=[["organisation_admin"]],
    )
    enrolments: list[ExportedEnrolment] = Field(default_factory=list)
    circles: list[ExportedCircle] = Field(default_factory=list)
    facilitated_circles: list[str] = Field(
        default_factory=list, description="ids of circles the member facilitates"
    )
    live_refresh_tokens: int = Field(
        ge=0, description="refresh tokens that can still be used (never the tokens themselves)"
    )


class ErasureReceipt(BaseModel):
    """What erasing a member did."""

    member_id: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])
    organisation_id: str = Field(examples=["org_3f9a1c2b7d4e"])
    erased_at: AwareDatetime
    detail: str = Field(
        default="Your personal data is removed from the registry and every service is told "
        "(member.erased). Your sign-in and refresh tokens no longer work; signing in again "
        "through your organisation's provider starts a new, empty membership.",
    )


def member_section(document: dict[str, Any]) -> dict[str, Any]:
    """The member's stored fields, without the store's own bookkeeping or the profile."""
    fields = {k: v for k, v in document.items() if not k.startswith("_") and k != "profile"}
    return {"id": document["_id"], **fields}


def tombstone_update(document: dict[str, Any], now: datetime, erased_by: str) -> dict[str, Any]:
    """The single update that turns a member's document into a tombstone.

    Also drops the events still waiting in the document's outbox: they may carry the profile
    (display name, skills), and the member is being erased, so nobody needs them any more.
    """
    gone = {
        f for f in document if f not in TOMBSTONE_FIELDS and f not in (OUTBOX_FIELD, REVISION_FIELD)
    }
    gone.update(PERSONAL_FIELDS)
    unset = {field: "" for field in sorted(gone)}
    unset.update({f"{OUTBOX_FIELD}.{event_id}": "" for event_id in document.get(OUTBOX_FIELD, {})})
    return {
        "$unset": unset,
        "$set": {ERASED: now, "erased_by": erased_by, PENDING_FIELD: True},
    }


def without_member(members: list[dict[str, Any]], member_id: str) -> list[dict[str, Any]]:
    """A circle's member list with one member's entries removed."""
    return [m for m in members if m.get("member_id") != member_id]
