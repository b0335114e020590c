"""The dashboards' figure tables in the portal: what a page and its CSV show (the same text,
"suppressed" for every hidden figure), the charts' geometry (no bar or point for a hidden
figure), and the filters read from a page's address (whole months only)."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest

from services.portal.domain.dashboards import (
    Audience,
    FigureProgramme,
    Filters,
    NamedProgramme,
    dashboards_for,
    default_programme,
    filters_from_query,
    programme_choices,
    programme_label,
)
from services.portal.domain.figure_charts import (
    GAP_MARK,
    bar_chart,
    chart_of,
    line_chart,
    nice_max,
    spec_of,
    tick_label,
)
from services.portal.domain.figures import (
    Figure,
    FigureTable,
    cell_text,
    csv_filename,
    csv_text,
    figure_in,
    relabelled,
    shown_table,
)

HIDDEN: dict[str, Any] = {"value": None, "people": 0, "suppressed": True}


def _cell(value: float | None) -> dict[str, Any]:
    return HIDDEN if value is None else {"value": value, "people": 9, "suppressed": False}


def _table(
    table_id: str,
    columns: list[str],
    rows: list[tuple[str, list[float | None]]],
    total: list[float | None] | None = None,
    measure: str = "count",
    row_heading: str = "organisation",
) -> FigureTable:
    return FigureTable.model_validate(
        {
            "id": table_id,
            "title": f"The {table_id} table",
            "measure": measure,
            "row_heading": row_heading,
            "columns": columns,
            "rows": [{"label": k, "cells": [_cell(v) for v in values]} for k, values in rows],
            "total": None if total is None else {"label": "all", "cells": list(map(_cell, total))},
            "rows_add_up": True,
        }
    )


ENDINGS = _table(
    "early_endings",
    ["moved_role", "no_time"],
    [("Alder Care Trust", [None, 6]), ("Birch Engineering", [7, None])],
    [9, 8],
)


def test_a_suppressed_figure_reads_suppressed_and_counts_and_means_read_as_the_service_gives() -> (
    None
):
    assert cell_text(Figure(value=None, suppressed=True), "count") == "suppressed"
    assert cell_text(Figure(value=3.0, suppressed=True), "count") == "suppressed"
    assert cell_text(None, "count") == "suppressed", "a missing cell never shows a number"
    assert cell_text(Figure(value=14.0), "count") == "14"
    assert cell_text(Figure(value=14.5), "count") == "14.5"
    assert cell_text(Figure(value=6.5), "mean") == "6.50"


def test_a_table_as_shown_keeps_its_headings_rows_and_total_last() -> None:
    shown = shown_table(ENDINGS)
    assert shown.row_heading == "organisation"
    assert [c.heading for c in shown.columns] == ["moved role", "no time"]
    assert [[line.label, *(c.text for c in line.cells)] for line in shown.lines] == [
        ["Alder Care Trust", "suppressed", "6"],
        ["Birch Engineering", "7", "suppressed"],
        ["all", "9", "8"],
    ]
    assert shown.rows[0].cells[0].suppressed and not shown.rows[0].cells[1].suppressed


def test_the_csv_holds_what_the_page_shows_and_nothing_a_spreadsheet_would_run() -> None:
    table = _table(
        "survey_scores",
        ["mean"],
        [('=HYPERLINK("x")', [4.25]), ("pulse, week 1", [None])],
        measure="mean",
        row_heading="question",
    )
    text = csv_text(shown_table(table))
    assert text.endswith("\r\n") and "\r\n" in text
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        ["question", "mean"],
        ['\'=HYPERLINK("x")', "4.25"],
        ["pulse, week 1", "suppressed"],
    ]
    endings = list(csv.reader(io.StringIO(csv_text(shown_table(ENDINGS)))))
    assert endings[0] == ["organisation", "moved role", "no time"]
    assert endings[-1] == ["all", "9", "8"]
    assert csv_filename("network", "early_endings") == "mentornet-network-early_endings.csv"
    assert csv_filename("network", '../"x') == "mentornet-network-x.csv"


def test_rows_known_by_id_are_named_and_the_total_keeps_its_label() -> None:
    table = _table("participation", ["enrolled"], [("prg_1", [6]), ("prg_2", [None])], [11])
    named = relabelled(table, {"prg_1": "New managers 2027", "all": "not me"})
    assert [r.label for r in named.rows] == ["New managers 2027", "prg_2"]
    assert named.total is not None and named.total.label == "all"


def test_one_figure_of_a_table_by_row_and_column() -> None:
    assert figure_in(ENDINGS, "Birch Engineering", "moved_role") == "7"
    assert figure_in(ENDINGS, "Alder Care Trust", "moved_role") == "suppressed"
    assert figure_in(ENDINGS, "Cedar", "moved_role") is None, "no row: nothing recorded"
    assert figure_in(ENDINGS, "Birch Engineering", "other") is None
    assert figure_in(None, "Birch Engineering", "moved_role") is None


# -- charts ----------------------------------------------------------------------------------


def test_the_scale_of_a_chart_is_a_round_number_above_the_largest_figure() -> None:
    assert nice_max([None, None]) == 1
    assert nice_max([3, 7]) == 10
    assert nice_max([11]) == 20
    assert nice_max([22]) == 25
    assert nice_max([0.4]) == 1
    assert tick_label(2.5, "count") == "2.5" and tick_label(5.0, "count") == "5"
    assert tick_label(2.5, "mean") == "2.50"


def test_a_bar_chart_draws_no_bar_for_a_suppressed_figure_and_bars_in_proportion() -> None:
    chart = bar_chart(
        "t",
        "d",
        [("no time", [Figure(value=8.0)]), ("moved role", [Figure(value=None, suppressed=True)])],
        ["all"],
        "count",
    )
    assert len(chart.rects) == 1, "one bar: the suppressed figure has none"
    assert any(t.text == "suppressed" and t.kind == "suppressed" for t in chart.texts)
    assert not any(t.text == "8" and t.kind == "suppressed" for t in chart.texts)
    # The scale runs to 10 over 460 units from x=190: 8 is 368 long.
    assert chart.rects[0].x == 190 and chart.rects[0].width == pytest.approx(368)
    assert chart.kind == "bars" and chart.width == 720


def test_a_line_breaks_where_a_month_is_suppressed() -> None:
    months = [
        ("2027-01", [Figure(value=6.0)]),
        ("2027-02", [Figure(value=7.0)]),
        ("2027-03", [Figure(value=None, suppressed=True)]),
        ("2027-04", [Figure(value=5.0)]),
        ("2027-05", [Figure(value=6.0)]),
    ]
    chart = line_chart("t", "d", months, ["commitment"], "mean")
    assert len(chart.polylines) == 2, "two runs, broken at March"
    assert len(chart.dots) == 4
    assert [t.text for t in chart.texts if t.kind == "suppressed"] == [GAP_MARK]
    first, second = (p.points.split() for p in chart.polylines)
    assert len(first) == 2 and len(second) == 2
    # Higher figures are drawn higher up (smaller y).
    assert chart.dots[1].y < chart.dots[0].y


def test_each_table_is_drawn_as_the_dashboards_always_drew_it() -> None:
    funnel = _table("participation", ["enrolled", "ready"], [("A", [9, 8])], [20, None])
    chart = chart_of(funnel)
    assert chart is not None and chart.kind == "bars"
    assert "the funnel from enrolment to completion" in chart.description
    labels = [t.text for t in chart.texts if t.anchor == "end"]
    assert labels == ["enrolled", "ready"], "a bar per column, from the total row"
    assert len(chart.rects) == 1, "the suppressed total has no bar"

    cadence = _table(
        "meeting_cadence",
        ["relationships", "on_cadence", "behind_cadence", "meetings_held"],
        [("A", [8, 5, 3, 20]), ("B", [7, None, None, 12])],
        [15, 9, 6, 32],
    )
    chart = chart_of(cadence)
    assert chart is not None
    assert [t.text for t in chart.texts if t.anchor == "start" and t.y < 20] == [
        "on cadence",
        "behind cadence",
    ], "a legend of the two series drawn"
    assert len(chart.rects) == 2 + 2, "A's two bars and the legend's keys; B's are suppressed"

    ratings = _table(
        "ratings_by_month",
        ["commitment", "oskar"],
        [("2027-01", [6.5, None]), ("2027-02", [7.25, 5.5])],
        None,
        measure="mean",
        row_heading="month",
    )
    chart = chart_of(ratings)
    assert chart is not None and chart.kind == "lines"
    assert spec_of(_table("x", ["a"], [], None, row_heading="month")).kind == "lines"
    assert chart_of(_table("early_endings", [], [], None)) is None, "nothing to draw"
    assert chart_of(_table("goals", ["short_term"], [], None)) is None, "no total, no rows"


# -- the filters and the programme list ------------------------------------------------------


def test_filters_are_whole_months_and_only_those_the_dashboard_offers() -> None:
    filters, problems = filters_from_query(
        Audience.ORGANISATION,
        {"since": "2027-02-14", "until": "2027-02", "organisation_id": "org_x", "x": "1"},
    )
    assert not problems
    assert filters == Filters(since="2027-02", until="2027-02")
    assert filters.service_params(Audience.ORGANISATION) == [
        ("since", "2027-02-01"),
        ("until", "2027-02-28"),
    ]
    assert filters.query(Audience.ORGANISATION) == "?since=2027-02&until=2027-02"
    network, _ = filters_from_query(
        Audience.NETWORK, {"programme_id": "prg_1", "organisation_id": "org_2"}
    )
    assert network.service_params(Audience.NETWORK) == [
        ("organisation_id", "org_2"),
        ("programme_id", "prg_1"),
    ]
    programme, _ = filters_from_query(Audience.PROGRAMME, {"programme_id": "prg_1"})
    assert programme.service_params(Audience.PROGRAMME) == [], "its programme is in the path"
    assert Filters().query(Audience.NETWORK) == ""


def test_bad_filters_are_refused_beside_their_fields() -> None:
    _, problems = filters_from_query(
        Audience.NETWORK, {"since": "March", "until": "2027-13", "programme_id": "../x"}
    )
    assert set(problems.fields) == {"since", "until", "programme_id"}
    _, problems = filters_from_query(Audience.NETWORK, {"since": "2027-05", "until": "2027-04"})
    assert set(problems.fields) == {"until"}


def test_the_network_and_a_programme_read_their_figures_by_organisation_pair() -> None:
    """Seed 004, organisations mentoring each other: a row per pair, asked of the service."""
    paired, problems = filters_from_query(Audience.NETWORK, {"rows": "organisation_pair"})
    assert not problems and paired.any
    assert paired.service_params(Audience.NETWORK) == [("rows", "organisation_pair")]
    assert paired.query(Audience.NETWORK) == "?rows=organisation_pair"
    mine, _ = filters_from_query(Audience.ORGANISATION, {"rows": "organisation_pair"})
    assert mine.service_params(Audience.ORGANISATION) == []  # an admin's rows are programmes
    _, problems = filters_from_query(Audience.PROGRAMME, {"rows": "sector"})
    assert set(problems.fields) == {"rows"}


def test_programmes_are_named_where_the_registry_names_them() -> None:
    listed = [
        FigureProgramme(
            id="prg_b", model="one_to_one", starts_on=date(2027, 1, 11), ends_on=date(2027, 12, 17)
        ),
        FigureProgramme(id="prg_a"),
    ]
    assert programme_label(listed[0], {}) == (
        "One-to-one mentoring, 11 January 2027 to 17 December 2027 (prg_b)"
    )
    assert programme_label(listed[1], {"prg_a": "New managers"}) == "New managers"
    choices = programme_choices(listed, {"prg_a": "New managers"})
    assert [c.value for c in choices] == ["prg_a", "prg_b"], "named ones first"


def test_the_programme_dashboard_opens_on_a_programme_the_person_coordinates() -> None:
    listed = [FigureProgramme(id="prg_a"), FigureProgramme(id="prg_b")]
    registry = [
        NamedProgramme.model_validate(
            {"id": "prg_b", "design": {"name": "B"}, "coordinators": ["mem_me"]}
        )
    ]
    assert default_programme(Filters(), listed, registry, "mem_me").programme_id == "prg_b"
    assert default_programme(Filters(), listed, [], "mem_me").programme_id == "prg_a"
    chosen = Filters(programme_id="prg_a")
    assert default_programme(chosen, listed, registry, "mem_me") == chosen
    assert default_programme(Filters(), [], registry, "mem_me").programme_id == ""


def test_each_role_is_offered_its_own_dashboard() -> None:
    assert dashboards_for(frozenset({"member"})) == []
    assert dashboards_for(frozenset({"member", "organisation_admin"})) == [Audience.ORGANISATION]
    assert dashboards_for(frozenset({"network_coordinator", "programme_coordinator"})) == [
        Audience.NETWORK,
        Audience.PROGRAMME,
    ]
