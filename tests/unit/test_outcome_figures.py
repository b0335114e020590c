"""The outcome figure tables drawn from the story's records: values, the people behind each
cell, rows by audience, filters."""

from __future__ import annotations

from datetime import date

import pytest

from services.evaluation.domain.figure_builder import TableBuilder
from services.evaluation.domain.figures import Figure, FigureTable, Measure, Scope
from services.evaluation.domain.outcome_facts import OutcomeState
from services.evaluation.domain.outcome_figures import RowDimension, figure_tables
from services.evaluation.domain.outcome_fold import apply
from services.evaluation.domain.suppression import suppress
from shared.contracts.registry import OrganisationPair
from tests.unit.outcome_story import COORDINATOR, A, B, P, at, event, one_to_one_programme, story

TODAY = date(2027, 6, 1)


@pytest.fixture(scope="module")
def state() -> OutcomeState:
    state = OutcomeState()
    for e in story():
        apply(state, e)
    return state


def draw(
    state: OutcomeState, scope: Scope | None = None, rows: RowDimension = RowDimension.ORGANISATION
) -> dict[str, FigureTable]:
    return {t.id: t for t in figure_tables(state, rows, scope or Scope(), TODAY)}


def cell(table: FigureTable, row: str, column: str) -> Figure:
    line = table.total if row == "all" else next(r for r in table.rows if r.label == row)
    assert line is not None
    return line.cells[table.columns.index(column)]


def values(table: FigureTable, row: str) -> dict[str, float | None]:
    return {c: cell(table, row, c).value for c in table.columns}


def test_participation_counts_each_person_once_in_their_own_organisation(
    state: OutcomeState,
) -> None:
    participation = draw(state)["participation"]
    assert [r.label for r in participation.rows] == ["Alder", "Birch"]
    # A: mentees 0-4 and 6 (5 was erased; 6 never became ready); its mentor 100 of pair 6.
    assert values(participation, "Alder") == {
        "enrolled": 6,
        "ready": 5,
        "proposed": 7,
        "matched": 7,
        "in_relationship": 7,
        "completed": 1,
    }
    assert values(participation, "Birch")["enrolled"] == 7
    assert values(participation, "Birch")["in_relationship"] == 6
    assert cell(participation, "all", "enrolled") == Figure(value=13, people=13)


def test_a_cross_organisation_relationship_counts_for_both_and_once_in_the_total(
    state: OutcomeState,
) -> None:
    relationships = draw(state)["relationships"]
    assert values(relationships, "Alder") == {
        "started": 7,
        "active": 5,
        "ended_early": 1,
        "completed": 1,
    }
    assert values(relationships, "Birch")["started"] == 6
    # Seven relationships; 13 people behind them (the erased mentee no longer counted).
    assert cell(relationships, "all", "started") == Figure(value=7, people=13)
    assert cell(relationships, "all", "ended_early") == Figure(value=1, people=2)
    endings = draw(state)["early_endings"]
    assert endings.columns == ["no_time"] and values(endings, "all") == {"no_time": 1}
    # Only the reasons are parts of one whole; funnel steps and states are not.
    assert [t.id for t in draw(state).values() if t.rows_add_up] == ["early_endings"]


def test_meetings_are_held_against_the_programmes_cadence(state: OutcomeState) -> None:
    tables = draw(state)
    cadence = tables["meeting_cadence"]
    # Running since 10 January: 142 days to 1 June, five 28-day periods; the two that ended
    # on 5 March ran 54 days (one period) and met once and twice.
    assert values(cadence, "all") == {
        "relationships": 7,
        "on_cadence": 2,
        "behind_cadence": 5,
        "meetings_held": 1 + 2 + 3 + 1 + 2 + 3 + 1,
    }
    per = tables["meetings_per_relationship"]
    assert per.measure is Measure.MEAN
    assert cell(per, "all", "held") == Figure(value=round(13 / 7, 2), people=13)
    assert cell(per, "all", "expected") == Figure(value=round((1 + 1 + 5 * 5) / 7, 2), people=13)


def test_goals_trends_surveys_and_circles(state: OutcomeState) -> None:
    tables = draw(state)
    assert values(tables["goals"], "all") == {
        "short_term": 5,
        "long_term": 0,
        "relationships_with_a_goal_achieved": 5,
    }
    assert cell(tables["goals"], "all", "short_term").people == 5  # the mentees
    trends = tables["ratings_by_month"]
    assert [r.label for r in trends.rows] == ["2027-01", "2027-02"]
    assert cell(trends, "2027-01", "commitment") == Figure(value=round(48 / 7, 2), people=6)
    assert cell(trends, "2027-02", "oskar") == Figure(value=4, people=6)
    assert cell(trends, "2027-01", "oskar") == Figure(value=None, people=0)
    activity = tables["activity_by_month"]
    assert values(activity, "2027-01")["relationships_started"] == 7
    assert values(activity, "2027-01")["messages_posted"] == 7
    surveys = tables["survey_scores"]
    assert surveys.total is None and [r.label for r in surveys.rows] == ["mentee · q1"]
    # Seven answers; six people (the erased mentee's answer counts, not as a person).
    assert cell(surveys, "mentee · q1", "mean") == Figure(value=round(27 / 7, 2), people=6)
    assert values(tables["circles"], "Birch") == {
        "circles": 1,
        "sessions_held": 1,
        "session_minutes": 90,
    }
    assert cell(tables["circles"], "Birch", "circles").people == 5


def test_a_period_narrows_what_is_counted(state: OutcomeState) -> None:
    spring = draw(state, Scope(since=date(2027, 3, 1), until=date(2027, 3, 31)))
    relationships = spring["relationships"]
    assert values(relationships, "all") == {
        "started": 0,
        "active": 7,
        "ended_early": 1,
        "completed": 1,
    }
    assert values(spring["participation"], "all") == {
        "enrolled": 0,
        "ready": 0,
        "proposed": 0,
        "matched": 0,
        "in_relationship": 0,
        "completed": 2,  # pair 1's mentee and mentor, on 5 March
    }
    assert [r.label for r in spring["ratings_by_month"].rows] == []


def test_an_organisation_sees_its_own_people_by_programme(state: OutcomeState) -> None:
    own = draw(state, Scope(organisation_id=B), RowDimension.PROGRAMME)
    participation = own["participation"]
    assert [r.label for r in participation.rows] == [P]
    assert values(participation, P)["enrolled"] == 7
    assert values(participation, P)["proposed"] == 6  # B's mentors only, never A's mentees
    assert values(own["relationships"], P)["started"] == 6  # the six with a mentor of B
    assert own["survey_scores"].rows == []  # A's mentees answered, not B's people


def test_a_programme_filter_for_another_programme_finds_nothing(state: OutcomeState) -> None:
    other = draw(state, Scope(programme_id="prg_000000000000"))
    assert all(t.rows == [] for t in other.values())


def test_a_mean_cell_averages_its_values_and_counts_people_once() -> None:
    table = TableBuilder("t", "T", "month", ["score"], measure=Measure.MEAN)
    table.add(["2027-01"], "score", ["a", "b"], value=4)
    table.add(["2027-01"], "score", ["a", None], value=8)
    table.add([], "score", ["z"], value=100)  # in no row: outside the scope
    built = table.build()
    assert cell(built, "2027-01", "score") == Figure(value=6, people=2)
    assert cell(built, "all", "score") == Figure(value=6, people=2)


def test_figures_by_organisation_pair_are_drawn_only_for_pairs_a_programme_made(
    state: OutcomeState,
) -> None:
    """Seed 004, organisations mentoring each other: a row per organisation pair, suppressed
    by the same rules; a programme that made no pair has no such row."""
    assert all(not t.rows for t in draw(state, rows=RowDimension.ORGANISATION_PAIR).values())
    paired = OutcomeState()
    republished = one_to_one_programme(P, [A, B], [COORDINATOR]).model_copy(
        update={"organisation_pairs": [OrganisationPair(first=B, second=A)]}
    )
    for e in [*story(), event(republished, A, at(400), network=True)]:
        apply(paired, e)
    tables = draw(paired, rows=RowDimension.ORGANISATION_PAIR)
    relationships = tables["relationships"]
    assert relationships.row_heading == "organisation_pair"
    assert [r.label for r in relationships.rows] == ["Alder & Birch"]
    assert cell(relationships, "Alder & Birch", "started") == cell(relationships, "all", "started")
    shown = suppress(relationships)
    assert cell(shown, "Alder & Birch", "started").value == 7
    assert cell(shown, "Alder & Birch", "ended_early").suppressed  # two people behind it
    elsewhere = Scope(programme_id="prg_999999999999")
    assert not draw(paired, elsewhere, RowDimension.ORGANISATION_PAIR)["relationships"].rows
