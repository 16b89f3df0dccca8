"""Check-in reminders: planned from the patient's schedule, claimed by a conditional
update so that several workers never send the same one, logged at every step.

A reminder is one row per patient and local date. Changing the schedule moves or cancels
rows that were not sent yet; a row that was sent stays as it is, so nothing is sent twice.
"""

import logging
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from stegvis.access import audit
from stegvis.access.categories import Action, Category
from stegvis.access.helpers import record_system
from stegvis.coaching.models import (
    Cadence,
    CheckinSchedule,
    Reminder,
    ReminderEvent,
    ReminderEventKind,
    ReminderStatus,
)

logger = logging.getLogger(__name__)

# Weekdays (Monday = 0) of each cadence.
CADENCE_DAYS = {
    Cadence.DAILY: frozenset(range(7)),
    Cadence.THREE_A_WEEK: frozenset({0, 2, 4}),
    Cadence.WEEKLY: frozenset({0}),
    Cadence.PAUSED: frozenset(),
}
# How long a check-in stays open after its reminder: less than the gap to the next one.
WINDOW = {
    Cadence.DAILY: timedelta(hours=20),
    Cadence.THREE_A_WEEK: timedelta(hours=44),
    Cadence.WEEKLY: timedelta(days=3),
}
PLAN_AHEAD_DAYS = 2
OPEN_STATUSES = (ReminderStatus.SCHEDULED, ReminderStatus.CLAIMED, ReminderStatus.SENT)


def _log(reminders, kind: str, at: datetime, detail: str = "") -> None:
    ReminderEvent.objects.bulk_create(
        [ReminderEvent(reminder_id=r.pk, kind=kind, at=at, detail=detail) for r in reminders]
    )


def wanted_occasions(schedule: CheckinSchedule, now: datetime) -> dict[date, tuple]:
    """The coming occasions: local date → (due at, expires at), none in the past."""
    zone = ZoneInfo(schedule.timezone)
    today = now.astimezone(zone).date()
    days = CADENCE_DAYS[schedule.cadence]
    wanted = {}
    for offset in range(PLAN_AHEAD_DAYS + 1):
        day = today + timedelta(days=offset)
        if day.weekday() not in days:
            continue
        due_at = datetime.combine(day, schedule.time_of_day, tzinfo=zone)
        if due_at > now:
            wanted[day] = (due_at, due_at + WINDOW[schedule.cadence])
    return wanted


@audit.atomic()
def reminders_plan_for(schedule: CheckinSchedule, now: datetime | None = None) -> dict:
    """Bring the patient's coming reminders in line with their schedule."""
    now = now or timezone.now()
    wanted = wanted_occasions(schedule, now)
    today = now.astimezone(ZoneInfo(schedule.timezone)).date()
    existing = {
        r.occasion_on: r
        for r in Reminder.objects.filter(patient_id=schedule.patient_id, occasion_on__gte=today)
    }
    counts = {"scheduled": 0, "rescheduled": 0, "cancelled": 0}
    for day, reminder in existing.items():
        # Only a row never sent may change; the conditional update loses to a worker
        # that claimed it a moment ago.
        unsent = Reminder.objects.filter(
            pk=reminder.pk, status__in=(ReminderStatus.SCHEDULED, ReminderStatus.CANCELLED)
        )
        if day not in wanted:
            if reminder.status == ReminderStatus.SCHEDULED and unsent.update(
                status=ReminderStatus.CANCELLED
            ):
                _log([reminder], ReminderEventKind.CANCELLED, now, "schedule changed")
                counts["cancelled"] += 1
            continue
        due_at, expires_at = wanted[day]
        moved = reminder.due_at != due_at or reminder.status == ReminderStatus.CANCELLED
        if moved and unsent.update(
            status=ReminderStatus.SCHEDULED, due_at=due_at, expires_at=expires_at
        ):
            _log([reminder], ReminderEventKind.RESCHEDULED, now, due_at.isoformat())
            counts["rescheduled"] += 1
    new = [
        Reminder(
            patient_id=schedule.patient_id, occasion_on=day, due_at=due_at, expires_at=expires_at
        )
        for day, (due_at, expires_at) in wanted.items()
        if day not in existing
    ]
    if new:
        created = Reminder.objects.bulk_create(new)
        _log(created, ReminderEventKind.SCHEDULED, now)
        counts["scheduled"] += len(created)
    return counts


def reminders_plan(now: datetime | None = None) -> dict:
    """The periodic job: keep every active schedule planned a few days ahead."""
    now = now or timezone.now()
    totals = {"scheduled": 0, "rescheduled": 0, "cancelled": 0}
    schedules = CheckinSchedule.objects.exclude(cadence=Cadence.PAUSED).order_by("pk")
    for schedule in schedules.iterator(chunk_size=500):
        for key, value in reminders_plan_for(schedule, now).items():
            totals[key] += value
    return totals


def reminders_claim(now: datetime, limit: int, token: uuid.UUID) -> list[Reminder]:
    """Claim up to `limit` due reminders for this worker.

    The claim is the conditional UPDATE (status still scheduled): whichever worker's
    update matches a row owns it. On PostgreSQL the candidates are picked with SKIP
    LOCKED so that concurrent workers take different rows instead of waiting.
    """
    with transaction.atomic():
        candidates = Reminder.objects.filter(
            status=ReminderStatus.SCHEDULED, due_at__lte=now, expires_at__gt=now
        ).order_by("due_at")
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.values_list("pk", flat=True)[:limit])
        if not ids:
            return []
        Reminder.objects.filter(pk__in=ids, status=ReminderStatus.SCHEDULED).update(
            status=ReminderStatus.CLAIMED, claim_token=token, claimed_at=now
        )
    return list(
        Reminder.objects.filter(claim_token=token, status=ReminderStatus.CLAIMED).select_related(
            "patient"
        )
    )


def _message(reminder: Reminder) -> EmailMessage:
    """The reminder e-mail: a kind nudge and a link, nothing about health."""
    patient = reminder.patient
    with override(patient.preferred_language):
        link = settings.BASE_URL.rstrip("/") + reverse("checkin")
        body = render_to_string("coaching/reminder_email.txt", {"patient": patient, "link": link})
        subject = _("A short check-in when it suits you")
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [patient.email])


def _send(reminders: list[Reminder], token: uuid.UUID, now: datetime) -> int:
    sent, failed = [], []
    with mailers.default as mail:
        for reminder in reminders:
            try:
                mail.send_messages([_message(reminder)])
                sent.append(reminder)
            except Exception:
                logger.exception("Sending reminder %s failed", reminder.pk)
                failed.append(reminder)
    with audit.atomic():
        Reminder.objects.filter(
            pk__in=[r.pk for r in sent], claim_token=token, status=ReminderStatus.CLAIMED
        ).update(status=ReminderStatus.SENT, sent_at=now)
        # A failed send is not retried automatically: a late reminder is worse than none,
        # and the check-in stays open in the app. The log says what happened.
        Reminder.objects.filter(pk__in=[r.pk for r in failed], claim_token=token).update(
            status=ReminderStatus.EXPIRED
        )
        _log(sent, ReminderEventKind.SENT, now)
        _log(failed, ReminderEventKind.FAILED, now, "the mail server refused it")
        # The worker read each patient's address and language to send: an access.
        by_patient = {r.patient_id: r.pk for r in sent}
        record_system(
            by_patient,
            category=Category.IDENTITY,
            action=Action.VIEW,
            basis="checkin_reminder",
            object_type="reminder",
            object_id=by_patient.get,
        )
    return len(sent)


def reminders_dispatch(now: datetime | None = None, batch_size: int = 200) -> int:
    """Send every due reminder this worker can claim; returns how many it sent."""
    total = 0
    while True:
        at = now or timezone.now()
        token = uuid.uuid4()
        claimed = reminders_claim(at, batch_size, token)
        if not claimed:
            return total
        total += _send(claimed, token, at)


def reminders_expire(now: datetime | None = None) -> int:
    """Close the windows that have passed. A missed check-in is only recorded, never
    chased: the next reminder is the same friendly one."""
    now = now or timezone.now()
    token = uuid.uuid4()
    count = Reminder.objects.filter(status__in=OPEN_STATUSES, expires_at__lte=now).update(
        status=ReminderStatus.EXPIRED, claim_token=token
    )
    if count:
        _log(Reminder.objects.filter(claim_token=token), ReminderEventKind.EXPIRED, now)
    return count


def reminder_answer(patient_id, local_date: date, now: datetime) -> Reminder | None:
    """Mark the check-in window the patient just answered (today's, or one still open)."""
    open_rows = Reminder.objects.filter(
        patient_id=patient_id, status__in=OPEN_STATUSES, expires_at__gt=now
    )
    candidates = open_rows.filter(occasion_on=local_date) | open_rows.filter(due_at__lte=now)
    for reminder in candidates.order_by("-due_at")[:2]:
        if Reminder.objects.filter(pk=reminder.pk, status__in=OPEN_STATUSES).update(
            status=ReminderStatus.ANSWERED, answered_at=now
        ):
            _log([reminder], ReminderEventKind.ANSWERED, now)
            return reminder
    return None
