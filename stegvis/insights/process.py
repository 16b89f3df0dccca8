"""Process indicators per unit and month of the case's start, with the small-cell rule and
secondary suppression: a cell about 1–4 cases is hidden, and where a row or a column has
one hidden cell beside a total, the next smallest is hidden too, so that no hidden cell can
be worked out from the totals.

Each indicator is a count of cases that did what the process asks (x) out of the cases it
applies to (n), both summed in one aggregate query per indicator."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, DateField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from stegvis.insights.models import CaseExtract
from stegvis.insights.rules import rules

MONTHS = 12


@dataclass(frozen=True)
class ProcessIndicator:
    code: str
    title: object
    about: object


INDICATORS = {
    indicator.code: indicator
    for indicator in (
        ProcessIndicator(
            "plan_by_day_30",
            _("Return-to-work plan by day 30"),
            _("Of the cases past their 30th day: the share with a plan written by then."),
        ),
        ProcessIndicator(
            "coordinator_within_14",
            _("Coordinator contact within 14 days"),
            _(
                "Of the cases past their 14th day: the share a rehabilitation coordinator met or "
                "wrote to within 14 days of the start."
            ),
        ),
        ProcessIndicator(
            "sip_held",
            _("SIP held when called"),
            _("Of the cases where a SIP meeting was called: the share where one was held."),
        ),
        ProcessIndicator(
            "employer_plan",
            _("Employer's plan done"),
            _(
                "Of the cases of employed people that lasted 30 days or more: the share whose "
                "employer's return-to-work plan is marked done."
            ),
        ),
        ProcessIndicator(
            "baseline_answered",
            _("Questionnaires at baseline answered"),
            _("Of the questionnaires given at the start: the share answered."),
        ),
        ProcessIndicator(
            "checkin_adherence",
            _("Check-ins answered"),
            _("Of the check-ins due during the cases: the share answered."),
        ),
    )
}


def _days_after_start(days: int):
    return ExpressionWrapper(F("start_date") + timedelta(days=days), output_field=DateField())


def counted(code: str, rows):
    """(n, x) aggregates of one indicator, as keyword arguments for annotate()."""
    if code == "plan_by_day_30":
        rows = rows.filter(plan_by_day_30__isnull=False)
        return rows, {"n": Count("pk"), "x": Count("pk", filter=Q(plan_by_day_30=True))}
    if code == "coordinator_within_14":
        rows = rows.filter(end_date__gte=_days_after_start(14))
        within = Q(first_coordinator_contact__lte=_days_after_start(13))
        return rows, {"n": Count("pk"), "x": Count("pk", filter=within)}
    if code == "sip_held":
        rows = rows.filter(sip_called__isnull=False)
        return rows, {"n": Count("pk"), "x": Count("pk", filter=Q(sip_held__isnull=False))}
    if code == "employer_plan":
        rows = rows.filter(employed=True, end_date__gte=_days_after_start(30))
        return rows, {
            "n": Count("pk"),
            "x": Count("pk", filter=Q(employer_plan_done__isnull=False)),
        }
    if code == "baseline_answered":
        return rows, {"n": Sum("baseline_given"), "x": Sum("baseline_answered")}
    return rows, {"n": Sum("checkins_due"), "x": Sum("checkins_answered")}


@dataclass
class Cell:
    n: int
    x: int
    hidden: bool = False

    @property
    def share(self) -> float | None:
        return None if self.hidden or not self.n else self.x / self.n


@dataclass
class Table:
    indicator: ProcessIndicator
    months: list[date]
    rows: list[tuple[object, list[Cell], Cell]]  # (unit, a cell per month, the row's total)
    totals: list[Cell] = field(default_factory=list)  # per month, over the units
    total: Cell | None = None


def _first_months(as_of: date) -> list[date]:
    month = as_of.replace(day=1)
    found = []
    for _i in range(MONTHS):
        found.append(month)
        month = (month - timedelta(days=1)).replace(day=1)
    return sorted(found)


def suppress(table: list[list[Cell]]) -> None:
    """Hide every cell of 1–4 cases; then, while a row or a column of the table (its totals
    included: each line is a sum) has exactly one hidden cell, hide the smallest shown cell
    of that line too (secondary suppression)."""
    smallest = rules().smallest_cell
    for row in table:
        for cell in row:
            cell.hidden = 0 < cell.n < smallest
    lines = [*table, *(list(column) for column in zip(*table, strict=True))] if table else []
    changed = True
    while changed:
        changed = False
        for line in lines:
            hidden = [cell for cell in line if cell.hidden]
            shown = [cell for cell in line if not cell.hidden and cell.n]
            if len(hidden) == 1 and shown:
                min(shown, key=lambda cell: cell.n).hidden = True
                changed = True


def _with_totals(matrix: list[list[Cell]], columns: int) -> list[list[Cell]]:
    """The matrix with each row's total as a last column and each column's as a last row."""
    rows = [[*cells, Cell(sum(c.n for c in cells), sum(c.x for c in cells))] for cells in matrix]
    totals = [
        Cell(sum(row[index].n for row in rows), sum(row[index].x for row in rows))
        for index in range(columns + 1)
    ]
    return [*rows, totals]


def process_table(code: str, rows, as_of: date, unit_names: dict) -> Table:
    """The indicator per unit (rows) and month of start (columns) over the last 12 months,
    with each unit's total and each month's total over the units."""
    months = _first_months(as_of)
    rows, aggregates = counted(code, rows.filter(start_date__gte=months[0]))
    found = (
        rows.annotate(month=TruncMonth("start_date"))
        .values("organisation", "month")
        .annotate(**aggregates)
    )
    by_unit: dict = {}
    for row in found:
        month = row["month"].date() if hasattr(row["month"], "date") else row["month"]
        by_unit.setdefault(row["organisation"], {})[month] = (row["n"] or 0, row["x"] or 0)
    units = sorted(by_unit, key=lambda pk: unit_names.get(pk, ""))
    matrix = [[Cell(*by_unit[unit].get(month, (0, 0))) for month in months] for unit in units]
    full = _with_totals(matrix, len(months))
    suppress(full)
    table = Table(INDICATORS[code], months, [])
    for unit, cells in zip(units, full[:-1], strict=True):
        table.rows.append((unit_names.get(unit, ""), cells[:-1], cells[-1]))
    table.totals, table.total = full[-1][:-1], full[-1][-1]
    return table


def indicators_for(scope, as_of: date, unit_names: dict) -> list[Table]:
    rows = CaseExtract.objects.filter(organisation_id__in=scope.units)
    return [process_table(code, rows, as_of, unit_names) for code in INDICATORS]
