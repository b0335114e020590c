"""Invitations expire; only a JSON `true` verifies an e-mail (the sign-in flow also uses
each invitation up: tests/e2e/test_organisation_takeover.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.registry.domain.invitation import INVITATION_LIFETIME, still_valid
from services.registry.domain.member import verified_email

SENT = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


def test_an_invitation_works_for_fourteen_days_only() -> None:
    assert timedelta(days=14) == INVITATION_LIFETIME
    assert still_valid(SENT, SENT + timedelta(days=14))
    assert not still_valid(SENT, SENT + timedelta(days=14, seconds=1))
    # As the database gives it back: no zone, meaning UTC.
    assert still_valid(SENT.replace(tzinfo=None), SENT + timedelta(days=1))


def test_only_the_json_value_true_verifies_an_email() -> None:
    assert verified_email({"email": " Ada@Alder.Example ", "email_verified": True}) == (
        "ada@alder.example"
    )
    for sloppy in ("true", "True", 1, "yes", None, False):
        assert verified_email({"email": "ada@alder.example", "email_verified": sloppy}) is None
    assert verified_email({"email_verified": True}) is None
