"""Login: e-mail and password, lockout with a cool-off, Argon2, MFA for staff."""

import runpy
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import stegvis.settings as production_settings
from tests.factories import PASSWORD


def _login(client: Client, email: str, password: str, address: str = "10.0.0.1"):
    return client.post(
        reverse("account_login"), {"login": email, "password": password}, REMOTE_ADDR=address
    )


def test_login_by_email_and_password(client, personas):
    response = _login(client, "PATIENT@example.org", PASSWORD)
    assert response.status_code == 302
    assert client.get("/api/v1/me").json()["email"] == "patient@example.org"


def test_where_staff_sign_in_by_e_id_only_a_password_lets_no_staff_member_in(
    client, personas, settings
):
    settings.STEGVIS_STAFF_PASSWORD_SIGN_IN = False
    refused = _login(client, personas.coordinator.email, PASSWORD)
    assert refused.status_code == 403
    assert "e-ID" in refused.text or "e-legitimation" in refused.text
    assert client.get("/api/v1/me").status_code == 401
    # A patient keeps their password.
    assert _login(client, "patient@example.org", PASSWORD, address="10.0.0.2").status_code == 302
    assert client.get("/api/v1/me").json()["email"] == "patient@example.org"


@pytest.mark.parametrize(
    ("preferred", "browser", "said"),
    [("en", "sv", "Successfully signed in as"), ("sv", "en", "Du har loggat in som")],
)
def test_the_sign_in_message_is_in_the_persons_own_language(
    client, personas, preferred, browser, said
):
    personas.patient.preferred_language = preferred
    personas.patient.save()
    response = client.post(
        reverse("account_login"),
        {"login": "patient@example.org", "password": PASSWORD},
        headers={"accept-language": browser},
        follow=True,
    )
    assert f'<html lang="{preferred}">' in response.text
    assert said in response.text


def test_production_hashes_passwords_with_argon2():
    assert production_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_open_signup_is_closed(client, db):
    response = client.get(reverse("account_signup"))
    assert "signup" in response.templates[0].name and response.status_code == 200
    assert b'name="password1"' not in response.content


def test_too_many_failures_lock_the_account_for_a_cool_off_only(personas):
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            _login(client, "patient@example.org", "wrong password")
        locked = _login(client, "patient@example.org", PASSWORD)
        assert locked.status_code == 429
        assert "15" in locked.content.decode()
    with time_machine.travel(start + settings.AXES_COOLOFF_TIME + timedelta(minutes=1)):
        assert _login(client, "patient@example.org", PASSWORD).status_code == 302


def _settings_with(monkeypatch, **env) -> dict:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(production_settings.__file__)


def test_the_sign_in_rate_is_checked_as_the_settings_load(monkeypatch):
    monkeypatch.delenv("STEGVIS_SIGN_IN_RATE", raising=False)
    assert _settings_with(monkeypatch)["ACCOUNT_RATE_LIMITS"]["login"] == "30/m/ip"
    loaded = _settings_with(monkeypatch, STEGVIS_SIGN_IN_RATE="90/5m/ip,600/h/ip")
    assert loaded["ACCOUNT_RATE_LIMITS"]["login"] == "90/5m/ip,600/h/ip"
    for mistyped in ("60/min", "60 per minute", "60/m/ip,", "/m/ip"):
        with pytest.raises(ImproperlyConfigured, match="STEGVIS_SIGN_IN_RATE"):
            _settings_with(monkeypatch, STEGVIS_SIGN_IN_RATE=mistyped)


def test_sign_ins_from_one_address_are_limited_as_configured(personas, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "3/m/ip"}
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(3):
            assert (
                _login(Client(), "patient@example.org", PASSWORD, "192.0.2.80").status_code == 302
            )
        assert _login(Client(), "patient@example.org", PASSWORD, "192.0.2.80").status_code == 429
        assert _login(Client(), "patient@example.org", PASSWORD, "192.0.2.81").status_code == 302
    with time_machine.travel(start + timedelta(minutes=2), tick=False):
        assert _login(Client(), "patient@example.org", PASSWORD, "192.0.2.80").status_code == 302


def test_a_lockout_from_one_address_does_not_shut_the_person_out_elsewhere(personas):
    attacker, owner = Client(), Client()
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        _login(attacker, "patient@example.org", "guess", address="203.0.113.9")
    assert AccessAttempt.objects.filter(ip_address="203.0.113.9").exists()
    assert _login(owner, "patient@example.org", PASSWORD, address="198.51.100.7").status_code == 302


def test_guessing_from_many_addresses_is_limited_per_account(personas):
    """Four guesses from each of six addresses never trip the per-address lockout; the
    per-account limit counts them all, so the account stops taking passwords."""
    for number in range(6):
        for _ in range(4):
            _login(Client(), "patient@example.org", "guess", address=f"203.0.113.{number}")
    refused = _login(Client(), "patient@example.org", PASSWORD, address="198.51.100.7")
    assert refused.status_code == 200, "the right password, refused"
    assert refused.context["form"].non_field_errors()
    assert _login(Client(), "other.patient@example.org", PASSWORD).status_code == 302


def test_spraying_many_accounts_from_one_address_is_limited(personas):
    accounts = [f"someone{n}@example.org" for n in range(6)]
    for email in accounts:
        for _ in range(4):
            _login(Client(), email, "guess", address="203.0.113.50")
    refused = _login(Client(), "patient@example.org", PASSWORD, address="203.0.113.50")
    assert refused.status_code == 200, "the right password, refused"
    assert refused.context["form"].non_field_errors()
    assert (
        _login(Client(), "patient@example.org", PASSWORD, address="198.51.100.7").status_code == 302
    )


def test_rate_limits_live_in_the_shared_database_cache(personas):
    """Not in one process's memory: another web worker reads the same table."""
    from django.core.cache import caches
    from django.db import connection

    assert caches["default"].__class__.__name__ == "DatabaseCache"
    for _ in range(3):
        _login(Client(), "patient@example.org", "guess", address="203.0.113.7")
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM stegvis_cache")
        assert cursor.fetchone()[0] > 0


def test_staff_without_second_factor_are_sent_to_set_it_up(client, personas):
    client.force_login(personas.physician_without_mfa)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_staff_without_second_factor_get_no_patient_data_from_the_api(client, personas):
    client.force_login(personas.physician_without_mfa)
    response = client.get(f"/api/v1/patients/{personas.patient.pk}")
    assert response.status_code == 404


def test_patients_need_no_second_factor(client, personas):
    client.force_login(personas.patient)
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.parametrize(("demo_mode", "status"), [(True, 200), (False, 302)])
def test_demo_users_skip_mfa_only_in_demo_mode(client, personas, settings, demo_mode, status):
    settings.STEGVIS_DEMO = demo_mode
    user = personas.physician_without_mfa
    user.is_demo = True
    user.save()
    client.force_login(user)
    assert client.get(reverse("home")).status_code == status
