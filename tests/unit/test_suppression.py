"""Suppression: no figure drawn from fewer than five people is shown, and no
hidden figure can be worked out from a total and the figures shown — the tests try exactly that
subtraction along every row and column, and every combination of rows and columns."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.evaluation.domain.figures import (
    MIN_PEOPLE,
    Figure,
    FigureRow,
    FigureTable,
    Measure,
)
from services.evaluation.domain.suppression import suppress

# -- building tables -------------------------------------------------------------------------


def count_table(grid: list[list[int]], *, total: bool = True, values: bool = False) -> FigureTable:
    """A table of people counted (value = people), or of events counted (`values`: the grid
    holds (value, people) pairs encoded as value*100+people)."""

    def figure(n: int) -> Figure:
        if values:
            return Figure(value=n // 100, people=n % 100)
        return Figure(value=n, people=n)

    rows = [
        FigureRow(label=f"r{i}", cells=[figure(n) for n in line]) for i, line in enumerate(grid)
    ]
    width = len(grid[0])
    totals = None
    if total:
        cells = []
        for j in range(width):
            column = [rows[i].cells[j] for i in range(len(rows))]
            cells.append(
                Figure(
                    value=sum(c.value or 0 for c in column),
                    people=sum(c.people for c in column),
                )
            )
        totals = FigureRow(label="all", cells=cells)
    return FigureTable(
        id="t",
        title="t",
        measure=Measure.COUNT,
        row_heading="organisation",
        columns=[f"c{j}" for j in range(width)],
        rows=rows,
        total=totals,
    )


def mean_table(grid: list[list[tuple[float, int]]], *, total: bool = True) -> FigureTable:
    """A table of means (mean, people); the total row holds the pooled means."""

    def figure(mean: float, people: int) -> Figure:
        return Figure(value=mean if people else None, people=people)

    rows = [
        FigureRow(label=f"r{i}", cells=[figure(m, p) for m, p in line])
        for i, line in enumerate(grid)
    ]
    width = len(grid[0])
    totals = None
    if total:
        cells = []
        for j in range(width):
            people = sum(line[j][1] for line in grid)
            summed = sum(line[j][0] * line[j][1] for line in grid)
            cells.append(Figure(value=summed / people if people else None, people=people))
        totals = FigureRow(label="all", cells=cells)
    return FigureTable(
        id="m",
        title="m",
        measure=Measure.MEAN,
        row_heading="quarter",
        columns=[f"c{j}" for j in range(width)],
        rows=rows,
        total=totals,
    )


# -- what an attacker knows ------------------------------------------------------------------


@dataclass(frozen=True)
class Equation:
    """sum(coefficient * additive amount of cell) == a known number."""

    cells: tuple[tuple[int, int], ...]
    coefficients: tuple[int, ...]


def lines(original: FigureTable) -> list[Equation]:
    """Every equation an onlooker may know: each column's cells add up to its total (shown in
    the total row, or known from elsewhere); in a count table whose rows add up, each row's
    cells to its row total (not shown, but assumed known) and the column totals to the grand
    total. A one-cell line is no equation."""
    height = len(original.rows)
    width = len(original.columns)
    has_total = original.total is not None
    equations: list[Equation] = []
    for j in range(width):
        if has_total:
            cells = (*((i, j) for i in range(height)), (height, j))
            equations.append(Equation(cells, (1,) * height + (-1,)))
        elif height >= 2:
            equations.append(Equation(tuple((i, j) for i in range(height)), (1,) * height))
    if width >= 2 and original.rows_add_up and original.measure is Measure.COUNT:
        for i in range(height + (1 if has_total else 0)):
            equations.append(Equation(tuple((i, j) for j in range(width)), (1,) * width))
    return equations


def grid_of(table: FigureTable) -> dict[tuple[int, int], Figure]:
    rows = [*table.rows, *([table.total] if table.total else [])]
    return {(i, j): c for i, row in enumerate(rows) for j, c in enumerate(row.cells)}


def amount(table: FigureTable, figure: Figure) -> float:
    if figure.value is None:
        return 0.0
    return figure.value * (figure.people if table.measure is Measure.MEAN else 1)


def recovered_by_one_subtraction(original: FigureTable, shown: FigureTable) -> list[str]:
    """Exactly the subtraction attack: along every row and every column, take the line's
    total (the visible total-row cell, or the known row total) and subtract the visible cells;
    if one cell is hidden, the remainder is that cell."""
    before = grid_of(original)
    after = grid_of(shown)
    found = []
    for equation in lines(original):
        hidden = [c for c in equation.cells if after[c].suppressed]
        if len(hidden) != 1:
            continue
        (cell,) = hidden
        remainder = 0.0
        for other, coefficient in zip(equation.cells, equation.coefficients, strict=True):
            if other != cell:
                remainder -= coefficient * amount(original, after[other])
        # the line's own sum is known to the attacker (0 when the total is in the line)
        known = (
            0.0
            if -1 in equation.coefficients
            else sum(amount(original, before[c]) for c in equation.cells)
        )
        coefficient = equation.coefficients[equation.cells.index(cell)]
        worked_out = (known + remainder) / coefficient
        found.append(f"{cell} = {worked_out} (really {amount(original, before[cell])})")
    return found


def determined_cells(original: FigureTable, shown: FigureTable) -> list[tuple[int, int]]:
    """Hidden cells any combination of the equations pins down (linear algebra, independent
    of how suppression finds them): x is determined iff its unit vector is in the row space
    of the equations restricted to the hidden cells."""
    after = grid_of(shown)
    hidden = sorted(c for c, f in after.items() if f.suppressed)
    if not hidden:
        return []
    index = {c: k for k, c in enumerate(hidden)}
    matrix = np.zeros((len(lines(original)), len(hidden)))
    for row, equation in enumerate(lines(original)):
        for cell, coefficient in zip(equation.cells, equation.coefficients, strict=True):
            if cell in index:
                matrix[row, index[cell]] = coefficient
    rank = np.linalg.matrix_rank(matrix) if matrix.size else 0
    determined = []
    for cell, k in index.items():
        unit = np.zeros((1, len(hidden)))
        unit[0, k] = 1
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            determined.append(cell)
    return determined


def pinned_to_zero(original: FigureTable, shown: FigureTable) -> list[tuple[int, int]]:
    """Hidden cells of a line whose hidden cells add up to 0 while the line is not all zeros:
    counts are never negative, so each of them is known to be 0."""
    before = grid_of(original)
    after = grid_of(shown)
    pinned = []
    for equation in lines(original):
        hidden = [c for c in equation.cells if after[c].suppressed]
        signs = {equation.coefficients[equation.cells.index(c)] for c in hidden}
        line_is_zero = all(amount(original, before[c]) == 0 for c in equation.cells)
        # only a remainder that is a sum of non-negative parts pins them (a hidden total
        # minus its hidden parts is 0 whatever they are)
        if (
            hidden
            and signs == {1}
            and not line_is_zero
            and sum(amount(original, before[c]) for c in hidden) == 0
        ):
            pinned.extend(hidden)
    return pinned


def check_safe(original: FigureTable) -> FigureTable:
    shown = suppress(original)
    for figure in grid_of(shown).values():
        if figure.suppressed:
            assert figure.value is None
            assert figure.people == 0, "a hidden cell must not carry its people count"
        else:
            assert figure.people >= MIN_PEOPLE, figure
    assert recovered_by_one_subtraction(original, shown) == []
    assert determined_cells(original, shown) == []
    assert pinned_to_zero(original, shown) == []
    # visible cells are shown as they were
    before = grid_of(original)
    for cell, figure in grid_of(shown).items():
        if not figure.suppressed:
            assert figure == before[cell]
    return shown


def shown_grid(table: FigureTable) -> list[list[float | None]]:
    rows = [*table.rows, *([table.total] if table.total else [])]
    return [[c.value for c in row.cells] for row in rows]


# -- examples --------------------------------------------------------------------------------


def test_a_cell_from_fewer_than_five_people_is_suppressed_not_rounded() -> None:
    shown = suppress(count_table([[12, 3], [20, 9]], total=False))
    assert shown.rows[0].cells[1] == Figure(value=None, people=0, suppressed=True)
    assert all(c.value is None or c.value >= 5 for row in shown.rows for c in row.cells)


def test_the_subtraction_attack_works_on_the_unsuppressed_table() -> None:
    """The attack in the tests is real: without complements, one hidden cell falls out."""
    original = count_table([[12, 3], [20, 9]])
    naive = original.model_copy(
        update={
            "rows": [
                FigureRow(
                    label="r0",
                    cells=[
                        original.rows[0].cells[0],
                        Figure(value=None, people=0, suppressed=True),
                    ],
                ),
                original.rows[1],
            ]
        }
    )
    assert recovered_by_one_subtraction(original, naive) == [
        "(0, 1) = 3.0 (really 3.0)",
        "(0, 1) = 3.0 (really 3.0)",
    ]


def test_a_lone_small_cell_takes_the_next_smallest_cells_of_its_row_and_column_with_it() -> None:
    original = count_table([[12, 3, 40], [20, 9, 30], [25, 11, 50]])
    shown = check_safe(original)
    grid = shown_grid(shown)
    # 3 is hidden; 9 (next smallest in its column) and 12 (next smallest in its row) close
    # the rectangle with 20; the totals and everything else stay visible
    assert grid[0][:2] == [None, None]
    assert grid[1][:2] == [None, None]
    assert grid[3] == [57, 23, 120]
    assert grid[2] == [25, 11, 50]


def test_a_total_from_fewer_than_five_people_is_hidden_with_a_second_total() -> None:
    original = count_table([[1, 9, 20], [2, 8, 30]])
    shown = check_safe(original)
    total = shown.total
    assert total is not None
    assert total.cells[0].suppressed  # 3 people in all
    assert total.cells[1].suppressed  # the next smallest total, else the grand total gives it


def test_zero_is_suppressed_like_any_cell_from_fewer_than_five_people() -> None:
    shown = check_safe(count_table([[0, 30, 40], [15, 20, 6], [7, 8, 9]]))
    assert shown.rows[0].cells[0].suppressed


def test_two_hidden_cells_whose_line_leaves_nothing_over_take_a_non_zero_cell_with_them() -> None:
    """Counts are never negative: hidden cells adding up to 0 would all be known to be 0."""
    original = count_table([[0, 0, 30], [0, 0, 40], [15, 20, 6]], total=False)
    shown = check_safe(original)
    assert any(c.suppressed for c in shown.rows[0].cells[2:])


def test_two_separate_hidden_blocks_joined_by_one_hidden_cell_are_joined_twice() -> None:
    """Each line has two hidden cells, yet the cell joining the blocks is determined by adding
    the equations of one block — the rule 'two per line' alone is not enough."""
    original = count_table(
        [
            [2, 3, 9, 50, 50],
            [4, 1, 50, 50, 50],
            [50, 50, 3, 2, 50],
            [50, 50, 1, 4, 50],
            [50, 50, 50, 50, 50],
        ]
    )
    check_safe(original)


def test_the_linear_algebra_attack_finds_what_two_hidden_cells_per_line_leave_open() -> None:
    """The independent check is real: hiding two blocks and the cell that joins them, with at
    least two hidden cells on every line, still gives the joining cell away."""
    original = count_table(
        [
            [2, 3, 9, 50, 50],
            [4, 1, 50, 50, 50],
            [50, 50, 3, 2, 50],
            [50, 50, 1, 4, 50],
            [50, 50, 50, 50, 50],
        ]
    )
    hide = {(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3), (0, 2)}
    rows = [
        FigureRow(
            label=row.label,
            cells=[
                Figure(value=None, people=0, suppressed=True) if (i, j) in hide else cell
                for j, cell in enumerate(row.cells)
            ],
        )
        for i, row in enumerate(original.rows)
    ]
    two_per_line = original.model_copy(update={"rows": rows})
    assert recovered_by_one_subtraction(original, two_per_line) == []
    assert determined_cells(original, two_per_line) == [(0, 2)]


def test_a_mean_table_hides_the_small_group_and_what_the_pooled_mean_would_reveal() -> None:
    original = mean_table([[(3.0, 12), (4.5, 3)], [(2.0, 8), (4.0, 10)], [(1.5, 6), (5.0, 7)]])
    shown = check_safe(original)
    assert shown.rows[0].cells[1].suppressed
    # the pooled mean with its people and the other two means would give 4.5 back
    assert sum(c.suppressed for c in [row.cells[1] for row in shown.rows]) >= 2


def test_a_funnel_nobody_has_completed_yet_hides_only_the_completions() -> None:
    """Funnel stages do not add up along a row: the zeros of 'completed' (and their hidden
    total) protect each other, and every other stage stays visible."""
    funnel = count_table([[8, 8, 8, 0], [8, 7, 6, 0]]).model_copy(update={"rows_add_up": False})
    shown = check_safe(funnel)
    assert shown_grid(shown) == [[8, 8, 8, None], [8, 7, 6, None], [16, 15, 14, None]]


def test_when_rows_add_up_a_lone_zero_in_a_row_takes_a_second_cell_of_that_row() -> None:
    endings = count_table([[8, 6, 0], [9, 5, 7]])
    shown = check_safe(endings)
    assert sum(c.suppressed for c in shown.rows[0].cells) >= 2


def test_a_table_of_one_cell_is_shown_or_hidden_on_its_own() -> None:
    assert suppress(count_table([[7]], total=False)).rows[0].cells[0].value == 7
    assert suppress(count_table([[4]], total=False)).rows[0].cells[0].suppressed


def test_suppressing_twice_changes_nothing() -> None:
    once = suppress(count_table([[12, 3, 40], [20, 9, 30], [25, 11, 50]]))
    assert suppress(once) == once


def test_a_row_of_the_wrong_width_is_refused() -> None:
    table = FigureTable(
        id="t",
        title="t",
        row_heading="r",
        columns=["a", "b"],
        rows=[FigureRow(label="x", cells=[Figure(value=1, people=1)])],
    )
    with pytest.raises(ValueError, match="1 cells for 2 columns"):
        suppress(table)


# -- properties ------------------------------------------------------------------------------

# small numbers are where the danger is: draw them often
people = st.one_of(st.integers(0, 6), st.integers(0, 60))
shapes = st.tuples(st.integers(1, 5), st.integers(1, 5))


@st.composite
def count_tables(draw: st.DrawFn) -> FigureTable:
    height, width = draw(shapes)
    events = draw(st.booleans())
    grid = []
    for _ in range(height):
        line = []
        for _ in range(width):
            p = draw(people)
            # an event count (meetings) is at least as large as the people it comes from
            line.append((p + draw(st.integers(0, 20))) * 100 + p if events else p)
        grid.append(line)
    table = count_table(grid, total=draw(st.booleans()), values=events)
    return table.model_copy(update={"rows_add_up": draw(st.booleans())})


@st.composite
def mean_tables(draw: st.DrawFn) -> FigureTable:
    height, width = draw(shapes)
    grid = [
        [(draw(st.sampled_from([1.0, 2.5, 3.0, 4.25, 5.0])), draw(people)) for _ in range(width)]
        for _ in range(height)
    ]
    table = mean_table(grid, total=draw(st.booleans()))
    return table.model_copy(update={"rows_add_up": draw(st.booleans())})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(count_tables())
def test_no_hidden_count_can_be_worked_out_and_no_small_count_is_shown(
    table: FigureTable,
) -> None:
    check_safe(table)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mean_tables())
def test_no_hidden_mean_can_be_worked_out_and_no_small_mean_is_shown(
    table: FigureTable,
) -> None:
    check_safe(table)


@settings(max_examples=100, deadline=None)
@given(count_tables())
def test_suppression_is_idempotent(table: FigureTable) -> None:
    once = suppress(table)
    assert suppress(once) == once
