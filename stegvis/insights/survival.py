"""Time to return to work as a life table: the share still on sick leave at fixed days since
the start (data/extract.toml: the rehabilitation chain's days), with its 95 % confidence
interval and the numbers at risk, and the cumulative incidence of return to work with other
exits competing.

Why not a step at every day someone returned, as Kaplan and Meier draw it: each step tells
how many returned that day, one person at a time, and the rule is that no count of 1–4
people can be worked out. Between two of the fixed days the cases that returned, left
otherwise or were still on leave when last seen are counted together, and those counts are
cells (stegvis.core.disclosure) protected with every other curve's, the way a table's rows
and columns are: every split of the reader's cases (all, unit, diagnosis group, sex, age
band, the unknown group of each included) adds up to the curve of all cases, interval by
interval. A curve stops at its first hidden interval; a group whose own count is hidden
is named with no curve at all.

Within an interval the estimate is the actuarial one (Cutler–Ederer): those who left
otherwise count as at risk for half of it. S(t_k) = Π (1 - d_j / (n_j - w_j / 2)); its
interval is Greenwood's on the log(-log) scale; the median is read where the curve crosses
one half, between the days on either side. The cumulative incidence of each cause is
Σ S_all(t_{j-1}) d_{k,j} / (n_j - c_j / 2), where S_all counts any exit (Aalen–Johansen
on the same intervals): the same figures on every run and for every analyst."""

import math
from collections import defaultdict
from dataclasses import dataclass

from stegvis.core.disclosure import Cell, Line, protect
from stegvis.insights.definitions import rules

RTW, OTHER_EXIT = "rtw", "other_exit"
SEXES = ("female", "male")
UNKNOWN = "unknown"
# The splits a reader may ask for; "all" is each split's total.
DIMENSIONS = ("unit", "diagnosis_group", "sex", "age_band")
Z = 1.959963984540054


@dataclass(frozen=True)
class Observation:
    key: dict  # the case's group in each dimension
    days: int
    outcome: str


def observations_of(rows, *, wide_ages: bool = False) -> list[Observation]:
    """The extract's rows (a queryset) as observations with their groups; with `wide_ages`,
    each in the wide age band the region's file gives (release.level_of)."""
    values = rows.values_list(
        "start_date", "end_date", "outcome", "organisation", "diagnosis_group", "sex", "age_band"
    )
    found = []
    for start, end, outcome, unit, diagnosis, sex, band in values.iterator(chunk_size=5000):
        key = {
            "unit": unit,
            "diagnosis_group": diagnosis or UNKNOWN,
            "sex": sex if sex in SEXES else UNKNOWN,
            "age_band": (rules().wide_age_band(band) if wide_ages and band else band) or UNKNOWN,
        }
        found.append(Observation(key, (end - start).days, outcome))
    return found


def interval_of(days: int, curve_days) -> int:
    """The interval a case left in: 0 up to the first day, ... , the last is after them all."""
    for index, day in enumerate(curve_days):
        if days <= day:
            return index
    return len(curve_days)


@dataclass
class Curve:
    """One group's curve: its count (n cases, x back at work, the other exits split off)
    and one cell per interval of those who left in it."""

    dimension: str
    key: object  # the group: a unit's pk, a diagnosis group, a sex, an age band, or "all"
    total: Cell
    steps: list[Cell]  # the intervals, the last one after the last day
    # The same counts with other exits apart from those still on leave, for the competing
    # incidence (protected after, and never less than, the curve itself).
    total_apart: Cell
    steps_apart: list[Cell]


def _cells(counts: list[list[int]]) -> tuple[Cell, list[Cell], Cell, list[Cell]]:
    """From [left, back, other exits] per interval: the curve's cells, twice."""
    steps = [Cell(left, back) for left, back, _other in counts]
    apart = [Cell(left, back, split=(other,)) for left, back, other in counts]
    total = [sum(column) for column in zip(*counts, strict=True)]
    return (
        Cell(total[0], total[1]),
        steps,
        Cell(total[0], total[1], split=(total[2],)),
        apart,
    )


def curves_of(observations: list[Observation]) -> dict:
    """Every curve a reader may ask for, {(dimension, key): Curve}, protected together."""
    curve_days = rules().curve_days
    width = len(curve_days) + 1
    counts: dict = defaultdict(lambda: [[0, 0, 0] for _ in range(width)])
    for observation in observations:
        step = interval_of(observation.days, curve_days)
        groups = [("all", "all"), *((d, observation.key[d]) for d in DIMENSIONS)]
        for group in groups:
            cell = counts[group][step]
            cell[0] += 1
            cell[1] += observation.outcome == RTW
            cell[2] += observation.outcome == OTHER_EXIT
    if not counts:
        return {}
    curves = {
        group: Curve(group[0], group[1], *_cells(counted)) for group, counted in counts.items()
    }
    _protect(curves, apart=False)
    for curve in curves.values():
        curve.total_apart.hidden = curve.total.hidden
        for step, apart in zip(curve.steps, curve.steps_apart, strict=True):
            apart.hidden = step.hidden
    _protect(curves, apart=True)
    return curves


def _protect(curves: dict, *, apart: bool) -> None:
    """Each curve adds up over its intervals, each split of the cases adds up to the curve
    of all cases interval by interval, and its groups' counts to theirs."""

    def total(curve):
        return curve.total_apart if apart else curve.total

    def steps(curve):
        return curve.steps_apart if apart else curve.steps

    everyone = curves[("all", "all")]
    lines = [Line(steps(curve), total(curve)) for curve in curves.values()]
    follows = {}
    for curve in curves.values():
        follows[total(curve)] = steps(curve)
        for earlier, later in zip(steps(curve), steps(curve)[1:], strict=False):
            follows[earlier] = [later]
    for dimension in DIMENSIONS:
        split = [curve for curve in curves.values() if curve.dimension == dimension]
        lines.append(Line([total(curve) for curve in split], total(everyone)))
        for index, whole in enumerate(steps(everyone)):
            lines.append(Line([steps(curve)[index] for curve in split], whole))
    protect(lines, follows=follows)


def _number(value: float | None) -> float | None:
    if value is None or math.isinf(value) or math.isnan(value):
        return None
    return round(value, 4)


def _interval(survival: float, variance_sum: float) -> tuple[float | None, float | None]:
    """Greenwood's 95 % interval on the log(-log) scale (None where it is not defined)."""
    if survival <= 0 or survival >= 1:
        return (None, None)
    spread = Z * math.sqrt(variance_sum) / abs(math.log(survival))
    return (survival ** math.exp(spread), survival ** math.exp(-spread))


def _crossing(points: list[tuple[int, float | None]]) -> float | None:
    """The day a falling curve crosses one half, read between the days on either side."""
    before_day, before = 0, 1.0
    for day, value in points:
        if value is None:
            return None
        if value <= 0.5:
            if before == value:
                return float(day)
            return before_day + (before - 0.5) / (before - value) * (day - before_day)
        before_day, before = day, value
    return None


def life_table(curve: Curve, competing: bool = False, names: dict | None = None) -> dict:
    """The curve's published figures, up to its first hidden interval. A unit's curve is
    named by `names` (pk -> name)."""
    curve_days = rules().curve_days
    key = (names or {}).get(curve.key, curve.key) if curve.dimension == "unit" else curve.key
    if curve.total.hidden:
        return {"key": key, "n": None, "suppressed": True, "table": [], "shares": {}}
    at_risk, survival, variance_sum = curve.total.n, 1.0, 0.0
    table, shares = [], {}
    for day, step in zip(curve_days, curve.steps, strict=False):
        if step.hidden:
            break
        back, away = step.x, step.n - step.x
        exposed = at_risk - away / 2
        if back:
            survival *= 1 - back / exposed
            if exposed > back:
                variance_sum += back / (exposed * (exposed - back))
        lower, upper = _interval(survival, variance_sum)
        table.append(
            {
                "day": day,
                "survival": _number(survival),
                "ci_lower": _number(lower),
                "ci_upper": _number(upper),
                "at_risk": at_risk,
                "events": back,
            }
        )
        shares[day] = Share(curve.total.n, 1 - survival, survival * math.sqrt(variance_sum))
        at_risk -= step.n
    found = {
        "key": key,
        "n": curve.total.n,
        "suppressed": False,
        "median_days": _number(_crossing([(row["day"], row["survival"]) for row in table])),
        "median_ci": [
            _number(_crossing([(row["day"], row["ci_lower"]) for row in table])),
            _number(_crossing([(row["day"], row["ci_upper"]) for row in table])),
        ],
        "table": table,
        "shares": shares,
    }
    if competing:
        found["cumulative_incidence"] = incidence(curve)
    return found


def incidence(curve: Curve) -> dict[str, list[dict]]:
    """Per cause, the cumulative incidence at each day shown (other exits apart from those
    still on leave), up to the first interval hidden for this finer split."""
    curve_days = rules().curve_days
    found: dict[str, list[dict]] = {RTW: [], OTHER_EXIT: []}
    if curve.total_apart.hidden:
        return found
    at_risk, before, cumulative = curve.total_apart.n, 1.0, {RTW: 0.0, OTHER_EXIT: 0.0}
    for day, step in zip(curve_days, curve.steps_apart, strict=False):
        if step.hidden:
            break
        other = step.split[0]
        still = step.n - step.x - other
        exposed = at_risk - still / 2
        for cause, count in ((RTW, step.x), (OTHER_EXIT, other)):
            if exposed > 0:
                cumulative[cause] += before * count / exposed
            found[cause].append({"day": day, "cumulative_incidence": _number(cumulative[cause])})
        if exposed > 0:
            before *= 1 - (step.x + other) / exposed
        at_risk -= step.n
    return found


def time_to_rtw(
    curves: dict, dimension: str = "all", *, competing: bool = False, names: dict | None = None
) -> list[dict]:
    """The published curves of one split (or of all cases), its groups in order."""
    chosen = [curve for curve in curves.values() if curve.dimension == dimension]
    found = [life_table(curve, competing, names) for curve in chosen]
    return sorted(found, key=lambda group: str(group["key"]))


@dataclass(frozen=True)
class Share:
    """The share back at work by a day (1 - survival) with its Greenwood standard error."""

    n: int
    share: float
    se: float

    @property
    def ci(self) -> tuple[float, float]:
        return (max(self.share - 1.96 * self.se, 0.0), min(self.share + 1.96 * self.se, 1.0))


def share_by(curve: dict, day: int) -> Share | None:
    """The share back by `day` (one of the curve's days), if the curve reaches it."""
    return curve.get("shares", {}).get(day)


@dataclass(frozen=True)
class Difference:
    first: Share
    second: Share

    @property
    def points(self) -> float:
        return self.first.share - self.second.share

    @property
    def ci(self) -> tuple[float, float]:
        half = 1.96 * math.hypot(self.first.se, self.second.se)
        return (self.points - half, self.points + half)

    @property
    def could_be_chance(self) -> bool:
        low, high = self.ci
        return low <= 0 <= high
