"""SMART on FHIR App Launch 2.2: the groups of the SMART conformance tests mirrored over HTTP
(discovery, standalone launch, EHR launch, OpenID Connect, introspection, refresh, backend
services), each refusal with its own test, and the patient's own list of apps."""

import base64
import hashlib
import html
import importlib.util
import json
import re
import secrets
import tempfile
from datetime import timedelta
from io import StringIO
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from oauth2_provider.models import Application, Grant, RefreshToken

from stegvis.access.categories import Action, Category
from stegvis.access.models import CareRefusal
from stegvis.access.policy import decide
from stegvis.accounts.models import Membership, Organisation
from stegvis.accounts.roles import OrganisationKind, Role
from stegvis.audit import audit
from stegvis.audit.models import AccessEvent
from stegvis.cases.models import Case
from stegvis.coaching.models import CheckIn
from stegvis.core import request_context
from stegvis.core.request_context import RequestContext
from stegvis.fhir import export
from stegvis.fhir.models import ExportJob, ExportLevel
from stegvis.smart.models import AppKind, AppRegistration, Connection, Launch
from stegvis.smart.registrations import register_system
from tests.factories import OrganisationFactory, UserFactory, patient_at

AUD = "http://testserver/fhir"
REDIRECT = "https://app.example.org/callback"
NOW = timezone.datetime(2026, 3, 2, 9, 0, tzinfo=timezone.UTC)


def register(kind=AppKind.PATIENT, *, name="Peters app", secret=None, organisation=None):
    """A registered app; a confidential one when given a secret."""
    app = Application.objects.create(
        name=name,
        client_type=Application.CLIENT_CONFIDENTIAL if secret else Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=REDIRECT,
        client_secret=secret or "",
        algorithm=Application.RS256_ALGORITHM,
    )
    AppRegistration.objects.create(
        application=app, kind=kind, organisation=organisation,
        launch_url="https://app.example.org/launch",
    )  # fmt: skip
    return app


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def ask(client, app, scope, **extra):
    """The app's authorization request; (the answer, the PKCE verifier, the parameters)."""
    verifier, challenge = pkce()
    params = {
        "response_type": "code", "client_id": app.client_id, "redirect_uri": REDIRECT,
        "scope": scope, "state": "st-1", "aud": AUD, "code_challenge": challenge,
        "code_challenge_method": "S256", **extra,
    }  # fmt: skip
    return client.get("/oauth/authorize/", params), verifier, params


def consent(client, app, scope, **extra) -> tuple[str, str]:
    """The person lets the app in: (the code, the verifier)."""
    page, verifier, params = ask(client, app, scope, **extra)
    assert page.status_code == 200, page.content.decode()[:500]
    answer = client.post("/oauth/authorize/", {**params, "allow": "true"})
    assert answer.status_code == 302, answer.content.decode()[:500]
    sent = parse_qs(urlsplit(answer["Location"]).query)
    assert answer["Location"].startswith(REDIRECT) and sent["state"] == ["st-1"]
    return sent["code"][0], verifier


def tokens(client, app, code, verifier, secret=None, **extra) -> dict:
    body = {
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
        "client_id": app.client_id, "code_verifier": verifier, **extra,
    }  # fmt: skip
    if secret:
        body["client_secret"] = secret
    return client.post("/oauth/token/", body)


def connect(client, user, app, scope, secret=None, **extra) -> dict:
    client.force_login(user)
    code, verifier = consent(client, app, scope, **extra)
    answer = tokens(client, app, code, verifier, secret)
    assert answer.status_code == 200, answer.content
    return answer.json()


def speaks(user, language: str) -> None:
    user.preferred_language = language
    user.save(update_fields=["preferred_language"])


def fhir(client, path, token, **headers):
    return client.get(f"/fhir/{path}", HTTP_AUTHORIZATION=f"Bearer {token}", **headers)


# Discovery


def test_the_smart_configuration_names_the_endpoints_and_s256_alone(client):
    answer = client.get("/fhir/.well-known/smart-configuration")
    assert answer.status_code == 200 and answer["Content-Type"] == "application/json"
    found = answer.json()
    assert found["code_challenge_methods_supported"] == ["S256"]
    assert found["authorization_endpoint"] == "http://testserver/oauth/authorize/"
    assert found["token_endpoint"] == "http://testserver/oauth/token/"
    assert found["introspection_endpoint"] == "http://testserver/oauth/introspect/"
    assert found["revocation_endpoint"] == "http://testserver/oauth/revoke_token/"
    assert found["management_endpoint"] == "http://testserver/account/apps/"
    assert {"launch-ehr", "launch-standalone", "permission-v2", "sso-openid-connect",
            "context-ehr-patient"} <= set(found["capabilities"])  # fmt: skip
    assert {"openid", "fhirUser", "launch", "patient/Observation.rs"} <= set(
        found["scopes_supported"]
    )
    assert "client_secret_basic" in found["token_endpoint_auth_methods_supported"]
    # The CapabilityStatement's security names the same endpoints.
    security = client.get("/fhir/metadata").json()["rest"][0]["security"]
    assert security["service"][0]["coding"][0]["code"] == "SMART-on-FHIR"
    uris = {e["url"]: e["valueUri"] for e in security["extension"][0]["extension"]}
    assert uris == {
        "authorize": found["authorization_endpoint"],
        "token": found["token_endpoint"],
        "introspect": found["introspection_endpoint"],
        "revoke": found["revocation_endpoint"],
        "manage": found["management_endpoint"],
    }


# Standalone launch: a patient's app


@pytest.mark.parametrize(
    ("language", "title", "sees"),
    [
        ("sv", "Släppa in Peters app?", "vem som har sett uppgifterna"),
        ("en", "Let Peters app in?", "who has seen the data"),
        ("nb", "Slippe inn Peters app?", "hvem som har sett opplysningene"),
    ],
)
def test_the_consent_screen_says_in_plain_words_what_the_app_will_see(
    client, personas, language, title, sees
):
    app = register()
    speaks(personas.patient, language)
    client.force_login(personas.patient)
    page, _verifier, _params = ask(client, app, "launch/patient patient/AuditEvent.rs openid")
    text = page.content.decode()
    assert page.status_code == 200 and title in text and sees in text
    assert Grant.objects.count() == 0  # nothing is granted by looking


def test_a_patients_app_reads_her_record_and_the_log_names_it(client, personas, case):
    app = register()
    issued = connect(client, personas.patient, app,
                     "launch/patient openid fhirUser patient/EpisodeOfCare.rs")  # fmt: skip
    assert issued["patient"] == str(personas.patient.pk)
    assert issued["token_type"] == "Bearer" and "patient/EpisodeOfCare.rs" in issued["scope"]
    answer = fhir(client, "EpisodeOfCare", issued["access_token"])
    assert answer.status_code == 200
    assert [e["resource"]["id"] for e in answer.json()["entry"]] == [str(case.pk)]
    event = AccessEvent.objects.filter(category="capacity").latest("pk")
    assert (event.actor, event.patient, event.via_app) == (
        personas.patient, personas.patient, "Peters app"
    )  # fmt: skip
    # The app's name is sealed into the chain with the rest of the event.
    audit.seal()
    assert audit.verify().ok
    # Her log says it was the app, on her behalf; her own visits hidden or not.
    speaks(personas.patient, "en")
    client.force_login(personas.patient)
    log = client.get("/my-data/access/").content.decode()
    assert "Peters app, on your behalf" in log


def test_a_scope_caps_what_the_policy_allows(client, personas, case):
    app = register()
    issued = connect(client, personas.patient, app, "launch/patient patient/Observation.rs")
    token = issued["access_token"]
    assert fhir(client, "Observation", token).status_code == 200
    refused = fhir(client, "EpisodeOfCare", token)
    assert refused.status_code == 403
    assert "insufficient_scope" in refused["WWW-Authenticate"]
    # A write its scopes do not open.
    assert send(client, token, pain_check_in(personas.patient)).status_code == 403
    assert not CheckIn.objects.exists()
    # A bulk export, which a patient/ scope does not open (the worker has no patient in
    # context to hold it to).
    assert fhir(client, "$export", token, HTTP_PREFER="respond-async").status_code == 403


def test_a_patients_app_never_reaches_another_patient(client, personas, case):
    app = register()
    issued = connect(client, personas.patient, app, "launch/patient patient/Patient.rs")
    other = fhir(client, f"Patient/{personas.other_patient.pk}", issued["access_token"])
    assert other.status_code == 404


def pain_check_in(patient) -> dict:
    return {
        "resourceType": "Observation",
        "identifier": [{"system": "https://app.example.org/checkins", "value": "nrs-1"}],
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "72514-3"}]},
        "subject": {"reference": f"Patient/{patient.pk}"},
        "effectiveDateTime": timezone.now().replace(microsecond=0).isoformat(),
        "valueInteger": 6,
    }


def send(client, token, resource):
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [{
        "resource": resource,
        "request": {"method": "POST", "url": resource["resourceType"]},
    }]}  # fmt: skip
    return client.post("/fhir/", json.dumps(bundle), content_type="application/fhir+json",
                       HTTP_AUTHORIZATION=f"Bearer {token}")  # fmt: skip


def test_a_patients_app_writes_her_check_in_when_let_to(client, personas, case):
    app = register()
    issued = connect(client, personas.patient, app, "launch/patient patient/Observation.cruds")
    assert send(client, issued["access_token"], pain_check_in(personas.patient)).status_code == 200
    assert CheckIn.objects.get(patient=personas.patient).pain == 6
    event = AccessEvent.objects.filter(action="create", patient=personas.patient).latest("pk")
    assert event.via_app == "Peters app"


# EHR launch: a staff app opened from a patient's page


def test_an_ehr_launch_puts_its_patient_in_context_and_keeps_the_app_there(client, personas, case):
    second = patient_at(personas.unit)
    from stegvis.cases.models import Case

    Case.objects.filter(patient=second).update(responsible_physician=personas.treating_physician)
    app = register(AppKind.STAFF, name="Rehab planner", secret="s3cret-value-xyz",
                   organisation=personas.unit)  # fmt: skip
    launch = Launch.objects.create(user=personas.treating_physician, application=app,
                                   patient=personas.patient)  # fmt: skip
    issued = connect(client, personas.treating_physician, app,
                     "launch openid fhirUser patient/Patient.rs patient/EpisodeOfCare.rs",
                     secret="s3cret-value-xyz", launch=launch.pk)  # fmt: skip
    assert issued["patient"] == str(personas.patient.pk)
    token = issued["access_token"]
    assert fhir(client, f"Patient/{personas.patient.pk}", token).status_code == 200
    # Another of the physician's patients is outside the launch.
    assert fhir(client, f"Patient/{second.pk}", token).status_code == 404
    refused = AccessEvent.objects.filter(patient=second, outcome="denied").latest("pk")
    assert (refused.basis, refused.via_app) == ("outside_launch_patient", "Rehab planner")
    listed = fhir(client, "Patient", token).json()
    assert [e["resource"]["id"] for e in listed.get("entry", [])] == [str(personas.patient.pk)]


def test_a_staff_app_needs_a_launch_from_the_patients_page(client, personas, case):
    app = register(AppKind.STAFF, secret="s3cret-value-xyz")
    client.force_login(personas.treating_physician)
    page, _verifier, _params = ask(client, app, "launch patient/Patient.rs", launch="made-up")
    assert page.status_code == 400
    assert Grant.objects.count() == 0
    # Nor another person's launch.
    launch = Launch.objects.create(user=personas.coordinator, application=app,
                                   patient=personas.patient)  # fmt: skip
    page, _verifier, _params = ask(client, app, "launch patient/Patient.rs", launch=launch.pk)
    assert page.status_code == 400


def test_a_launch_lapses_after_five_minutes(client, personas, case):
    app = register(AppKind.STAFF, secret="s3cret-value-xyz")
    with time_machine.travel(NOW, tick=False):
        launch = Launch.objects.create(user=personas.treating_physician, application=app,
                                       patient=personas.patient)  # fmt: skip
    client.force_login(personas.treating_physician)
    with time_machine.travel(NOW + timedelta(minutes=6), tick=False):
        page, _verifier, _params = ask(client, app, "launch patient/Patient.rs", launch=launch.pk)
    assert page.status_code == 400


# OpenID Connect


def test_the_id_token_names_the_persons_fhir_resource(client, personas, case):
    app = register()
    issued = connect(client, personas.patient, app, "launch/patient openid fhirUser")
    keys = KeySet.import_key_set(client.get("/oauth/.well-known/jwks.json").json())
    claims = jwt.decode(issued["id_token"], keys).claims
    assert claims["fhirUser"] == f"{AUD}/Patient/{personas.patient.pk}"
    assert claims["aud"] == app.client_id and claims["sub"] == str(personas.patient.pk)


# Introspection and revocation


def test_introspection_answers_the_app_about_its_own_token_alone(client, personas, case):
    app = register(secret="app-one-secret")
    other = register(name="Other app", secret="app-two-secret")
    issued = connect(client, personas.patient, app, "launch/patient openid fhirUser "
                     "patient/Observation.rs", secret="app-one-secret")  # fmt: skip
    token = issued["access_token"]

    def asked(endpoint, client_id=app.client_id, secret="app-one-secret"):  # noqa: S107
        sent = {"token": token, "client_id": client_id, "client_secret": secret}
        return client.post(f"/oauth/{endpoint}/", sent)

    found = asked("introspect").json()
    assert found["active"] is True and found["client_id"] == app.client_id
    assert found["patient"] == str(personas.patient.pk)
    assert found["fhirUser"] == f"{AUD}/Patient/{personas.patient.pk}"
    assert "patient/Observation.rs" in found["scope"] and found["exp"] > 0
    assert asked("introspect", other.client_id, "app-two-secret").json() == {"active": False}
    assert asked("introspect", secret="wrong").status_code == 401
    assert asked("revoke_token").status_code == 200
    assert fhir(client, "Observation", token).status_code == 401
    again = asked("introspect").json()
    assert again == {"active": False}


# Refresh


def test_offline_access_refreshes_and_a_reused_refresh_token_ends_the_family(
    client, personas, case
):
    app = register()
    issued = connect(client, personas.patient, app, "launch/patient offline_access "
                     "patient/Observation.rs")  # fmt: skip
    body = {"grant_type": "refresh_token", "client_id": app.client_id}
    renewed = client.post("/oauth/token/", {**body, "refresh_token": issued["refresh_token"]})
    assert renewed.status_code == 200
    fresh = renewed.json()
    assert fresh["patient"] == str(personas.patient.pk)
    assert fhir(client, "Observation", fresh["access_token"]).status_code == 200
    # The first refresh token, used again: refused, and the whole family with it.
    reused = client.post("/oauth/token/", {**body, "refresh_token": issued["refresh_token"]})
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    after = client.post("/oauth/token/", {**body, "refresh_token": fresh["refresh_token"]})
    assert after.status_code == 400


def test_an_expired_refresh_token_is_refused(client, personas, case):
    app = register()
    with time_machine.travel(NOW, tick=False):
        issued = connect(client, personas.patient, app, "launch/patient offline_access "
                         "patient/Observation.rs")  # fmt: skip
    with time_machine.travel(NOW + timedelta(days=92), tick=False):
        answer = client.post("/oauth/token/", {"grant_type": "refresh_token",
                             "client_id": app.client_id,
                             "refresh_token": issued["refresh_token"]})  # fmt: skip
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


# Refusals


def test_a_wrong_redirect_uri_is_refused_without_a_redirect(client, personas):
    app = register()
    client.force_login(personas.patient)
    page, _verifier, _params = ask(client, app, "launch/patient",
                                   redirect_uri="https://evil.example.org/cb")  # fmt: skip
    assert page.status_code == 400
    assert "evil.example.org" not in page.get("Location", "")
    # The person is told the app cannot connect; nothing to let in.
    assert 'name="allow"' not in page.content.decode()
    assert page.templates[0].name == "smart/refused.html"


def test_plain_pkce_is_refused(client, personas):
    app = register()
    client.force_login(personas.patient)
    page, _verifier, params = ask(client, app, "launch/patient patient/Observation.rs",
                                  code_challenge="plain-verifier-" + "x" * 40,
                                  code_challenge_method="plain")  # fmt: skip
    answer = client.post("/oauth/authorize/", {**params, "allow": "true"})
    location = answer.get("Location", "")
    assert page.status_code != 200 or "code=" not in location
    assert Grant.objects.count() == 0


def test_a_wrong_verifier_gets_no_token(client, personas, case):
    app = register()
    client.force_login(personas.patient)
    code, _verifier = consent(client, app, "launch/patient patient/Observation.rs")
    answer = tokens(client, app, code, "x" * 50)
    assert answer.status_code == 400 and "access_token" not in answer.json()


def test_an_app_that_does_not_name_this_server_is_refused(client, personas):
    app = register()
    client.force_login(personas.patient)
    page, _verifier, _params = ask(client, app, "launch/patient", aud="https://other.example/fhir")
    assert page.status_code == 400


@pytest.mark.parametrize(
    ("person", "scope"),
    [
        ("employer", "launch user/Condition.rs"),  # an employer never holds a diagnosis
        ("employer", "launch user/*.rs"),
        ("treating_physician", "launch system/*.rs"),  # no person is a system
    ],
)
def test_a_scope_wider_than_the_person_is_refused(client, personas, case, person, scope):
    app = register(AppKind.STAFF, secret="s3cret-value-xyz")
    user = personas.get(person)
    launch = Launch.objects.create(user=user, application=app, patient=personas.patient)
    client.force_login(user)
    page, _verifier, params = ask(client, app, scope, launch=launch.pk)
    assert page.status_code == 400
    client.post("/oauth/authorize/", {**params, "allow": "true"})
    assert Grant.objects.count() == 0 and Connection.objects.count() == 0


def test_a_patients_app_asks_for_her_data_only(client, personas):
    app = register()
    client.force_login(personas.patient)
    page, _verifier, _params = ask(client, app, "user/Patient.rs")
    assert page.status_code == 400


# The patient decides


def test_the_patient_sees_her_apps_and_revoking_one_stops_it_at_once(client, personas, case):
    app = register()
    issued = connect(client, personas.patient, app, "launch/patient offline_access "
                     "patient/Observation.rs")  # fmt: skip
    assert fhir(client, "Observation", issued["access_token"]).status_code == 200
    speaks(personas.patient, "en")
    client.force_login(personas.patient)
    page = client.get("/account/apps/").content.decode()
    assert "Peters app" in page
    connection = Connection.objects.get(user=personas.patient)
    assert connection.last_used_at is not None
    assert "Take back access for Peters app" in page
    assert client.post(f"/account/apps/{connection.pk}/revoke/").status_code == 302
    assert fhir(client, "Observation", issued["access_token"]).status_code == 401
    refreshed = client.post("/oauth/token/", {"grant_type": "refresh_token",
                            "client_id": app.client_id,
                            "refresh_token": issued["refresh_token"]})  # fmt: skip
    assert refreshed.status_code == 400
    assert RefreshToken.objects.filter(revoked__isnull=True).count() == 0
    # Another person cannot revoke her connection.
    other = Client()
    other.force_login(personas.other_patient)
    assert "Peters app" not in other.get("/account/apps/").content.decode()
    refused = other.post(f"/account/apps/{connection.pk}/revoke/")
    assert refused.status_code == 302


def test_each_category_opens_the_resource_types_its_data_is_written_as():
    from stegvis.access.credentials import CATEGORY_RESOURCES
    from stegvis.fhir.kinds import KINDS

    written = {(kind.category, kind.resource) for kind in KINDS} | {("identity", "Patient")}
    declared = {(c, r) for c, resources in CATEGORY_RESOURCES.items() for r in resources}
    assert written == declared


def test_an_app_registered_on_the_command_line_connects(client, personas, case):
    out = StringIO()
    call_command("smart_app", "Peters app", "--redirect-uri", REDIRECT, "--confidential",
                 "--description", "Pain diary", stdout=out)  # fmt: skip
    printed = dict(line.split(": ", 1) for line in out.getvalue().splitlines())
    app = Application.objects.get(client_id=printed["client_id"])
    secret = printed["client_secret"].split()[0]
    assert app.client_secret != secret  # kept only as its hash
    issued = connect(client, personas.patient, app, "launch/patient patient/Observation.rs",
                     secret=secret)  # fmt: skip
    assert fhir(client, "Observation", issued["access_token"]).status_code == 200
    with pytest.raises(Exception, match="unit"):
        call_command("smart_app", "Staff app", "--kind", "staff", "--redirect-uri", REDIRECT)


def test_a_physician_opens_a_staff_app_from_the_patients_page(client, personas, case):
    app = register(AppKind.STAFF, name="Rehab planner", secret="s3cret-value-xyz",
                   organisation=personas.unit)  # fmt: skip
    speaks(personas.treating_physician, "en")
    client.force_login(personas.treating_physician)
    assert "Open in Rehab planner" in client.get(f"/cases/{case.pk}/").content.decode()
    answer = client.post(f"/patients/{personas.patient.pk}/launch-app/", {"app": app.client_id})
    assert answer.status_code == 200
    address = re.search(r'href="(https://app\.example\.org/launch\?[^"]+)"',
                        answer.content.decode()).group(1)  # fmt: skip
    sent = parse_qs(urlsplit(html.unescape(address)).query)
    assert sent["iss"] == [AUD]
    page, _verifier, _params = ask(client, app, "launch patient/Patient.rs",
                                   launch=sent["launch"][0])  # fmt: skip
    assert f"<strong>{personas.patient}</strong>" in page.content.decode()
    issued = connect(client, personas.treating_physician, app, "launch patient/Patient.rs",
                     secret="s3cret-value-xyz", launch=sent["launch"][0])  # fmt: skip
    assert issued["patient"] == str(personas.patient.pk)
    # Someone who may not see the patient, or works where the app is not registered: no launch.
    for person in (personas.unrelated_physician, personas.employer):
        client.force_login(person)
        refused = client.post(f"/patients/{personas.patient.pk}/launch-app/",
                              {"app": app.client_id})  # fmt: skip
        assert refused.status_code == 404
    assert Launch.objects.count() == 1


def test_the_unit_manager_registers_a_staff_app_and_no_one_else_can(client, personas):
    url = f"/account/units/{personas.unit.pk}/apps/"
    speaks(personas.unit_manager, "en")
    client.force_login(personas.unit_manager)
    sent = {"name": "Rehab planner", "launch_url": "ftp://planner.example.org/launch",
            "redirect_uris": "https://planner.example.org/cb", "confidential": "on"}  # fmt: skip
    bad = client.post(url, sent)
    assert bad.status_code == 400 and 'value="Rehab planner"' in bad.content.decode()
    assert not AppRegistration.objects.exists()
    good = client.post(url, {**sent, "launch_url": "https://planner.example.org/launch"})
    assert good.status_code == 201
    registration = AppRegistration.objects.get()
    assert (registration.kind, registration.organisation, registration.registered_by) == (
        AppKind.STAFF, personas.unit, personas.unit_manager
    )  # fmt: skip
    page = good.content.decode()
    assert registration.application.client_id in page and "Copy the secret now" in page
    assert client.get(url).status_code == 200
    assert "Copy the secret now" not in client.get(url).content.decode()  # shown once
    for person in (personas.patient, personas.treating_physician, personas.employer):
        client.force_login(person)
        assert client.get(url).status_code == 404
        assert (
            client.post(url, {**sent, "launch_url": "https://x.example.org/l"}).status_code == 404
        )
    client.force_login(personas.unit_manager)
    removed = client.post(f"{url}{registration.pk}/remove/")
    assert removed.status_code == 302 and not Application.objects.exists()


# A confidential client with keys (private_key_jwt)

TOKEN_ENDPOINT = "http://testserver/oauth/token/"


def keyed_app(client_key):
    app = register(name="Keyed app")
    app.client_type = Application.CLIENT_CONFIDENTIAL
    app.save()
    app.registration.jwks = {"keys": [client_key.as_dict(private=False)]}
    app.registration.save()
    return app


def assertion(app, client_key, alg="RS384", **changed) -> str:
    now = int(timezone.now().timestamp())
    jti = secrets.token_urlsafe(16)
    claims = {"iss": app.client_id, "sub": app.client_id, "aud": TOKEN_ENDPOINT,
              "exp": now + 240, "iat": now, "jti": jti, **changed}  # fmt: skip
    header = {"alg": alg, "kid": client_key.kid}
    return jwt.encode(header, claims, client_key, algorithms=[alg])


def exchange_with(client, app, code, verifier, signed):
    return tokens(client, app, code, verifier,
                  client_assertion_type="urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                  client_assertion=signed)  # fmt: skip


@pytest.fixture
def client_key():
    return RSAKey.generate_key(2048, parameters={"kid": "app-1", "use": "sig"})


def test_a_client_with_keys_authenticates_by_a_signed_assertion(client, personas, client_key):
    app = keyed_app(client_key)
    client.force_login(personas.patient)
    code, verifier = consent(client, app, "launch/patient patient/Patient.rs")
    answer = exchange_with(client, app, code, verifier, assertion(app, client_key))
    assert answer.status_code == 200 and answer.json()["patient"] == str(personas.patient.pk)
    found = client.get("/fhir/.well-known/smart-configuration").json()
    assert "private_key_jwt" in found["token_endpoint_auth_methods_supported"]
    assert "client-confidential-asymmetric" in found["capabilities"]


@pytest.mark.parametrize(
    "changed",
    [
        {"aud": "https://elsewhere.example.org/token"},  # for another server
        {"sub": "someone-else"},
        {"exp": "in-five-minutes"},
    ],
)
def test_an_assertion_that_does_not_hold_is_refused(client, personas, client_key, changed):
    app = keyed_app(client_key)
    client.force_login(personas.patient)
    code, verifier = consent(client, app, "launch/patient patient/Patient.rs")
    answer = exchange_with(client, app, code, verifier, assertion(app, client_key, **changed))
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"


def test_a_backend_assertion_older_than_five_minutes_is_refused(client, personas, client_key):
    app = keyed_app(client_key)
    client.force_login(personas.patient)
    code, verifier = consent(client, app, "launch/patient patient/Patient.rs")
    with time_machine.travel(timezone.now() - timedelta(minutes=6), tick=False):
        old = assertion(app, client_key)
    assert exchange_with(client, app, code, verifier, old).status_code == 401
    # Nor one made to live longer than five minutes.
    long_lived = assertion(app, client_key, exp=int(timezone.now().timestamp()) + 3600)
    assert exchange_with(client, app, code, verifier, long_lived).status_code == 401


def test_an_assertion_is_used_once_and_signed_as_smart_asks(client, personas, client_key):
    app = keyed_app(client_key)
    client.force_login(personas.patient)
    code, verifier = consent(client, app, "launch/patient patient/Patient.rs")
    weak = assertion(app, client_key, alg="RS256")
    assert exchange_with(client, app, code, verifier, weak).status_code == 401
    signed = assertion(app, client_key)
    assert exchange_with(client, app, code, verifier, signed).status_code == 200
    code, verifier = consent(client, app, "launch/patient patient/Patient.rs")
    assert exchange_with(client, app, code, verifier, signed).status_code == 401
    other_key = RSAKey.generate_key(2048, parameters={"kid": "app-1"})
    forged = assertion(app, other_key)
    assert exchange_with(client, app, code, verifier, forged).status_code == 401


def test_a_browser_app_calls_from_its_registered_origin_alone(client, personas):
    app = register()
    app.allowed_origins = "https://app.example.org http://127.0.0.1"
    app.save()
    asked = {"HTTP_ACCESS_CONTROL_REQUEST_METHOD": "POST",
             "HTTP_ACCESS_CONTROL_REQUEST_HEADERS": "authorization, content-type"}  # fmt: skip
    for origin in ("https://app.example.org", "http://127.0.0.1:53123"):
        preflight = client.options("/oauth/token/", HTTP_ORIGIN=origin, **asked)
        assert preflight["Access-Control-Allow-Origin"] == origin
        read = client.get("/fhir/metadata", HTTP_ORIGIN=origin)
        assert read["Access-Control-Allow-Origin"] == origin
    for origin in (
        "https://evil.example.org",
        "http://127.0.0.2:53123",
        "https://app.example.org.evil.example",
    ):
        assert "Access-Control-Allow-Origin" not in client.options(
            "/oauth/token/", HTTP_ORIGIN=origin, **asked
        )
    # Stegvis's own pages are never for another origin.
    assert "Access-Control-Allow-Origin" not in client.get(
        "/", HTTP_ORIGIN="https://app.example.org"
    )


def test_a_client_with_keys_never_gets_in_by_a_secret(client, personas, client_key):
    app = keyed_app(client_key)
    client.force_login(personas.patient)
    code, verifier = consent(client, app, "launch/patient patient/Patient.rs")
    for secret in ("", "guess"):
        refused = tokens(client, app, code, verifier, secret=secret or None,
                         client_secret=secret)  # fmt: skip
        assert refused.status_code == 401
    # Nor may a public app introspect with its client id alone.
    public = register(name="Public app")
    asked = client.post("/oauth/introspect/", {"token": "x", "client_id": public.client_id,
                                               "client_secret": ""})  # fmt: skip
    assert asked.status_code == 401


def test_without_offline_access_no_refresh_token_is_issued(client, personas, case):
    issued = connect(client, personas.patient, register(), "launch/patient patient/Patient.rs")
    assert "refresh_token" not in issued and issued["expires_in"] <= 3600


def test_a_user_scope_of_one_type_does_not_widen_a_patient_scope_of_another(client, personas, case):
    second = patient_at(personas.unit)
    from stegvis.cases.models import Case

    Case.objects.filter(patient=second).update(responsible_physician=personas.treating_physician)
    app = register(AppKind.STAFF, name="Rehab planner", secret="s3cret-value-xyz")
    launch = Launch.objects.create(user=personas.treating_physician, application=app,
                                   patient=personas.patient)  # fmt: skip
    issued = connect(client, personas.treating_physician, app,
                     "launch patient/EpisodeOfCare.rs user/Task.rs",
                     secret="s3cret-value-xyz", launch=launch.pk)  # fmt: skip
    episodes = fhir(client, "EpisodeOfCare", issued["access_token"]).json()
    assert {e["resource"]["patient"]["reference"] for e in episodes.get("entry", [])} == {
        f"Patient/{personas.patient.pk}"
    }


def test_an_app_cannot_skip_the_consent_screen(client, personas, case):
    app = register()
    connect(client, personas.patient, app, "launch/patient patient/Patient.rs")
    page, _verifier, _params = ask(client, app, "launch/patient patient/Patient.rs",
                                   approval_prompt="auto")  # fmt: skip
    assert page.status_code == 200 and "allow" in page.content.decode()


def test_a_patients_app_may_read_the_questionnaires(client, personas, case):
    issued = connect(client, personas.patient, register(),
                     "launch/patient patient/Questionnaire.rs")  # fmt: skip
    assert fhir(client, "Questionnaire", issued["access_token"]).status_code == 200


# Backend services: a region's system, no person present

SYSTEM = "Region analytics"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@pytest.fixture
def region(personas):
    """A region whose unit is the patient's; the other patient's unit is another region's."""
    region = OrganisationFactory(name="Region Solby", kind=OrganisationKind.REGION)
    Organisation.objects.filter(pk=personas.unit.pk).update(parent=region)
    elsewhere = OrganisationFactory(name="Region Norrby", kind=OrganisationKind.REGION)
    Organisation.objects.filter(pk=personas.other_unit.pk).update(parent=elsewhere)
    return region


def jwks_file(client_key) -> str:
    keys = Path(tempfile.mkdtemp()) / "jwks.json"
    keys.write_text(json.dumps({"keys": [client_key.as_dict(private=False)]}))
    return str(keys)


def system_app(region, client_key) -> Application:
    """A system registered as the administrators do, by its region's name, its keys in a
    JWKS file."""
    out = StringIO()
    call_command("smart_app", SYSTEM, "--kind", "system", "--region", region.name,
                 "--jwks-file", jwks_file(client_key), stdout=out)  # fmt: skip
    client_id = out.getvalue().split("client_id: ", 1)[1].split()[0]
    return Application.objects.get(client_id=client_id)


def system_token(client, app, client_key, scope="system/*.rs", **changed):
    return client.post("/oauth/token/", {
        "grant_type": "client_credentials", "scope": scope,
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": assertion(app, client_key, **changed),
    })  # fmt: skip


@pytest.fixture
def system(region, client_key):
    return system_app(region, client_key)


def test_a_system_is_registered_for_a_region_with_keys(personas, region, client_key):
    keys = jwks_file(client_key)
    with pytest.raises(CommandError, match="region"):  # a care unit is no region
        call_command("smart_app", SYSTEM, "--kind", "system", "--region", str(personas.unit.pk),
                     "--jwks-file", keys)  # fmt: skip
    with pytest.raises(CommandError, match="keys"):  # a system has no secret
        call_command("smart_app", SYSTEM, "--kind", "system", "--region", str(region.pk))
    OrganisationFactory(name=region.name, kind=OrganisationKind.REGION)
    with pytest.raises(CommandError, match="region"):  # a name two regions have: no guess
        call_command("smart_app", SYSTEM, "--kind", "system", "--region", region.name,
                     "--jwks-file", keys)  # fmt: skip
    assert not AppRegistration.objects.filter(kind=AppKind.SYSTEM).exists()


def test_a_system_gets_a_five_minute_token_by_its_signed_assertion(client, system, client_key):
    answer = system_token(client, system, client_key)
    assert answer.status_code == 200, answer.content
    issued = answer.json()
    assert issued["token_type"] == "Bearer" and issued["expires_in"] == 300
    assert "refresh_token" not in issued and "patient" not in issued and "id_token" not in issued
    # Its `*` is granted as the types it reads: never messages, the network or the log.
    granted = set(issued["scope"].split())
    assert {"system/Patient.rs", "system/Condition.rs", "system/Observation.rs"} <= granted
    assert not {"system/Communication.rs", "system/AuditEvent.rs", "system/Consent.rs"} & granted
    found = client.get("/fhir/.well-known/smart-configuration").json()
    assert "client_credentials" in found["grant_types_supported"]
    assert "system/*.rs" in found["scopes_supported"]


def test_a_system_reads_its_regions_patients_and_the_log_names_it(
    client, personas, region, system, client_key, case
):
    token = system_token(client, system, client_key).json()["access_token"]
    listed = fhir(client, "Patient", token).json()
    assert [entry["resource"]["id"] for entry in listed.get("entry", [])] == [
        str(personas.patient.pk)
    ]  # not the other patient, whose unit is in no region of the system's
    personas.patient.set_national_id("19880314-9825", "SE")
    personas.patient.save()
    shown = fhir(client, f"Patient/{personas.patient.pk}", token).json()
    assert "9825" not in json.dumps(shown)  # the identity number stays out
    assert fhir(client, f"Patient/{personas.other_patient.pk}", token).status_code == 404
    assert fhir(client, "Communication", token).status_code == 403
    account = system.registration.account
    read = AccessEvent.objects.filter(patient=personas.patient, actor=account, outcome="allowed")
    assert read.exists()
    assert set(read.values_list("basis", "actor_role", "via_app", "actor_organisation")) == {
        ("system:follow_up", "registered_system", SYSTEM, region.pk)
    }
    speaks(personas.patient, "en")
    client.force_login(personas.patient)
    page = client.get("/my-data/access/").content.decode()
    assert f"The system {SYSTEM}" in html.unescape(page)


def test_a_system_never_reaches_a_patient_who_refuses(client, personas, system, client_key,
                                                     case):  # fmt: skip
    refusal = CareRefusal.objects.create(patient=personas.patient)
    token = system_token(client, system, client_key).json()["access_token"]
    assert fhir(client, "Patient", token).json().get("entry", []) == []
    assert fhir(client, f"Patient/{personas.patient.pk}", token).status_code == 404
    refusal.withdrawn_at = timezone.now()
    refusal.save()
    assert fhir(client, f"Patient/{personas.patient.pk}", token).status_code == 200


def test_holding_the_role_is_not_being_the_system(client, personas, region, system, case):
    """The system way opens only while the registered system acts by its own token: not for
    its account by any other way, nor for anyone else who came to hold the role."""
    impostor = UserFactory()
    Membership.objects.create(user=impostor, organisation=region, role=Role.REGISTERED_SYSTEM)
    for person in (impostor, system.registration.account):
        assert not decide(person, personas.patient, Category.IDENTITY).allowed
        client.force_login(person)
        assert client.get("/api/v1/patients").json()["items"] == []
        assert client.get(f"/api/v1/patients/{personas.patient.pk}").status_code == 404
    # Nor can a patient invite someone into her network in that role.
    client.force_login(personas.patient)
    invited = client.post(
        f"/api/v1/patients/{personas.patient.pk}/network",
        {"organisation_id": region.pk, "role": Role.REGISTERED_SYSTEM, "email": "m@example.org",
         "name": "Mallory"},
        content_type="application/json",
    )  # fmt: skip
    assert invited.status_code == 422
    assert [error["loc"] for error in invited.json()["errors"]] == [["role"]]


def test_a_system_reads_and_writes_nothing(personas, system, case):
    account = system.registration.account
    acting = request_context.current.set(RequestContext(system_account=str(account.pk)))
    try:
        decisions_of_the_acting_system(account, personas)
    finally:
        request_context.current.reset(acting)


def decisions_of_the_acting_system(account, personas):
    assert decide(account, personas.patient, Category.CHECKINS, Action.VIEW).allowed
    for action in (Action.CREATE, Action.UPDATE, Action.DELETE):
        refused = decide(account, personas.patient, Category.CHECKINS, action)
        assert not refused.allowed and refused.basis == "system_reads_only"
    # Nor what its country's law leaves out: the patient's messages.
    assert not decide(account, personas.patient, Category.MESSAGES).allowed


def test_a_system_exports_its_regions_patients_and_it_alone_fetches_the_files(
    client, personas, system, client_key, world
):
    token = system_token(client, system, client_key).json()["access_token"]
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    kicked = client.get("/fhir/$export", HTTP_PREFER="respond-async", **bearer)
    assert kicked.status_code == 202, kicked.content
    status_path = kicked["Content-Location"].replace("http://testserver", "")
    manifest = client.get(status_path, **bearer).json()
    files = {}
    for output in manifest["output"]:
        answer = client.get(output["url"].replace("http://testserver", ""), **bearer)
        lines = b"".join(answer.streaming_content).decode().splitlines()
        files[output["type"]] = [json.loads(line) for line in lines]
    assert {"Patient", "Condition", "Observation", "EpisodeOfCare"} <= set(files)
    assert not {"Communication", "AuditEvent", "Consent", "CareTeam"} & set(files)
    assert [p["id"] for p in files["Patient"]] == [str(personas.patient.pk)]
    account = system.registration.account
    exported = AccessEvent.objects.filter(action="export", object_type="fhir_export", actor=account)
    assert set(exported.values_list("patient", "via_app", "basis")) == {
        (personas.patient.pk, SYSTEM, "system:follow_up")
    }
    # The export is the system's app's alone: not its account's by any other way, nor anyone's.
    for person in (account, personas.treating_physician):
        client.force_login(person)
        assert client.get(status_path).status_code == 404


def test_the_worker_writes_a_systems_export_as_the_system_and_names_it(
    personas, region, system, case
):
    """Outside any request, as the worker runs it: the export the system asked for reads as
    the system and names its app; the same asked for by its account without the app, none."""
    account = system.registration.account
    asked = {"requested_by": account, "level": ExportLevel.SYSTEM, "types": ["Patient"],
             "request_url": "http://testserver/fhir/$export",
             "site": "http://testserver"}  # fmt: skip
    by_app = ExportJob.objects.create(client_id=system.client_id, via_app=SYSTEM, **asked)
    assert export.run_claimed(by_app.pk) == "done"
    assert [found.count for found in by_app.files.all()] == [1]
    events = AccessEvent.objects.filter(actor=account, action="export")
    assert set(events.values_list("patient", "via_app", "basis")) == {
        (personas.patient.pk, SYSTEM, "system:follow_up")
    }
    by_account = ExportJob.objects.create(**asked)
    assert export.run_claimed(by_account.pk) == "done"
    assert not by_account.files.exists()


def test_a_systems_group_export_of_a_unit_outside_its_region_holds_no_one(
    client, personas, region, system, client_key, case
):
    # The other patient has a case here too: that she is treated at the other region's unit
    # is not the system's to learn.
    Case.objects.create(patient=personas.other_patient, organisation=personas.unit)
    token = system_token(client, system, client_key).json()["access_token"]
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    kicked = client.get(f"/fhir/Group/{personas.other_unit.pk}/$export?_type=Patient",
                        HTTP_PREFER="respond-async", **bearer)  # fmt: skip
    manifest = client.get(kicked["Content-Location"].replace("http://testserver", ""), **bearer)
    assert manifest.json()["output"] == []


def test_a_patient_app_gets_nothing_by_client_credentials(client, personas, client_key):
    app = keyed_app(client_key)
    answer = system_token(client, app, client_key, scope="patient/Patient.rs")
    assert answer.status_code == 400 and answer.json()["error"] == "unauthorized_client"


@pytest.mark.parametrize(
    "scope",
    [
        "system/Observation.cruds",  # a system writes nothing
        "patient/Patient.rs",  # nor works for a patient
        "openid system/Patient.rs",  # nor has a person to name
        "system/Communication.rs",  # nor reads messages
        "",  # and names what it reads
    ],
)
def test_a_system_scope_it_may_not_hold_is_refused(client, system, client_key, scope):
    answer = system_token(client, system, client_key, scope=scope)
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_scope"


def test_a_system_proves_itself_by_a_fresh_assertion_alone(client, system, client_key):
    with time_machine.travel(timezone.now() - timedelta(minutes=6), tick=False):
        old = assertion(system, client_key)
    sent = {"grant_type": "client_credentials", "scope": "system/Patient.rs",
            "client_assertion_type": ASSERTION_TYPE}  # fmt: skip
    assert client.post("/oauth/token/", {**sent, "client_assertion": old}).status_code == 401
    fresh = assertion(system, client_key)
    assert client.post("/oauth/token/", {**sent, "client_assertion": fresh}).status_code == 200
    assert client.post("/oauth/token/", {**sent, "client_assertion": fresh}).status_code == 401
    by_secret = client.post("/oauth/token/", {"grant_type": "client_credentials",
                            "scope": "system/Patient.rs", "client_id": system.client_id,
                            "client_secret": "anything"})  # fmt: skip
    assert by_secret.status_code == 401


def test_a_removed_system_stops_at_once(client, personas, system, client_key, case):
    token = system_token(client, system, client_key).json()["access_token"]
    assert fhir(client, "Patient", token).status_code == 200
    account = system.registration.account
    call_command("smart_app", system.client_id, "--remove", stdout=StringIO())
    assert fhir(client, "Patient", token).status_code == 401
    account.refresh_from_db()
    assert not account.is_active  # kept, for the events that name it


def test_introspection_of_a_system_token_names_no_patient_and_is_no_use(client, system,
                                                                        client_key):  # fmt: skip
    token = system_token(client, system, client_key).json()["access_token"]
    connection = Connection.objects.get(application=system)
    answer = client.post("/oauth/introspect/", {
        "token": token, "client_assertion": assertion(system, client_key),
        "client_assertion_type": ASSERTION_TYPE,
    }).json()  # fmt: skip
    assert answer["active"] is True and answer["client_id"] == system.client_id
    assert "patient" not in answer and "fhirUser" not in answer
    connection.refresh_from_db()
    assert connection.last_used_at is None


def test_the_readmes_backend_client_makes_keys_and_assertions_the_server_takes(
    client, region, tmp_path
):
    script = Path(__file__).parents[1] / "scripts" / "backend_client.py"
    spec = importlib.util.spec_from_file_location("backend_client", script)
    backend_client = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(backend_client)
    private, public = tmp_path / "key.json", tmp_path / "jwks.json"
    backend_client.make_keys(str(private), str(public))
    assert "d" not in json.loads(public.read_text())["keys"][0]  # the public half alone
    registration = register_system(name=SYSTEM, region=region, jwks=json.loads(public.read_text()))
    key = RSAKey.import_key(json.loads(private.read_text()))
    signed = backend_client.assertion(registration.application.client_id, key, TOKEN_ENDPOINT)
    answer = client.post("/oauth/token/", {"grant_type": "client_credentials",
                         "scope": "system/Patient.rs", "client_assertion_type": ASSERTION_TYPE,
                         "client_assertion": signed})  # fmt: skip
    assert answer.status_code == 200 and answer.json()["scope"] == "system/Patient.rs"
