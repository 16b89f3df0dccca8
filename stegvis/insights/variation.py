"""Practice variation against guidance, shown as funnel plots (Spiegelhalter, Stat Med
2005;24:1185): each unit (or physician) is a point at its volume, and the control limits
are the exact binomial limits around the region's mean at 95 % and 99.8 %. A point outside
them is a signal to look at, not a rank; nothing is ordered by its share.

Three indicators, from the extract:
- cases that ended (back at work or another exit) longer than FMB's most lenient duration
  for their diagnosis, of those ended with an FMB diagnosis;
- certificates of full-time leave where the FMB typical case the physician chose suggests
  part-time, of the cases where one was chosen;
- certificates whose diagnosis–function–activity chain is complete, of all certificates.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from stegvis.core.disclosure import Cell
from stegvis.insights.definitions import rules

LIMITS = {"95": 0.95, "99.8": 0.998}


@dataclass(frozen=True)
class Indicator:
    code: str
    title: object
    better: str  # "lower" or "higher"
    about: object


INDICATORS = {
    "fmb_exceeded": Indicator(
        "fmb_exceeded",
        _("Ended cases longer than FMB's duration"),
        "lower",
        _(
            "Of the cases that ended, with a diagnosis FMB covers: the share that lasted longer "
            "than the longest duration FMB gives for it."
        ),
    ),
    "full_time_where_partial": Indicator(
        "full_time_where_partial",
        _("Full-time leave where FMB suggests part-time"),
        "lower",
        _(
            "Of the cases whose certificates name an FMB typical case: the share with full-time "
            "leave where that typical case suggests part-time."
        ),
    ),
    "dfa_complete": Indicator(
        "dfa_complete",
        _("Certificates with a complete diagnosis–function–activity chain"),
        "higher",
        _(
            "Of all certificates: the share that describe both the impaired function and the "
            "limited activity, each in words of its own."
        ),
    ),
}


@dataclass
class Point:
    key: object
    n: int
    x: int
    share: float
    signal: str  # "high_998", "high_95", "within", "low_95", "low_998"


@dataclass
class Funnel:
    indicator: Indicator
    mean: float | None
    points: list[Point]
    hidden: int  # groups not shown (too few, or to protect one that is)
    limits: list[dict]  # {"n", "95_low", "95_high", "99.8_low", "99.8_high"} along the volume


def limits_at(n: int, mean: float) -> dict:
    """The exact binomial limits of a share at volume `n` around `mean`."""
    from scipy.stats import binom  # here, not at the top: a second to import, for every process

    found = {"n": n}
    for name, level in LIMITS.items():
        tail = (1 - level) / 2
        found[f"{name}_low"] = float(binom.ppf(tail, n, mean)) / n
        found[f"{name}_high"] = float(binom.ppf(1 - tail, n, mean)) / n
    return found


def _signal(point_share: float, limits: dict) -> str:
    if point_share > limits["99.8_high"]:
        return "high_998"
    if point_share > limits["95_high"]:
        return "high_95"
    if point_share < limits["99.8_low"]:
        return "low_998"
    if point_share < limits["95_low"]:
        return "low_95"
    return "within"


def funnel(code: str, groups: dict, region: Cell) -> Funnel:
    """The indicator's points, a protected cell per group (a unit, or a physician), with
    limits around the share of `region`. A hidden group is counted, never drawn."""
    indicator = INDICATORS[code]
    smallest = rules().smallest_cell
    mean = region.share
    points, hidden = [], 0
    for group, cell in groups.items():
        if cell.hidden:
            hidden += 1
            continue
        if not cell.n:
            continue
        signal = _signal(cell.share, limits_at(cell.n, mean)) if mean is not None else "within"
        points.append(Point(group, cell.n, cell.x, cell.share, signal))
    points.sort(key=lambda p: (p.n, str(p.key)))  # by volume, never by share
    top = max([p.n for p in points] + [smallest])
    steps = sorted({max(smallest, round(top * i / 40)) for i in range(1, 41)})
    curve = [limits_at(n, mean) for n in steps] if mean is not None else []
    return Funnel(indicator, mean, points, hidden, curve)


def variation(figures, code: str, by_physician: bool = False) -> Funnel:
    """Units of the reader's region, or (for a unit manager) the physicians of their units,
    around the region's share; from the measure's protected figures."""
    if by_physician:
        physicians = {key: cell for key, cell in figures.by_physician.items() if key}
        return funnel(code, physicians, figures.region_total)
    return funnel(code, figures.region_units, figures.region_total)
