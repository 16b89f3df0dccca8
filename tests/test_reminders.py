"""Check-in reminders: planned at the patient's local time, sent once through the outbox,
logged in its delivery log, expired, and never re-sent when the schedule changes."""

import uuid
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from stegvis.audit.models import AccessEvent
from stegvis.coaching import reminders
from stegvis.coaching.models import Cadence, CheckinSchedule, Reminder, ReminderStatus
from stegvis.coaching.services import checkin_submit, schedule_save
from stegvis.notifications.models import DeliveryEventKind, DeliveryStatus, OutboxMessage
from stegvis.notifications.outbox import outbox_claim, outbox_dispatch, outbox_expire
from tests.factories import UserFactory

# A Monday, 06:00 UTC = 07:00 in Stockholm (winter time).
MONDAY_MORNING = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
VALUES = {"mood": 6, "energy": 5, "pain": 3, "sleep": 6, "stress": 4, "work_ability": 5,
          "hours_worked": None, "note": ""}  # fmt: skip


def scheduled(patient, cadence=Cadence.DAILY, at=time(9, 0), zone="Europe/Stockholm"):
    schedule = CheckinSchedule.objects.create(
        patient=patient, cadence=cadence, time_of_day=at, timezone=zone
    )
    reminders.reminders_plan_for(schedule, MONDAY_MORNING)
    return schedule


def kinds(reminder):
    """The reminder's e-mail in the outbox's delivery log."""
    reminder.refresh_from_db()
    return list(reminder.delivery.events.order_by("at", "pk").values_list("kind", flat=True))


def dispatch(at) -> int:
    """The outbox worker's round at `at` (it sends check-in reminders like anything else)."""
    outbox_expire(at)
    return outbox_dispatch(at)


@pytest.mark.django_db
def test_reminders_are_due_at_the_patients_local_time():
    stockholm = scheduled(UserFactory())
    oslo_evening = scheduled(UserFactory(), at=time(20, 30), zone="Europe/Oslo")
    first = Reminder.objects.filter(patient=stockholm.patient).order_by("due_at").first()
    assert first.due_at == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    assert first.occasion_on.isoformat() == "2026-11-23"
    assert kinds(first) == [DeliveryEventKind.QUEUED]
    evening = Reminder.objects.filter(patient=oslo_evening.patient).order_by("due_at").first()
    assert evening.due_at == datetime(2026, 11, 23, 19, 30, tzinfo=UTC)


@pytest.mark.django_db
def test_cadences_pick_their_weekdays_and_paused_plans_nothing():
    assert Reminder.objects.filter(patient=scheduled(UserFactory()).patient).count() == 3
    three = scheduled(UserFactory(), Cadence.THREE_A_WEEK)
    # Monday and Wednesday fall within the two days planned ahead.
    assert [r.occasion_on.weekday() for r in three.patient.reminders.order_by("due_at")] == [0, 2]
    weekly = scheduled(UserFactory(), Cadence.WEEKLY)
    assert weekly.patient.reminders.count() == 1
    assert scheduled(UserFactory(), Cadence.PAUSED).patient.reminders.count() == 0


@pytest.mark.django_db
def test_a_due_reminder_is_sent_once_with_a_link_and_no_health_data(settings):
    patient = UserFactory(preferred_language="en")
    scheduled(patient)
    at_nine = MONDAY_MORNING + timedelta(hours=2, minutes=1)
    assert dispatch(at_nine) == 1
    assert dispatch(at_nine) == 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [patient.email]
    assert "/checkin/" in message.body and "check-in" in message.subject
    reminder = patient.reminders.get(occasion_on="2026-11-23")
    assert reminder.delivery.status == DeliveryStatus.SENT
    assert kinds(reminder) == [
        DeliveryEventKind.QUEUED,
        DeliveryEventKind.CLAIMED,
        DeliveryEventKind.SENT,
    ]
    # Sending read the patient's address: recorded as the system's access.
    event = AccessEvent.objects.get(basis="checkin_reminder")
    assert (event.patient_id, event.object_id) == (patient.pk, str(reminder.pk))


@pytest.mark.django_db
def test_a_reminder_is_not_sent_before_it_is_due():
    scheduled(UserFactory())
    assert dispatch(MONDAY_MORNING + timedelta(hours=1)) == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_changing_the_time_moves_unsent_reminders_and_never_resends_a_sent_one():
    patient = UserFactory()
    schedule = scheduled(patient)
    dispatch(MONDAY_MORNING + timedelta(hours=2, minutes=1))
    assert len(mail.outbox) == 1
    with time_machine.travel(MONDAY_MORNING + timedelta(hours=3), tick=False):
        schedule_save(
            actor=patient,
            cadence=Cadence.DAILY,
            time_of_day=time(20, 0),
            timezone_name="Europe/Stockholm",
            revision=schedule.revision,
        )
    today = patient.reminders.get(occasion_on="2026-11-23")
    assert today.delivery.status == DeliveryStatus.SENT and today.due_at.hour == 8
    tomorrow = patient.reminders.get(occasion_on="2026-11-24")
    assert tomorrow.due_at == datetime(2026, 11, 24, 19, 0, tzinfo=UTC)
    assert DeliveryEventKind.RESCHEDULED in kinds(tomorrow)
    # At 20:00 today, nothing more goes out: today's reminder was already sent.
    assert dispatch(datetime(2026, 11, 23, 19, 1, tzinfo=UTC)) == 0
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_pausing_cancels_unsent_reminders_and_resuming_revives_them():
    patient = UserFactory()
    schedule = scheduled(patient)
    with time_machine.travel(MONDAY_MORNING, tick=False):
        schedule = schedule_save(
            actor=patient,
            cadence=Cadence.PAUSED,
            time_of_day=time(9, 0),
            timezone_name="Europe/Stockholm",
            revision=schedule.revision,
        )
        assert set(patient.reminders.values_list("status", flat=True)) == {"cancelled"}
        schedule_save(
            actor=patient,
            cadence=Cadence.DAILY,
            time_of_day=time(9, 0),
            timezone_name="Europe/Stockholm",
            revision=schedule.revision,
        )
    assert set(patient.reminders.values_list("status", flat=True)) == {"scheduled"}
    assert dispatch(MONDAY_MORNING + timedelta(hours=2, minutes=1)) == 1


@pytest.mark.django_db
def test_a_window_expires_and_the_next_reminder_is_the_same_friendly_one():
    patient = UserFactory()
    scheduled(patient)
    dispatch(MONDAY_MORNING + timedelta(hours=2, minutes=1))
    # 20 hours after 09:00 the window closes.
    assert reminders.reminders_expire(MONDAY_MORNING + timedelta(hours=21)) == 0
    assert reminders.reminders_expire(MONDAY_MORNING + timedelta(hours=22, minutes=1)) == 1
    expired = patient.reminders.get(occasion_on="2026-11-23")
    assert expired.status == ReminderStatus.EXPIRED
    dispatch(MONDAY_MORNING + timedelta(days=1, hours=2, minutes=1))
    assert mail.outbox[0].body == mail.outbox[1].body


@pytest.mark.django_db
def test_an_unsent_reminder_whose_window_passed_is_never_sent_late():
    patient = UserFactory()
    scheduled(patient)
    late = MONDAY_MORNING + timedelta(hours=23)
    assert dispatch(late) == 0
    assert reminders.reminders_expire(late) == 1
    assert mail.outbox == []
    first = patient.reminders.get(occasion_on="2026-11-23")
    assert first.delivery.status == DeliveryStatus.EXPIRED
    assert kinds(first)[-1] == DeliveryEventKind.EXPIRED


@pytest.mark.django_db
def test_a_check_in_answers_its_window_and_its_reminder_is_then_not_sent():
    patient = UserFactory()
    scheduled(patient)
    with time_machine.travel(MONDAY_MORNING, tick=False):
        result = checkin_submit(actor=patient, values=VALUES, submission_id=uuid.uuid4())
    assert result.checkin.reminder.occasion_on.isoformat() == "2026-11-23"
    reminder = result.checkin.reminder
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.ANSWERED
    assert kinds(reminder)[-1] == DeliveryEventKind.CANCELLED
    assert dispatch(MONDAY_MORNING + timedelta(hours=2, minutes=1)) == 0


@pytest.mark.django_db
def test_a_schedule_saved_from_a_stale_form_is_refused():
    from stegvis.core.errors import StaleEdit

    patient = UserFactory()
    schedule = scheduled(patient)
    with pytest.raises(StaleEdit):
        schedule_save(
            actor=patient,
            cadence=Cadence.WEEKLY,
            time_of_day=time(9, 0),
            timezone_name="Europe/Stockholm",
            revision=schedule.revision - 1,
        )


# Two workers sending the same due rows (check-in reminders among them) are tested once,
# for the whole outbox, in tests/test_outbox.py.


@pytest.mark.django_db(transaction=True)
def test_existing_reminders_move_into_the_outbox_with_their_log():
    """The migration: each reminder's e-mail becomes an outbox message in the state it
    was in, its events join the delivery log, and a sent one is never sent again."""
    executor = MigrationExecutor(connection)
    before = [("coaching", "0002_checkin_answers_optional"), ("notifications", "0003_outbox")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    patient = old.get_model("accounts", "User").objects.create(email="p@example.org")
    old_reminder = old.get_model("coaching", "Reminder")
    old_event = old.get_model("coaching", "ReminderEvent")
    due = MONDAY_MORNING + timedelta(hours=2)
    rows = {}
    for day, status, sent_at in [(23, "sent", due), (24, "scheduled", None), (25, "claimed", None)]:
        rows[status] = old_reminder.objects.create(
            patient_id=patient.pk,
            occasion_on=f"2026-11-{day}",
            due_at=due + timedelta(days=day - 23),
            expires_at=due + timedelta(days=day - 23, hours=20),
            status=status,
            sent_at=sent_at,
        )
        old_event.objects.create(reminder=rows[status], kind="scheduled", at=MONDAY_MORNING)
    old_event.objects.create(reminder=rows["sent"], kind="sent", at=due)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    migrated = {r.occasion_on.day: r for r in Reminder.objects.select_related("delivery")}
    assert {day: r.delivery.status for day, r in migrated.items()} == {
        23: DeliveryStatus.SENT,
        24: DeliveryStatus.PENDING,
        25: DeliveryStatus.FAILED,
    }
    assert {r.status for r in migrated.values()} == {ReminderStatus.SCHEDULED}
    assert kinds(migrated[23]) == [DeliveryEventKind.QUEUED, DeliveryEventKind.SENT]
    assert OutboxMessage.objects.filter(kind="checkin_reminder").count() == 3
    # Only the one still waiting is taken by a worker.
    claimed = outbox_claim(due + timedelta(days=1, minutes=1), 10, uuid.uuid4())
    assert [m.object_id for m in claimed] == [str(migrated[24].pk)]
