"""Charts drawn on the server: the geometry of a bar or line chart, in the units of an SVG
``viewBox``, for ``web/reports/_chart.html`` to write out. No JavaScript and no library:
a chart is a picture with a title and a description (``role="img"``), each bar and point
carrying its own ``<title>`` (what a pointer or a screen reader reads), the figures it
shows also in a table or the CSV beside it.

The box is ``WIDTH`` units wide and scales to its container: at 360 px (a phone) a unit
is about 0.8 px, so the labels' ``FONT`` units stay legible; the page caps a chart's width
so that they do not grow large on a wide screen.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

WIDTH = 400
HEIGHT = 210
FONT = 13
# Room for the value axis's labels on the left and the days under the plot.
LEFT = 40
RIGHT = 8
TOP = 10
BOTTOM = 24
# Day labels under the plot, at most (one every n days).
MAX_LABELS = 6


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    series: int
    title: str


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    title: str


@dataclass
class Chart:
    """One chart: the plot's box, its axes' ticks, and bars or a line."""

    title: str
    description: str
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    top: int = TOP
    plot_width: float = WIDTH - LEFT - RIGHT
    plot_height: float = HEIGHT - TOP - BOTTOM
    y_ticks: list[Tick] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    bars: list[Rect] = field(default_factory=list)
    line: list[Point] = field(default_factory=list)
    # (series index, label) for the legend, when there is more than one series.
    legend: list[tuple[int, str]] = field(default_factory=list)
    font: int = FONT

    @property
    def bottom(self) -> float:
        return self.top + self.plot_height

    # Where the line is broken: the index of each point that starts a new stretch.
    breaks: set[int] = field(default_factory=set)

    @property
    def path(self) -> str:
        """The line's ``d`` attribute, lifted over the days without a value."""
        return " ".join(
            f"{'M' if n == 0 or n in self.breaks else 'L'}{p.x:.1f},{p.y:.1f}"
            for n, p in enumerate(self.line)
        )


# Gridlines above the zero line.
TICKS = 4


def axis_top(largest: float) -> float:
    """The top of the value axis: ``TICKS`` round steps (1, 2, 5 × 10ⁿ; whole numbers)
    reaching ``largest``: 300 gives 0-100-200-300-400, 7 gives 0-2-4-6-8."""
    step = largest / TICKS
    if step <= 1:
        return TICKS
    power = 10 ** math.floor(math.log10(step))
    for factor in (1, 2, 5, 10):
        if step <= factor * power:
            return factor * power * TICKS
    return 10 * power * TICKS  # pragma: no cover (the loop's last step always holds)


def _y_ticks(chart: Chart, top: float, number: Callable[[float], str]) -> None:
    for n in range(TICKS + 1):
        value = top * n / TICKS
        chart.y_ticks.append(Tick(chart.bottom - chart.plot_height * n / TICKS, number(value)))


def _x_ticks(chart: Chart, labels: Sequence[str], slot: float) -> None:
    every = max(1, math.ceil(len(labels) / MAX_LABELS))
    for n in range(0, len(labels), every):
        chart.x_ticks.append(Tick(chart.left + slot * (n + 0.5), labels[n]))


def stacked_bars(
    *,
    title: str,
    description: str,
    labels: Sequence[str],
    stacks: Sequence[Sequence[float]],
    series: Sequence[str],
    number: Callable[[float], str],
    bar_title: Callable[[int], str],
) -> Chart:
    """A bar per label (a day), each a stack of ``series`` values; ``bar_title(n)`` words
    the n-th bar for its ``<title>``."""
    chart = Chart(title, description)
    top = axis_top(max((sum(stack) for stack in stacks), default=0))
    _y_ticks(chart, top, number)
    slot = chart.plot_width / max(1, len(labels))
    gap = min(slot * 0.2, 4) if slot > 3 else 0
    for n, stack in enumerate(stacks):
        y = chart.bottom
        for index, value in enumerate(stack):
            if value <= 0:
                continue
            height = chart.plot_height * value / top
            y -= height
            chart.bars.append(
                Rect(chart.left + slot * n + gap / 2, y, slot - gap, height, index, bar_title(n))
            )
    _x_ticks(chart, labels, slot)
    if len(series) > 1:
        chart.legend = list(enumerate(series))
    return chart


def line(
    *,
    title: str,
    description: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    number: Callable[[float], str],
    point_title: Callable[[int], str],
    top: float | None = None,
) -> Chart:
    """A line through one value per label (a day); ``None`` leaves a gap. ``top``: the
    axis's end when the values have one (100 for a share in percent), else from the values."""
    chart = Chart(title, description)
    top = top or axis_top(max((v for v in values if v is not None), default=0))
    _y_ticks(chart, top, number)
    slot = chart.plot_width / max(1, len(labels))
    gap = False
    for n, value in enumerate(values):
        if value is None:
            gap = True
            continue
        if gap and chart.line:
            chart.breaks.add(len(chart.line))
        gap = False
        chart.line.append(
            Point(
                chart.left + slot * (n + 0.5),
                chart.bottom - chart.plot_height * value / top,
                point_title(n),
            )
        )
    _x_ticks(chart, labels, slot)
    return chart
