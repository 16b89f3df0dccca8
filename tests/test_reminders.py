"""Check-in reminders: planned at the patient's local time, claimed once, logged, expired,
and never re-sent when the schedule changes."""

import threading
import uuid
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection

from stegvis.coaching import reminders
from stegvis.coaching.models import (
    Cadence,
    CheckinSchedule,
    Reminder,
    ReminderEventKind,
    ReminderStatus,
)
from stegvis.coaching.services import checkin_submit, schedule_save
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
    return list(reminder.events.order_by("at", "pk").values_list("kind", flat=True))


@pytest.mark.django_db
def test_reminders_are_due_at_the_patients_local_time():
    stockholm = scheduled(UserFactory())
    oslo_evening = scheduled(UserFactory(), at=time(20, 30), zone="Europe/Oslo")
    first = Reminder.objects.filter(patient=stockholm.patient).order_by("due_at").first()
    assert first.due_at == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    assert first.occasion_on.isoformat() == "2026-11-23"
    assert kinds(first) == [ReminderEventKind.SCHEDULED]
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
    assert reminders.reminders_dispatch(at_nine) == 1
    assert reminders.reminders_dispatch(at_nine) == 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [patient.email]
    assert "/checkin/" in message.body and "check-in" in message.subject
    reminder = patient.reminders.get(status=ReminderStatus.SENT)
    assert kinds(reminder) == [ReminderEventKind.SCHEDULED, ReminderEventKind.SENT]


@pytest.mark.django_db
def test_a_reminder_is_not_sent_before_it_is_due():
    scheduled(UserFactory())
    assert reminders.reminders_dispatch(MONDAY_MORNING + timedelta(hours=1)) == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_changing_the_time_moves_unsent_reminders_and_never_resends_a_sent_one():
    patient = UserFactory()
    schedule = scheduled(patient)
    reminders.reminders_dispatch(MONDAY_MORNING + timedelta(hours=2, minutes=1))
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
    assert today.status == ReminderStatus.SENT
    tomorrow = patient.reminders.get(occasion_on="2026-11-24")
    assert tomorrow.due_at == datetime(2026, 11, 24, 19, 0, tzinfo=UTC)
    assert ReminderEventKind.RESCHEDULED in kinds(tomorrow)
    # At 20:00 today, nothing more goes out: today's reminder was already sent.
    assert reminders.reminders_dispatch(datetime(2026, 11, 23, 19, 1, tzinfo=UTC)) == 0
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
    assert reminders.reminders_dispatch(MONDAY_MORNING + timedelta(hours=2, minutes=1)) == 1


@pytest.mark.django_db
def test_a_window_expires_and_the_next_reminder_is_the_same_friendly_one():
    patient = UserFactory()
    scheduled(patient)
    reminders.reminders_dispatch(MONDAY_MORNING + timedelta(hours=2, minutes=1))
    # 20 hours after 09:00 the window closes.
    assert reminders.reminders_expire(MONDAY_MORNING + timedelta(hours=21)) == 0
    assert reminders.reminders_expire(MONDAY_MORNING + timedelta(hours=22, minutes=1)) == 1
    expired = patient.reminders.get(occasion_on="2026-11-23")
    assert expired.status == ReminderStatus.EXPIRED
    assert kinds(expired)[-1] == ReminderEventKind.EXPIRED
    reminders.reminders_dispatch(MONDAY_MORNING + timedelta(days=1, hours=2, minutes=1))
    assert mail.outbox[0].body == mail.outbox[1].body


@pytest.mark.django_db
def test_an_unsent_reminder_whose_window_passed_is_never_sent_late():
    patient = UserFactory()
    scheduled(patient)
    late = MONDAY_MORNING + timedelta(hours=23)
    assert reminders.reminders_dispatch(late) == 0
    assert reminders.reminders_expire(late) == 1
    assert mail.outbox == []


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
    assert kinds(reminder)[-1] == ReminderEventKind.ANSWERED
    assert reminders.reminders_dispatch(MONDAY_MORNING + timedelta(hours=2, minutes=1)) == 0


@pytest.mark.django_db
def test_a_claimed_reminder_cannot_be_claimed_again():
    scheduled(UserFactory())
    at_nine = MONDAY_MORNING + timedelta(hours=2, minutes=1)
    first = reminders.reminders_claim(at_nine, 10, uuid.uuid4())
    assert len(first) == 1
    assert reminders.reminders_claim(at_nine, 10, uuid.uuid4()) == []
    # The conditional update itself refuses a row another worker holds.
    taken = Reminder.objects.filter(pk=first[0].pk, status=ReminderStatus.SCHEDULED)
    assert taken.update(status=ReminderStatus.CLAIMED, claim_token=uuid.uuid4()) == 0


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


# Two real workers need committed rows and separate connections: PostgreSQL, which CI
# runs the whole suite on as well. (SQLite's shared in-memory test database cannot hold
# two writing connections; there the claim is covered by the test above.)
if connection.vendor == "postgresql":

    @pytest.mark.django_db(transaction=True)
    def test_two_concurrent_workers_never_send_the_same_reminder():
        """Two threads, each with its own database connection, dispatch the same due rows.

        On PostgreSQL (the CI job that matters for production) they claim with SKIP LOCKED;
        on SQLite the writes take turns. Either way each row is sent exactly once."""
        patients = UserFactory.create_batch(60)
        for patient in patients:
            scheduled(patient)
        at_nine = MONDAY_MORNING + timedelta(hours=2, minutes=1)
        start = threading.Barrier(2)
        sent = []

        def worker():
            try:
                start.wait()
                sent.append(reminders.reminders_dispatch(at_nine, batch_size=7))
            finally:
                connection.close()

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sum(sent) == 60
        assert len(mail.outbox) == 60
        assert len({m.to[0] for m in mail.outbox}) == 60
        sent_events = Reminder.objects.filter(events__kind=ReminderEventKind.SENT).count()
        assert sent_events == 60
