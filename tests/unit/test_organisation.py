"""The registry's organisation rules."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from services.registry.domain.organisation import (
    OrganisationProfile,
    join,
    name_key,
    new_organisation_id,
)


def test_joining_gives_the_organisation_and_the_event_that_announces_it() -> None:
    now = datetime.now(UTC)
    profile = OrganisationProfile(
        name="  Northshore   Care Trust ",
        sector="social care",
        country="GB",
        email_domains=["Northshore.Example"],
    )
    organisation, event = join(profile, now=now, organisation_id="org_0123456789ab")
    assert organisation.profile.name == "Northshore Care Trust"
    assert organisation.profile.email_domains == ["northshore.example"]
    assert event.organisation_id == organisation.id
    assert event.name == "Northshore Care Trust"
    assert event.joined_at == now


def test_names_compare_without_case_or_spacing() -> None:
    assert name_key("Northshore  Care TRUST") == name_key("northshore care trust")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "x"),
        ("name", "bad\x00name"),
        ("country", "gbr"),
        ("email_domains", ["not a domain"]),
        ("email_domains", ["a.example", "A.example"]),
        ("size", "enormous"),
    ],
)
def test_invalid_profiles_are_refused(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as info:
        OrganisationProfile.model_validate({"name": "Valid Name", field: value})
    assert field in str(info.value)


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError, match="extra"):
        OrganisationProfile.model_validate({"name": "Valid Name", "colour": "blue"})


def test_organisation_ids_are_fresh() -> None:
    ids = {new_organisation_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(i.startswith("org_") and len(i) == 16 for i in ids)
