"""The impact report for managers: what participation did at their units in a period, and
the service's own indicators before and after a result that names one.

The before/after comparison is of the cases that started in the whole months before the
month the result took effect with those that started in as many months from it: a plain
comparison, not proof of cause, and said so on the page. Each side is the sum of the unit's
monthly figures as the insights publish them, protected together (core/disclosure.py), and
is shown only where every one of its months is shown there and has ended. So the report
tells nothing that the unit's own monthly table does not: no side can be set against those
months, another result's side or a later report to work out a count under five.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from statistics import median

from django.db.models import Count, Q, Sum

from stegvis.accounts.roles import Role
from stegvis.insights import published
from stegvis.insights.equality import MEASURES
from stegvis.insights.process import INDICATORS as MONTHLY
from stegvis.insights.rules import unit_scope
from stegvis.instruments.occasions import add_months
from stegvis.participation.models import (
    Activity,
    ActivityParticipant,
    ActivityStatus,
    ParticipantStatus,
    Proposal,
    ProposalState,
    Result,
    ResultStatus,
    TimelineEntry,
)

# Whole months on either side: the monthly tables the sides are summed from hold twelve,
# so both sides of a result fit in them for six months after the "after" side has ended.
MONTHS_EACH_SIDE = 3


@dataclass
class Side:
    n: int
    x: int
    shown: bool
    # Not shown yet: its last month has not ended (shown when it has, if its months are).
    pending: bool = False

    @property
    def share(self) -> float | None:
        return self.x / self.n if self.shown and self.n else None


@dataclass
class BeforeAfter:
    result: Result
    measure: object
    before: Side
    after: Side


@dataclass
class Report:
    start: date
    end: date
    proposals_received: int
    proposals_answered: int
    median_days_to_answer: float | None
    activities_held: int
    representatives_involved: int
    hours_given: float
    results_done: int
    before_after: list[BeforeAfter]
    months_each_side: int = MONTHS_EACH_SIDE

    def rows(self) -> list[tuple[str, object]]:
        """The figures as (name, value), for the CSV (numbers never localised)."""
        found = [
            ("period_start", self.start.isoformat()),
            ("period_end", self.end.isoformat()),
            ("proposals_received", self.proposals_received),
            ("proposals_answered", self.proposals_answered),
            ("median_days_to_answer", self.median_days_to_answer),
            ("activities_held", self.activities_held),
            ("representatives_involved", self.representatives_involved),
            ("hours_given", self.hours_given),
            ("results_done", self.results_done),
        ]
        for item in self.before_after:
            prefix = f"result:{item.result.pk}:{item.measure.code}"
            for name, side in (("before", item.before), ("after", item.after)):
                hidden = "pending" if side.pending else "suppressed"
                found.append((f"{prefix}:{name}_n", side.n if side.shown else hidden))
                found.append((f"{prefix}:{name}_share", _rounded(side.share)))
        return found


def _rounded(value: float | None):
    return "" if value is None else round(value, 4)


def _month(day: date, months: int) -> date:
    """The first day of the month `months` after (or before) the one `day` is in."""
    return add_months(day.replace(day=1), months)


def _side(figures, unit_id: int, first: date, as_of: date) -> Side:
    months = [_month(first, i) for i in range(MONTHS_EACH_SIDE)]
    if _month(months[-1], 1) > as_of:
        return Side(0, 0, shown=False, pending=True)
    cells = [figures.by_month.get((unit_id, month)) for month in months]
    if any(cell is None or cell.hidden for cell in cells):
        return Side(0, 0, shown=False)  # a month the table hides, or older than it keeps
    n, x = sum(cell.n for cell in cells), sum(cell.x for cell in cells)
    return Side(n, x, shown=n > 0)


def before_after(result: Result, figures: dict, as_of: date) -> BeforeAfter | None:
    """`figures`: the measures' protected figures of the result's unit (insights)."""
    # Only an indicator the insights give by month: the sides are the months' sums.
    if result.indicator not in MONTHLY or not result.effective_on:
        return None
    found = figures[result.indicator]
    month = _month(result.effective_on, 0)
    unit = result.organisation_id
    return BeforeAfter(
        result,
        MEASURES[result.indicator],
        _side(found, unit, _month(month, -MONTHS_EACH_SIDE), as_of),
        _side(found, unit, month, as_of),
    )


def unit_figures(reader_scope):
    """The figures a unit's before/after is summed from: the unit manager's own table where
    the reader is its manager (so the report adds nothing to what they see), else the
    unit's alone, by month, as a manager of that one unit reads it."""

    def of(unit_id: int) -> dict:
        own = reader_scope is not None and reader_scope.role == Role.UNIT_MANAGER
        if own and unit_id in reader_scope.units:
            return published.figures(reader_scope)
        return published.figures(unit_scope(unit_id))

    return of


def report(units, start: date, end: date, as_of: date, figures_of) -> Report:
    """The period is whole days, `start` and `end` both included; `figures_of(unit)` gives
    a unit's protected figures (unit_figures)."""
    until = end + timedelta(days=1)
    proposals = Proposal.objects.filter(
        organisation_id__in=units, created_at__date__gte=start, created_at__date__lt=until
    ).exclude(state=ProposalState.WITHDRAWN)
    answered = [
        (answered_at - created_at).total_seconds() / 86400
        for created_at, answered_at in proposals.filter(answered_at__isnull=False).values_list(
            "created_at", "answered_at"
        )
    ]
    held = Activity.objects.filter(
        organisation_id__in=units,
        status=ActivityStatus.HELD,
        starts_at__date__gte=start,
        starts_at__date__lt=until,
    )
    took_part = ActivityParticipant.objects.filter(
        activity__in=held, status=ParticipantStatus.ATTENDED
    ).aggregate(people=Count("representative", distinct=True), minutes=Sum("minutes_spent"))
    done = (
        TimelineEntry.objects.filter(
            result__organisation_id__in=units,
            status=ResultStatus.DONE,
            entry_date__gte=start,
            entry_date__lt=until,
        )
        .filter(Q(result__status=ResultStatus.DONE))
        .values("result")
        .distinct()
        .count()
    )
    results = Result.objects.filter(organisation_id__in=units).exclude(indicator="")
    comparisons = [
        found
        for r in results
        if (found := before_after(r, figures_of(r.organisation_id), as_of)) is not None
    ]
    return Report(
        start=start,
        end=end,
        proposals_received=proposals.count(),
        proposals_answered=len(answered),
        median_days_to_answer=round(median(answered), 1) if answered else None,
        activities_held=held.count(),
        representatives_involved=took_part["people"] or 0,
        hours_given=round((took_part["minutes"] or 0) / 60, 1),
        results_done=done,
        before_after=comparisons,
    )
