"""Process indicators per unit and month of the case's start: the last twelve months, the
cases that started earlier, each unit's total and each month's over the units. The cells
are the measure's figures (measures.py), protected with every other table that shows them:
a cell about 1–4 cases, or whose share would tell 1–4 who did or did not, is hidden, and
so are enough others that none can be worked out from the totals."""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from stegvis.core.disclosure import Cell

# The column of the cases that started before the twelve months: without it, the table's
# total less the measure's total over all time would be a figure nobody protected.
EARLIER = "earlier"


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


@dataclass
class Table:
    indicator: ProcessIndicator
    months: list  # the twelve months of start (first days), or the file's periods
    columns: list  # "earlier", then the months
    period: str  # "month", or the region's file's period for its reader
    rows: list[tuple[object, list[Cell], Cell]]  # (unit, a cell per column, the unit's total)
    totals: list[Cell] = field(default_factory=list)  # per column, over the units
    total: Cell | None = None

    @property
    def cells(self) -> list[Cell]:
        found = [cell for _unit, cells, total in self.rows for cell in (*cells, total)]
        return [*found, *self.totals, *([self.total] if self.total else [])]

    @property
    def recorded(self) -> bool:
        """Whether anything is recorded at the reader's units (no trend is drawn at 0 %)."""
        from stegvis.insights.measures import nothing_recorded

        return self.total is None or not nothing_recorded(self.indicator.code, self.total)

    @property
    def unrecorded(self) -> bool:
        """Whether a cell says "no data recorded"."""
        from stegvis.insights.measures import nothing_recorded

        return any(nothing_recorded(self.indicator.code, cell) for cell in self.cells)


def process_table(figures, unit_names: dict) -> Table:
    """The indicator per unit (rows) and month of start (columns), from its figures."""
    columns = [EARLIER, *figures.months]
    table = Table(INDICATORS[figures.code], figures.months, columns, figures.period, rows=[])
    for unit in sorted(figures.units, key=lambda pk: unit_names.get(pk, "")):
        table.rows.append(
            (
                unit_names.get(unit, ""),
                [figures.by_month[(unit, column)] for column in columns],
                figures.unit(unit),
            )
        )
    table.totals = [figures.by_month[(None, column)] for column in columns]
    table.total = figures.total
    return table
