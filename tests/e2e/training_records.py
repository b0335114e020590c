"""The organisation records its people's mentor training and mentee induction, as its HR
system would: a bulk import by its admin (members cannot certify themselves)."""

from __future__ import annotations

from typing import Any

import httpx

from deploy.localnet.identity import bearer


def record_training(
    registry: str,
    organisation_id: str,
    admin: dict[str, Any],
    person: dict[str, Any],
    *,
    mentor_on: str | None = None,
    mentee_on: str | None = None,
) -> None:
    """Record that `person` (their token response) completed mentor training on `mentor_on`
    and/or the mentee induction on `mentee_on` (ISO dates), through `admin`'s import."""
    me = httpx.get(f"{registry}/me", headers=bearer(person), timeout=15)
    assert me.status_code == 200, me.text
    try:
        current = httpx.get(f"{registry}/me/profile", headers=bearer(person), timeout=15)
        name = current.json()["display_name"] if current.status_code == 200 else None
    except (KeyError, ValueError):
        name = None
    row: dict[str, Any] = {
        "email": me.json()["email"],
        "display_name": name or me.json().get("name") or me.json()["email"],
    }
    if mentor_on is not None:
        row["mentor_training_completed_on"] = mentor_on
    if mentee_on is not None:
        row["mentee_induction_completed_on"] = mentee_on
    imported = httpx.post(
        f"{registry}/organisations/{organisation_id}/members/import",
        json=[row],
        headers=bearer(admin),
        timeout=30,
    )
    assert imported.status_code == 200, imported.text
    outcome = imported.json()["rows"][0]
    assert outcome["outcome"] in ("updated", "unchanged"), outcome
