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
from stegvis.notifications import outbox, topics
from stegvis.notifications.channels import Rendered, absolute
from stegvis.notifications.models import (
    DeliveryStatus,
    NotificationPreference,
    OutboxKind,
    OutboxMessage,
    PushSubscription,
)

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
# A reminder's message in one of these never reached the patient.
UNSENT = (DeliveryStatus.PENDING, DeliveryStatus.CANCELLED, DeliveryStatus.EXPIRED)


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


def reminder_channels(patient_id, today: date) -> list[str]:
    """The channels the patient wants reminders on (their topic "checkins"): e-mail unless
    turned off, and their devices if they have any; none while they have paused. A reminder
    in tomorrow's summary would come too late, so a summary means at once here."""
    preference = NotificationPreference.objects.filter(user_id=patient_id).first()
    has_devices = PushSubscription.objects.filter(user_id=patient_id).exists()
    wanted = topics.wanted_channels(
        OutboxKind.CHECKIN_REMINDER,
        preference,
        patient=True,
        has_devices=has_devices,
        sms_on=False,
        today=today,
        in_app=False,
    )
    return [channel for channel, _status in wanted]


def deliveries_of(reminder: Reminder) -> dict[str, tuple]:
    """The reminder's outbox rows: channel → (id, status)."""
    rows = OutboxMessage.objects.filter(
        kind=OutboxKind.CHECKIN_REMINDER, object_id=str(reminder.pk)
    ).values_list("channel", "pk", "status")
    return {channel: (pk, status) for channel, pk, status in rows}


def _queue(reminder: Reminder, channel: str, now: datetime) -> OutboxMessage:
    return outbox.queue(
        reminder.patient_id,
        kind=OutboxKind.CHECKIN_REMINDER,
        key=f"reminder:{reminder.pk}",
        not_before=reminder.due_at,
        expires_at=reminder.expires_at,
        object_id=reminder.pk,
        channel=channel,
        at=now,
    )


@audit.atomic()
def reminders_plan_for(
    schedule: CheckinSchedule, now: datetime | None = None, *, channels_changed: bool = False
) -> dict:
    """Bring the patient's coming reminders in line with their schedule (and, when the
    patient changed how they are told, with their channels)."""
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
            if reminder.status == ReminderStatus.SCHEDULED and _cancel_all(
                reminder, "schedule changed", now
            ):
                Reminder.objects.filter(pk=reminder.pk).update(status=ReminderStatus.CANCELLED)
                counts["cancelled"] += 1
            continue
        due_at, expires_at = wanted[day]
        movable = reminder.status in (ReminderStatus.SCHEDULED, ReminderStatus.CANCELLED)
        moved = reminder.due_at != due_at or reminder.status == ReminderStatus.CANCELLED
        if (
            movable
            and (moved or channels_changed)
            and _move(reminder, due_at, expires_at, moved, now)
        ):
            counts["rescheduled"] += 1
    # Read only when a reminder is made: the periodic run over every schedule mostly finds
    # nothing to do.
    new_days = [day for day in wanted if day not in existing]
    channels = reminder_channels(schedule.patient_id, today) if new_days else []
    for day in new_days:
        due_at, expires_at = wanted[day]
        reminder = Reminder.objects.create(
            patient_id=schedule.patient_id,
            occasion_on=day,
            due_at=due_at,
            expires_at=expires_at,
        )
        queued = [_queue(reminder, channel, now) for channel in channels]
        if queued:
            reminder.delivery = queued[0]
            reminder.save(update_fields=["delivery"])
        counts["scheduled"] += 1
    return counts


def _move(
    reminder: Reminder, due_at: datetime, expires_at: datetime, moved: bool, now: datetime
) -> bool:
    """Move a reminder not sent on any channel, onto the channels wanted now (one turned
    off stays cancelled, one turned on is queued); True when its time moved."""
    rows = deliveries_of(reminder)
    if any(status not in UNSENT for _pk, status in rows.values()):
        return False  # it went out (or is going out) on some channel: it stays as it was
    on = reminder_channels(reminder.patient_id, reminder.occasion_on)
    for channel, (pk, status) in rows.items():
        if channel not in on:
            outbox.cancel(pk, "channel turned off", now)
        elif moved or status == DeliveryStatus.CANCELLED:
            outbox.reschedule(pk, due_at, expires_at, now)
    reminder.due_at, reminder.expires_at = due_at, expires_at
    for channel in set(on) - set(rows):
        _queue(reminder, channel, now)
    if moved:
        Reminder.objects.filter(pk=reminder.pk).update(
            status=ReminderStatus.SCHEDULED, due_at=due_at, expires_at=expires_at
        )
    return moved


def _cancel_all(reminder: Reminder, reason: str, now: datetime) -> bool:
    """Cancel the reminder's messages not sent yet: True when none went out on any channel
    (a patient reminded by e-mail is not reminded again on the phone either way)."""
    unsent = [
        outbox.cancel(pk, reason, now) if status == DeliveryStatus.PENDING else status in UNSENT
        for pk, status in deliveries_of(reminder).values()
    ]
    return all(unsent)


def reminders_follow_channels(sender, user, **kwargs) -> None:
    """The patient changed how they are told: their coming reminders follow at once."""
    schedule = CheckinSchedule.objects.filter(patient=user).exclude(cadence=Cadence.PAUSED).first()
    if schedule:
        reminders_plan_for(schedule, channels_changed=True)


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
            _cancel_all(reminder, "answered", now)
            return reminder
    return None
