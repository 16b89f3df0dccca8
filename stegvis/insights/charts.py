"""Curves of time to return as server-side SVG, readable without colour: each group has its
own dash pattern and its name written at the curve's end; the page puts the same numbers in
a table. Coordinates are written with a decimal point whatever the reader's language."""

from dataclasses import dataclass

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 44, 120, 16, 36
DASHES = ("", "8 4", "2 3", "10 3 2 3", "4 4", "1 2")
# More lines than dash patterns cannot be told apart: the largest groups are drawn, and the
# table lists every group.
MOST_LINES = len(DASHES)


@dataclass
class Line:
    key: str
    path: str
    dash: str
    label_x: float
    label_y: float


@dataclass
class Curves:
    lines: list[Line]
    x_ticks: list[tuple[float, int]]
    y_ticks: list[tuple[float, int]]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    top: int = TOP
    right_edge: int = WIDTH - RIGHT
    bottom_edge: int = HEIGHT - BOTTOM


def _x(day: float, last_day: float) -> float:
    return LEFT + (WIDTH - RIGHT - LEFT) * day / (last_day or 1)


def _y(survival: float) -> float:
    return HEIGHT - BOTTOM - (HEIGHT - BOTTOM - TOP) * survival


def _ticks(last_day: int) -> list[int]:
    step = next(s for s in (7, 14, 30, 60, 90, 180, 365, 730) if last_day / s <= 8)
    return list(range(0, last_day + 1, step))


def km_curves(groups: list[dict]) -> Curves | None:
    """The curves of the groups that are shown (not suppressed), each a line through the
    share still on leave at the days its table reaches, from 100 % on the first day:
    straight in between, since when in between each return fell is not told."""
    shown = [g for g in groups if not g["suppressed"] and g["table"]]
    shown = sorted(shown, key=lambda g: -g["n"])[:MOST_LINES]
    if not shown:
        return None
    last_day = max(row["day"] for g in shown for row in g["table"]) or 1
    lines = []
    for index, group in enumerate(shown):
        points, level = [f"M{_x(0, last_day):.1f},{_y(1):.1f}"], 1.0
        for row in group["table"]:
            level = row["survival"] if row["survival"] is not None else level
            points.append(f"L{_x(row['day'], last_day):.1f},{_y(level):.1f}")
        end_day = group["table"][-1]["day"]
        lines.append(
            Line(
                key=group["key"],
                path=" ".join(points),
                dash=DASHES[index % len(DASHES)],
                label_x=_x(end_day, last_day) + 6,
                label_y=_y(level) + 4,
            )
        )
    return Curves(
        lines=lines,
        x_ticks=[(_x(day, last_day), day) for day in _ticks(last_day)],
        y_ticks=[(_y(share / 100), share) for share in (0, 25, 50, 75, 100)],
    )


@dataclass
class FunnelDot:
    x: float
    y: float
    label: str  # the reader's own unit, or a physician of theirs; "" for another unit
    signal: str


@dataclass
class FunnelChart:
    dots: list[FunnelDot]
    mean_y: float
    limit_paths: dict[str, str]  # the 95 % (inner) and 99.8 % (outer) limits as SVG paths
    x_ticks: list[tuple[float, int]]
    y_ticks: list[tuple[float, int]]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    top: int = TOP
    right_edge: int = WIDTH - RIGHT
    bottom_edge: int = HEIGHT - BOTTOM


def funnel_chart(funnel, labels: dict) -> FunnelChart | None:
    """The funnel's points at their volume and share, with its control limits; `labels`
    names the points the reader may know by name."""
    if funnel.mean is None or not funnel.points:
        return None
    top_n = max(p.n for p in funnel.points)
    span_x = WIDTH - RIGHT - LEFT

    def x(n):
        return LEFT + span_x * n / top_n

    def path(name):
        steps = [row for row in funnel.limits if row["n"] <= top_n]
        return " ".join(
            f"{'M' if i == 0 else 'L'}{x(row['n']):.1f},{_y(min(max(row[name], 0), 1)):.1f}"
            for i, row in enumerate(steps)
        )

    step = next(
        s for s in (5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000) if top_n / s <= 8
    )
    return FunnelChart(
        dots=[
            FunnelDot(x(p.n), _y(p.share), labels.get(p.key, ""), p.signal) for p in funnel.points
        ],
        mean_y=_y(funnel.mean),
        limit_paths={
            "inner_low": path("95_low"),
            "inner_high": path("95_high"),
            "outer_low": path("99.8_low"),
            "outer_high": path("99.8_high"),
        },
        x_ticks=[(x(n), n) for n in range(0, top_n + 1, step)],
        y_ticks=[(_y(share / 100), share) for share in (0, 25, 50, 75, 100)],
    )


@dataclass
class Trend:
    points: str  # an SVG polyline, months left to right
    dots: list[tuple[float, float]]
    width: int = 320
    height: int = 60


def trend_line(cells) -> Trend | None:
    """The monthly shares as a small line (months with a hidden or empty cell are gaps)."""
    shown = [(index, cell.share) for index, cell in enumerate(cells) if cell.share is not None]
    if len(shown) < 2:
        return None
    step = 300 / max(len(cells) - 1, 1)
    dots = [(10 + index * step, 55 - 50 * share) for index, share in shown]
    return Trend(" ".join(f"{x:.1f},{y:.1f}" for x, y in dots), dots)
