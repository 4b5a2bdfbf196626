"""``web.charts``: the geometry of the Reports page's charts."""

from __future__ import annotations

import pytest

from sportello.web import charts


@pytest.mark.parametrize(
    ("largest", "top"), [(0, 4), (3, 4), (7, 8), (10, 20), (300, 400), (380, 400), (1001, 2000)]
)
def test_the_value_axis_ends_on_round_steps(largest, top):
    assert charts.axis_top(largest) == top


def test_stacked_bars_stand_on_the_axis_and_reach_their_sums():
    chart = charts.stacked_bars(
        title="t",
        description="d",
        labels=["1", "2", "3"],
        stacks=[[2, 1], [0, 0], [4, 0]],
        series=["Email", "Chat"],
        number=str,
        bar_title=lambda n: f"bar {n}",
    )

    # top 4 (a step of 1): 3 of 4 for the first bar, the whole plot for the third.
    assert [b.series for b in chart.bars] == [0, 1, 0]
    first, second, third = chart.bars
    assert first.y + first.height == pytest.approx(chart.bottom)
    assert second.y + second.height == pytest.approx(first.y)
    assert first.height + second.height == pytest.approx(chart.plot_height * 3 / 4)
    assert third.height == pytest.approx(chart.plot_height)
    assert [t.label for t in chart.y_ticks] == ["0.0", "1.0", "2.0", "3.0", "4.0"]
    assert chart.legend == [(0, "Email"), (1, "Chat")]
    assert all(b.x + b.width <= chart.left + chart.plot_width + 0.01 for b in chart.bars)


def test_ninety_days_get_at_most_six_labels_and_a_line_through_each_day():
    labels = [str(n) for n in range(90)]

    chart = charts.line(
        title="t",
        description="d",
        labels=labels,
        values=[n % 7 for n in range(90)],
        number=str,
        point_title=str,
    )

    assert len(chart.x_ticks) <= charts.MAX_LABELS
    assert len(chart.line) == 90
    assert chart.path.startswith("M") and chart.path.count("L") == 89
    assert min(p.y for p in chart.line) >= chart.top


@pytest.mark.parametrize(
    ("seconds", "italian"),
    [
        (None, "—"),
        (42.4, "42 s"),
        (1200, "20 min"),
        (7200, "2 h"),
        (7260, "2 h 1 min"),
        (86400 * 2, "2 g"),
        (86400 + 3 * 3600 + 59, "1 g 3 h"),
    ],
)
def test_durations_in_two_units_at_most(seconds, italian):
    from django.utils import translation

    from sportello.web.report_page import duration

    with translation.override("it"):
        assert duration(seconds) == italian


def test_numbers_in_the_agents_language():
    from django.utils import translation

    from sportello.web.report_page import number, percent

    with translation.override("it"):
        assert (number(1234), percent(0.125), percent(None)) == ("1.234", "12,5%", "—")
    with translation.override("en"):
        assert (number(1234), percent(0.125)) == ("1,234", "12.5%")


def test_a_day_without_a_value_breaks_the_line():
    chart = charts.line(
        title="t",
        description="d",
        labels=["1", "2", "3", "4"],
        values=[10, None, 20, 30],
        number=str,
        point_title=str,
    )

    assert len(chart.line) == 3
    assert chart.path.count("M") == 2 and chart.path.count("L") == 1


def test_a_figure_is_compared_with_as_many_days_before():
    from django.utils import translation

    from sportello.web.report_page import change, change_in_points

    with translation.override("it"):
        more = change(12, 10, 30)
        faster = change(45 * 60, 60 * 60, 7, lower_is_better=True)
        slower = change(90, 60, 1, lower_is_better=True)
        better_share = change_in_points(0.8, 0.75, 7)
    assert (more.text, more.tone) == ("+20% rispetto ai 30 giorni precedenti", "")
    assert (faster.text, faster.tone) == ("\u221225% rispetto ai 7 giorni precedenti", "good")
    assert (slower.text, slower.tone) == ("+50% rispetto al giorno precedente", "bad")
    assert (better_share.text, better_share.tone) == (
        "+5 punti rispetto ai 7 giorni precedenti",
        "good",
    )
    assert change(5, 0, 7) is None and change(None, 5, 7) is None
    assert change_in_points(None, 0.5, 7) is None
