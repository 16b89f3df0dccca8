"""Every page over the personas; headers; the caseload's cost; bad input."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from stegvis.access.categories import Category
from stegvis.accounts.roles import Role
from stegvis.audit import audit
from stegvis.audit.models import AccessEvent
from stegvis.cases.models import Case
from stegvis.network import services as network
from stegvis.network.purposes import Purpose
from tests.conftest import PERSONA_NAMES
from tests.factories import UserFactory, member, patient_at

PAGES = ["home", "my_access_log", "log_reviews", "account_settings"]
# persona -> expected status per page (302: sent to set up MFA). Anyone may see who
# accessed data about themself, so "my_access_log" is open to every signed-in person.
EXPECTED = {
    "patient": [200, 200, 404, 200],
    "treating_physician": [200, 200, 404, 200],
    "coordinator": [200, 200, 404, 200],
    "unit_manager": [200, 200, 200, 200],
    "unrelated_physician": [200, 200, 404, 200],
    "fk_caseworker": [200, 200, 404, 200],
    "employer": [200, 200, 404, 200],
    "outsider": [200, 200, 404, 200],
    "facilitator": [200, 200, 404, 200],
    "representative": [200, 200, 404, 200],
    "physician_without_mfa": [302, 302, 302, 302],
}


@pytest.mark.parametrize("persona", PERSONA_NAMES)
def test_page_permission_table(client, personas, persona):
    client.force_login(personas.get(persona))
    got = [client.get(reverse(page)).status_code for page in PAGES]
    assert got == EXPECTED[persona]


@pytest.mark.parametrize("page", PAGES)
def test_pages_ask_anonymous_visitors_to_sign_in(client, db, page):
    response = client.get(reverse(page))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_caseload_shows_the_units_patients_only(client, personas):
    client.force_login(personas.coordinator)
    html = client.get(reverse("home")).content.decode()
    assert str(personas.patient) in html
    assert str(personas.other_patient) not in html


def test_a_caseload_links_only_the_cases_its_reader_may_open(client, personas):
    member = personas.with_consent(
        personas.fk_caseworker, [Category.IDENTITY], Purpose.FK_INFORMATION
    )
    client.force_login(personas.fk_caseworker)
    case = Case.objects.get(patient=personas.patient)
    link = f'href="{reverse("case_detail", args=[case.pk])}"'
    home = client.get(reverse("home")).text
    assert str(personas.patient) in home and link not in home
    assert client.get(reverse("case_detail", args=[case.pk])).status_code == 404

    network.consent_grant(
        actor=personas.patient,
        member=member,
        category=Category.CAPACITY,
        purpose=Purpose.FK_INFORMATION,
    )
    home = client.get(reverse("home")).text
    assert link in home
    assert client.get(reverse("case_detail", args=[case.pk])).status_code == 200


def _caseload_queries(client, user) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("home")).status_code == 200
    return len(captured)


def test_caseload_query_count_does_not_grow_with_its_length(
    client, personas, django_assert_max_num_queries
):
    few = _caseload_queries(client, personas.coordinator)
    for _ in range(30):
        patient_at(personas.unit)
    many = _caseload_queries(client, personas.coordinator)
    assert many == few
    with django_assert_max_num_queries(few):
        client.get(reverse("home"))


# The person with their memberships, the session, their cases, what waits for them, the
# header's counts, their tasks and meetings, and the one audit event: eight statements.
PATIENT_HOME_STATEMENTS = 8


def test_the_patients_home_takes_at_most_eight_statements(client, personas):
    client.force_login(personas.patient)
    client.get(reverse("home"))  # a session's first request may write it
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response.context["next_step"] is not None
    assert len(captured) <= PATIENT_HOME_STATEMENTS, [q["sql"][:80] for q in captured]


def test_patient_home_points_to_new_accesses(client, personas):
    client.force_login(personas.treating_physician)
    client.get(f"/api/v1/patients/{personas.patient.pk}")
    client.force_login(personas.patient)
    button = f'class="button" href="{reverse("my_access_log")}"'
    assert button in client.get(reverse("home")).content.decode()
    client.get(reverse("my_access_log"))
    assert button not in client.get(reverse("home")).content.decode()


def test_the_access_log_names_the_person_who_read_as_the_fhir_audit_event_does(client, personas):
    doctor = personas.treating_physician
    client.force_login(doctor)
    client.get(f"/api/v1/patients/{personas.patient.pk}")
    client.force_login(personas.patient)
    page = client.get(reverse("my_access_log")).content.decode()
    assert '<th scope="col">Vem</th>' in page
    assert f'<td data-label="Vem">{doctor.full_name}</td>' in page


def test_new_accesses_are_others_and_the_systems_allowed_ones_never_the_patients_own(
    client, personas
):
    client.force_login(personas.patient)
    for _ in range(3):  # the patient's own views: never news to them
        client.get(f"/api/v1/patients/{personas.patient.pk}")
    assert client.get(reverse("home")).context["new_accesses"] == 0
    client.force_login(personas.unrelated_physician)
    client.get(f"/api/v1/patients/{personas.patient.pk}")  # refused: not an access
    client.force_login(personas.treating_physician)
    client.get(f"/api/v1/patients/{personas.patient.pk}")
    audit.append([audit.system_event(
        patient_id=personas.patient.pk, category="checkins", action="view",
        basis="checkin_reminder", object_type="reminder", object_id="1",
    )])  # fmt: skip
    client.force_login(personas.patient)
    assert client.get(reverse("home")).context["new_accesses"] == 2


def test_new_accesses_are_counted_up_to_a_hundred_then_more_than_99(client, personas):
    def accesses(n):
        audit.append([audit.system_event(
            patient_id=personas.patient.pk, category="checkins", action="view",
            basis="checkin_reminder", object_type="reminder", object_id=i,
        ) for i in range(1, n + 1)])  # fmt: skip

    personas.patient.preferred_language = "en"
    personas.patient.save()
    client.force_login(personas.patient)
    accesses(99)
    response = client.get(reverse("home"))
    assert response.context["new_accesses"] == 99
    assert "opened your data 99 times since" in response.content.decode()
    accesses(150)
    response = client.get(reverse("home"))
    assert response.context["new_accesses"] == 100
    assert "opened your data more than 99 times since" in response.content.decode()


def test_who_has_seen_my_data_lists_organisation_role_and_what(client, personas):
    client.force_login(personas.treating_physician)
    client.get(f"/api/v1/patients/{personas.patient.pk}")
    client.force_login(personas.patient)
    personas.patient.preferred_language = "en"
    personas.patient.save()
    html = client.get(reverse("my_access_log")).content.decode()
    assert personas.unit.name in html
    assert "Physician" in html
    assert "Name and contact details, viewed" in html


def test_authenticated_responses_are_never_cached(client, personas):
    client.force_login(personas.patient)
    response = client.get(reverse("home"))
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_pages_send_a_content_security_policy_and_request_id(client, personas):
    client.force_login(personas.patient)
    response = client.get(reverse("home"))
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_pages_load_nothing_from_other_hosts(client, personas):
    client.force_login(personas.patient)
    html = client.get(reverse("home")).content.decode()
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert not re.match(r"^(https?:)?//", url), url


def test_a_csrf_failure_shows_a_friendly_page_and_changes_nothing(personas):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.patient)
    response = client.post(
        reverse("account_settings"), {"preferences": "1", "preferred_language": "en"}
    )
    assert response.status_code == 403
    assert (
        "Nothing was changed" in response.content.decode() or "Inget" in response.content.decode()
    )
    personas.patient.refresh_from_db()
    assert personas.patient.preferred_language == "sv"


def test_a_form_error_keeps_what_was_typed(client, personas):
    client.force_login(personas.patient)
    response = client.post(
        reverse("account_settings"),
        {"token": "1", "name": "My diary app", "scope": "read", "days": "9999"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="My diary app"' in html
    assert 'value="9999"' in html
    assert not personas.patient.access_tokens.exists()


def test_a_new_token_is_shown_once(client, personas):
    client.force_login(personas.patient)
    response = client.post(
        reverse("account_settings"), {"token": "1", "name": "App", "scope": "read", "days": "30"}
    )
    raw = re.search(r'class="token-value">(stv_[^<]+)<', response.content.decode()).group(1)
    assert raw not in client.get(reverse("account_settings")).content.decode()


def test_the_language_switch_is_remembered_for_the_person(client, personas):
    client.force_login(personas.patient)
    assert "Hej" in client.get(reverse("home")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    personas.patient.refresh_from_db()
    assert personas.patient.preferred_language == "en"
    other_device = Client()
    other_device.force_login(personas.patient)
    html = other_device.get(reverse("home")).content.decode()
    assert "Hello" in html and 'lang="en"' in html


def test_events_are_written_for_the_log_page_itself(client, personas):
    client.force_login(personas.patient)
    client.get(reverse("my_access_log"))
    assert (
        AccessEvent.objects.filter(
            patient=personas.patient, category="access_log", actor=personas.patient
        ).count()
        == 1
    )


@pytest.mark.parametrize(
    ("persona", "offered"),
    [
        ("treating_physician", True), ("coordinator", True), ("fk_caseworker", True),
        ("employer", True), ("unit_manager", False), ("facilitator", False),
        ("representative", False), ("patient", False),
    ],
)  # fmt: skip
def test_only_roles_that_work_with_one_patient_are_offered_to_join_a_network(
    client, personas, persona, offered
):
    # Issue 33: the analyst, the facilitator and the representative were offered "ask to
    # join a patient's network", and the form let them.
    client.force_login(personas.get(persona))
    home = client.get(reverse("home")).content.decode()
    assert (f'href="{reverse("network_join")}"' in home) is offered
    assert client.get(reverse("network_join")).status_code == (200 if offered else 404)


def test_a_region_analyst_is_not_offered_to_join_a_network(client, personas):
    analyst = member(UserFactory(), personas.unit, Role.REGION_ANALYST)
    client.force_login(analyst)
    assert f'href="{reverse("network_join")}"' not in client.get(reverse("home")).text
    assert client.get(reverse("network_join")).status_code == 404
