"""Server-side SVG trend charts: small multiples, one per measure, readable without colour.

Each chart draws the values as a line with markers, the sick-leave degree as shaded bands
labelled with their percent, and milestones as numbered dashed lines, so nothing depends on
telling colours apart. Pages put a table with the same numbers beside them.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

WIDTH, HEIGHT = 640, 170
LEFT, RIGHT, TOP, BOTTOM = 36, 12, 22, 28


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


@dataclass
class Mark:
    x: float
    number: int
    title: str
    day: date


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
    first_monday = scale.start + timedelta(days=(7 - scale.start.weekday()) % 7)
    ticks, day = [], first_monday
    step = 7 if scale.days <= 70 else 14 if scale.days <= 140 else 28
    while day <= scale.end:
        ticks.append((scale.x(day), day.strftime("%-d/%-m")))
        day += timedelta(days=step)
    return ticks


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
    marks = [
        Mark(scale.x(d), n, t, d)
        for n, (d, t) in enumerate(sorted(milestones), start=1)
        if start <= d <= end
    ]
    step = (high - low) / 2
    y_ticks = [(scale.y(low + i * step), f"{low + i * step:g}") for i in range(3)]
    return Chart(title, high, points, bands, marks, _week_ticks(scale), y_ticks)
