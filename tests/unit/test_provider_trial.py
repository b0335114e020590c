"""Trying a sign-in provider before connecting it: where the browser may go back to, when a
trial may be saved, and what the provider asserted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.registry.domain.authorization import provider_refusal
from services.registry.domain.provider_trial import (
    ProviderTrialRequest,
    TrialStatus,
    check_may_save,
    check_return_to,
    expires,
    signed_in_as,
)

PORTAL = "https://portal.example/auth/callback"
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def test_the_browser_goes_back_only_to_the_registered_web_app() -> None:
    page = "https://portal.example/organisation/sign-in-provider"
    assert check_return_to(page, PORTAL) == page
    assert check_return_to("HTTPS://Portal.Example/x", PORTAL) == "HTTPS://Portal.Example/x"
    for elsewhere in (
        "https://evil.example/organisation",
        "https://portal.example:8443/organisation",
        "http://portal.example/organisation",
        "https://portal.example.evil.example/",
    ):
        with pytest.raises(ValueError, match="web app"):
            check_return_to(elsewhere, PORTAL)
    with pytest.raises(ValueError, match="no web app"):
        check_return_to(page, None)


def test_return_to_must_be_an_absolute_url_without_a_fragment() -> None:
    base = {"issuer": "https://idp.example", "client_id": "c", "client_secret": "s"}
    assert ProviderTrialRequest.model_validate(base).return_to is None
    for bad in ("/organisation", "javascript:alert(1)", "https://portal.example/#x"):
        with pytest.raises(ValueError, match="absolute URL"):
            ProviderTrialRequest.model_validate({**base, "return_to": bad})


def test_only_a_passed_trial_within_ten_minutes_is_saved() -> None:
    started = NOW - timedelta(minutes=9)
    check_may_save(TrialStatus.PASSED, expires(started), NOW)
    with pytest.raises(ValueError, match="ten minutes"):
        check_may_save(TrialStatus.PASSED, expires(NOW - timedelta(minutes=10)), NOW)
    with pytest.raises(ValueError, match="sign in at the provider first"):
        check_may_save(TrialStatus.STARTED, expires(started), NOW)
    with pytest.raises(ValueError, match="did not sign you in"):
        check_may_save(TrialStatus.FAILED, expires(started), NOW)
    with pytest.raises(ValueError, match="already saved"):
        check_may_save(TrialStatus.SAVED, expires(started), NOW)


def test_who_the_provider_signed_in_and_why_it_did_not() -> None:
    claims: dict[str, object] = {"email": " Ada@Alder.Example ", "name": " Ada Lovelace "}
    assert signed_in_as(claims) == ("ada@alder.example", "Ada Lovelace")
    assert signed_in_as({"email": 7, "name": ""}) == (None, None)
    assert provider_refusal("access_denied", None) == (
        "the provider did not sign you in (access_denied)"
    )
    assert provider_refusal("access_denied", "cancelled") == (
        "the provider did not sign you in: cancelled (access_denied)"
    )
    assert provider_refusal(None, None) == "the provider did not sign you in (no code)"
