"""The impact report for managers: what participation did at their units in a period, and
the service's own indicators before and after a result that names one.

The before/after comparison is of the cases that started in the six months before the
result took effect with those that started in the six months after (or until the extract's
day): a plain comparison, not proof of cause, and said so on the page. A side with fewer
than five cases is not shown, as everywhere in the insights.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from statistics import median

from django.db.models import Count, Q, Sum

from stegvis.core.disclosure import small, smallest
from stegvis.insights.equality import MEASURES, counts
from stegvis.insights.models import CaseExtract
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

WINDOW_DAYS = 183  # six months on either side


@dataclass
class Side:
    n: int
    x: int
    cases: int

    @property
    def shown(self) -> bool:
        # As wherever figures leave Stegvis (docs/disclosure.md): no side of fewer than five
        # cases, and no share from which a count of one to four can be worked out.
        if self.n == 0 or self.cases < smallest():
            return False
        return not (small(self.x) or small(self.n - self.x))

    @property
    def share(self) -> float | None:
        return self.x / self.n if self.shown else None


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
                found.append((f"{prefix}:{name}_n", side.n if side.shown else "suppressed"))
                found.append((f"{prefix}:{name}_share", _rounded(side.share)))
        return found


def _rounded(value: float | None):
    return "" if value is None else round(value, 4)


def _side(code: str, unit_id: int, start: date, end: date) -> Side:
    rows = CaseExtract.objects.filter(
        organisation_id=unit_id, start_date__gte=start, start_date__lt=end
    )
    n, x = counts(code, rows, "organisation").get(unit_id, (0, 0))
    return Side(n, x, rows.count())


def before_after(result: Result, as_of: date) -> BeforeAfter | None:
    if not result.indicator or result.indicator not in MEASURES or not result.effective_on:
        return None
    day = result.effective_on
    window = timedelta(days=WINDOW_DAYS)
    return BeforeAfter(
        result,
        MEASURES[result.indicator],
        _side(result.indicator, result.organisation_id, day - window, day),
        _side(result.indicator, result.organisation_id, day, min(day + window, as_of)),
    )


def report(units, start: date, end: date, as_of: date) -> Report:
    """The period is whole days, `start` and `end` both included."""
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
    comparisons = [found for r in results if (found := before_after(r, as_of)) is not None]
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
