"""Accumulating a `FigureTable`: cells that remember the distinct people behind them.

A fact can land in several rows (a cross-organisation relationship counts for both
organisations) but counts once in the total, which is computed over the facts themselves,
never as a sum of rows: so the total's people are the distinct people of the whole scope.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from services.evaluation.domain.figures import Figure, FigureRow, FigureTable, Measure

TOTAL_LABEL = "all"


@dataclass
class _Cell:
    amount: float = 0.0  # the count, or the sum of the values a mean is taken over
    values: int = 0  # how many values a mean is taken over
    people: set[str] = field(default_factory=set)


@dataclass
class TableBuilder:
    """A table being filled: `add` facts to cells, then `build` it."""

    id: str
    title: str
    row_heading: str
    columns: list[str]
    measure: Measure = Measure.COUNT
    distinct_people: bool = False  # a count of people: the value is the number of people
    # Whether a row's cells are parts of one whole (early endings by reason) rather than
    # steps or separate measures (a funnel, a relationship's states): suppression needs to know.
    rows_add_up: bool = False
    _rows: dict[str, dict[str, _Cell]] = field(default_factory=dict)
    _total: dict[str, _Cell] = field(default_factory=dict)

    def add(
        self,
        rows: Iterable[str],
        column: str,
        people: Iterable[str | None],
        value: float = 1.0,
    ) -> None:
        """Count (or average in) one fact in each of `rows` and once in the total; `people`
        are who it is drawn from (blank ids — erased members — are not counted). A fact in no
        row is outside the scope and counts nowhere."""
        rows = set(rows)
        if not rows:
            return
        known = {p for p in people if p}
        for cells in [*(self._rows.setdefault(r, {}) for r in rows), self._total]:
            cell = cells.setdefault(column, _Cell())
            cell.amount += value
            cell.values += 1
            cell.people |= known

    def _figure(self, cell: _Cell | None) -> Figure:
        if cell is None:
            return Figure(value=0 if self.measure is Measure.COUNT else None, people=0)
        people = len(cell.people)
        if self.distinct_people:
            return Figure(value=people, people=people)
        if self.measure is Measure.MEAN:
            return Figure(value=round(cell.amount / cell.values, 2), people=people)
        return Figure(value=cell.amount, people=people)

    def _row(self, label: str, cells: dict[str, _Cell]) -> FigureRow:
        return FigureRow(label=label, cells=[self._figure(cells.get(c)) for c in self.columns])

    def build(self, labels: dict[str, str] | None = None, *, total: bool = True) -> FigureTable:
        """The table: rows ordered by label, each cell with its people; the total over all
        facts added (not the sum of the rows)."""
        labels = labels or {}
        rows = sorted(
            (self._row(labels.get(key, key), cells) for key, cells in self._rows.items()),
            key=lambda row: row.label,
        )
        return FigureTable(
            id=self.id,
            title=self.title,
            measure=self.measure,
            row_heading=self.row_heading,
            columns=list(self.columns),
            rows=rows,
            total=self._row(TOTAL_LABEL, self._total) if total else None,
            rows_add_up=self.rows_add_up and self.measure is Measure.COUNT,
        )
