"""Overseeing a programme: its relationships with their phases, and the monitoring alerts with
the thresholds that raise them. Parties are named in one batch per page."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from services.portal.adapters.network_api import Service
from services.portal.adapters.signed_in import Member
from services.portal.domain.monitoring import Alert, AlertThresholds, in_order
from services.portal.domain.people import People
from services.portal.domain.relationships import Relationship
from services.portal.pages.coordination import ProgrammeShell, shell
from services.portal.pages.parts import or_none, people


@dataclass(frozen=True)
class RelationshipsPage:
    """The programme's relationships, running first."""

    shell: ProgrammeShell
    relationships: list[Relationship]
    people: People
    known: bool  # sessions has heard of the programme


async def relationships_page(member: Member, programme_id: str) -> RelationshipsPage:
    """Every relationship of the programme (sessions), its parties named."""
    heading, found = await asyncio.gather(
        shell(member, programme_id),
        or_none(
            member.api.get(
                Service.SESSIONS, f"/programmes/{programme_id}/relationships", list[Relationship]
            )
        ),
    )
    relationships: list[Relationship] = found or []
    named = await people(
        member.api,
        member.member_id,
        [(p.organisation_id, p.member_id) for r in relationships for p in r.parties],
    )
    ordered = sorted(relationships, key=lambda r: (not r.active, r.started_at))
    return RelationshipsPage(heading, ordered, named, found is not None)


@dataclass(frozen=True)
class AlertsPage:
    """Alerts to act on and the thresholds."""

    shell: ProgrammeShell
    alerts: list[Alert]
    thresholds: AlertThresholds | None  # None: evaluation has not heard of the programme
    people: People


async def alerts_page(member: Member, programme_id: str) -> AlertsPage:
    """The alerts and thresholds (evaluation), parties named."""
    base = f"/programmes/{programme_id}"
    heading, found, thresholds = await asyncio.gather(
        shell(member, programme_id),
        or_none(member.api.get(Service.EVALUATION, f"{base}/alerts", list[Alert])),
        or_none(member.api.get(Service.EVALUATION, f"{base}/alert-thresholds", AlertThresholds)),
    )
    alerts: list[Alert] = found or []
    named = await people(
        member.api,
        member.member_id,
        [(p.organisation_id, p.member_id) for a in alerts for p in a.parties],
    )
    return AlertsPage(heading, in_order(alerts), thresholds, named)
