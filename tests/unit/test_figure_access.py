"""Who may draw figures from which records: the views are cut before any figure is drawn."""

from __future__ import annotations

from services.evaluation.adapters.figure_routes import FigureProgramme
from services.evaluation.domain.figure_access import (
    may_list_programme,
    may_see_organisation,
    may_see_programme,
    organisation_view,
    programme_view,
)
from services.evaluation.domain.outcome_facts import OutcomeState, ProgrammeFacts
from services.evaluation.domain.outcome_fold import apply
from shared.auth.principal import CallerKind, Principal, Role
from tests.unit.outcome_story import COORDINATOR, A, B, P, member, story


def _state() -> OutcomeState:
    state = OutcomeState()
    for e in story():
        apply(state, e)
    return state


def _caller(subject: str, organisation: str, *roles: Role) -> Principal:
    return Principal(subject, organisation, CallerKind.MEMBER, frozenset(roles))


def test_only_an_organisations_admins_may_see_its_figures() -> None:
    assert may_see_organisation(_caller("mem_x", A, Role.ORGANISATION_ADMIN), A)
    assert not may_see_organisation(_caller("mem_x", B, Role.ORGANISATION_ADMIN), A)
    assert not may_see_organisation(_caller("mem_x", A, Role.MEMBER), A)
    assert not may_see_organisation(_caller("mem_x", "org_office", Role.NETWORK_COORDINATOR), A)


def test_only_a_programmes_coordinators_may_see_its_figures() -> None:
    programme = _state().programmes[P]
    assert may_see_programme(_caller(COORDINATOR, A, Role.PROGRAMME_COORDINATOR), programme)
    assert not may_see_programme(_caller("mem_other", A, Role.PROGRAMME_COORDINATOR), programme)
    assert not may_see_programme(_caller(COORDINATOR, A), None)
    assert may_list_programme(_caller("mem_x", B, Role.ORGANISATION_ADMIN), programme)
    assert not may_list_programme(
        _caller("mem_x", "org_cccccccccccc", Role.ORGANISATION_ADMIN), programme
    )
    assert not may_list_programme(_caller("mem_x", B, Role.MEMBER), programme)


def test_an_organisations_view_holds_its_records_and_those_involving_it() -> None:
    view = organisation_view(_state(), B)
    assert {m.organisation_id for m in view.members.values()} == {B}
    assert set(view.organisations) == {B}
    # The six cross-organisation relationships with a mentor of B; not the one inside A.
    assert sorted(view.relationships) == [f"rel_{n:016d}" for n in range(6)]
    assert view.surveys == {}  # A's mentees answered them
    assert member(A, 0) not in view.members


def test_a_programmes_view_holds_only_the_programmes_records() -> None:
    state = _state()
    state.programmes["prg_other000000"] = ProgrammeFacts(id="prg_other000000", organisations=[B])
    view = programme_view(state, state.programmes[P])
    assert set(view.programmes) == {P} and set(view.organisations) == {A, B}
    assert len(view.relationships) == 7 and len(view.surveys) == 7


def test_figures_are_drawn_over_whole_months_only() -> None:
    from datetime import date

    from services.evaluation.domain.figures import whole_months

    assert whole_months(date(2027, 2, 14), date(2027, 2, 15)) == (
        date(2027, 2, 1),
        date(2027, 2, 28),
    )
    assert whole_months(date(2028, 2, 29), date(2028, 12, 31)) == (
        date(2028, 2, 1),
        date(2028, 12, 31),
    )
    assert whole_months(None, date(2027, 4, 1)) == (None, date(2027, 4, 30))
    assert whole_months(None, None) == (None, None)


def test_a_programme_in_a_filter_list_says_who_takes_part_and_how_it_stands() -> None:
    listed = FigureProgramme.of(_state().programmes[P])
    assert listed.id == P and listed.name is None, "names are the registry's"
    assert listed.owner_organisation_id == A
    assert set(listed.organisations) == {A, B}
    assert listed.status == "open" and listed.model == "one_to_one"
