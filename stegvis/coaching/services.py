"""Writes of the digital coach: the schedule, check-ins and messages with the coach."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import timezone

from stegvis.accounts.models import User
from stegvis.audit import audit
from stegvis.coaching.feedback import choose_rule, signals_for, suggest_strategies
from stegvis.coaching.flags.services import checkin_recorded, message_posted
from stegvis.coaching.guidance import mentions_crisis
from stegvis.coaching.models import CheckIn, CheckinSchedule, CoachMessage
from stegvis.coaching.reminders import reminder_answer, reminders_plan_for
from stegvis.coaching.selectors import schedule_of
from stegvis.core.errors import StaleEdit, replayed
from stegvis.notifications import outbox
from stegvis.notifications.models import NotificationKind


@audit.atomic()
def schedule_save(
    *, actor: User, cadence: str, time_of_day, timezone_name: str, revision: int
) -> CheckinSchedule:
    """The patient's own cadence and time; coming reminders follow at once."""
    schedule, _created = CheckinSchedule.objects.select_for_update().get_or_create(patient=actor)
    if schedule.revision != revision:
        raise StaleEdit(schedule)
    unchanged = (schedule.cadence, schedule.time_of_day, schedule.timezone) == (
        cadence,
        time_of_day,
        timezone_name,
    )
    if not unchanged:
        schedule.cadence = cadence
        schedule.time_of_day = time_of_day
        schedule.timezone = timezone_name
        schedule.revision += 1
        schedule.save()
    reminders_plan_for(schedule)
    return schedule


@dataclass
class CheckinResult:
    checkin: CheckIn
    created: bool


def checkin_submit(
    *, actor: User, values: dict, submission_id: uuid.UUID, now: datetime | None = None
) -> CheckinResult:
    """Store a check-in once per form submission, answer its reminder, choose feedback
    and raise any flag. A retried submission returns the check-in it already made."""
    existing = CheckIn.objects.filter(submission_id=submission_id, patient=actor).first()
    if existing is not None:
        return CheckinResult(existing, False)
    now = now or timezone.now()
    zone = ZoneInfo(schedule_of(actor).timezone)
    with audit.atomic():
        checkin = CheckIn(
            patient=actor,
            submission_id=submission_id,
            submitted_at=now,
            local_date=now.astimezone(zone).date(),
            crisis=mentions_crisis(values.get("note", "")),
            **values,
        )
        checkin.reminder = reminder_answer(actor.pk, checkin.local_date, now)
        checkin.save()
        signals = signals_for(checkin, now)
        checkin.feedback_rule = choose_rule(signals).code
        checkin.strategies = [s.code for s in suggest_strategies(signals, checkin.local_date)]
        checkin.save(update_fields=["feedback_rule", "strategies"])
        checkin_recorded(checkin, signals.trend)
    return CheckinResult(checkin, True)


@audit.atomic()
def coach_message_post(
    *, actor: User, patient: User, body: str, submission_id: uuid.UUID
) -> CoachMessage:
    """A message in the patient's thread with their coach; posting twice makes one."""
    message, created = CoachMessage.objects.get_or_create(
        submission_id=submission_id,
        author=actor,
        defaults={"patient": patient, "body": body.strip()},
    )
    if created:
        message_posted(message)
        if not message.from_patient:
            _tell_the_patient(message)
    return replayed(message, author_id=actor.pk, patient_id=patient.pk, body=body.strip())


def _tell_the_patient(message: CoachMessage) -> None:
    """The coach's word reaches the patient as she chose (in Stegvis, e-mail, her phone):
    that the coach wrote, never what."""
    outbox.notify(
        outbox.Notice(
            kind=NotificationKind.COACH_MESSAGE,
            key=f"coach_message:{message.pk}",
            link=reverse("my_coach"),
            patient_id=message.patient_id,
        ),
        [(message.patient, None)],
    )
