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

Shapes from Försäkringskassan's statistics in broad strokes (mental diagnoses longest,
back pain shorter); the numbers are for benchmarks and demos, not for research.
"""

import math
import random
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from stegvis.cases.models import (
    CaseStatus,
    Certificate,
    CertificateDiagnosis,
    CertificateKind,
    CertificatePeriod,
    CertificateStatus,
    ClosedReason,
)

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
