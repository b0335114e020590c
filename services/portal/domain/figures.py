"""Outcome figures as the dashboards show them: the evaluation service's figure tables read
tolerantly, then turned into what a page and its CSV download hold — the same text in both.

The evaluation service decides who sees which figures and suppresses any figure drawn from
fewer than five people (or that would let one be worked out): such a cell arrives with no
value and reads "suppressed" here, on the page and in the CSV alike; its chart leaves a gap.
The figures follow seed 002's evaluation checklist ("Mentoring: Supporting and Promoting
Professional Development and Learning", Resource 6: are meetings happening, are goals being
achieved, who completes). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, Field

SUPPRESSED = "suppressed"
SUPPRESSED_WHY = "fewer than 5 people, or would reveal such a figure"
# A spreadsheet runs a cell starting like this as a formula (CSV injection): never ours.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class Figure(BaseModel):
    """One cell as the evaluation service sends it (its people count is not shown)."""

    value: float | None = None
    suppressed: bool = False


class FigureRow(BaseModel):
    """A labelled row of cells, one per column."""

    label: str
    cells: list[Figure] = Field(default_factory=list)


class FigureTable(BaseModel):
    """A table of figures with its total row (when it has one)."""

    id: str
    title: str
    measure: str = "count"
    row_heading: str = ""
    columns: list[str] = Field(default_factory=list)
    rows: list[FigureRow] = Field(default_factory=list)
    total: FigureRow | None = None


def readable(code: str) -> str:
    """A column or heading code as people read it ("ended_early" → "ended early")."""
    return code.replace("_", " ")


def value_of(cell: Figure | None) -> float | None:
    """The number a cell may show, or None when it is suppressed (or missing)."""
    if cell is None or cell.suppressed or cell.value is None:
        return None
    return cell.value


def number_text(value: float, measure: str) -> str:
    """A figure as shown: a mean to two places (as the service rounds it), a count whole."""
    if measure == "mean":
        return f"{value:.2f}"
    return str(int(value)) if float(value).is_integer() else str(value)


def cell_text(cell: Figure | None, measure: str) -> str:
    """What a cell shows: its figure, or the word "suppressed"."""
    value = value_of(cell)
    return SUPPRESSED if value is None else number_text(value, measure)


@dataclass(frozen=True)
class ShownCell:
    """A cell on the page: its text and the column it is in."""

    column: str
    text: str

    @property
    def suppressed(self) -> bool:
        """The figure is not shown."""
        return self.text == SUPPRESSED


@dataclass(frozen=True)
class ShownRow:
    """A row on the page: its header cell and its figures."""

    label: str
    cells: tuple[ShownCell, ...]


@dataclass(frozen=True)
class Column:
    """A column: its code (for the page's markup) and its heading."""

    code: str
    heading: str


@dataclass(frozen=True)
class ShownTable:
    """A figure table as a page shows it and its CSV holds it."""

    id: str
    title: str
    row_heading: str
    columns: tuple[Column, ...]
    rows: tuple[ShownRow, ...]
    total: ShownRow | None

    @property
    def lines(self) -> tuple[ShownRow, ...]:
        """Every row, the total last."""
        return (*self.rows, *((self.total,) if self.total else ()))


def relabelled(table: FigureTable, labels: Mapping[str, str]) -> FigureTable:
    """The table with its rows' labels put in words where `labels` knows them (a programme's
    id → its name); the total row keeps its own."""
    if not labels:
        return table
    rows = [r.model_copy(update={"label": labels.get(r.label, r.label)}) for r in table.rows]
    return table.model_copy(update={"rows": rows})


def shown_table(table: FigureTable) -> ShownTable:
    """The page's (and the CSV's) version of a figure table."""
    return ShownTable(
        id=table.id,
        title=table.title,
        row_heading=readable(table.row_heading),
        columns=tuple(Column(c, readable(c)) for c in table.columns),
        rows=tuple(_row(table, r) for r in table.rows),
        total=_row(table, table.total) if table.total else None,
    )


def _row(table: FigureTable, row: FigureRow) -> ShownRow:
    cells = [row.cells[i] if i < len(row.cells) else None for i in range(len(table.columns))]
    return ShownRow(
        row.label,
        tuple(
            ShownCell(column, cell_text(cell, table.measure))
            for column, cell in zip(table.columns, cells, strict=True)
        ),
    )


def csv_text(table: ShownTable) -> str:
    """The table as CSV (RFC 4180, CRLF): the headings, then every row as the page shows it,
    the total last; "suppressed" where the page says so, and no other number."""
    lines = [[table.row_heading, *(c.heading for c in table.columns)]]
    lines += [[line.label, *(c.text for c in line.cells)] for line in table.lines]
    return "".join(",".join(_csv_field(f) for f in line) + "\r\n" for line in lines)


def _csv_field(text: str) -> str:
    if text.startswith(_FORMULA_STARTS):
        text = "'" + text
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_filename(audience: str, table_id: str) -> str:
    """The download's file name (the table id is the service's, made of safe characters)."""
    safe = "".join(c for c in table_id if c.isalnum() or c in "_-") or "figures"
    return f"mentornet-{audience}-{safe}.csv"


def find_table(tables: Sequence[ShownTable], table_id: str) -> ShownTable | None:
    """The table of that id, if the page has it."""
    return next((t for t in tables if t.id == table_id), None)


def figure_in(table: FigureTable | None, row_label: str, column: str) -> str | None:
    """One figure of a table as shown ("suppressed" included), or None when the table has no
    such row or column (nothing recorded for it)."""
    if table is None or column not in table.columns:
        return None
    row = next((r for r in table.rows if r.label == row_label), None)
    if row is None:
        return None
    index = table.columns.index(column)
    return cell_text(row.cells[index] if index < len(row.cells) else None, table.measure)
