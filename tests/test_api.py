"""The JSON API: same policy and audit as the pages, stable error codes, tokens."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from stegvis.accounts.models import PersonalAccessToken, TokenScope
from stegvis.audit.models import AccessEvent
from tests.conftest import PERSONA_NAMES

# persona -> (GET /patients/{patient}, GET /patients/{patient}/access-events)
EXPECTED = {
    "patient": (200, 200),
    "treating_physician": (200, 404),
    "coordinator": (200, 404),
    "unit_manager": (200, 200),
    "unrelated_physician": (404, 404),
    "fk_caseworker": (404, 404),
    "employer": (404, 404),
    "outsider": (404, 404),
    "facilitator": (404, 404),
    "representative": (404, 404),
    "physician_without_mfa": (404, 404),
}


@pytest.mark.parametrize("persona", PERSONA_NAMES)
def test_patient_endpoints_follow_the_policy(client, personas, persona):
    client.force_login(personas.get(persona))
    base = f"/api/v1/patients/{personas.patient.pk}"
    got = (client.get(base).status_code, client.get(f"{base}/access-events").status_code)
    assert got == EXPECTED[persona]


@pytest.mark.parametrize("persona", PERSONA_NAMES)
def test_patient_list_holds_only_visible_patients(client, personas, persona):
    client.force_login(personas.get(persona))
    body = client.get("/api/v1/patients").json()
    ids = {item["id"] for item in body["items"]}
    visible = EXPECTED[persona][0] == 200
    assert (str(personas.patient.pk) in ids) is visible
    assert body["count"] == len(ids)


def test_patient_list_writes_one_event_per_listed_patient(client, personas):
    client.force_login(personas.treating_physician)
    before = AccessEvent.objects.count()
    client.get("/api/v1/patients")
    assert AccessEvent.objects.count() == before + 1
    assert AccessEvent.objects.latest("pk").object_type == "api_patient_list"


def test_me_describes_the_caller(client, personas):
    client.force_login(personas.treating_physician)
    body = client.get("/api/v1/me").json()
    assert body["email"] == personas.treating_physician.email
    assert body["mfa_enabled"] is True
    assert body["memberships"][0]["role"] == "physician"


def test_anonymous_calls_get_401_with_a_code(client, personas):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_unknown_and_invisible_ids_look_the_same(client, personas):
    client.force_login(personas.unrelated_physician)
    invisible = client.get(f"/api/v1/patients/{personas.patient.pk}")
    unknown = client.get("/api/v1/patients/00000000-0000-4000-8000-000000000000")
    assert invisible.status_code == unknown.status_code == 404
    assert invisible.json() == unknown.json() == {"code": "not_found", "message": "Not found."}


def test_malformed_query_gets_422_with_field_errors(client, personas):
    client.force_login(personas.patient)
    response = client.get("/api/v1/patients?limit=many")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert any("limit" in error["loc"] for error in body["errors"])


def _bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _token(user, scope: str) -> str:
    _issued, raw = PersonalAccessToken.issue(user=user, name="test", scope=scope, days=1)
    return raw


def _set_language(client, language: str, **headers):
    return client.patch(
        "/api/v1/me", {"preferred_language": language}, content_type="application/json", **headers
    )


def test_a_token_reaches_what_its_owner_may_see(client, personas):
    raw = _token(personas.treating_physician, TokenScope.READ)
    response = client.get(f"/api/v1/patients/{personas.patient.pk}", **_bearer(raw))
    assert response.status_code == 200
    assert response["Cache-Control"].count("no-store") == 1
    event = AccessEvent.objects.latest("pk")
    assert event.actor == personas.treating_physician


def test_tokens_are_stored_hashed(personas):
    token, raw = PersonalAccessToken.issue(
        user=personas.patient, name="x", scope=TokenScope.READ, days=1
    )
    token.refresh_from_db()
    assert raw not in (token.token_hash, token.hint)
    assert raw.startswith(token.hint)


def test_revoked_tokens_stop_working_at_once(client, personas):
    token, raw = PersonalAccessToken.issue(
        user=personas.patient, name="x", scope=TokenScope.READ, days=1
    )
    assert client.get("/api/v1/me", **_bearer(raw)).status_code == 200
    token.revoked_at = timezone.now()
    token.save()
    assert client.get("/api/v1/me", **_bearer(raw)).status_code == 401


def test_expired_tokens_stop_working(client, personas):
    raw = _token(personas.patient, TokenScope.READ)
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        assert client.get("/api/v1/me", **_bearer(raw)).status_code == 401


def test_a_deactivated_users_token_stops_working(client, personas):
    raw = _token(personas.patient, TokenScope.READ)
    personas.patient.is_active = False
    personas.patient.save()
    assert client.get("/api/v1/me", **_bearer(raw)).status_code == 401


def test_a_read_token_cannot_write(client, personas):
    raw = _token(personas.patient, TokenScope.READ)
    response = _set_language(client, "en", **_bearer(raw))
    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_scope"
    personas.patient.refresh_from_db()
    assert personas.patient.preferred_language == "sv"


def test_a_write_token_changes_preferences(client, personas):
    raw = _token(personas.patient, TokenScope.WRITE)
    response = _set_language(client, "en", **_bearer(raw))
    assert response.status_code == 200
    assert response.json()["preferred_language"] == "en"


def test_a_malformed_body_gets_422_and_changes_nothing(client, personas):
    client.force_login(personas.patient)
    response = _set_language(client, "fi")
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"][-1] == "preferred_language"
    personas.patient.refresh_from_db()
    assert personas.patient.preferred_language == "sv"


def test_openapi_schema_lists_the_endpoints(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/me", "/api/v1/patients", "/api/v1/patients/{patient_id}"} <= set(
        schema["paths"]
    )
    assert "/api/v1/patients/{patient_id}/access-events" in schema["paths"]
