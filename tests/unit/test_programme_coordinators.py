"""Removing a programme's co-ordinator: only someone who co-ordinates it, and not the last one
unless the owner's admin removes them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.registry.domain.programme import (
    Programme,
    ProgrammeDesign,
    ProgrammeModel,
    ProgrammeStatus,
    coordinators_without,
)
from shared.errors import NotFoundError


def _programme(*coordinators: str) -> Programme:
    design = ProgrammeDesign(
        name="New managers",
        purpose="Grow new managers",
        goals=["confident delegation"],
        model=ProgrammeModel.ONE_TO_ONE,
        starts_on=date(2027, 1, 11),
        ends_on=date(2027, 12, 17),
        meeting_every_days=28,
        min_meeting_minutes=45,
        max_meeting_minutes=90,
    )
    return Programme(
        id="prg_7c1d2e3f4a5b",
        owner_organisation_id="org_a",
        design=design,
        status=ProgrammeStatus.OPEN,
        coordinators=list(coordinators),
        accepted_by=["org_a"],
        created_at=datetime(2027, 1, 4, tzinfo=UTC),
    )


def test_a_coordinator_leaves_and_the_others_stay() -> None:
    assert coordinators_without(_programme("mem_1", "mem_2"), "mem_1", by_admin=False) == ["mem_2"]


def test_someone_who_does_not_coordinate_it_cannot_be_removed() -> None:
    # e.g. another organisation's member: a no-op would still announce their id network-wide
    with pytest.raises(NotFoundError, match="does not co-ordinate"):
        coordinators_without(_programme("mem_1"), "mem_other_org", by_admin=True)


def test_the_last_coordinator_stays_unless_the_owners_admin_removes_them() -> None:
    with pytest.raises(ValueError, match="last co-ordinator"):
        coordinators_without(_programme("mem_1"), "mem_1", by_admin=False)
    assert coordinators_without(_programme("mem_1"), "mem_1", by_admin=True) == []
