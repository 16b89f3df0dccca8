"""Curves of time to return and funnel plots as server-side SVG, readable without colour and
on a phone: each group has its own dash pattern, named in a legend beside the chart; the
page puts the same numbers in a table. Coordinates are written with a decimal point
whatever the reader's language.

The charts are drawn in a box the size of a phone's column (WIDTH units wide, scaled to the
column), so that text of FONT units reads at about FONT CSS px there. Every text is placed
here, with its box, so that none overlaps another: tick labels are thinned, and a point's
label that finds no free place beside it is left to the legend and the table."""

from dataclasses import dataclass, field

WIDTH, HEIGHT = 340, 230
FONT = 14
LEFT, RIGHT, TOP, BOTTOM = 56, 14, 12, 46
# Wider than most glyphs of a sans-serif face are, in ems: a box estimated with it holds
# the text drawn.
GLYPH = 0.66
GAP = 6  # the least space between two texts
DASHES = ("", "8 4", "2 3", "10 3 2 3", "4 4", "1 2")
# More lines than dash patterns cannot be told apart: the largest groups are drawn, and the
# table lists every group.
MOST_LINES = len(DASHES)
PLOT_RIGHT, PLOT_BOTTOM = WIDTH - RIGHT, HEIGHT - BOTTOM


@dataclass
class Text:
    """A text of the chart: (x, y) is its anchor on the baseline."""

    x: float
    y: float
    text: str
    anchor: str = "middle"  # "start", "middle" or "end", as SVG's text-anchor

    @property
    def box(self) -> tuple[float, float, float, float]:
        """(left, top, right, bottom), estimated generously."""
        width = len(self.text) * GLYPH * FONT
        left = {"start": self.x, "middle": self.x - width / 2, "end": self.x - width}[self.anchor]
        return (left, self.y - 0.95 * FONT, left + width, self.y + 0.3 * FONT)


def overlap(first: tuple, second: tuple, gap: float = 0) -> bool:
    """Whether two boxes (left, top, right, bottom) come closer than `gap`."""
    return not (
        first[2] + gap <= second[0]
        or second[2] + gap <= first[0]
        or first[3] + gap <= second[1]
        or second[3] + gap <= first[1]
    )


def _thinned(ticks: list[Text], taken: list[tuple]) -> list[Text]:
    """Tick labels left to right, leaving out each that would come too close to the last
    one kept or to a text placed before (`taken`), or run out of the chart."""
    kept: list[Text] = []
    for tick in ticks:
        left, _top, right, _bottom = tick.box
        if left < 0 or right > WIDTH:
            continue
        if kept and overlap(kept[-1].box, tick.box, GAP):
            continue
        if any(overlap(box, tick.box, 2) for box in taken):
            continue
        kept.append(tick)
    return kept


def _axes(x_ticks: list[tuple[float, int]], y_ticks: list[tuple[float, int]], x_title: str):
    """The axes' texts: shares on the left, the x ticks below, the x axis's name under them."""
    y_texts = [Text(LEFT - 8, y + FONT * 0.35, f"{share} %", "end") for y, share in y_ticks]
    x_texts = _thinned(
        [Text(x, PLOT_BOTTOM + 20, str(value)) for x, value in x_ticks],
        [text.box for text in y_texts],
    )
    title = Text(PLOT_RIGHT, HEIGHT - 6, x_title, "end")
    return [*y_texts, *x_texts, title], [x for x, _value in x_ticks]


def _y(survival: float) -> float:
    return PLOT_BOTTOM - (PLOT_BOTTOM - TOP) * survival


Y_TICKS = [(_y(share / 100), share) for share in (0, 25, 50, 75, 100)]


def _step(top: float, choices: tuple[int, ...], widest: int) -> int:
    """The smallest step of `choices` whose ticks, up to `top`, leave room for their labels."""
    room = widest * GLYPH * FONT + GAP
    for step in choices:
        if (PLOT_RIGHT - LEFT) * step / (top or 1) >= room:
            return step
    return choices[-1]


@dataclass
class Line:
    key: str
    path: str
    dash: str


@dataclass
class Chart:
    """What a chart's SVG draws besides its data: the grid's y, the ticks' x, every text."""

    texts: list[Text]
    grid_y: list[float] = field(default_factory=lambda: [y for y, _share in Y_TICKS])
    tick_x: list[float] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    font: int = FONT
    left: int = LEFT
    top: int = TOP
    right_edge: int = PLOT_RIGHT
    bottom_edge: int = PLOT_BOTTOM


@dataclass
class Curves(Chart):
    lines: list[Line] = field(default_factory=list)


def km_curves(groups: list[dict], x_title: str = "") -> Curves | None:
    """The curves of the groups that are shown (not suppressed), each a line through the
    share still on leave at the days its table reaches, from 100 % on the first day:
    straight in between, since when in between each return fell is not told."""
    shown = [g for g in groups if not g["suppressed"] and g["table"]]
    shown = sorted(shown, key=lambda g: -g["n"])[:MOST_LINES]
    if not shown:
        return None
    last_day = max(row["day"] for g in shown for row in g["table"]) or 1

    def x(day: float) -> float:
        return LEFT + (PLOT_RIGHT - LEFT) * day / last_day

    lines = []
    for index, group in enumerate(shown):
        points, level = [f"M{x(0):.1f},{_y(1):.1f}"], 1.0
        for row in group["table"]:
            level = row["survival"] if row["survival"] is not None else level
            points.append(f"L{x(row['day']):.1f},{_y(level):.1f}")
        lines.append(Line(group["key"], " ".join(points), DASHES[index % len(DASHES)]))
    step = _step(last_day, (7, 14, 30, 60, 90, 180, 365, 730), len(str(last_day)))
    texts, tick_x = _axes([(x(day), day) for day in range(0, last_day + 1, step)], Y_TICKS, x_title)
    return Curves(texts=texts, tick_x=tick_x, lines=lines)


@dataclass
class FunnelDot:
    x: float
    y: float
    label: str  # the reader's own unit, or a physician of theirs; "" for another unit
    signal: str
    key: str = ""  # what the chart writes beside it: the label itself if short, else a number
    marked: bool = False  # whether the key found room beside the point
    key_text: Text | None = None


@dataclass
class FunnelChart(Chart):
    dots: list[FunnelDot] = field(default_factory=list)
    mean_y: float = 0.0
    # The 95 % (inner) and 99.8 % (outer) limits as SVG paths.
    limit_paths: dict[str, str] = field(default_factory=dict)

    @property
    def legend(self) -> list[FunnelDot]:
        """The labelled points whose key is not their name, or that the chart could not mark."""
        return [dot for dot in self.dots if dot.label and (dot.key != dot.label or not dot.marked)]


SHORT = 4  # a label this long is written beside its point; a longer one goes by number


def _mark(dots: list[FunnelDot], taken: list[tuple]) -> None:
    """Each labelled point's key beside it, right, left, above or below, where it stays in
    the plot and clear of every text placed so far; a key with no such place is left out."""
    for dot in dots:
        if not dot.label:
            continue
        for dx, dy, anchor in ((8, 5, "start"), (-8, 5, "end"), (0, -9, "middle"),
                               (0, 19, "middle")):  # fmt: skip
            text = Text(dot.x + dx, dot.y + dy, dot.key, anchor)
            left, top, right, bottom = text.box
            inside = left >= LEFT and right <= WIDTH and top >= 0 and bottom <= PLOT_BOTTOM
            if inside and not any(overlap(text.box, box, 2) for box in taken):
                taken.append(text.box)
                dot.marked = True
                dot.key_text = text
                break


def funnel_chart(funnel, labels: dict, x_title: str = "") -> FunnelChart | None:
    """The funnel's points at their volume and share, with its control limits; `labels`
    names the points the reader may know by name."""
    if funnel.mean is None or not funnel.points:
        return None
    top_n = max(p.n for p in funnel.points)

    def x(n):
        return LEFT + (PLOT_RIGHT - LEFT) * n / top_n

    def path(name):
        steps = [row for row in funnel.limits if row["n"] <= top_n]
        return " ".join(
            f"{'M' if i == 0 else 'L'}{x(row['n']):.1f},{_y(min(max(row[name], 0), 1)):.1f}"
            for i, row in enumerate(steps)
        )

    choices = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000)
    step = _step(top_n, choices, len(str(top_n)))
    texts, tick_x = _axes([(x(n), n) for n in range(0, top_n + 1, step)], Y_TICKS, x_title)
    dots, number = [], 0
    for point in funnel.points:
        label = str(labels.get(point.key, ""))
        key = label
        if len(label) > SHORT:
            number += 1
            key = str(number)
        dots.append(FunnelDot(x(point.n), _y(point.share), label, point.signal, key))
    taken = [text.box for text in texts]
    # The largest points first: they are the surest, and the ones a reader looks for.
    _mark(sorted(dots, key=lambda dot: -dot.x), taken)
    texts += [dot.key_text for dot in dots if dot.marked]
    return FunnelChart(
        texts=texts,
        tick_x=tick_x,
        dots=dots,
        mean_y=_y(funnel.mean),
        limit_paths={
            "inner_low": path("95_low"),
            "inner_high": path("95_high"),
            "outer_low": path("99.8_low"),
            "outer_high": path("99.8_high"),
        },
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
