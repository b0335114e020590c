"""Figures as tables: what the outcome read models produce, and what the API, the dashboards
and the CSV downloads show once suppression has run.

A figure always says how many distinct people it is drawn from (`people`), because that, not the
value, decides whether it may be shown (no figure drawn from fewer than five people:
docs/security.md, "Figures: no one from fewer than five people"). Suppression
(`services.evaluation.domain.suppression`) turns a table into one where small cells, and the
cells that would let someone work them out from a total, carry `value=None, suppressed=True`.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

MIN_PEOPLE = 5  # a figure drawn from fewer people is never shown


class Measure(StrEnum):
    """How a table's cells combine: counts add up to their totals; means do not, but a mean
    and its people count still let a hidden cell be worked out, so both are suppressed."""

    COUNT = "count"
    MEAN = "mean"


class Figure(BaseModel):
    """One cell: a value and the number of distinct people behind it."""

    model_config = ConfigDict(frozen=True)

    value: float | None = Field(examples=[12])
    people: int = Field(ge=0, examples=[12], description="distinct people it is drawn from")
    suppressed: bool = False


class FigureRow(BaseModel):
    """A labelled row of cells, one per column of its table."""

    model_config = ConfigDict(frozen=True)

    label: str = Field(examples=["Northshore Care Trust"])
    cells: list[Figure]


class FigureTable(BaseModel):
    """A table of figures with its row of column totals (`total`, over every row, including
    rows suppression hides)."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(examples=["funnel"])
    title: str = Field(examples=["From enrolment to completion"])
    measure: Measure = Measure.COUNT
    row_heading: str = Field(examples=["organisation"])
    columns: list[str] = Field(examples=[["enrolled", "ready", "matched", "completed"]])
    rows: list[FigureRow]
    total: FigureRow | None = None
    rows_add_up: bool = Field(
        default=True,
        examples=[True],
        description="count tables: whether a row's cells add up to a figure someone may know "
        "(reasons that partition the early endings: yes; funnel stages or unrelated measures: "
        "no); suppression then protects each row like a column. Rows of means never add up.",
    )


class Scope(BaseModel):
    """Which figures are asked for: the caller's rights decide the widest allowed scope, the
    filters narrow it (and may narrow a figure into suppression)."""

    model_config = ConfigDict(frozen=True)

    organisation_id: str | None = Field(default=None, examples=["org_3f9a1c2b7d4e"])
    programme_id: str | None = Field(default=None, examples=["prg_7c1d2e3f4a5b"])
    since: date | None = Field(default=None, examples=["2027-01-01"])
    until: date | None = Field(default=None, examples=["2027-12-31"])


def whole_months(since: date | None, until: date | None) -> tuple[date | None, date | None]:
    """A period widened to whole calendar months: `since` to its month's first day, `until`
    to its month's last. Figures are only ever drawn over whole months, so two overlapping
    day ranges cannot be compared to isolate one day's events (or one person's)."""
    start = since.replace(day=1) if since is not None else None
    end = None
    if until is not None:
        following = (until.replace(day=28) + timedelta(days=4)).replace(day=1)
        end = following - timedelta(days=1)
    return start, end
