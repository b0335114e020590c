"""The OSKAR chart's geometry (seed 002, Resource 16: the 0-10 scale as a linear image): 10 at
the top, 0 at the bottom, readings evenly spaced oldest first, one alone in the middle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.portal.domain.oskar_chart import (
    HEIGHT,
    MARGIN_BOTTOM,
    MARGIN_LEFT,
    MARGIN_RIGHT,
    MARGIN_TOP,
    WIDTH,
    oskar_chart,
    y_of,
)

T0 = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
TOP, BOTTOM = float(MARGIN_TOP), float(HEIGHT - MARGIN_BOTTOM)
LEFT, RIGHT = float(MARGIN_LEFT), float(WIDTH - MARGIN_RIGHT)


def test_no_reading_no_line() -> None:
    chart = oskar_chart([])
    assert chart.empty and chart.polyline == ""
    assert [g.label for g in chart.gridlines] == ["0", "2", "4", "6", "8", "10"]


def test_the_scale_runs_from_the_bottom_to_the_top() -> None:
    assert y_of(0, TOP, BOTTOM) == BOTTOM
    assert y_of(10, TOP, BOTTOM) == TOP
    assert y_of(5, TOP, BOTTOM) == (TOP + BOTTOM) / 2
    assert y_of(12, TOP, BOTTOM) == TOP, "clamped to the scale"


def test_readings_are_spaced_evenly_oldest_first() -> None:
    readings = [(T0 + timedelta(days=28), 7), (T0, 3), (T0 + timedelta(minutes=5), 5)]
    chart = oskar_chart(readings)
    assert [p.scale for p in chart.points] == [3, 5, 7]
    assert [p.x for p in chart.points] == [LEFT, (LEFT + RIGHT) / 2, RIGHT]
    ys = [p.y for p in chart.points]
    assert ys == sorted(ys, reverse=True), "higher ratings are drawn higher"
    first, middle, last = chart.points
    assert (
        chart.polyline == f"{first.x:g},{first.y:g} {middle.x:g},{middle.y:g} {last.x:g},{last.y:g}"
    )
    assert chart.points[0].recorded_at == T0


def test_one_reading_sits_in_the_middle() -> None:
    (point,) = oskar_chart([(T0, 4)]).points
    assert point.x == (LEFT + RIGHT) / 2
    assert point.y == y_of(4, TOP, BOTTOM)


def test_every_point_lies_within_the_drawing() -> None:
    chart = oskar_chart([(T0 + timedelta(hours=i), i % 11) for i in range(15)], 300, 150)
    for p in chart.points:
        assert chart.left <= p.x <= chart.right <= 300
        assert chart.top <= p.y <= chart.bottom <= 150
