"""The nine measures of practice and of process as figures a reader may be shown: for each
measure, the count of cases (or certificates, questionnaires, check-ins) it applies to (n)
and of those that did what it asks (x), for every group a page, a CSV or a chart shows.

All the groups of one measure are one disclosure problem (stegvis.core.disclosure): the
region's units and their total (the funnel plot), the reader's units and their total, the
months of start of each of them and the "earlier" before (the process table), women, men
and unknown sex, the age bands and unknown (equality), the physicians and the cases with
none (a unit manager's funnel). They share cells, so a unit's figure hidden in one table
is hidden in every other, and every line that adds up is protected, the unknown group
included. Counts the reader sees beside a figure (all the group's cases, on the time to
return page; the cases of a measure whose population holds this one's) are named in the
cell, so that their difference is protected too.

Every figure of a reader is built from five aggregate queries, whatever the number of
cases (and, for the reader of the region's rows, the few that choose its period), and is
remembered until the extract's next refresh (remembered.py).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, DateField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import TruncMonth

from stegvis.core.disclosure import Cell, Line, protect, total_of
from stegvis.insights import process, variation
from stegvis.insights.models import CaseExtract
from stegvis.insights.process import EARLIER
from stegvis.insights.release import (
    age_labels,
    figure_rows,
    level_of,
    period_start,
    region_rows,
    wide_age_band,
    wide_ages,
)

MONTHS = 12
SEXES = ["female", "male"]
UNKNOWN = "unknown"


def _days_after_start(days: int):
    return ExpressionWrapper(F("start_date") + timedelta(days=days), output_field=DateField())


@dataclass(frozen=True)
class Counting:
    """How a measure counts: cases it applies to and that did what it asks, or sums of
    items (certificates, questionnaires, check-ins) per case."""

    applies: Q | None = None
    did: Q | None = None
    items: tuple[str, str] | None = None  # (given, done) columns summed
    # Measures whose cases hold this one's: the difference of the two is a count as well.
    within: tuple[str, ...] = ()
    # What it counts is a fact someone records in Stegvis (a contact, a plan, a meeting
    # held): a group with cases and none of it recorded has no data, not a share of 0 %.
    recorded: bool = False

    @property
    def of_cases(self) -> bool:
        return self.items is None


COUNTING = {
    "fmb_exceeded": Counting(
        Q(outcome__in=("rtw", "other_exit"), fmb_exceeded__isnull=False), Q(fmb_exceeded=True)
    ),
    "full_time_where_partial": Counting(
        Q(full_time_where_partial__isnull=False), Q(full_time_where_partial=True)
    ),
    "dfa_complete": Counting(items=("certificates", "certificates_complete")),
    "plan_by_day_30": Counting(
        Q(plan_by_day_30__isnull=False), Q(plan_by_day_30=True), recorded=True
    ),
    "coordinator_within_14": Counting(
        Q(end_date__gte=_days_after_start(14)),
        Q(first_coordinator_contact__lte=_days_after_start(13)),
        recorded=True,
    ),
    "sip_held": Counting(Q(sip_called__isnull=False), Q(sip_held__isnull=False), recorded=True),
    # Employed cases of 30 days or more: among those of 14 days or more, and past day 30.
    "employer_plan": Counting(
        Q(employed=True, end_date__gte=_days_after_start(30)),
        Q(employer_plan_done__isnull=False),
        within=("coordinator_within_14", "plan_by_day_30"),
        recorded=True,
    ),
    "baseline_answered": Counting(items=("baseline_given", "baseline_answered")),
    "checkin_adherence": Counting(items=("checkins_due", "checkins_answered")),
}
CODES = [*variation.INDICATORS, *process.INDICATORS]
assert set(CODES) == set(COUNTING)  # noqa: S101


def nothing_recorded(code: str, cell: Cell) -> bool:
    """Whether a shown figure of a measure of recorded facts has cases and none of the fact
    recorded: "no data recorded", never "0 %". Read from the figure alone (its x is 0, as
    "0 %" would have said), so it tells nothing the figure did not."""
    return COUNTING[code].recorded and not cell.hidden and cell.n > 0 and cell.x == 0


def aggregates() -> dict:
    """Every measure's n and x, and each group's count of cases, for one annotate()."""
    found = {"cases": Count("pk")}
    for code, counting in COUNTING.items():
        if counting.of_cases:
            found[f"{code}__n"] = Count("pk", filter=counting.applies)
            found[f"{code}__x"] = Count("pk", filter=counting.applies & counting.did)
        else:
            given, done = counting.items
            found[f"{code}__n"] = Sum(given)
            found[f"{code}__x"] = Sum(done)
    return found


def counts(code: str, rows, key: str) -> dict:
    """{group: (n, x)} of one measure by one column, in one aggregate query."""
    found = rows.values(key).annotate(**aggregates())
    return {
        row[key]: (row[f"{code}__n"] or 0, row[f"{code}__x"] or 0)
        for row in found
        if row[f"{code}__n"]
    }


@dataclass
class Figures:
    """One measure's figures for one reader, protected together."""

    code: str
    region_units: dict = field(default_factory=dict)  # unit pk -> Cell (the funnel)
    units: list = field(default_factory=list)  # the reader's units, pks
    total: Cell | None = None  # the reader's units together
    region_total: Cell | None = None  # the region's units together (the funnel's mean)
    by_sex: dict = field(default_factory=dict)  # female, male, unknown -> Cell
    by_age: dict = field(default_factory=dict)  # each band, unknown -> Cell
    months: list = field(default_factory=list)  # the twelve months of start, first days
    # The period the columns are: a month, or for a reader of the region's file the file's
    # own period (release.level_of), each column its first day.
    period: str = "month"
    by_month: dict = field(default_factory=dict)  # (unit pk or None, month or EARLIER) -> Cell
    by_physician: dict = field(default_factory=dict)  # pseudonym ("" for none) -> Cell

    def unit(self, pk) -> Cell:
        return self.region_units[pk]


def _cell(code: str, row: dict | None) -> Cell:
    """The measure's cell from a row of aggregates (None: no case in the group)."""
    if row is None:
        return Cell(0, 0, _within(code, {}))
    return Cell(row[f"{code}__n"] or 0, row[f"{code}__x"] or 0, _within(code, row))


def _within(code: str, row: dict) -> tuple[int, ...]:
    counting = COUNTING[code]
    if not counting.of_cases:
        return ()
    return (row.get("cases") or 0, *(row.get(f"{outer}__n") or 0 for outer in counting.within))


def _sum(code: str, cells) -> Cell:
    cells = list(cells)
    return total_of(cells) if cells else _cell(code, None)


def first_months(as_of: date, period: str = "month") -> list[date]:
    """The first days of the periods over the twelve months up to the one `as_of` is in:
    twelve months, four quarters, two half-years or one year."""
    months_in = {"month": 1, "quarter": 3, "half_year": 6, "year": 12}[period]
    start = period_start(as_of, period)
    found = []
    for _i in range(MONTHS // months_in):
        found.append(start)
        start = period_start(start - timedelta(days=1), period)
    return sorted(found)


def _month_of(value) -> date:
    return value.date() if hasattr(value, "date") else value


def _grouped(rows, key: str) -> dict:
    return {row[key]: row for row in rows.values(key).annotate(**aggregates())}


def _by_group(code: str, found: dict, groups: list[str]) -> dict:
    """Cells of the named groups, every other value (blank, unexpected) as "unknown"."""
    cells = {group: _cell(code, found.get(group)) for group in groups}
    others = [_cell(code, row) for value, row in found.items() if value not in groups]
    cells[UNKNOWN] = _sum(code, others)
    return cells


@dataclass
class _Queried:
    """The aggregates of every measure, by each grouping a page shows."""

    region: dict
    sex: dict
    age: dict
    age_labels: list
    months: dict
    period: str
    physicians: dict | None


def _query(scope, as_of: date) -> _Queried:
    rows, around = figure_rows(scope), region_rows(scope)
    level = level_of(scope)
    period = level.dates if level is not None else "month"
    months = first_months(as_of, period)
    by_month: dict = {}
    for row in (
        rows.annotate(month=TruncMonth("start_date"))
        .values("organisation", "month")
        .annotate(**aggregates())
    ):
        # A case the extract sees starting after its own day (a certificate written ahead)
        # counts in the last period, so that the periods add up to the unit's total.
        month = min(period_start(_month_of(row["month"]), period), months[-1])
        column = month if month >= months[0] else EARLIER
        by_month.setdefault((row["organisation"], column), []).append(row)
    if wide_ages(level):
        age = _grouped(rows.annotate(age_group=wide_age_band()), "age_group")
    else:
        age = _grouped(rows, "age_band")
    return _Queried(
        region=_grouped(around, "organisation"),
        sex=_grouped(rows, "sex"),
        age=age,
        age_labels=age_labels(level),
        months=by_month,
        period=period,
        physicians=_grouped(rows, "physician") if scope.physicians else None,
    )


def figures_of(code: str, scope, queried: _Queried, months: list[date]) -> Figures:
    """One measure's cells and the lines they add up in, protected."""
    found = Figures(code, months=months, period=queried.period)
    found.region_units = {
        unit: _cell(code, queried.region.get(unit)) for unit in sorted(scope.region_units)
    }
    found.units = sorted(scope.units)
    found.total = _sum(code, (found.region_units[unit] for unit in found.units))
    same_units = set(scope.units) == set(scope.region_units)
    found.region_total = found.total if same_units else _sum(code, found.region_units.values())
    found.by_sex = _by_group(code, queried.sex, SEXES)
    found.by_age = _by_group(code, queried.age, queried.age_labels)
    lines = [
        Line(list(found.by_sex.values()), found.total),
        Line(list(found.by_age.values()), found.total),
        Line([found.region_units[unit] for unit in found.units], found.total),
    ]
    if code in variation.INDICATORS:
        if not same_units:
            lines.append(Line(list(found.region_units.values()), found.region_total))
        if queried.physicians is not None:
            found.by_physician = {
                key: _cell(code, row) for key, row in queried.physicians.items() if key
            }
            found.by_physician[""] = _cell(code, queried.physicians.get(""))
            lines.append(Line(list(found.by_physician.values()), found.total))
    if code in process.INDICATORS:
        lines += _month_lines(code, found, queried)
    protect(lines)
    return found


def _month_lines(code: str, found: Figures, queried: _Queried) -> list[Line]:
    columns = [EARLIER, *found.months]
    for unit in found.units:
        for column in columns:
            found.by_month[(unit, column)] = _sum(
                code, (_cell(code, row) for row in queried.months.get((unit, column), []))
            )
    for column in columns:
        found.by_month[(None, column)] = _sum(
            code, (found.by_month[(unit, column)] for unit in found.units)
        )
    lines = [
        Line([found.by_month[(unit, column)] for column in columns], found.region_units[unit])
        for unit in found.units
    ]
    for column in columns:
        parts = [found.by_month[(unit, column)] for unit in found.units]
        lines.append(Line(parts, found.by_month[(None, column)]))
    lines.append(Line([found.by_month[(None, column)] for column in columns], found.total))
    return lines


def own_figures(scope, code: str) -> tuple[Cell, Cell]:
    """A physician's own cases as one protected cell, and their region's units' cell the
    point is set against. A figure about them alone is still protected: fewer than five, or
    a share of them that would tell 1–4 who did or did not, is not shown; nor is the
    region's, where it and theirs together would tell that of the region's other cases."""
    region = CaseExtract.objects.filter(organisation_id__in=scope.region_units)
    mine = _cell(code, region.filter(physician=scope.own_physician).aggregate(**aggregates()))
    everyone = _cell(code, region.aggregate(**aggregates()))
    others = Cell(
        everyone.n - mine.n,
        everyone.x - mine.x,
        tuple(outer - own for outer, own in zip(everyone.within, mine.within, strict=True)),
    )
    protect([Line([mine, others], everyone)])
    return mine, everyone


def figures_for(scope, as_of: date) -> dict[str, Figures]:
    """Every measure's figures for the reader, from one set of queries."""
    queried = _query(scope, as_of)
    months = first_months(as_of, queried.period)
    return {code: figures_of(code, scope, queried, months) for code in CODES}
