"""Web Push beside e-mail: devices turned on from the settings page, messages sent by the
one outbox to a real push service's stand-in on loopback (pywebpush, VAPID, RFC 8291),
decrypted there to check that they say nothing about health; preferences per topic, a
pause, what may not wait, and the devices' end."""

from datetime import UTC, date, datetime, time, timedelta
from uuid import uuid4

import pytest
import time_machine
from django.core import mail

from stegvis.coaching.models import Cadence, CheckinSchedule, Reminder
from stegvis.coaching.reminders import reminders_plan_for
from stegvis.coaching.services import coach_message_post
from stegvis.notifications import outbox
from stegvis.notifications.models import (
    DeliveryStatus,
    EmailMode,
    NotificationKind,
    NotificationPreference,
    OutboxKind,
    OutboxMessage,
    PushSubscription,
)
from tests import push_service
from tests.factories import OrganisationFactory, UserFactory, patient_at

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture
def service(settings):
    service, server = push_service.start()
    settings.STEGVIS_PUSH_SERVICES = ["http://127.0.0.1"]
    yield service
    server.shutdown()


@pytest.fixture
def patient(db):
    return patient_at(OrganisationFactory(), preferred_language="sv")


def turn_on(client, person, service) -> dict:
    """The settings page's form, posted as the browser's script posts it."""
    subscription = service.subscribe()
    client.force_login(person)
    answer = client.post(
        "/notifications/devices/",
        {"endpoint": subscription["endpoint"], **subscription["keys"], "device": "Android"},
    )
    assert answer.status_code == 302
    return subscription


def tell(person, kind=NotificationKind.MESSAGE_RECEIVED, key="m1", **fields):
    notice = outbox.Notice(kind=kind, key=f"{kind}:{key}", link="/messages/abc/", **fields)
    return outbox.notify(notice, [(person, None)])


def channels_of(person) -> dict:
    return dict(OutboxMessage.objects.filter(recipient=person).values_list("channel", "status"))


def test_a_push_reaches_the_device_encrypted_signed_and_saying_nothing_about_health(
    client, patient, service, settings
):
    turn_on(client, patient, service)
    tell(patient)
    assert channels_of(patient) == {
        "in_app": DeliveryStatus.SENT,
        "email": DeliveryStatus.PENDING,
        "push": DeliveryStatus.PENDING,
    }
    assert outbox.outbox_dispatch() == 2
    (received,) = service.received
    # Decrypted by the device's own key: one sentence in the patient's language, and a path.
    assert received.message == {
        "title": "Stegvis",
        "body": "Du har något nytt i Stegvis",
        "url": "/messages/abc/",
    }
    assert received.claims["sub"] == settings.STEGVIS_VAPID_SUBJECT
    assert received.headers["content-encoding"] == "aes128gcm"
    assert received.headers["urgency"] == "normal"
    assert 0 < int(received.headers["ttl"]) <= 24 * 3600
    push = OutboxMessage.objects.get(channel="push")
    assert push.status == DeliveryStatus.SENT and push.language == "sv"
    assert list(push.events.values_list("kind", flat=True)) == ["queued", "claimed", "sent"]
    assert PushSubscription.objects.get().last_sent_at is not None
    # Exactly once: the next rounds find nothing to send.
    assert outbox.outbox_dispatch() == 0
    assert len(service.received) == 1 and len(mail.outbox) == 1


def test_the_key_a_browser_subscribes_with_is_the_one_that_signs(client, patient, service):
    turn_on(client, patient, service)
    page = client.get("/notifications/settings/")
    tell(patient)
    outbox.outbox_dispatch()
    assert f'data-key="{service.received[0].claims["k"]}"' in page.text


def test_an_urgent_notice_is_pushed_with_high_urgency_even_while_paused(
    client, service, db, django_capture_on_commit_callbacks
):
    coordinator = UserFactory(preferred_language="en")
    turn_on(client, coordinator, service)
    NotificationPreference.objects.create(user=coordinator, paused=True)
    with django_capture_on_commit_callbacks(execute=True):
        tell(coordinator, kind=NotificationKind.URGENT_FLAG)
    (received,) = service.received
    assert received.headers["urgency"] == "high"
    assert received.message["body"] == "You have something new in Stegvis"


def test_a_device_the_push_service_forgot_is_dropped_and_the_message_expires(
    client, patient, service
):
    subscription = turn_on(client, patient, service)
    service.devices[subscription["endpoint"].rsplit("/", 1)[-1]].status = 410
    tell(patient)
    outbox.outbox_dispatch()
    push = OutboxMessage.objects.get(channel="push")
    assert push.status == DeliveryStatus.EXPIRED
    assert list(push.events.values_list("kind", flat=True))[-1] == "expired"
    assert not PushSubscription.objects.exists()
    # The next notice has no device to go to: no push row at all.
    tell(patient, key="m2")
    assert OutboxMessage.objects.filter(channel="push").count() == 1


def test_a_push_service_that_fails_is_tried_again_later(client, patient, service):
    subscription = turn_on(client, patient, service)
    device = service.devices[subscription["endpoint"].rsplit("/", 1)[-1]]
    device.status = 500
    tell(patient)
    outbox.outbox_dispatch()
    push = OutboxMessage.objects.get(channel="push")
    assert push.status == DeliveryStatus.PENDING and push.attempts == 1
    assert PushSubscription.objects.exists()
    device.status = 201
    assert outbox.outbox_dispatch(now=push.next_attempt_at + timedelta(seconds=1)) == 1
    assert len(service.received) == 1


def test_only_known_push_services_and_real_keys_are_accepted(client, patient, service, settings):
    client.force_login(patient)
    good = service.subscribe()
    settings.STEGVIS_PUSH_SERVICES = ["https://fcm.googleapis.com"]
    answer = client.post(
        "/notifications/devices/", {"endpoint": good["endpoint"], **good["keys"]}, follow=True
    )
    assert "aviseringstjänst är inte en som Stegvis känner till" in answer.text
    settings.STEGVIS_PUSH_SERVICES = ["http://127.0.0.1"]
    bad_key = {**good["keys"], "p256dh": good["keys"]["auth"]}
    answer = client.post("/notifications/devices/", {"endpoint": good["endpoint"], **bad_key})
    assert not PushSubscription.objects.exists()
    for sneaky in ("http://user@127.0.0.1/x", "file:///etc/passwd", "http://localhost/x"):
        client.post("/notifications/devices/", {"endpoint": sneaky, **good["keys"]})
    assert not PushSubscription.objects.exists()


def test_a_browser_that_subscribes_again_for_the_next_person_notifies_only_them(
    client, service, db
):
    first, second = UserFactory(), UserFactory()
    subscription = turn_on(client, first, service)
    client.force_login(second)
    client.post(
        "/notifications/devices/", {"endpoint": subscription["endpoint"], **subscription["keys"]}
    )
    assert list(PushSubscription.objects.values_list("user", flat=True)) == [second.pk]


def test_signing_out_stops_this_sessions_device_but_not_the_others(client, patient, service):
    turn_on(client, patient, service)
    PushSubscription.objects.create(
        user=patient, endpoint=f"{service.origin}/push/other", p256dh="x", auth="y"
    )
    client.post("/accounts/logout/")
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [
        f"{service.origin}/push/other"
    ]


def test_a_person_removes_a_device_and_no_one_else_can(client, patient, service):
    turn_on(client, patient, service)
    device = PushSubscription.objects.get()
    client.force_login(UserFactory())
    assert client.post(f"/notifications/devices/{device.pk}/remove/").status_code == 404
    client.force_login(patient)
    assert client.post(f"/notifications/devices/{device.pk}/remove/").status_code == 302
    assert not PushSubscription.objects.exists()


def test_per_topic_choices_a_pause_and_what_cannot_wait(client, service, db):
    coordinator = UserFactory()
    turn_on(client, coordinator, service)
    page = client.get("/notifications/settings/")
    assert 'name="email_deadlines"' in page.text and 'name="push_tasks"' in page.text
    assert 'name="email_checkins"' not in page.text, "a patient's topic"
    saved = client.post(
        "/notifications/settings/",
        {
            "email": "immediate",
            "email_messages": "digest",
            "push_messages": "",
            "email_deadlines": "off",
            "push_deadlines": "on",
            "email_tasks": "",
            "push_tasks": "on",
            "email_meetings": "off",
        },
    )
    assert saved.status_code == 302
    preference = NotificationPreference.objects.get(user=coordinator)
    assert preference.by_topic["messages"] == {"email": "digest", "push": False}
    assert preference.by_topic["tasks"] == {"push": True}

    tell(coordinator, key="m")
    assert channels_of(coordinator) == {"in_app": "sent", "email": DeliveryStatus.HELD}
    OutboxMessage.objects.all().delete()
    tell(coordinator, kind=NotificationKind.TASK_ASSIGNED, key="t")
    assert set(channels_of(coordinator)) == {"in_app", "email", "push"}
    OutboxMessage.objects.all().delete()
    with time_machine.travel(NOW, tick=False):
        soon = date(2026, 11, 27)
        tell(coordinator, kind=NotificationKind.DEADLINE_DUE_SOON, key="d1", due_on=soon)
        assert set(channels_of(coordinator)) == {"in_app", "push"}, "e-mail off for deadlines"
        OutboxMessage.objects.all().delete()
        # Due today: at once on every channel, whatever was chosen, and while paused.
        NotificationPreference.objects.filter(user=coordinator).update(paused=True)
        tell(coordinator, kind=NotificationKind.DEADLINE_DUE_SOON, key="d2", due_on=NOW.date())
        assert channels_of(coordinator) == {
            "in_app": "sent",
            "email": DeliveryStatus.PENDING,
            "push": DeliveryStatus.PENDING,
        }
        OutboxMessage.objects.all().delete()
        tell(coordinator, kind=NotificationKind.DEADLINE_DUE_SOON, key="d3", due_on=soon)
        assert channels_of(coordinator) == {"in_app": "sent"}, "paused"


def test_the_general_digest_still_applies_to_a_topic_left_as_it_is(db):
    manager = UserFactory()
    NotificationPreference.objects.create(
        user=manager, email=EmailMode.DIGEST, by_topic={"tasks": {"email": "immediate"}}
    )
    tell(manager, key="m")
    tell(manager, kind=NotificationKind.TASK_ASSIGNED, key="t")
    statuses = OutboxMessage.objects.filter(recipient=manager, channel="email")
    assert sorted(statuses.values_list("notification__kind", "status")) == [
        ("message_received", DeliveryStatus.HELD),
        ("task_assigned", DeliveryStatus.PENDING),
    ]


@time_machine.travel(NOW, tick=False)
def test_check_in_reminders_follow_the_patients_channels(client, patient, service):
    schedule = CheckinSchedule.objects.create(
        patient=patient, cadence=Cadence.DAILY, time_of_day=time(18, 0)
    )
    reminders_plan_for(schedule)
    reminders = Reminder.objects.filter(patient=patient)
    assert reminders.count() == 3

    def rows(status=DeliveryStatus.PENDING):
        return sorted(
            OutboxMessage.objects.filter(
                kind=OutboxKind.CHECKIN_REMINDER, status=status
            ).values_list("channel", flat=True)
        )

    assert rows() == ["email"] * 3
    # Turning a device on: the coming reminders are pushed too, at the same times.
    turn_on(client, patient, service)
    assert rows() == ["email"] * 3 + ["push"] * 3
    due = {
        m.channel: m.next_attempt_at
        for m in OutboxMessage.objects.filter(object_id=str(reminders.order_by("due_at")[0].pk))
    }
    assert due["push"] == due["email"]
    # Reminders by phone only: the e-mails are cancelled.
    client.post(
        "/notifications/settings/",
        {"email": "immediate", "email_checkins": "off", "push_checkins": "on"},
    )
    assert rows() == ["push"] * 3
    assert rows(DeliveryStatus.CANCELLED) == ["email"] * 3
    # The push, at 18:00 Stockholm time, opens the check-in; then nothing goes twice.
    with time_machine.travel(datetime(2026, 11, 24, 17, 0, 5, tzinfo=UTC), tick=False):
        assert outbox.outbox_dispatch() == 1
    assert service.received[0].message["url"] == "/checkin/"
    assert int(service.received[0].headers["ttl"]) <= 20 * 3600
    assert mail.outbox == []
    # Paused: nothing more is sent.
    client.post(
        "/notifications/settings/",
        {"email": "immediate", "paused": "on", "push_checkins": "on"},
    )
    assert rows() == []


def test_a_coachs_word_reaches_the_patients_phone_and_hers_does_not_echo(client, patient, service):
    turn_on(client, patient, service)
    coach = UserFactory()
    coach_message_post(actor=patient, patient=patient, body="Hur gör jag?", submission_id=uuid4())
    assert not OutboxMessage.objects.exists(), "her own message tells no one of hers"
    coach_message_post(actor=coach, patient=patient, body="Så här!", submission_id=uuid4())
    assert channels_of(patient) == {"in_app": "sent", "email": "pending", "push": "pending"}
    outbox.outbox_dispatch()
    (received,) = service.received
    assert received.message["url"] == "/my-coach/"
    assert "Så här" not in str(received.message)
    # She may keep the coach to Stegvis alone.
    client.post(
        "/notifications/settings/", {"email": "immediate", "email_coach": "off", "push_coach": ""}
    )
    coach_message_post(actor=coach, patient=patient, body="Och sen?", submission_id=uuid4())
    assert OutboxMessage.objects.filter(channel__in=["email", "push"]).count() == 2
