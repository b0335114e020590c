"""Organisations mentoring each other (seed 004, AcceleratePerformance "Mentoring - How?,
Who?, Where?"): a programme pairs organisations first, then people within each pair."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from services.registry.domain.programme import ProgrammeDesign, check_organisation_pairs

OWNER, CHARITY, COUNCIL, ENTERPRISE = "org_owner", "org_charity", "org_council", "org_enterprise"


def pair(first: str, second: str) -> dict[str, str]:
    return {"first": first, "second": second}


def design(**changes: Any) -> ProgrammeDesign:
    fields: dict[str, Any] = {
        "name": "Across the sectors",
        "purpose": "Organisations mentoring each other, in pairs",
        "goals": ["different practice"],
        "model": "one_to_one",
        "starts_on": date(2027, 1, 11),
        "ends_on": date(2027, 12, 17),
        "meeting_every_days": 28,
        "min_meeting_minutes": 45,
        "max_meeting_minutes": 90,
        "participating_organisations": [CHARITY, COUNCIL, ENTERPRISE],
        "organisation_pairs": [pair(OWNER, CHARITY), pair(COUNCIL, ENTERPRISE)],
    }
    return ProgrammeDesign.model_validate({**fields, **changes})


def test_a_programme_pairs_organisations_that_take_part_each_in_one_pair() -> None:
    paired = design()
    check_organisation_pairs(paired, OWNER)
    assert [(p.first, p.second) for p in paired.organisation_pairs] == [
        (OWNER, CHARITY),
        (COUNCIL, ENTERPRISE),
    ]
    assert design(organisation_pairs=[]).organisation_pairs == []


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"organisation_pairs": [pair(OWNER, OWNER)]}, "two different organisations"),
        (
            {"organisation_pairs": [pair(OWNER, CHARITY), pair(CHARITY, COUNCIL)]},
            "one organisation pair",
        ),
        ({"model": "peer_circle", "max_mentees_per_mentor": 1}, "not circles"),
    ],
)
def test_a_pairing_that_cannot_be_is_refused_with_its_reason(
    changes: dict[str, Any], why: str
) -> None:
    with pytest.raises(ValidationError, match=why):
        design(**changes)


def test_a_pair_names_only_organisations_taking_part() -> None:
    stranger = design(organisation_pairs=[pair(OWNER, "org_stranger")])
    with pytest.raises(ValueError, match="org_stranger"):
        check_organisation_pairs(stranger, OWNER)
