"""Check-in reminders: planned from the patient's schedule, sent through the outbox.

A reminder is one row per patient and local date: the check-in's answer window. Its e-mail
is an outbox message (kind `checkin_reminder`) due at the window's start and expiring at
its end, so the one delivery pipeline claims, sends and logs it like any other message.
Changing the schedule moves or cancels messages not sent yet; one that was sent stays as
it is, so nothing is sent twice.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from stegvis.access.categories import Action, Category
from stegvis.access.helpers import record_system
from stegvis.audit import audit
from stegvis.coaching.models import Cadence, CheckinSchedule, Reminder, ReminderStatus
from stegvis.notifications import outbox
from stegvis.notifications.channels import Rendered, absolute
from stegvis.notifications.models import OutboxKind, OutboxMessage

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
OPEN_STATUSES = (ReminderStatus.SCHEDULED,)


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
        if day not in wanted:
            # Not wanted any more: its window closes unless its e-mail already went out
            # (or is going out right now), so a window someone was reminded of stays open.
            if reminder.status == ReminderStatus.SCHEDULED and outbox.cancel(
                reminder.delivery_id, "schedule changed", now
            ):
                Reminder.objects.filter(pk=reminder.pk).update(status=ReminderStatus.CANCELLED)
                counts["cancelled"] += 1
            continue
        due_at, expires_at = wanted[day]
        movable = reminder.status in (ReminderStatus.SCHEDULED, ReminderStatus.CANCELLED)
        moved = reminder.due_at != due_at or reminder.status == ReminderStatus.CANCELLED
        if movable and moved and outbox.reschedule(reminder.delivery_id, due_at, expires_at, now):
            Reminder.objects.filter(
                pk=reminder.pk, status__in=(ReminderStatus.SCHEDULED, ReminderStatus.CANCELLED)
            ).update(status=ReminderStatus.SCHEDULED, due_at=due_at, expires_at=expires_at)
            counts["rescheduled"] += 1
    for day, (due_at, expires_at) in wanted.items():
        if day not in existing:
            reminder = Reminder.objects.create(
                patient_id=schedule.patient_id,
                occasion_on=day,
                due_at=due_at,
                expires_at=expires_at,
            )
            reminder.delivery = outbox.queue(
                schedule.patient_id,
                kind=OutboxKind.CHECKIN_REMINDER,
                key=f"reminder:{reminder.pk}",
                not_before=due_at,
                expires_at=expires_at,
                object_id=reminder.pk,
                at=now,
            )
            reminder.save(update_fields=["delivery"])
            counts["scheduled"] += 1
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


def render_reminder(message: OutboxMessage) -> Rendered:
    """The reminder e-mail: a kind nudge and a link, nothing about health."""
    link = absolute(reverse("checkin"))
    body = render_to_string(
        "coaching/reminder_email.txt", {"patient": message.recipient, "link": link}
    )
    return Rendered(_("A short check-in when it suits you"), body, link)


def reminders_sent(messages: list[OutboxMessage]) -> None:
    """The worker read each patient's address and language to send: an access."""
    by_patient = {m.recipient_id: m.object_id for m in messages}
    record_system(
        by_patient,
        category=Category.IDENTITY,
        action=Action.VIEW,
        basis="checkin_reminder",
        object_type="reminder",
        object_id=by_patient.get,
    )


def reminders_expire(now: datetime | None = None) -> int:
    """Close the windows that have passed. A missed check-in is only recorded, never
    chased: the next reminder is the same friendly one."""
    now = now or timezone.now()
    return Reminder.objects.filter(status__in=OPEN_STATUSES, expires_at__lte=now).update(
        status=ReminderStatus.EXPIRED
    )


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
            # Answered before its reminder went out: no need to send it.
            outbox.cancel(reminder.delivery_id, "answered", now)
            return reminder
    return None
