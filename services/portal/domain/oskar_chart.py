"""A goal's OSKAR readings as a line chart (seed 002, "Mentoring: Supporting and Promoting
Professional Development and Learning", Resource 16: "a scale (0-10) so that the mentee can
visualise where they are, where they want to be ... on a linear image"). Only the geometry:
the template draws it as SVG and lists the same readings in a table. Pure: no I/O.

Readings are spaced evenly in the order they were taken, not by date: they come meeting by
meeting, and equal steps keep two readings of one afternoon apart (the table gives dates).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

SCALE_MIN, SCALE_MAX = 0, 10
WIDTH, HEIGHT = 320, 180
# Room for the scale's labels on the left and the readings' values above their points.
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 36, 16, 20, 16
GRID_EVERY = 2


@dataclass(frozen=True)
class ChartPoint:
    """One reading where it is drawn."""

    x: float
    y: float
    scale: int
    recorded_at: datetime


@dataclass(frozen=True)
class Gridline:
    """A level of the scale, drawn across the chart and labelled on its left."""

    y: float
    label: str


@dataclass(frozen=True)
class OskarChart:
    """Everything the SVG needs, in its own coordinates (a `viewBox` of width by height)."""

    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    points: tuple[ChartPoint, ...]
    gridlines: tuple[Gridline, ...]

    @property
    def polyline(self) -> str:
        """The `points` attribute of the line through the readings."""
        return " ".join(f"{_n(p.x)},{_n(p.y)}" for p in self.points)

    @property
    def empty(self) -> bool:
        """No reading yet."""
        return not self.points


def y_of(scale: int, top: float, bottom: float) -> float:
    """Where a place on the scale is drawn: 10 at the top, 0 at the bottom (clamped)."""
    kept = min(max(scale, SCALE_MIN), SCALE_MAX)
    return round(bottom - (bottom - top) * (kept - SCALE_MIN) / (SCALE_MAX - SCALE_MIN), 1)


def x_of(index: int, count: int, left: float, right: float) -> float:
    """Where the reading `index` of `count` is drawn: evenly spaced, one alone in the middle."""
    if count <= 1:
        return round((left + right) / 2, 1)
    return round(left + (right - left) * index / (count - 1), 1)


def oskar_chart(
    readings: Sequence[tuple[datetime, int]], width: int = WIDTH, height: int = HEIGHT
) -> OskarChart:
    """The chart of readings (time, scale), drawn oldest first from left to right; one
    reading sits in the middle."""
    left, right = float(MARGIN_LEFT), float(width - MARGIN_RIGHT)
    top, bottom = float(MARGIN_TOP), float(height - MARGIN_BOTTOM)
    ordered = sorted(readings, key=lambda r: r[0])
    count = len(ordered)
    points = tuple(
        ChartPoint(
            x=round(
                (left + right) / 2 if count == 1 else left + (right - left) * i / (count - 1), 1
            ),
            y=y_of(scale, top, bottom),
            scale=scale,
            recorded_at=moment,
        )
        for i, (moment, scale) in enumerate(ordered)
    )
    gridlines = tuple(
        Gridline(y=y_of(level, top, bottom), label=str(level))
        for level in range(SCALE_MIN, SCALE_MAX + 1, GRID_EVERY)
    )
    return OskarChart(width, height, left, right, top, bottom, points, gridlines)


def _n(value: float) -> str:
    """A coordinate without a needless '.0'."""
    return f"{value:g}"
