"""Synthetic sick-leave histories with realistic shapes, for the insights at region scale.

Each case gets a start within the last `years`, a patient's legal sex and birth date, a
main diagnosis drawn from the common sick-leave mix, and a length drawn from a log-normal
distribution whose median depends on the diagnosis and is stretched or shortened by its
unit's and its physician's habits (practice variation). A case that has had its length ends
in a return to work (or, for a few, in disability benefit, a move or a lost contact); the
others are still open.
Certificates cover the leave, short at first and longer as it goes on (a month, two months,
then three at a time), full-time at first and, by the physician's habit, part-time towards
the end: between two and three a case (Västra Götaland writes about 1 000 000 for 450 000).

Each case also gets the process facts the insights count, by its unit's habits (`process`):
the rehabilitation coordinator's first message, the return-to-work plan and its later
versions, the employer's plan marked done, a SIP called and held (or not), and the FMB typical
case its certificates name, with part-time leave from the start where the typical case
suggests it and the unit follows the guidance. Units differ in how often and how soon they do
each, so the process indicators and the funnel plots have differences to show.

Shapes from Försäkringskassan's statistics in broad strokes (mental diagnoses longest,
back pain shorter); the numbers are for benchmarks and demos, not for research.
"""

import math
import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from stegvis.accounts.roles import Role
from stegvis.cases import fmb
from stegvis.cases.models import (
    CaseStatus,
    Certificate,
    CertificateDiagnosis,
    CertificateKind,
    CertificatePeriod,
    CertificateStatus,
    ClosedReason,
    Employment,
    MilestoneCompletion,
)
from stegvis.coordination.models import (
    Meeting,
    MeetingParticipant,
    MeetingStatus,
    Message,
    Thread,
    ThreadKind,
    ThreadParticipant,
)
from stegvis.plans import content
from stegvis.plans.models import PlanVersion, RtwPlan

# (ICD-10 code, weight, median days, share ending in disability benefit)
DIAGNOSES = [
    ("F43.8A", 28, 110, 0.01),  # exhaustion disorder
    ("F32.1", 18, 130, 0.02),
    ("F41.1", 8, 100, 0.01),
    ("M54.4", 12, 45, 0.01),
    ("M79.7", 5, 160, 0.05),
    ("S82.6", 6, 70, 0.0),
    ("J06.9", 8, 10, 0.0),
    ("G43.9", 3, 20, 0.0),
    ("M17.1", 6, 90, 0.03),
    ("F33.1", 6, 180, 0.04),
]
# How the other closed cases end: most back at the same work, some elsewhere, some moved
# away or lost to follow-up.
OTHER_ENDINGS = [
    (ClosedReason.RETURNED_TO_WORK, 90),
    (ClosedReason.NEW_WORK, 4),
    (ClosedReason.MOVED, 3),
    (ClosedReason.OTHER, 2),
    (ClosedReason.STUDIES, 1),
]
SPREAD = 0.9  # the log-normal's sigma: a long tail beyond a year
CERTIFICATE_DAYS = [30, 60]  # the first certificates' lengths; then
LATER_DAYS = 90


@dataclass
class Habit:
    """A unit's or a physician's practice: how long their cases last, and how often their
    certificates are part-time."""

    length: float
    partial: float


def habits(rng: random.Random, count: int, spread: float) -> list[Habit]:
    return [
        Habit(math.exp(rng.gauss(0, spread)), min(max(rng.gauss(0.35, 0.15), 0.0), 0.9))
        for _ in range(count)
    ]


def _diagnosis(rng: random.Random):
    codes, weights = zip(*((d, d[1]) for d in DIAGNOSES), strict=True)
    return rng.choices(codes, weights)[0]


def history(rng, case, physician_habit: Habit, unit_habit: Habit, years: int, today: date):
    """Give `case` (unsaved) a start, a course and its certificates; returns the rows to
    insert: (certificates, periods, diagnoses)."""
    code, _weight, median, disability = _diagnosis(rng)
    start = today - timedelta(days=rng.randrange(years * 365))
    length = max(
        3,
        int(
            rng.lognormvariate(
                math.log(median * unit_habit.length * physician_habit.length), SPREAD
            )
        ),
    )
    end = start + timedelta(days=length)  # the first day back (or of the benefit)
    case.sick_from = case.opened_on = start
    if end <= today:
        case.status = CaseStatus.CLOSED
        case.closed_on = end
        case.closed_reason = (
            ClosedReason.DISABILITY_BENEFIT
            if rng.random() < disability
            else rng.choices(*zip(*OTHER_ENDINGS, strict=True))[0]
        )
    else:
        case.status = CaseStatus.ACTIVE
        case.closed_on, case.closed_reason = None, ""
    certificates, periods, diagnoses = [], [], []
    day = start + timedelta(days=7)  # the first week on the person's own word
    last = min(end, today + timedelta(days=14)) - timedelta(days=1)
    partial_from = start + timedelta(days=int(length * (1 - physician_habit.partial)))
    while day <= last:
        written = len(certificates)
        days = CERTIFICATE_DAYS[written] if written < len(CERTIFICATE_DAYS) else LATER_DAYS
        until = min(day + timedelta(days=days - 1), last)
        certificate = Certificate(
            id=uuid.UUID(int=rng.getrandbits(128), version=4),
            case=case,
            kind=CertificateKind.FK_7804,
            # Written as a draft: its periods are added, then all are signed at once (a signed
            # certificate never changes).
            status=CertificateStatus.DRAFT,
            created_by_id=case.responsible_physician_id,
            signed_at=timezone.make_aware(
                timezone.datetime.combine(day, timezone.datetime.min.time())
            ),
            examined_on=day,
            functional_impairment="Nedsatt uthållighet." if rng.random() < 0.8 else "",
            activity_limitation="Klarar inte ett helt arbetspass." if rng.random() < 0.75 else "",
        )
        certificates.append(certificate)
        diagnoses.append(CertificateDiagnosis(certificate=certificate, code=code, text=code))
        degree = 50 if day >= partial_from else 100
        periods.append(
            CertificatePeriod(certificate=certificate, degree=degree, starts_on=day, ends_on=until)
        )
        day = until + timedelta(days=1)
    return certificates, periods, diagnoses


# The process facts: the employer's plan is due by day 30 of cases expected to last 60 days
# (deadlines_se.toml); a SIP is called for long cases that need more than one care giver.
EMPLOYER_PLAN = "employer_rtw_plan"
SIP_FROM_DAY = 60
PLAN_GOALS = ["Tillbaka i arbete på deltid", "Orka en hel arbetsdag", "Sova bättre",
              "Prova arbetsuppgifter med stöd"]  # fmt: skip


@dataclass
class Process:
    """A unit's habits in the process of sick leave: the share of its cases where a step is
    taken and, for the dated steps, the median day it is taken on."""

    contact: float  # the coordinator writes to the patient
    contact_day: float
    plan: float  # a return-to-work plan is written (cases of 14 days or more)
    plan_day: float
    employer_plan: float  # the employer's plan is marked done (employed, 30 days or more)
    sip: float  # a SIP is called (cases past day 60)
    sip_held: float  # and held
    fmb_named: float  # the certificates name an FMB typical case
    follows_partial: float  # part-time from the start where the typical case suggests it


def _share(rng: random.Random, mean: float, spread: float) -> float:
    return min(max(rng.gauss(mean, spread), 0.02), 0.98)


def process_habits(rng: random.Random, count: int) -> list[Process]:
    """Each unit's habits: some contact almost every patient in the first week, others few
    and late; the same for plans, the employer's plan, SIPs and the use of FMB."""
    return [
        Process(
            contact=_share(rng, 0.7, 0.15),
            contact_day=math.exp(rng.gauss(math.log(10), 0.4)),
            plan=_share(rng, 0.55, 0.2),
            plan_day=math.exp(rng.gauss(math.log(24), 0.35)),
            employer_plan=_share(rng, 0.5, 0.25),
            sip=_share(rng, 0.2, 0.08),
            sip_held=_share(rng, 0.75, 0.12),
            fmb_named=_share(rng, 0.6, 0.2),
            follows_partial=_share(rng, 0.45, 0.2),
        )
        for _ in range(count)
    ]


@dataclass
class Facts:
    """The rows of one or more cases' process facts, to insert in bulk."""

    threads: list = field(default_factory=list)
    seats: list = field(default_factory=list)
    messages: list = field(default_factory=list)
    plans: list = field(default_factory=list)
    versions: list = field(default_factory=list)
    completions: list = field(default_factory=list)
    meetings: list = field(default_factory=list)
    participants: list = field(default_factory=list)

    def extend(self, other: "Facts") -> None:
        for name in self.__dataclass_fields__:
            getattr(self, name).extend(getattr(other, name))


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _day(rng: random.Random, start: date, median: float) -> date:
    return start + timedelta(days=max(1, round(rng.lognormvariate(math.log(median), 0.6))))


def process(
    rng: random.Random,
    case,
    written: tuple,
    habit: Process,
    coordinator,
    manager,
    today: date,
) -> Facts:
    """The process facts of `case` (its history written: `written` is what `history`
    returned), by its unit's `habit`: only what happened before the case ended and by today.
    Sets the certificates' FMB typical case, and their degrees where the unit follows it."""
    certificates, periods, diagnoses = written
    facts = Facts()
    start = case.sick_from
    # The last day of the case seen so far: the day before its end, or today.
    last = min(case.closed_on - timedelta(days=1), today) if case.closed_on else today
    length = (last - start).days + 1

    def seen(day: date) -> bool:
        return day <= last

    def uid() -> uuid.UUID:
        return uuid.UUID(int=rng.getrandbits(128), version=4)

    if rng.random() < habit.contact and seen(day := _day(rng, start, habit.contact_day)):
        thread = Thread(
            id=uid(), patient_id=case.patient_id, kind=ThreadKind.WITH_PATIENT,
            subject="Rehabkoordinator", created_by=coordinator, created_at=_at(day),
            last_message_at=_at(day),
        )  # fmt: skip
        facts.threads.append(thread)
        facts.seats += [
            ThreadParticipant(thread=thread, user=coordinator, role=Role.REHAB_COORDINATOR,
                              organisation_id=case.organisation_id, last_read_at=_at(day)),
            ThreadParticipant(thread=thread, user_id=case.patient_id, role=Role.PATIENT),
        ]  # fmt: skip
        facts.messages.append(
            Message(
                id=uid(), thread=thread, author=coordinator, author_role=Role.REHAB_COORDINATOR,
                body="Hej! Jag är rehabkoordinator på vårdcentralen. Hur har du det?",
                submission_id=uid(), created_at=_at(day),
            )
        )  # fmt: skip
    if length >= 14 and rng.random() < habit.plan and seen(day := _day(rng, start, habit.plan_day)):
        plan = RtwPlan(id=uid(), case=case)
        versions = []
        while seen(day) and len(versions) < 3:
            written_content = content.empty()
            written_content["goals"] = rng.sample(PLAN_GOALS, 1 + len(versions) % 2)
            versions.append(
                PlanVersion(plan=plan, number=len(versions) + 1, content=written_content,
                            created_at=_at(day, 14))
            )  # fmt: skip
            day += timedelta(days=rng.randrange(21, 70))
        plan.version, plan.content = len(versions), versions[-1].content
        plan.updated_at = versions[-1].created_at
        facts.plans.append(plan)
        facts.versions += versions
    if (
        case.employment == Employment.EMPLOYED
        and manager is not None
        and length >= 30
        and rng.random() < habit.employer_plan
        and seen(day := start + timedelta(days=rng.randrange(14, 50)))
    ):
        facts.completions.append(
            MilestoneCompletion(
                case=case, code=EMPLOYER_PLAN, completed_on=day, completed_by=manager
            )
        )
    if length > SIP_FROM_DAY and rng.random() < habit.sip:
        called = start + timedelta(days=rng.randrange(SIP_FROM_DAY, max(length, SIP_FROM_DAY + 1)))
        held = rng.random() < habit.sip_held
        meets = called + timedelta(days=rng.randrange(10, 30))
        meets += timedelta(days=max(0, 7 - meets.weekday()) if meets.weekday() >= 5 else 0)
        # Not held after the case ended: called off as the person went back.
        status = (
            MeetingStatus.PLANNED if meets > today and not case.closed_on
            else MeetingStatus.HELD if held and seen(meets)
            else MeetingStatus.CANCELLED
        )  # fmt: skip
        meeting = Meeting(
            id=uid(), case=case, kind="sip", starts_at=_at(meets, 13), status=status,
            organiser=coordinator, created_at=_at(called),
            held_at=_at(meets, 15) if status == MeetingStatus.HELD else None,
        )  # fmt: skip
        facts.meetings.append(meeting)
        facts.participants.append(
            MeetingParticipant(meeting=meeting, user=coordinator, role=Role.REHAB_COORDINATOR,
                               organisation_id=case.organisation_id, basis="self")
        )  # fmt: skip
    guidance = fmb.guidance_for(diagnoses[0].code) if diagnoses else None
    if guidance is not None and rng.random() < habit.fmb_named:
        typical = rng.choice(guidance.typical_cases)
        for certificate in certificates:
            certificate.fmb_typical_case = typical.id
        if typical.nudges_partial and rng.random() < habit.follows_partial:
            for period in periods:
                period.degree = 50
    return facts
