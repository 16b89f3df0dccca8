"""Reads of the digital coach: trends and charts, the weekly summary, the work queue."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import mean

from django.db.models import Count, IntegerField, Max, Min, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stegvis.access.categories import Category
from stegvis.access.policy import consented_patient_ids, patients_visible_to
from stegvis.accounts.models import User
from stegvis.accounts.roles import Role
from stegvis.cases.country import latest_case_country
from stegvis.cases.models import Case
from stegvis.cases.timelines import case_timeline, signed_periods
from stegvis.coaching.charts import Chart, chart
from stegvis.coaching.feedback import TREND_DAYS, trend_of
from stegvis.coaching.flags import OPEN, care_unit_schedules, queue_filter_for_role
from stegvis.coaching.guidance import CrisisContact, crisis_contacts, strategies
from stegvis.coaching.models import (
    HIGHER_IS_BETTER,
    MEASURES,
    CheckIn,
    CheckinSchedule,
    CoachFlag,
    CoachMessage,
    FlagKind,
    Reminder,
)
from stegvis.coaching.reminders import OPEN_STATUSES
from stegvis.coaching.rules import QUEUE_ROLES

MEASURE_LABELS = {
    "mood": _("Mood"),
    "energy": _("Energy"),
    "pain": _("Pain"),
    "sleep": _("Sleep"),
    "stress": _("Stress"),
    "work_ability": _("Work ability today"),
}
TREND_WEEKS = 8


# The countries whose crisis lines Stegvis knows, by the code the cases use.
COUNTRY_NAMES = {"SE": _("In Sweden"), "NO": _("In Norway")}
LANGUAGE_COUNTRY = {"sv": "SE", "nb": "NO"}


def reader_country(user: User, language: str | None) -> str:
    """The country whose help a reader most likely needs: their latest case's, else their
    language's, else Sweden."""
    country = latest_case_country(user.pk) if user.is_authenticated else None
    return country or LANGUAGE_COUNTRY.get(language or "", "SE")


def crisis_contacts_for(patient: User) -> list[CrisisContact]:
    """The crisis lines of the country of the patient's latest case (both when none)."""
    return crisis_contacts(latest_case_country(patient.pk))


@dataclass(frozen=True)
class CrisisScreen:
    """What a patient sees at once after words of crisis: the lines, and when their team
    will see it (the unit may be closed: then the lines open now are named first)."""

    contacts: list[CrisisContact]
    open_now: bool
    team_sees_it_at: datetime | None
    respond_by: datetime | None

    @property
    def open_now_numbers(self) -> list[str]:
        return [contact.number for contact in self.contacts if contact.when_unit_closed]


def crisis_screen(patient: User, now: datetime | None = None) -> CrisisScreen:
    now = now or timezone.now()
    schedules = care_unit_schedules(patient.pk)
    opening = min((schedule.next_opening(now) for schedule in schedules), default=now)
    flag = (
        CoachFlag.objects.filter(patient=patient, kind=FlagKind.SAFETY, status__in=OPEN)
        .only("respond_by")
        .first()
    )
    return CrisisScreen(
        contacts=crisis_contacts_for(patient),
        open_now=opening == now,
        team_sees_it_at=opening,
        respond_by=flag.respond_by if flag else None,
    )


def checkins_between(patient: User, start: date, end: date) -> list[CheckIn]:
    return list(
        CheckIn.objects.filter(
            patient=patient, local_date__gte=start, local_date__lte=end
        ).order_by("submitted_at")
    )


def degree_periods(patient: User) -> list[tuple[date, date, int]]:
    """The sick-leave degree over time, from signed certificates in every jurisdiction."""
    jurisdictions = set(Case.objects.filter(patient=patient).values_list("jurisdiction", flat=True))
    return sorted(
        (p.start, p.end, p.degree)
        for jurisdiction in jurisdictions
        for p in signed_periods(patient.pk, jurisdiction)
    )


def milestone_marks(patient: User, today: date) -> list[tuple[date, str]]:
    marks = []
    for case in Case.objects.filter(patient=patient):
        marks += [(entry.date, str(entry.title)) for entry in case_timeline(case, today)]
    return marks


def schedule_of(patient: User) -> CheckinSchedule:
    """The patient's schedule, or an unsaved default: reading creates nothing."""
    return CheckinSchedule.objects.filter(patient=patient).first() or CheckinSchedule(
        patient=patient
    )


@dataclass
class Trend:
    start: date
    end: date
    checkins: list[CheckIn]
    charts: list[Chart]
    milestones: list[tuple[date, str]]


def trend(patient: User, *, with_capacity: bool, weeks: int = TREND_WEEKS) -> Trend:
    """Charts of the check-ins; the sick-leave degree and milestones only for a reader
    who may also see the patient's work capacity."""
    end = timezone.localdate()
    start = end - timedelta(weeks=weeks)
    checkins = checkins_between(patient, start, end)
    degrees = degree_periods(patient) if with_capacity else []
    milestones = milestone_marks(patient, end) if with_capacity else []
    charts = [
        chart(
            str(MEASURE_LABELS[m]),
            [(c.local_date, getattr(c, m)) for c in checkins if getattr(c, m) is not None],
            start,
            end,
            degrees=degrees,
            milestones=milestones,
        )
        for m in MEASURES
    ]
    hours = [(c.local_date, float(c.hours_worked)) for c in checkins if c.hours_worked is not None]
    if hours:
        charts.append(
            chart(
                str(_("Hours worked")),
                hours,
                start,
                end,
                high=max(8, max(h for _d, h in hours)),
                degrees=degrees,
                milestones=milestones,
            )
        )
    marks = sorted(m for m in milestones if start <= m[0] <= end)
    return Trend(start, end, checkins, charts, marks)


@dataclass
class MeasureChange:
    measure: str
    label: str
    this_week: float | None
    week_before: float | None

    @property
    def direction(self) -> str:
        """better, worse or same, taking into account which way is good."""
        if self.this_week is None or self.week_before is None:
            return ""
        change = self.this_week - self.week_before
        if abs(change) < 1:
            return "same"
        better = change > 0 if self.measure in HIGHER_IS_BETTER else change < 0
        return "better" if better else "worse"


def _mean(values) -> float | None:
    values = [value for value in values if value is not None]
    return round(mean(values), 1) if values else None


def weekly_summary(patient: User, now: datetime | None = None) -> dict:
    """The past week beside the week before, strengths first."""
    now = now or timezone.now()
    week_start = now - timedelta(days=TREND_DAYS)
    recent = list(
        CheckIn.objects.filter(
            patient=patient, submitted_at__gt=now - timedelta(days=2 * TREND_DAYS)
        ).order_by("submitted_at")
    )
    this_week = [c for c in recent if c.submitted_at > week_start]
    before = [c for c in recent if c.submitted_at <= week_start]
    changes = [
        MeasureChange(
            m,
            str(MEASURE_LABELS[m]),
            _mean(getattr(c, m) for c in this_week),
            _mean(getattr(c, m) for c in before),
        )
        for m in MEASURES
    ]
    suggested = [
        strategies()[code]
        for code in dict.fromkeys(code for c in this_week for code in c.strategies)
        if code in strategies()
    ][:2]
    return {
        "checkins": len(this_week),
        "hours": sum((c.hours_worked or 0) for c in this_week),
        "trend": trend_of(recent, now),
        "better": [c for c in changes if c.direction == "better"],
        "same": [c for c in changes if c.direction == "same"],
        "worse": [c for c in changes if c.direction == "worse"],
        "changes": changes,
        "strategies": suggested,
        "start": timezone.localdate(week_start),
        "end": timezone.localdate(now),
    }


def open_windows(patient, now: datetime) -> QuerySet[Reminder]:
    """The patient's check-in windows open at `now`, the newest first."""
    return Reminder.objects.filter(
        patient=patient,
        status__in=OPEN_STATUSES,
        due_at__lte=now,
        expires_at__gt=now,
    ).order_by("-due_at")


def open_window(patient: User, now: datetime | None = None) -> Reminder | None:
    return open_windows(patient, now or timezone.now()).first()


def queue_role(user: User) -> str | None:
    """The role in which a user works the queue: coach first, then coordinator, physician."""
    for role in QUEUE_ROLES:
        if role in user.roles:
            return role
    return None


def queue_patients(user: User):
    """Patients on the user's queue: for a coach, only those whose consent gives them
    check-ins; for a coordinator or physician, every patient whose check-ins they may see."""
    role = queue_role(user)
    if role is None:
        return User.objects.none()
    if role == Role.COACH:
        return User.objects.filter(pk__in=consented_patient_ids(user, Category.CHECKINS))
    return patients_visible_to(user, Category.CHECKINS).exclude(pk=user.pk)


def patients_without_open_flags(user: User, flagged_ids, limit: int = 100) -> list[User]:
    """The rest of the user's queue: patients who share check-ins but need nothing now."""
    return list(
        queue_patients(user)
        .exclude(pk__in=flagged_ids)
        .order_by("given_name", "family_name")[:limit]
    )


@dataclass
class QueueRow:
    patient: User
    flags: list[CoachFlag]
    urgent: bool
    respond_by: datetime
    raised_at: datetime

    @property
    def overdue(self) -> bool:
        return self.respond_by < timezone.now()


def work_queue(user: User, limit: int = 100) -> list[QueueRow]:
    """Patients ranked by their open flags: urgent first, then the earliest response
    target, then the number of flags. A fixed number of queries whatever the length."""
    role = queue_role(user)
    if role is None:
        return []
    open_flags = CoachFlag.objects.filter(
        Q(status__in=OPEN) & queue_filter_for_role(role),
        patient__in=queue_patients(user).values("pk"),
    )
    ranked = list(
        open_flags.values("patient_id")
        .annotate(
            # PostgreSQL has no max() of booleans.
            urgent=Max(Cast("urgent", IntegerField())),
            respond_by=Min("respond_by"),
            raised_at=Min("raised_at"),
            count=Count("pk"),
        )
        .order_by("-urgent", "respond_by", "-count")[:limit]
    )
    patient_ids = [row["patient_id"] for row in ranked]
    patients = User.objects.in_bulk(patient_ids)
    flags_by_patient: dict = {}
    for flag in open_flags.filter(patient_id__in=patient_ids).order_by("-urgent", "respond_by"):
        flags_by_patient.setdefault(flag.patient_id, []).append(flag)
    return [
        QueueRow(
            patients[row["patient_id"]],
            flags_by_patient.get(row["patient_id"], []),
            bool(row["urgent"]),
            row["respond_by"],
            row["raised_at"],
        )
        for row in ranked
    ]


def last_values(patient: User) -> dict:
    """The last check-in's answers, so today's takes only the changes."""
    last = CheckIn.objects.filter(patient=patient).order_by("-submitted_at").first()
    return {m: getattr(last, m) for m in MEASURES} if last else {}


def coach_thread_of(patient: User) -> QuerySet[CoachMessage]:
    """The patient's conversation with their coach, the first message first."""
    return (
        CoachMessage.objects.filter(patient=patient).select_related("author").order_by("created_at")
    )


def flags_of(patient: User) -> QuerySet[CoachFlag]:
    """The patient's flags, open first, the latest first."""
    return CoachFlag.objects.filter(patient=patient).order_by("status", "-raised_at")
