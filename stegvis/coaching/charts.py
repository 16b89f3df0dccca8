"""Server-side SVG trend charts: small multiples, one per measure, readable without colour.

Each chart draws the values as a line with markers, the sick-leave degree as shaded bands
labelled with their percent, and milestones as numbered dashed lines, so nothing depends on
telling colours apart. Pages put a table with the same numbers beside them.

A chart is drawn as wide as a phone's column (340 units, text 16), so that in a card at
390 px its text renders at about 13 px; labels that would touch are left out (the table
has them all).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import pairwise

from django.utils import dateformat
from django.utils.formats import get_format_modules
from django.utils.translation import get_language

WIDTH, HEIGHT = 340, 200
LEFT, RIGHT, TOP, BOTTOM = 44, 10, 30, 32
FONT = 16


# The width a label takes, in units: digits and "/" or "%" at about 0.6 em, and a gap.
def label_width(text: str) -> float:
    return len(text) * FONT * 0.6 + 6


@dataclass
class Point:
    x: float
    y: float
    day: date
    value: float


@dataclass
class BandBox:
    x: float
    width: float
    degree: int
    opacity: float
    # Written above the band only where it fits; every band has its title.
    labelled: bool = True


@dataclass
class Mark:
    x: float
    number: int
    title: str
    day: date
    labelled: bool = True


@dataclass
class Chart:
    title: str
    unit_max: float
    points: list[Point]
    bands: list[BandBox] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    ticks: list[tuple[float, str]] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    width: int = WIDTH
    font: int = FONT
    height: int = HEIGHT
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    top: int = TOP
    bottom_edge: int = HEIGHT - BOTTOM

    @property
    def plot_height(self) -> int:
        return self.bottom_edge - self.top

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


class Scale:
    def __init__(self, start: date, end: date, low: float, high: float):
        self.start, self.end, self.low, self.high = start, end, low, high
        self.days = max((end - start).days, 1)

    def x(self, day: date) -> float:
        span = WIDTH - RIGHT - LEFT
        return LEFT + span * min(max((day - self.start).days, 0), self.days) / self.days

    def y(self, value: float) -> float:
        span = HEIGHT - BOTTOM - TOP
        return HEIGHT - BOTTOM - span * (value - self.low) / ((self.high - self.low) or 1)


def _week_ticks(scale: Scale) -> list[tuple[float, str]]:
    """Mondays, a week or more apart: the shortest step whose labels do not touch."""
    first_monday = scale.start + timedelta(days=(7 - scale.start.weekday()) % 7)
    day_format = _chart_day_format()
    for step in (7, 14, 28, 56, 112):
        ticks, day = [], first_monday
        while day <= scale.end:
            label = dateformat.format(day, day_format)
            if scale.x(day) + label_width(label) / 2 <= WIDTH:  # not cut at the right edge
                ticks.append((scale.x(day), label))
            day += timedelta(days=step)
        if _apart(ticks):
            return ticks
    return ticks[:1]


def _chart_day_format() -> str:
    """The reader's language's short day ("15/3", "15.3."), from its format table."""
    for module in get_format_modules(get_language()):
        if hasattr(module, "CHART_DAY_FORMAT"):
            return module.CHART_DAY_FORMAT
    return "j/n"


def _apart(labels: list[tuple[float, str]]) -> bool:
    """Labels centred on their x, none touching the next."""
    return all(
        (x2 - x1) >= (label_width(a) + label_width(b)) / 2 for (x1, a), (x2, b) in pairwise(labels)
    )


def chart(
    title: str,
    values: list[tuple[date, float]],
    start: date,
    end: date,
    *,
    low: float = 0,
    high: float = 10,
    degrees: list[tuple[date, date, int]] = (),
    milestones: list[tuple[date, str]] = (),
) -> Chart:
    """One chart of `values` (day, value) between start and end."""
    scale = Scale(start, end, low, high)
    points = [Point(scale.x(d), scale.y(v), d, v) for d, v in values if start <= d <= end]
    bands = []
    for starts_on, ends_on, degree in degrees:
        if ends_on < start or starts_on > end:
            continue
        x0, x1 = scale.x(max(starts_on, start)), scale.x(min(ends_on, end) + timedelta(days=1))
        # Darker for a higher degree; the label carries the number itself.
        bands.append(BandBox(x0, max(x1 - x0, 1), degree, 0.06 + 0.14 * degree / 100))
    for band in bands:
        band.labelled = band.width >= label_width(f"{band.degree}%")
    marks = [
        Mark(scale.x(d), n, t, d)
        for n, (d, t) in enumerate(sorted(milestones), start=1)
        if start <= d <= end
    ]
    shown_at = None
    for mark in marks:  # a number too close to the last one shown is left to the list
        mark.labelled = shown_at is None or mark.x - shown_at >= label_width(str(mark.number))
        shown_at = mark.x if mark.labelled else shown_at
    step = (high - low) / 2
    y_ticks = [(scale.y(low + i * step), f"{low + i * step:g}") for i in range(3)]
    return Chart(title, high, points, bands, marks, _week_ticks(scale), y_ticks)
