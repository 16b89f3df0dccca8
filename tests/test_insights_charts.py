"""The insights' charts on a phone (issue 33): the SVG drawn for a phone's column with text
of at least 13 units, no text over another, tick labels thinned and a point's long name
moved to the legend; the PNG with a percentage axis in the reader's decimal sign and no
label over another. (The browser measures the rendered sizes: tests/e2e/test_persona_crawl.)"""

import itertools

import pytest
from django.utils import translation

from stegvis.core.disclosure import Cell
from stegvis.insights import charts, exports
from stegvis.insights.survival import Share
from stegvis.insights.variation import funnel

DAYS = (30, 90, 180, 365, 550, 730)
NAMES = ["all", "female", "male", "unknown", "F00-F99", "M00-M99", "J00-J99"]


def _group(key: str, n: int, pace: float) -> dict:
    """A curve through DAYS, a share `pace` of those left returning in each interval."""
    table, left = [], 1.0
    for day in DAYS:
        left *= 1 - pace
        table.append({"day": day, "survival": left, "ci_lower": left * 0.9,
                      "ci_upper": min(1, left * 1.1)})  # fmt: skip
    shares = {
        day: Share(n, 1 - row["survival"], 0.03) for day, row in zip(DAYS, table, strict=True)
    }
    return {"key": key, "n": n, "suppressed": False, "table": table, "shares": shares,
            "median_days": 120.0, "median_ci": [100.0, 140.0]}  # fmt: skip


def _groups() -> list[dict]:
    # Close curves, ending near one another: where labels at their ends ran together.
    return [_group(name, 100 - index, 0.30 + index * 0.002) for index, name in enumerate(NAMES)]


def _assert_readable(chart) -> None:
    assert chart.width <= 360 and chart.font >= 13  # ≥ 12 CSS px in a phone's column
    boxes = [text.box for text in chart.texts]
    assert boxes, "a chart with no text on its axes"
    for left, top, right, bottom in boxes:
        assert left >= 0 and right <= chart.width and top >= 0 and bottom <= chart.height
    for (first, a), (second, b) in itertools.combinations(zip(chart.texts, boxes, strict=True), 2):
        assert not charts.overlap(a, b), (first.text, second.text)


def test_the_curves_are_drawn_for_a_phone_their_names_in_a_legend_and_no_text_overlaps():
    chart = charts.km_curves(_groups(), "dagar")
    _assert_readable(chart)
    # The six largest groups are lines; no group's name is written in the chart.
    assert [line.key for line in chart.lines] == NAMES[:6]
    assert not {text.text for text in chart.texts} & set(NAMES)
    ticks = [text.text for text in chart.texts if text.text.isdigit()]
    assert ticks[0] == "0" and 3 <= len(ticks) <= 6  # thinned to fit 340 units


def _funnel(points: dict, region=(1000, 300)):
    return funnel("fmb_exceeded", {key: Cell(n, x) for key, (n, x) in points.items()},
                  Cell(*region))  # fmt: skip


def test_points_close_together_are_marked_without_overlap_and_long_names_are_numbered():
    found = _funnel({f"unit-{index}": (200 + index, 60) for index in range(6)})
    labels = {f"unit-{index}": f"Vårdcentralen nummer {index}" for index in range(6)}
    chart = charts.funnel_chart(found, labels, "fall")
    _assert_readable(chart)
    # Each long name is a number beside its point and named in the legend; a point whose
    # number finds no room is named there too, as not marked.
    assert {dot.key for dot in chart.dots} == {str(index) for index in range(1, 7)}
    assert {dot.label for dot in chart.legend} == set(labels.values())
    marked = [dot for dot in chart.dots if dot.marked]
    assert marked and len(marked) < 6  # six points on one spot cannot all be marked
    assert {text.text for text in chart.texts} >= {dot.key for dot in marked}


def test_a_short_label_is_written_beside_its_point_and_not_repeated_in_the_legend():
    found = _funnel({"me": (40, 10), "other": (900, 280)})
    chart = charts.funnel_chart(found, {"me": "Du"}, "fall")
    _assert_readable(chart)
    (mine,) = [dot for dot in chart.dots if dot.label]
    assert mine.key == "Du" and mine.marked and chart.legend == []


def test_large_volumes_keep_their_tick_labels_apart():
    found = _funnel({"a": (12_345, 3_000), "b": (48_001, 12_000)}, region=(60_346, 15_000))
    _assert_readable(charts.funnel_chart(found, {"a": "Enheten A"}, "fall"))


# The PNG.
def _texts(figure) -> list:
    """Every text of the figure a reader sees, with its box in pixels."""
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    found = []
    for axes in figure.axes:
        for axis in (axes.xaxis, axes.yaxis):
            low, high = sorted(axis.get_view_interval())
            found += [tick.label1 for tick in axis.get_major_ticks()
                      if low - 1e-9 <= tick.get_loc() <= high + 1e-9]  # fmt: skip
        found += [axes.title, axes.xaxis.label, axes.yaxis.label, *axes.texts]
        if axes.get_legend():
            found += axes.get_legend().get_texts()
    return [
        (text.get_text(), text.get_window_extent(renderer))
        for text in found
        if text.get_visible() and text.get_text().strip()
    ]


def _assert_apart(texts) -> None:
    for (first, a), (second, b) in itertools.combinations(texts, 2):
        width = min(a.x1, b.x1) - max(a.x0, b.x0)
        height = min(a.y1, b.y1) - max(a.y0, b.y0)
        assert width <= 0.5 or height <= 0.5, (first, second)


@pytest.mark.parametrize(("language", "half", "share"), [("sv", "12,5 %", "50 %"),
                                                         ("en", "12.5 %", "50 %")])  # fmt: skip
def test_a_png_reads_shares_as_percentages_with_the_readers_decimal_sign(language, half, share):
    with translation.override(language):
        assert exports.percent(0.125) == half and exports.percent(0.5) == share
        figures = [
            exports.km_png(_groups(), "Andel", "dagar", {}),
            exports.funnel_png(
                _funnel({"a": (300, 90), "b": (310, 95), "c": (900, 300)}),
                "Andel",
                "fall",
                {"a": "Vårdcentralen A", "b": "Du"},
            ),
            exports.trend_png(
                [f"2025-{month:02d}" for month in range(1, 13)],
                [Cell(40, 10 + month) for month in range(12)],
                "Andel",
            ),
        ]
        for figure in figures:
            texts = _texts(figure)
            y_labels = [text.get_text() for text in figure.axes[0].get_yticklabels()]
            assert y_labels == ["0 %", "25 %", "50 %", "75 %", "100 %"]
            _assert_apart(texts)
    legend = [text for text, _box in _texts(figures[1])]
    assert "1  Vårdcentralen A" in legend and "Du" in legend  # "Du" beside its point
