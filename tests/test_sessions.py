"""Session limits: staff 15 min idle / 12 h in all, patients 30 min idle; logout and
deactivation end every session of that user."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from stegvis.accounts.session_store import SessionStore

HOME = "/"


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _still_signed_in(client: Client) -> bool:
    return client.get("/api/v1/me").status_code == 200


@pytest.mark.parametrize(
    ("persona", "idle_minutes", "ends"),
    [
        ("treating_physician", 14, False),
        ("treating_physician", 16, True),
        ("patient", 29, False),
        ("patient", 31, True),
    ],
)
def test_idle_sessions_end_after_the_roles_limit(personas, persona, idle_minutes, ends):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = _signed_in(personas.get(persona))
        assert _still_signed_in(client)
    with time_machine.travel(start + timedelta(minutes=idle_minutes), tick=False):
        assert _still_signed_in(client) is not ends


def test_an_idle_page_visit_sends_the_person_to_sign_in(personas):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = _signed_in(personas.patient)
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_staff_sessions_end_after_twelve_hours_even_when_busy(personas):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = _signed_in(personas.treating_physician)
    # Active every 10 minutes: the idle limit is never reached.
    for step in range(1, 72):
        with time_machine.travel(start + timedelta(minutes=10 * step), tick=False):
            assert _still_signed_in(client)
    with time_machine.travel(start + timedelta(hours=12, minutes=1), tick=False):
        assert not _still_signed_in(client)


def test_logout_ends_every_session_of_that_user(personas):
    phone, laptop = _signed_in(personas.patient), _signed_in(personas.patient)
    assert _still_signed_in(phone) and _still_signed_in(laptop)
    laptop.post(reverse("account_logout"))
    assert not _still_signed_in(laptop)
    assert not _still_signed_in(phone)


def test_deactivation_ends_every_session(personas):
    client = _signed_in(personas.coordinator)
    assert _still_signed_in(client)
    personas.coordinator.is_active = False
    personas.coordinator.save()
    assert not _still_signed_in(client)
    # Reactivation does not bring the old session back.
    personas.coordinator.is_active = True
    personas.coordinator.save()
    assert not _still_signed_in(client)


def test_the_session_store_loads_what_was_saved_until_it_expires(db, django_assert_num_queries):
    assert settings.SESSION_ENGINE == "stegvis.accounts.session_store"
    saved = SessionStore()
    saved["seen"] = "the plan"
    saved.save()
    with django_assert_num_queries(1):
        assert SessionStore(saved.session_key).load() == {"seen": "the plan"}
    Session.objects.filter(pk=saved.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    expired = SessionStore(saved.session_key)
    assert expired.load() == {} and expired.session_key is None
    assert SessionStore("no-such-session-key-at-all-here").load() == {}
