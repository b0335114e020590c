"""The charts of the dashboards, as geometry for the page's SVG (drawn on the server; no script):
horizontal bars (the funnel from enrolment to completion, early endings by reason, relationships
by state, meetings against the cadence) and lines (each month's ratings and activity).

A suppressed figure has no bar and no point: a bar chart says "suppressed" where its bar would
be, a line breaks there and the month is marked with a cross. A chart never shows a length or
a point for a figure the table under it does not show. Pure: no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from services.portal.domain.figures import (
    SUPPRESSED,
    Figure,
    FigureRow,
    FigureTable,
    readable,
    value_of,
)

WIDTH = 720
SERIES_COLOURS = 5  # the stylesheet's series-0 … series-4
MAX_BAR_ROWS = 20  # a chart of more rows helps nobody; the table lists them all
GAP_MARK = "\u00d7"  # a multiplication sign marks a period whose figure is suppressed
PERIOD_HEADINGS = frozenset({"month", "quarter", "week", "period", "year"})


@dataclass(frozen=True)
class ChartSpec:
    """How a table is best drawn: "totals" (a bar per column, from the total row), "rows"
    (bars per row, one per column or per the columns named), or "lines" (a trend by period)."""

    kind: str
    columns: tuple[str, ...] = ()
    caption: str = ""


# The evaluation service's tables (its outcome read model) and how each is drawn.
SPECS = {
    "participation": ChartSpec("totals", caption="the funnel from enrolment to completion"),
    "relationships": ChartSpec("totals"),
    "early_endings": ChartSpec("totals", caption="early endings by reason"),
    "meeting_cadence": ChartSpec("rows", columns=("on_cadence", "behind_cadence")),
    "meetings_per_relationship": ChartSpec("rows", caption="meetings held against the cadence"),
    "ratings_by_month": ChartSpec("lines"),
    "activity_by_month": ChartSpec("lines"),
}


@dataclass(frozen=True)
class Line:
    """A gridline or an axis."""

    x1: float
    y1: float
    x2: float
    y2: float
    kind: str  # "grid" or "axis"


@dataclass(frozen=True)
class Rect:
    """A bar, or a legend's key."""

    x: float
    y: float
    width: float
    height: float
    series: int


@dataclass(frozen=True)
class Text:
    """A label: a category, a tick, a bar's figure, a legend's name, or a suppression mark."""

    x: float
    y: float
    text: str
    anchor: str = "start"
    kind: str = "label"  # "label" or "suppressed"


@dataclass(frozen=True)
class Polyline:
    """An unbroken run of one series' points."""

    points: str
    series: int


@dataclass(frozen=True)
class Dot:
    """One period's point of a series."""

    x: float
    y: float
    series: int


@dataclass(frozen=True)
class Chart:
    """Everything the SVG needs, in a viewBox of width by height."""

    kind: str  # "bars" or "lines"
    width: int
    height: int
    title: str
    description: str
    lines: tuple[Line, ...] = ()
    rects: tuple[Rect, ...] = ()
    texts: tuple[Text, ...] = ()
    polylines: tuple[Polyline, ...] = ()
    dots: tuple[Dot, ...] = ()


@dataclass
class _Drawing:
    lines: list[Line] = field(default_factory=list)
    rects: list[Rect] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    polylines: list[Polyline] = field(default_factory=list)
    dots: list[Dot] = field(default_factory=list)

    def chart(self, kind: str, height: float, title: str, description: str) -> Chart:
        return Chart(
            kind,
            WIDTH,
            math.ceil(height),
            title,
            description,
            tuple(self.lines),
            tuple(self.rects),
            tuple(self.texts),
            tuple(self.polylines),
            tuple(self.dots),
        )

    def legend(self, series: Sequence[str], left: float, top: float) -> None:
        for s, name in enumerate(series):
            self.rects.append(Rect(_r(left + s * 170), top, 12, 12, s % SERIES_COLOURS))
            self.texts.append(Text(_r(left + s * 170 + 16), top + 10, truncate(name, 24)))


def nice_max(values: Sequence[float | None]) -> float:
    """The top of the scale: the largest figure rounded up to 1, 2, 2.5 or 5 of its order of
    magnitude (at least 1)."""
    top = max([1.0, *(v for v in values if v is not None)])
    magnitude = 10.0 ** math.floor(math.log10(top))
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= top:
            return step * magnitude
    return top


def tick_label(value: float, measure: str) -> str:
    """A figure as a chart labels it (means to two places, others to at most two)."""
    if measure == "mean":
        return f"{value:.2f}"
    rounded = round(value, 2)
    return str(int(rounded)) if float(rounded).is_integer() else str(rounded)


def truncate(text: str, length: int) -> str:
    """A label cut to fit, with an ellipsis."""
    return text if len(text) <= length else text[: length - 1] + "…"


def _r(value: float) -> float:
    return round(value, 1)


def bar_chart(
    title: str,
    description: str,
    categories: Sequence[tuple[str, Sequence[Figure | None]]],
    series: Sequence[str],
    measure: str,
) -> Chart:
    """Horizontal bars: a group per category, a bar per series; no bar for a suppressed
    figure, the word "suppressed" in its place."""
    left, right, bar, gap = 190, 70, 18, 12
    legend = 24 if len(series) > 1 else 0
    group = len(series) * bar + gap
    height = legend + 20 + len(categories) * group + 24
    top = legend + 10
    scale = nice_max([value_of(c) for _, cells in categories for c in cells])
    span = WIDTH - left - right

    def x(value: float) -> float:
        return _r(left + value / scale * span)

    drawing = _Drawing()
    if legend:
        drawing.legend(series, left, 4)
    for tick in range(5):
        level = scale / 4 * tick
        drawing.lines.append(Line(x(level), top, x(level), height - 22, "grid"))
        drawing.texts.append(Text(x(level), height - 6, tick_label(level, measure), "middle"))
    for c, (label, cells) in enumerate(categories):
        y0 = top + 10 + c * group
        middle = _r(y0 + len(series) * bar / 2 + 4)
        drawing.texts.append(Text(left - 8, middle, truncate(label, 28), "end"))
        for s, cell in enumerate(cells):
            y = y0 + s * bar
            value = value_of(cell)
            if value is None:
                drawing.texts.append(Text(left + 4, y + 13, SUPPRESSED, kind="suppressed"))
                continue
            width = max(1.0, _r(x(value) - left))
            drawing.rects.append(Rect(left, y, width, bar - 3, s % SERIES_COLOURS))
            drawing.texts.append(Text(x(value) + 4, y + 13, tick_label(value, measure)))
    drawing.lines.append(Line(left, top, left, height - 22, "axis"))
    return drawing.chart("bars", height, title, description)


def line_chart(
    title: str,
    description: str,
    periods: Sequence[tuple[str, Sequence[Figure | None]]],
    series: Sequence[str],
    measure: str,
) -> Chart:
    """Lines over time: a point per period in order, a line per series, broken where a figure
    is suppressed (the period marked with a cross)."""
    left, right, bottom, height = 56, 44, 40, 280
    top = 34 if len(series) > 1 else 14
    scale = nice_max([value_of(c) for _, cells in periods for c in cells])
    span = WIDTH - left - right
    count = len(periods)

    def x(index: int) -> float:
        return _r(left + index * span / (count - 1) if count > 1 else left + span / 2)

    def y(value: float) -> float:
        return _r(height - bottom - value / scale * (height - top - bottom))

    drawing = _Drawing()
    if len(series) > 1:
        drawing.legend(series, left, 6)
    for tick in range(5):
        level = scale / 4 * tick
        drawing.lines.append(Line(left, y(level), WIDTH - right, y(level), "grid"))
        drawing.texts.append(Text(left - 6, _r(y(level) + 4), tick_label(level, measure), "end"))
    every = max(1, math.ceil(count / 12))
    for i, (label, _) in enumerate(periods):
        if i % every == 0:
            drawing.texts.append(Text(x(i), height - bottom + 18, truncate(label, 12), "middle"))
    for s in range(len(series)):
        run: list[str] = []
        for i, (_, cells) in enumerate(periods):
            value = value_of(cells[s] if s < len(cells) else None)
            if value is None:
                _flush(drawing, run, s)
                run = []
                drawing.texts.append(
                    Text(x(i), height - bottom - 4, GAP_MARK, "middle", kind="suppressed")
                )
                continue
            run.append(f"{x(i):g},{y(value):g}")
            drawing.dots.append(Dot(x(i), y(value), s % SERIES_COLOURS))
        _flush(drawing, run, s)
    drawing.lines.append(Line(left, height - bottom, WIDTH - right, height - bottom, "axis"))
    return drawing.chart("lines", height, title, description)


def _flush(drawing: _Drawing, run: list[str], series: int) -> None:
    if len(run) > 1:
        drawing.polylines.append(Polyline(" ".join(run), series % SERIES_COLOURS))


def spec_of(table: FigureTable) -> ChartSpec:
    """How a table is drawn: as listed, else by its rows (periods → lines)."""
    if table.id in SPECS:
        return SPECS[table.id]
    if table.row_heading in PERIOD_HEADINGS:
        return ChartSpec("lines")
    return ChartSpec("totals" if not table.rows else "rows")


def _cells(row: FigureRow, indices: Sequence[int]) -> list[Figure | None]:
    return [row.cells[i] if i < len(row.cells) else None for i in indices]


def chart_of(table: FigureTable) -> Chart | None:
    """The chart that suits a table, or None when there is nothing to draw."""
    spec = spec_of(table)
    if not table.columns:
        return None
    description = (
        f"{table.title}: a chart of the figures in the table below"
        + (f" ({spec.caption})" if spec.caption else "")
        + ". Suppressed figures are not drawn."
    )
    every = range(len(table.columns))
    series = [readable(c) for c in table.columns]
    if spec.kind == "lines" and len(table.rows) > 1:
        periods = [(row.label, _cells(row, every)) for row in table.rows]
        return line_chart(table.title, description, periods, series, table.measure)
    if spec.kind == "totals" or not table.rows:
        line = table.total or (table.rows[0] if len(table.rows) == 1 else None)
        if line is None:
            return None
        categories = [(name, _cells(line, [i])) for i, name in enumerate(series)]
        return bar_chart(table.title, description, categories, [line.label], table.measure)
    wanted = [c for c in (spec.columns or table.columns) if c in table.columns]
    indices = [table.columns.index(c) for c in wanted]
    categories = [(row.label, _cells(row, indices)) for row in table.rows[:MAX_BAR_ROWS]]
    return bar_chart(
        table.title, description, categories, [readable(c) for c in wanted], table.measure
    )
