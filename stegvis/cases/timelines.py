"""A case's timeline: its sick periods, milestones and each milestone's status today.

The periods come from the patient's signed certificates (the newest version of each), in
the case's jurisdiction, plus the days before the first certificate from the case's day 1.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import TextChoices
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from stegvis.accounts.roles import Role
from stegvis.cases.deadlines import (
    Milestone,
    Period,
    TimelineInput,
    capacity_days,
    current_chain,
    merge_periods,
    milestones,
    rule_set,
)
from stegvis.cases.models import (
    Case,
    CaseStatus,
    Certificate,
    CertificatePeriod,
    CertificateStatus,
    MilestoneCompletion,
)

DUE_SOON_DAYS = 7


class MilestoneStatus(TextChoices):
    UPCOMING = "upcoming", _("Upcoming")
    DUE_SOON = "due_soon", _("Due within 7 days")
    OVERDUE = "overdue", _("Overdue")
    # The date has gone by and nobody can still act on it: history, not a warning.
    PAST = "past", _("Passed")
    DONE = "done", _("Done")


class Responsible(TextChoices):
    PATIENT = "patient", _("The patient")
    PHYSICIAN = "physician", _("Physician")
    EMPLOYER = "employer", _("Employer")
    FK = "fk", _("Försäkringskassan")
    NAV = "nav", _("Nav")
    COORDINATOR = "coordinator", _("Rehabilitation coordinator")


# Nothing more to do about these.
SETTLED = frozenset({MilestoneStatus.DONE, MilestoneStatus.PAST})


# Who may mark a duty done: the party responsible for it, and the rehabilitation coordinator,
# who keeps the whole chain together. A patient does not tick off the physician's duty.
MARKED_BY = {
    Responsible.PATIENT: frozenset({Role.PATIENT}),
    Responsible.PHYSICIAN: frozenset({Role.PHYSICIAN}),
    Responsible.EMPLOYER: frozenset({Role.EMPLOYER_MANAGER}),
    Responsible.FK: frozenset({Role.INSURANCE_CASEWORKER}),
    # At Nav one veileder follows both the benefit and the way back to work.
    Responsible.NAV: frozenset({Role.INSURANCE_CASEWORKER, Role.EMPLOYMENT_CASEWORKER}),
    Responsible.COORDINATOR: frozenset(),
}


def roles_that_mark(responsible: str) -> frozenset[str]:
    return MARKED_BY[Responsible(responsible)] | {Role.REHAB_COORDINATOR}


@dataclass(frozen=True)
class TimelineEntry:
    milestone: Milestone
    status: str

    @property
    def code(self) -> str:
        return self.milestone.code

    @property
    def date(self) -> date:
        return self.milestone.date

    @property
    def title(self) -> str:
        return self.milestone.title.in_language(get_language() or "sv")

    @property
    def note(self) -> str:
        return self.milestone.note.in_language(get_language() or "sv")

    def get_status_display(self) -> str:
        return MilestoneStatus(self.status).label

    def may_be_marked_by(self, role: str) -> bool:
        return (
            self.milestone.kind == "duty"
            and self.status != MilestoneStatus.PAST
            and role in roles_that_mark(self.milestone.responsible)
        )

    def get_responsible_display(self) -> str:
        return Responsible(self.milestone.responsible).label


def current_versions(certificates: Iterable[Certificate]) -> list[Certificate]:
    """The newest signed version of each certificate series."""
    newest: dict = {}
    for certificate in certificates:
        if certificate.status != CertificateStatus.SIGNED:
            continue
        held = newest.get(certificate.series)
        if held is None or certificate.version > held.version:
            newest[certificate.series] = certificate
    return list(newest.values())


def signed_periods(patient_id, jurisdiction: str, *, exclude_series=None) -> list[Period]:
    """The patient's certified periods in force (newest signed version of each series)."""
    rows = _signed_period_rows(
        certificate__case__patient_id=patient_id, certificate__case__jurisdiction=jurisdiction
    )
    return [
        Period(start, end, degree)
        for _patient, _country, series, start, end, degree in _in_force(rows)
        if series != exclude_series
    ]


# A signed period's row: whose, which country, which series and version, and the period.
PERIOD_ROW = (
    "certificate__case__patient_id", "certificate__case__jurisdiction", "certificate__series",
    "certificate__version", "starts_on", "ends_on", "degree",
)  # fmt: skip


def _signed_period_rows(**filters) -> list[tuple]:
    return list(
        CertificatePeriod.objects.filter(certificate__status=CertificateStatus.SIGNED, **filters)
        .order_by("starts_on", "certificate__signed_at")
        .values_list(*PERIOD_ROW)
    )


def _in_force(rows: list[tuple]) -> list[tuple]:
    """The rows of each series' newest signed version, without the version."""
    newest_version: dict = {}
    for _patient, _country, series, version, *_dates in rows:
        newest_version[series] = max(version, newest_version.get(series, 0))
    return [
        (patient, country, series, start, end, degree)
        for patient, country, series, version, start, end, degree in rows
        if version == newest_version[series]
    ]


def case_periods(case: Case, certified: list[Period], today: date) -> list[Period]:
    """The case's periods: certified ones, and the days from day 1 to the first of them."""
    periods = merge_periods(certified)
    day_one = case.day_one
    first_certified = next((p.start for p in periods if p.end >= day_one), None)
    if first_certified is None:
        # Nothing certified yet: reduced capacity has lasted from day 1 until today.
        periods.append(Period(day_one, max(day_one, today)))
    elif day_one < first_certified:
        periods.append(Period(day_one, first_certified - timedelta(days=1)))
    return merge_periods(periods)


def expectation(case: Case, periods: list[Period]) -> tuple[int | None, date | None]:
    """Expected total duration and when it became known: as recorded, else as certified."""
    if case.expected_days is not None:
        return case.expected_days, case.expectation_known_on
    chain = current_chain(periods, rule_set(case.jurisdiction).max_gap_days)
    return capacity_days(chain), None


def timeline_input(case: Case, certified: list[Period], today: date) -> TimelineInput:
    periods = case_periods(case, certified, today)
    expected_days, known = expectation(case, periods)
    return TimelineInput(
        jurisdiction=case.jurisdiction,
        employment=case.employment,
        periods=periods,
        expected_days=expected_days,
        expectation_known=known,
        birth_date=case.patient.birth_date,
    )


def entries(
    found: list[Milestone],
    done_codes: set[str],
    today: date,
    has_signed_certificate: bool,
) -> list[TimelineEntry]:
    result = []
    for milestone in found:
        done = milestone.code in done_codes or (
            milestone.code == "certificate_required" and has_signed_certificate
        )
        if done or (milestone.kind == "checkpoint" and milestone.date <= today):
            status = MilestoneStatus.DONE
        elif milestone.date < today:
            window = milestone.act_within_days
            too_late = window is not None and today > milestone.date + timedelta(days=window)
            status = MilestoneStatus.PAST if too_late else MilestoneStatus.OVERDUE
        elif milestone.date <= today + timedelta(days=DUE_SOON_DAYS):
            status = MilestoneStatus.DUE_SOON
        else:
            status = MilestoneStatus.UPCOMING
        result.append(TimelineEntry(milestone, status))
    return result


def case_timeline(case: Case, today: date) -> list[TimelineEntry]:
    """The case's milestones with their status on `today` (three queries)."""
    return case_timelines([case], today)[case.pk]


def case_timelines(cases: list[Case], today: date) -> dict:
    """As case_timeline for many cases, in three queries whatever their number."""
    certified: dict = {}
    rows = _signed_period_rows(certificate__case__patient_id__in={c.patient_id for c in cases})
    for patient, country, _series, start, end, degree in _in_force(rows):
        certified.setdefault((patient, country), []).append(Period(start, end, degree))
    done: dict = {}
    for case_id, code in MilestoneCompletion.objects.filter(case__in=cases).values_list(
        "case_id", "code"
    ):
        done.setdefault(case_id, set()).add(code)
    signed = set(
        Certificate.objects.filter(case__in=cases, status=CertificateStatus.SIGNED).values_list(
            "case_id", flat=True
        )
    )
    return {
        case.pk: entries(
            milestones(
                timeline_input(case, certified.get((case.patient_id, case.jurisdiction), []), today)
            ),
            done.get(case.pk, set()),
            today,
            case.pk in signed,
        )
        for case in cases
    }


def next_deadline(timeline: list[TimelineEntry], case: Case) -> TimelineEntry | None:
    """The earliest milestone still to do; none for a case that has ended."""
    if case.status in (CaseStatus.CLOSED, CaseStatus.FULL_RETURN):
        return None
    return next((e for e in timeline if e.status not in SETTLED), None)
