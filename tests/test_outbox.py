"""The notifications outbox: one row per person and channel, sent once by the worker,
rendered in the recipient's language when sent, logged, with preferences and a digest."""

import threading
import uuid
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from stegvis.coaching.models import Cadence, CheckinSchedule
from stegvis.coaching.reminders import reminders_plan_for
from stegvis.notifications import outbox
from stegvis.notifications.channels import LocmemSmsBackend
from stegvis.notifications.models import (
    DeliveryEventKind,
    DeliveryStatus,
    EmailMode,
    Notification,
    NotificationKind,
    NotificationPreference,
    OutboxMessage,
)
from tests.factories import UserFactory

# 08:00 in Stockholm: after the digest hour.
MORNING = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
SMS = "stegvis.notifications.channels.LocmemSmsBackend"


def message_notice(key="m1", kind=NotificationKind.MESSAGE_RECEIVED):
    return outbox.Notice(kind=kind, key=f"{kind}:{key}", link="/messages/abc/")


def tell(*users, notice=None):
    return outbox.notify(notice or message_notice(), [(user, None) for user in users])


def log(message):
    return list(message.events.values_list("kind", flat=True))


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    LocmemSmsBackend.outbox.clear()


def test_one_row_per_channel_and_telling_again_adds_nothing(db):
    person = UserFactory()
    assert len(tell(person)) == 1
    assert tell(person) == []
    rows = dict(OutboxMessage.objects.values_list("channel", "status"))
    assert rows == {"in_app": DeliveryStatus.SENT, "email": DeliveryStatus.PENDING}
    assert Notification.objects.count() == 1


def test_the_worker_sends_each_email_once_and_logs_each_step(db):
    person = UserFactory(email="anna@example.org")
    tell(person)
    assert mail.outbox == []
    assert outbox.outbox_dispatch() == 1
    assert outbox.outbox_dispatch() == 0
    (email,) = mail.outbox
    assert email.to == ["anna@example.org"]
    assert "http://127.0.0.1:8000/messages/abc/" in email.body
    row = OutboxMessage.objects.get(channel="email")
    assert row.status == DeliveryStatus.SENT and row.sent_at is not None
    assert log(row) == [DeliveryEventKind.QUEUED, DeliveryEventKind.CLAIMED, DeliveryEventKind.SENT]
    in_app = OutboxMessage.objects.get(channel="in_app")
    assert log(in_app) == [DeliveryEventKind.DELIVERED]


def test_the_email_is_rendered_in_the_language_the_recipient_has_when_it_is_sent(db):
    person = UserFactory(preferred_language="en")
    tell(person)
    person.preferred_language = "sv"
    person.save()
    outbox.outbox_dispatch()
    (email,) = mail.outbox
    assert "Du har ett nytt meddelande" in email.body
    assert OutboxMessage.objects.get(channel="email").language == "sv"


def test_a_norwegian_reader_is_written_to_in_bokmal(db):
    person = UserFactory(preferred_language="nb")
    tell(person)
    outbox.outbox_dispatch()
    (email,) = mail.outbox
    assert "Du har en ny melding" in email.subject + email.body
    assert "Denne e-posten inneholder ingen helseopplysninger." in email.body
    assert OutboxMessage.objects.get(channel="email").language == "nb"


def test_email_off_leaves_only_the_in_app_notice(db):
    person = UserFactory()
    NotificationPreference.objects.create(user=person, email=EmailMode.OFF)
    tell(person)
    assert list(OutboxMessage.objects.values_list("channel", flat=True)) == ["in_app"]


def test_urgent_notices_are_emailed_at_once_even_to_someone_who_wants_a_digest(
    db, django_capture_on_commit_callbacks
):
    person = UserFactory()
    NotificationPreference.objects.create(user=person, email=EmailMode.DIGEST)
    with django_capture_on_commit_callbacks(execute=True):
        tell(person, notice=message_notice(kind=NotificationKind.URGENT_FLAG))
    assert len(mail.outbox) == 1
    assert OutboxMessage.objects.get(channel="email").status == DeliveryStatus.SENT


def test_a_digest_gathers_the_days_emails_into_one_sent_once(db):
    person = UserFactory(preferred_language="en")
    NotificationPreference.objects.create(user=person, email=EmailMode.DIGEST)
    tell(person, notice=message_notice("a"))
    tell(person, notice=message_notice("b"))
    tell(person, notice=message_notice("c", kind=NotificationKind.TASK_ASSIGNED))
    assert outbox.outbox_dispatch() == 0
    assert outbox.digests_build(MORNING - timedelta(hours=2)) == 0, "06:00 local"
    assert outbox.digests_build(MORNING) == 1
    assert outbox.digests_build(MORNING) == 0, "one a day"
    assert outbox.outbox_dispatch() == 1
    (email,) = mail.outbox
    assert "You have a new message (2)" in email.body
    assert "You have a new task (1)" in email.body
    held = OutboxMessage.objects.filter(channel="email", notification__isnull=False)
    assert set(held.values_list("status", flat=True)) == {DeliveryStatus.IN_DIGEST}
    assert all(DeliveryEventKind.DIGESTED in log(m) for m in held)


@override_settings(STEGVIS_SMS_BACKEND=SMS)
def test_a_text_message_goes_through_the_configured_backend_with_only_a_link(db):
    person = UserFactory()
    NotificationPreference.objects.create(user=person, sms=True, sms_number="+46701234567")
    tell(person)
    assert outbox.outbox_dispatch() == 2
    ((number, text),) = LocmemSmsBackend.outbox
    assert number == "+46701234567"
    assert text.endswith("/messages/abc/")


def test_without_a_backend_no_text_message_is_queued(db):
    person = UserFactory()
    NotificationPreference.objects.create(user=person, sms=True, sms_number="+46701234567")
    tell(person)
    assert not OutboxMessage.objects.filter(channel="sms").exists()


# A mail server that refuses: nothing listens on port 9 here.
REFUSING = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                        "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2}}}  # fmt: skip


@time_machine.travel(MORNING, tick=False)
def test_a_failed_send_is_retried_later_and_given_up_after_five_attempts(db, settings):
    settings.MAILERS = REFUSING
    tell(UserFactory())
    row = OutboxMessage.objects.get(channel="email")
    now = MORNING
    for attempt in range(1, outbox.MAX_ATTEMPTS + 1):
        assert outbox.outbox_dispatch(now) == 0
        row.refresh_from_db()
        assert row.attempts == attempt
        assert outbox.outbox_dispatch(now) == 0, "not again before the back-off"
        now = row.next_attempt_at
    assert row.status == DeliveryStatus.FAILED
    assert log(row).count(DeliveryEventKind.RETRY) == outbox.MAX_ATTEMPTS - 1
    assert log(row)[-1] == DeliveryEventKind.FAILED


@time_machine.travel(MORNING, tick=False)
def test_a_message_being_sent_when_its_worker_stopped_is_closed_and_not_sent_again(db):
    tell(UserFactory())
    row = OutboxMessage.objects.get(channel="email")
    [claimed] = outbox.outbox_claim(MORNING, 10, uuid.uuid4())
    outbox._take(claimed)  # and then it was killed
    assert outbox.outbox_release_stale(MORNING + timedelta(minutes=5)) == 0
    assert outbox.outbox_release_stale(MORNING + timedelta(minutes=16)) == 1
    row.refresh_from_db()
    assert row.status == DeliveryStatus.FAILED
    assert outbox.outbox_dispatch(MORNING + timedelta(hours=1)) == 0
    assert mail.outbox == []


@time_machine.travel(MORNING, tick=False)
def test_what_a_stopped_worker_claimed_and_had_not_begun_is_sent_once_by_another(db):
    people = UserFactory.create_batch(outbox.SEND_GROUP + 5)
    tell(*people)
    claimed = outbox.outbox_claim(MORNING, len(people), uuid.uuid4())
    # It was killed while the fourth message left: three sent, one in doubt, the rest not begun.
    for message in claimed[:4]:
        outbox._take(message)
    assert outbox.outbox_release_stale(MORNING + timedelta(minutes=16)) == len(people)
    assert outbox.outbox_dispatch(MORNING + timedelta(minutes=16)) == len(people) - 4
    sent_to = sorted(address for message in mail.outbox for address in message.to)
    assert sent_to == sorted(m.recipient.email for m in claimed[4:])
    assert OutboxMessage.objects.filter(status=DeliveryStatus.FAILED).count() == 4


@time_machine.travel(MORNING, tick=False)
def test_a_slow_worker_does_not_send_what_was_taken_back_from_it(db, settings):
    settings.STEGVIS_OUTBOX_CLAIM_TIMEOUT = 60
    tell(UserFactory())
    slow = uuid.uuid4()
    claimed = outbox.outbox_claim(MORNING, 10, slow)
    assert outbox.outbox_release_stale(MORNING + timedelta(minutes=2)) == 1
    assert outbox.outbox_dispatch(MORNING + timedelta(minutes=2)) == 1
    assert outbox._send(claimed, slow, MORNING + timedelta(minutes=3)) == 0
    assert len(mail.outbox) == 1


def test_each_email_names_its_outbox_row_in_its_message_id(db):
    tell(UserFactory())
    row = OutboxMessage.objects.get(channel="email")
    outbox.outbox_dispatch()
    assert mail.outbox[0].extra_headers["Message-ID"] == f"<outbox-{row.pk}@stegvis.invalid>"


def test_preferences_page_saves_and_keeps_a_bad_number_with_an_error(client, db):
    person = UserFactory()
    client.force_login(person)
    page = client.get("/notifications/settings/")
    assert page.status_code == 200 and 'name="email"' in page.text
    assert 'name="sms_number"' not in page.text, "no text-message backend configured"
    with override_settings(STEGVIS_SMS_BACKEND=SMS):
        bad = client.post(
            "/notifications/settings/", {"email": "digest", "sms": "on", "sms_number": "0701"}
        )
        assert bad.status_code == 422 and 'value="0701"' in bad.text
        good = client.post(
            "/notifications/settings/",
            {"email": "digest", "sms": "on", "sms_number": "+46701234567"},
        )
    assert good.status_code == 302
    preference = NotificationPreference.objects.get(user=person)
    assert preference.email == "digest" and preference.sms_number == "+46701234567"


def test_the_list_shows_how_each_notice_was_delivered(client, db):
    person = UserFactory(preferred_language="en")
    tell(person)
    outbox.outbox_dispatch()
    client.force_login(person)
    page = client.get("/notifications/")
    assert "You have a new message" in page.text
    assert "E-mail: sent" in page.text
    assert 'href="/messages/abc/"' in page.text


# Two real workers need committed rows and separate connections: PostgreSQL only (see
# test_reminders for why SQLite's shared in-memory test database cannot take part).
if connection.vendor == "postgresql":

    @pytest.mark.django_db(transaction=True)
    def test_two_workers_send_every_outbox_row_exactly_once():
        """The one delivery pipeline: notices and check-in reminders, claimed by one claim
        function from two workers at once, each sent exactly once and logged once."""
        people = UserFactory.create_batch(40)
        patients = UserFactory.create_batch(20)
        # Queued the morning before the workers run, whatever today's date is.
        with time_machine.travel(MORNING, tick=True):
            for n, person in enumerate(people):
                tell(person, notice=message_notice(str(n)))
        for patient in patients:
            # Daily at 08:00 in Stockholm: tomorrow's reminder is due when the workers run.
            schedule = CheckinSchedule.objects.create(
                patient=patient, cadence=Cadence.DAILY, time_of_day=time(8, 0)
            )
            reminders_plan_for(schedule, MORNING)
        start = threading.Barrier(2)
        sent = []

        def worker():
            try:
                start.wait()
                with time_machine.travel(MORNING + timedelta(days=1), tick=True):
                    sent.append(outbox.outbox_dispatch(batch_size=3))
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
        assert OutboxMessage.objects.filter(events__kind=DeliveryEventKind.SENT).count() == 60
        reminders_sent = OutboxMessage.objects.filter(
            kind="checkin_reminder", status=DeliveryStatus.SENT
        )
        assert reminders_sent.count() == 20

    @pytest.mark.django_db(transaction=True)
    def test_a_claim_made_before_the_database_crashed_is_in_doubt_and_not_sent_again():
        """The mark of leaving is committed without waiting for the disk, so a crash of the
        database server may lose it: a claim from before its last recovery is not sent
        again. One from before a clean restart, which loses nothing, is sent."""
        people = UserFactory.create_batch(3)
        with time_machine.travel(MORNING, tick=False):
            tell(*people)
            claimed = outbox.outbox_claim(MORNING, 10, uuid.uuid4())
            with CaptureQueriesContext(connection) as marking:
                outbox._take(claimed[0])
        assert "SET LOCAL synchronous_commit = off" in [q["sql"] for q in marking]
        rows = OutboxMessage.objects.filter(pk__in=[m.pk for m in claimed])
        with connection.cursor() as cursor:
            cursor.execute("SELECT stats_reset FROM pg_stat_bgwriter")
            (recovered,) = cursor.fetchone()
        assert {row.claimed_in for row in rows} == {recovered}
        # Nothing since: the two not marked go back to be sent, the one marked is in doubt.
        with time_machine.travel(MORNING + timedelta(minutes=16), tick=False):
            assert outbox.outbox_release_stale() == 3
            assert outbox.outbox_dispatch() == 2
        assert OutboxMessage.objects.get(pk=claimed[0].pk).status == DeliveryStatus.FAILED
        mail.outbox.clear()
        with time_machine.travel(MORNING + timedelta(hours=1), tick=False):
            tell(*UserFactory.create_batch(2), notice=message_notice("later"))
            again = outbox.outbox_claim(MORNING + timedelta(hours=1), 10, uuid.uuid4())
        rows = OutboxMessage.objects.filter(pk__in=[m.pk for m in again])
        # Claimed before a crash the database has since recovered from (or on another server,
        # after a failover: another time): nothing in the claim is known not to have left.
        rows.update(claimed_in=recovered - timedelta(hours=1))
        assert outbox.outbox_release_stale(MORNING + timedelta(hours=2)) == 2
        assert {row.status for row in rows} == {DeliveryStatus.FAILED}
        assert outbox.outbox_dispatch(MORNING + timedelta(hours=3)) == 0
        assert mail.outbox == []
