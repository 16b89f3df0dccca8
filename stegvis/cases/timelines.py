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
    NAV = "nav", _("NAV")
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
    Responsible.NAV: frozenset({Role.INSURANCE_CASEWORKER}),
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
    rows = CertificatePeriod.objects.filter(
        certificate__case__patient_id=patient_id,
        certificate__case__jurisdiction=jurisdiction,
        certificate__status=CertificateStatus.SIGNED,
    ).values_list("certificate__series", "certificate__version", "starts_on", "ends_on", "degree")
    newest_version: dict = {}
    for series, version, *_dates in rows:
        newest_version[series] = max(version, newest_version.get(series, 0))
    return [
        Period(start, end, degree)
        for series, version, start, end, degree in rows
        if version == newest_version[series] and series != exclude_series
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
    """The case's milestones with their status on `today` (a few queries)."""
    certified = signed_periods(case.patient_id, case.jurisdiction)
    found = milestones(timeline_input(case, certified, today))
    done_codes = set(case.completions.values_list("code", flat=True))
    has_signed = case.certificates.filter(status=CertificateStatus.SIGNED).exists()
    return entries(found, done_codes, today, has_signed)


def next_deadline(timeline: list[TimelineEntry], case: Case) -> TimelineEntry | None:
    """The earliest milestone still to do; none for a case that has ended."""
    if case.status in (CaseStatus.CLOSED, CaseStatus.FULL_RETURN):
        return None
    return next((e for e in timeline if e.status not in SETTLED), None)
