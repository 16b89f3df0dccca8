"""Time to return to work from the extract's rows: Kaplan–Meier (lifelines) with its 95 %
confidence interval and numbers at risk, and the cumulative incidence of return to work
with other exits as competing events (Aalen–Johansen).

Time zero is `start_date`; the event is `outcome = rtw`; anything else is censored at
`end_date`, so an analyst who fits lifelines' KaplanMeierFitter to the CSV gets the same
numbers. The cumulative incidence is computed from the same fit's event table by the
Aalen–Johansen formula, CIF_k(t) = Σ S(u-) d_k(u) / n(u) over u ≤ t, where S is the
survival from any exit: lifelines' AalenJohansenFitter breaks tied days with random jitter,
and the figures must be the same on every run and for every analyst."""

import math
from collections import defaultdict
from dataclasses import dataclass

from stegvis.insights.rules import rules

RTW, OTHER_EXIT = "rtw", "other_exit"


@dataclass(frozen=True)
class Observation:
    key: str
    days: int
    outcome: str


def observations_of(rows, field: str | None) -> list[Observation]:
    """The extract's rows (a queryset) as observations, in groups by `field` (None: one)."""
    values = rows.values_list("start_date", "end_date", "outcome", *((field,) if field else ()))
    return [
        Observation((row[3] or "unknown") if field else "all", (row[1] - row[0]).days, row[2])
        for row in values.iterator(chunk_size=5000)
    ]


def _number(value) -> float | None:
    value = float(value)
    return None if math.isinf(value) or math.isnan(value) else round(value, 4)


def _kaplan_meier(days: list[int], events: list[bool]):
    from lifelines import KaplanMeierFitter  # a heavy import, paid only when asked

    fitter = KaplanMeierFitter(alpha=0.05)
    fitter.fit(days, event_observed=events)
    return fitter


def _median_ci(fitter) -> list[float | None]:
    from lifelines.utils import median_survival_times

    bounds = median_survival_times(fitter.confidence_interval_)
    return [_number(v) for v in bounds.iloc[0].tolist()]


def _incidence(days: list[int], outcomes: list[str]) -> dict[str, list[dict]]:
    """Per cause, the cumulative incidence at each day an event of that cause happened."""
    fitter = _kaplan_meier(days, [o in (RTW, OTHER_EXIT) for o in outcomes])
    events = defaultdict(lambda: defaultdict(int))
    for day, outcome in zip(days, outcomes, strict=True):
        if outcome in (RTW, OTHER_EXIT):
            events[day][outcome] += 1
    table = fitter.event_table
    survival = fitter.survival_function_.iloc[:, 0]
    cumulative = {RTW: 0.0, OTHER_EXIT: 0.0}
    curves: dict[str, list[dict]] = {RTW: [], OTHER_EXIT: []}
    before = 1.0  # S(u-): the survival just before the day
    for day in table.index:
        at_risk = int(table.loc[day, "at_risk"])
        for cause in (RTW, OTHER_EXIT):
            count = events[day][cause]
            if count:
                cumulative[cause] += before * count / at_risk
                curves[cause].append(
                    {"day": int(day), "cumulative_incidence": _number(cumulative[cause])}
                )
        before = float(survival.loc[day])
    return curves


def group_curve(key: str, observations: list[Observation], competing: bool) -> dict:
    days = [o.days for o in observations]
    outcomes = [o.outcome for o in observations]
    fitter = _kaplan_meier(days, [o == RTW for o in outcomes])
    table = fitter.event_table
    # Whole columns at once: a lookup per day and column costs more than the fit itself.
    columns = zip(
        table.index.to_numpy(),
        fitter.survival_function_.iloc[:, 0].to_numpy(),
        fitter.confidence_interval_.iloc[:, 0].to_numpy(),
        fitter.confidence_interval_.iloc[:, 1].to_numpy(),
        table["at_risk"].to_numpy(),
        table["observed"].to_numpy(),
        strict=True,
    )
    rows = [
        {
            "day": int(day),
            "survival": _number(survival),
            "ci_lower": _number(lower),
            "ci_upper": _number(upper),
            "at_risk": int(at_risk),
            "events": int(events),
        }
        for day, survival, lower, upper, at_risk, events in columns
    ]
    curve = {
        "key": key,
        "n": len(observations),
        "suppressed": False,
        "median_days": _number(fitter.median_survival_time_),
        "median_ci": _median_ci(fitter),
        "table": rows,
    }
    if competing:
        curve["cumulative_incidence"] = _incidence(days, outcomes)
    return curve


def time_to_rtw(observations: list[Observation], *, competing: bool = False) -> list[dict]:
    """One curve per group; a group of fewer people than the smallest cell is named with its
    size withheld and no curve."""
    groups: dict[str, list[Observation]] = defaultdict(list)
    for observation in observations:
        groups[observation.key].append(observation)
    smallest = rules().smallest_cell
    found = []
    for key in sorted(groups):
        members = groups[key]
        if len(members) < smallest:
            found.append({"key": key, "n": None, "suppressed": True, "table": []})
        else:
            found.append(group_curve(key, members, competing))
    return found


@dataclass(frozen=True)
class Share:
    """The share back at work by a day (1 - Kaplan–Meier survival) with its Greenwood
    standard error."""

    n: int
    share: float
    se: float

    @property
    def ci(self) -> tuple[float, float]:
        return (max(self.share - 1.96 * self.se, 0.0), min(self.share + 1.96 * self.se, 1.0))


def share_by(table: list[dict], n: int, day: int) -> Share:
    """The share back by `day` from a curve's table (its at-risk and event counts)."""
    survival, greenwood = 1.0, 0.0
    for row in table:
        if row["day"] > day:
            break
        at_risk, events = row["at_risk"], row["events"]
        if events:
            survival *= 1 - events / at_risk
            if at_risk > events:
                greenwood += events / (at_risk * (at_risk - events))
    return Share(n, 1 - survival, survival * math.sqrt(greenwood))


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
