"""A team's outcomes in the registry's shape: answers at T0, T1 and T2, mean change with its
95 % confidence interval, the share reaching a minimal important change, sick-leave days
in the year before and after, and who works a year on.

Every figure is a disclosure cell (stegvis.core.disclosure): none is shown from which a
count of 1–4 people follows, whether the count itself, a share's numerator or its
complement ("6 of 8 work" tells that 2 do not), or the difference from a larger count
shown beside it (those given a questionnaire less those who answered it)."""

import math
import statistics
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import timezone

from stegvis.cases.models import (
    CaseStatus,
    CertificatePeriod,
    CertificateStatus,
    ClosedReason,
    Employment,
)
from stegvis.core import disclosure
from stegvis.core.disclosure import Cell
from stegvis.core.pseudonyms import pseudonym
from stegvis.instruments.definitions import instrument
from stegvis.instruments.models import Administration, AdministrationStatus
from stegvis.instruments.occasions import add_months
from stegvis.programs.models import Referral, ReferralStatus
from stegvis.programs.registry import registry

# Not working a year on, whatever the sick leave says.
NOT_WORKING = (ClosedReason.DISABILITY_BENEFIT, ClosedReason.RETIREMENT)


def small(count: int | None) -> bool:
    """A count the small-cell rule hides: 1 to 4 people (0 tells nothing about anyone)."""
    return disclosure.small(count)


@dataclass
class Change:
    """Paired change from T0 to a later time point for one instrument: the people who
    answered both (`pairs`), and of them those who reached the minimal important change
    (`reached`, a share of the pairs)."""

    pairs: Cell
    mean: float | None = None
    ci: tuple[float, float] | None = None
    reached: Cell | None = None  # None: the instrument has no established cut-off

    @property
    def n(self) -> int:
        return self.pairs.n

    @property
    def suppressed(self) -> bool:
        return self.pairs.hidden

    @property
    def share_reached(self) -> float | None:
        return None if self.reached is None else self.reached.share


def mean_with_ci(values: list[float]) -> tuple[float, tuple[float, float] | None]:
    """The mean and its 95 % confidence interval from the t distribution (none for n < 2)."""
    mean = statistics.fmean(values)
    if len(values) < 2:
        return mean, None
    from scipy import stats  # here, not at the top: a second to import, for every process

    t = float(stats.t.ppf(0.975, len(values) - 1))
    half = t * statistics.stdev(values) / math.sqrt(len(values))
    return mean, (mean - half, mean + half)


def change(code: str, before: dict, after: dict, within: tuple[int, ...] = ()) -> Change:
    """From totals by participant at two time points: the change of those who answered both.
    `within` are the counts shown beside it that hold these people (those who answered at
    either time point, those given the questionnaires, all participants)."""
    pairs = [after[key] - before[key] for key in before.keys() & after.keys()]
    result = Change(Cell(len(pairs), within=(len(before), len(after), *within)))
    rule = registry().changes.get(code)
    if rule is not None and rule.points is not None:
        sign = -1 if rule.better == "lower" else 1
        result.reached = Cell(len(pairs), sum(1 for d in pairs if sign * d >= rule.points))
    disclosure.protect([], cells=[c for c in (result.pairs, result.reached) if c is not None])
    if result.pairs.hidden and result.reached is not None:
        result.reached.hidden = True
    if pairs and not result.pairs.hidden:
        result.mean, result.ci = mean_with_ci(pairs)
    return result


def net_sick_leave_days(periods, start: date, end: date) -> float:
    """Sick-leave days between `start` and `end` (inclusive), part-time leave counted by its
    degree (25 % for 4 days is 1 day), as Försäkringskassan counts net days."""
    total = 0.0
    for period in periods:
        first, last = max(period.starts_on, start), min(period.ends_on, end)
        if first <= last:
            total += ((last - first).days + 1) * period.degree / 100
    return total


@dataclass
class Participant:
    referral: Referral
    totals: dict = field(default_factory=dict)  # (time point, instrument) -> total
    answered_on: dict = field(default_factory=dict)  # time point -> date
    invited: set = field(default_factory=set)  # time points given
    days_before: float | None = None
    days_after: float | None = None
    working: bool | None = None


def participants(referrals, today: date | None = None) -> list[Participant]:
    """Each included participant's registry data (three queries for any number)."""
    today = today or timezone.localdate()
    referrals = list(referrals)
    occasion_to_point = {o: t for t, o in registry().occasions.items()}
    by_case = {r.case_id: Participant(r) for r in referrals}
    answers = Administration.objects.filter(
        case_id__in=by_case, occasion__in=occasion_to_point
    ).values_list("case_id", "occasion", "instrument_code", "status", "total", "completed_at")
    for case_id, occasion, code, status, total, completed_at in answers:
        person, point = by_case[case_id], occasion_to_point[occasion]
        person.invited.add(point)
        if status == AdministrationStatus.COMPLETED and total is not None:
            person.totals[(point, code)] = total
            person.answered_on[point] = timezone.localdate(completed_at)
    periods: dict = {}
    for period in (
        CertificatePeriod.objects.filter(
            certificate__case__patient_id__in={r.patient_id for r in referrals},
            certificate__status=CertificateStatus.SIGNED,
        )
        .only("starts_on", "ends_on", "degree", "certificate__case__patient_id")
        .select_related("certificate__case")
    ):
        periods.setdefault(period.certificate.case.patient_id, []).append(period)
    for person in by_case.values():
        cohort, case = person.referral.cohort, person.referral.case
        own = periods.get(person.referral.patient_id, [])
        person.days_before = net_sick_leave_days(
            own, add_months(cohort.starts_on, -12), cohort.starts_on - timedelta(days=1)
        )
        one_year = add_months(cohort.end_on, 12)
        if cohort.ended_on and one_year <= today:
            person.days_after = net_sick_leave_days(
                own, cohort.end_on + timedelta(days=1), one_year
            )
            on_leave = any(p.starts_on <= one_year <= p.ends_on for p in own)
            left_work = case.status == CaseStatus.CLOSED and case.closed_reason in NOT_WORKING
            person.working = not (on_leave or left_work or case.employment == Employment.UNEMPLOYED)
    return list(by_case.values())


@dataclass
class InstrumentOutcome:
    code: str
    name: str
    answered: dict  # time point -> Cell of those who answered it
    to_end: Change
    to_one_year: Change
    better: str
    important_points: float | None


@dataclass
class Mean:
    """A mean over the people of `cell`, shown only with them."""

    cell: Cell
    value: float | None

    @property
    def shown(self) -> float | None:
        return None if self.cell.hidden else self.value


@dataclass
class Summary:
    participants: Cell
    invited: dict  # time point -> Cell of those given the questionnaires
    answered: dict  # time point -> Cell: n given, x of them answered
    instruments: list[InstrumentOutcome]
    days_before: Mean
    days_after: Mean
    working: Cell  # n followed a year, x of them working

    def response_rate(self, point: str) -> float | None:
        return self.answered[point].share


def _mean_of(values: list[float], within: tuple[int, ...]) -> Mean:
    return Mean(Cell(len(values), within=within), statistics.fmean(values) if values else None)


def summarise(people: list[Participant]) -> Summary:
    reg = registry()
    points = list(reg.occasions)
    everyone = len(people)
    given = {p: sum(1 for x in people if p in x.invited) for p in points}
    answered = {p: sum(1 for x in people if p in x.answered_on) for p in points}
    # Each figure names the larger counts shown beside it that hold its people: their
    # difference is a count too.
    outer = {p: (answered[p], given[p], everyone) for p in points}
    outcomes = []
    for code in reg.instruments:
        definition = instrument(code)
        at = {
            point: {
                x.referral.pk: x.totals[(point, code)] for x in people if (point, code) in x.totals
            }
            for point in points
        }
        rule = reg.changes.get(code)
        outcomes.append(
            InstrumentOutcome(
                code=code,
                name=definition.name if definition else code,
                answered={p: Cell(len(at[p]), within=outer[p]) for p in points},
                to_end=change(code, at["t0"], at["t1"], (*outer["t0"], *outer["t1"])),
                to_one_year=change(code, at["t0"], at["t2"], (*outer["t0"], *outer["t2"])),
                better=rule.better if rule else "",
                important_points=rule.points if rule else None,
            )
        )
    followed = [x for x in people if x.working is not None]
    summary = Summary(
        participants=Cell(everyone),
        invited={p: Cell(given[p], within=(everyone,)) for p in points},
        answered={p: Cell(given[p], answered[p], within=(everyone,)) for p in points},
        instruments=outcomes,
        days_before=_mean_of(
            [x.days_before for x in people if x.days_before is not None], (everyone,)
        ),
        days_after=_mean_of(
            [x.days_after for x in followed if x.days_after is not None],
            (len(followed), everyone),
        ),
        working=Cell(len(followed), sum(1 for x in followed if x.working), within=(everyone,)),
    )
    disclosure.protect(
        [],
        cells=[
            summary.participants,
            *summary.invited.values(),
            *summary.answered.values(),
            *(cell for row in outcomes for cell in row.answered.values()),
            summary.days_before.cell,
            summary.days_after.cell,
            summary.working,
        ],
    )
    return summary


def included(team=None, cohort=None):
    found = Referral.objects.filter(status=ReferralStatus.INCLUDED).select_related(
        "cohort", "case", "patient"
    )
    if cohort is not None:
        return found.filter(cohort=cohort)
    return found.filter(team=team)


def registry_rows(people: list[Participant]):
    """One row per participant and time point, in the registry's shape (for the CSV)."""
    reg = registry()
    header = [
        "pseudonym", "team", "cohort", "program_version", "cohort_start", "cohort_end",
        "time_point", "answered_on", *reg.instruments, "sick_leave_net_days_12m", "working",
    ]  # fmt: skip
    yield header
    for person in people:
        referral, cohort = person.referral, person.referral.cohort
        for point in reg.occasions:
            if point not in person.invited:
                continue
            days = {"t0": person.days_before, "t2": person.days_after}.get(point)
            working = "" if point != "t2" or person.working is None else str(person.working)
            yield [
                pseudonym("patient", referral.patient_id),
                referral.team.name,
                cohort.name,
                cohort.program_version.number,
                cohort.starts_on.isoformat(),
                cohort.end_on.isoformat(),
                point,
                person.answered_on[point].isoformat() if point in person.answered_on else "",
                *(_number(person.totals.get((point, code))) for code in reg.instruments),
                _number(days),
                working.lower(),
            ]


def _number(value) -> str:
    """Never localised: a decimal point, whatever the reader's language."""
    if value is None:
        return ""
    return f"{value:g}" if isinstance(value, float) else str(value)
