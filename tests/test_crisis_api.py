"""Words of crisis through the API: every write that takes a patient's own words answers
with the crisis lines of the patient's country in `crisis_lines`, for the app to show at
once and alone (the pages redirect to them), and with none otherwise. A retry with the same
Idempotency-Key answers the same, without a second signal."""

import pytest
from django.utils import timezone

from stegvis.api import api
from stegvis.cases.models import Case
from stegvis.coaching.models import CoachFlag
from stegvis.instruments import services as instruments
from stegvis.instruments.models import Administration
from stegvis.notifications.models import Notification
from tests.support import send

WORDS = "Ibland orkar jag inte leva längre, det känns tungt."
CALM = "Kortare telefonköer och en lugn start på dagen."
LINES = {"SE": {"112", "1177", "90101"}, "NO": {"113", "116 117", "116 123"}}


# Each prepares one request and returns what sends it, so that a retry sends the same.


def _proposal(client, personas, case, words):
    body = {"unit_id": personas.unit.pk, "title": "Väntan", "body": words}
    return lambda **headers: send(client, "post", "/api/v1/participation/proposals", body,
                                  **headers)  # fmt: skip


def _thread(client, personas, case, words):
    url = f"/api/v1/patients/{personas.patient.pk}/messages/threads"
    # Her physician, named on the case, reads her messages without a consent in any country.
    body = {"subject": "Fråga", "participant_ids": [str(personas.treating_physician.pk)],
            "body": words}  # fmt: skip
    return lambda **headers: send(client, "post", url, body, **headers)


def _message(client, personas, case, words):
    thread = _thread(client, personas, case, "Hej.")().json()
    url = f"/api/v1/messages/threads/{thread['id']}/messages"
    return lambda **headers: send(client, "post", url, {"body": words}, **headers)


def _plan(client, personas, case, words):
    url = f"/api/v1/cases/{case.pk}/plan"
    read = client.get(url)
    body = {**read.json()["content"], "goals": [words]}
    return lambda **headers: send(client, "put", url, body, HTTP_IF_MATCH=read["ETag"],
                                  **headers)  # fmt: skip


def _plan_comment(client, personas, case, words):
    url = f"/api/v1/cases/{case.pk}/plan/comments"
    return lambda **headers: send(client, "post", url, {"text": words}, **headers)


WRITES = {
    "proposal": _proposal,
    "thread": _thread,
    "message": _message,
    "plan": _plan,
    "plan_comment": _plan_comment,
}


def _in_country(case, country: str) -> None:
    # The crisis lines follow the country of the patient's latest case.
    Case.objects.filter(pk=case.pk).update(jurisdiction=country)


def _numbers(response) -> set[str]:
    assert response.status_code in (200, 201), response.content
    return {line["number"] for line in response.json()["crisis_lines"]}


@pytest.mark.parametrize("country", sorted(LINES))
@pytest.mark.parametrize("write", sorted(WRITES))
def test_a_patients_words_of_crisis_answer_with_the_lines_of_her_country(
    client, personas, case, write, country
):
    _in_country(case, country)
    client.force_login(personas.patient)
    response = WRITES[write](client, personas, case, WORDS)()
    assert _numbers(response) == LINES[country]
    assert all(line["name"] for line in response.json()["crisis_lines"])
    assert CoachFlag.objects.get(patient=personas.patient, kind="safety").urgent


@pytest.mark.parametrize("write", sorted(WRITES))
def test_calm_words_answer_with_no_lines(client, personas, case, write):
    client.force_login(personas.patient)
    response = WRITES[write](client, personas, case, CALM)()
    assert _numbers(response) == set()
    assert not CoachFlag.objects.filter(kind="safety").exists()


@pytest.mark.parametrize("write", sorted(WRITES))
def test_a_retry_with_the_same_key_answers_the_same_lines_without_a_second_signal(
    client, personas, case, write, django_capture_on_commit_callbacks
):
    client.force_login(personas.patient)
    write_words = WRITES[write](client, personas, case, WORDS)
    with django_capture_on_commit_callbacks(execute=True):
        first = write_words(HTTP_IDEMPOTENCY_KEY="retry-1")
    told = Notification.objects.filter(kind="urgent_flag").count()
    with django_capture_on_commit_callbacks(execute=True):
        again = write_words(HTTP_IDEMPOTENCY_KEY="retry-1")
    assert again["Idempotent-Replayed"] == "true"
    assert again.status_code == first.status_code
    assert again.json() == first.json() and _numbers(again) == LINES["SE"]
    assert told > 0 and Notification.objects.filter(kind="urgent_flag").count() == told


def test_a_professionals_words_answer_with_no_lines(client, personas, case):
    client.force_login(personas.coordinator)
    response = _plan_comment(client, personas, case, "Risk för självmord bedömd: låg.")()
    assert _numbers(response) == set()


def test_the_lines_answer_the_write_and_are_never_part_of_a_read(client, personas, case):
    client.force_login(personas.patient)
    thread = _thread(client, personas, case, CALM)().json()
    detail = client.get(f"/api/v1/messages/threads/{thread['id']}").json()
    assert all("crisis_lines" not in message for message in detail["messages"])
    assert "crisis_lines" not in client.get(f"/api/v1/cases/{case.pk}/plan").json()


@pytest.mark.parametrize(("item9", "numbers"), [(1, LINES["SE"]), (0, set())])
def test_a_questionnaire_answer_of_self_harm_answers_with_the_lines(
    client, personas, case, item9, numbers
):
    # Sick leave from today: the baseline questionnaires are due now.
    Case.objects.filter(pk=case.pk).update(sick_from=timezone.localdate())
    case.refresh_from_db()
    instruments.administrations_plan_case(case, timezone.localdate())
    phq9 = Administration.objects.get(instrument_code="phq9")
    client.force_login(personas.patient)
    answers = {**{str(n): 0 for n in range(1, 9)}, "9": item9}
    url = f"/api/v1/administrations/{phq9.pk}/answers"
    assert _numbers(send(client, "post", url, {"answers": answers})) == numbers
    # Sent again without a key: the stored answer, and the same lines.
    assert _numbers(send(client, "post", url, {"answers": answers})) == numbers


OPERATIONS = [
    ("post", "/api/v1/participation/proposals"),
    ("post", "/api/v1/patients/{patient_id}/messages/threads"),
    ("post", "/api/v1/messages/threads/{thread_id}/messages"),
    ("put", "/api/v1/cases/{case_id}/plan"),
    ("post", "/api/v1/cases/{case_id}/plan/comments"),
    ("post", "/api/v1/administrations/{administration_id}/answers"),
]


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_the_openapi_document_tells_of_the_lines_on_each_write(method, path):
    document = api.get_openapi_schema()
    operation = document["paths"][path][method]
    assert "crisis_lines" in operation["description"]
    success = next(r for s, r in operation["responses"].items() if 200 <= int(s) < 300)
    ref = success["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    schema = document["components"]["schemas"][ref]
    lines = schema["properties"]["crisis_lines"]
    assert lines["type"] == "array" and lines["description"]
    assert "crisis_lines" not in schema.get("required", [])
