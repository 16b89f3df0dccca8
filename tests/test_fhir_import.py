"""Importing from another system: a transaction Bundle of QuestionnaireResponses,
Observations and Appointments, checked whole, written whole or not at all, and known again
by identifier."""

import json
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone

from stegvis.audit.models import AccessEvent
from stegvis.cases.models import Case
from stegvis.coaching.models import CheckIn
from stegvis.coordination.models import Meeting
from stegvis.fhir.importing import MODELS
from stegvis.fhir.models import ImportedResource
from stegvis.instruments.models import Administration
from tests.factories import patient_at
from tests.support import import_bundle, import_examples

PROM = "https://prom.region.example/id"
BOOKING = "https://booking.region.example/id"


def _post(client, entries, **headers):
    bundle = {"resourceType": "Bundle", "type": "transaction",
              "entry": [{"resource": r, "request": {"method": "POST", "url": r["resourceType"]}}
                        for r in entries]}  # fmt: skip
    return client.post("/fhir/", json.dumps(bundle), content_type="application/fhir+json",
                       **headers)  # fmt: skip


def _phq9(patient, value="qr-1", answer=1) -> dict:
    return {
        "resourceType": "QuestionnaireResponse",
        "identifier": {"system": PROM, "value": value},
        "questionnaire": "https://stegvis.se/fhir/Questionnaire/phq9|1",
        "status": "completed",
        "subject": {"reference": f"Patient/{patient.pk}"},
        "authored": timezone.now().replace(hour=9, minute=0, second=0, microsecond=0).isoformat(),
        "item": [{"linkId": str(n), "answer": [{"valueCoding": {"code": str(answer)}}]}
                 for n in range(1, 10)],
    }  # fmt: skip


def _meeting(patient, case, value="m-1", start=None, status="booked") -> dict:
    start = start or (timezone.now() + timedelta(days=7)).replace(microsecond=0)
    return {
        "resourceType": "Appointment",
        "identifier": [{"system": BOOKING, "value": value}],
        "status": status,
        "appointmentType": {"coding": [{"code": "fk_reconciliation"}]},
        "start": start.isoformat(),
        "minutesDuration": 45,
        "comment": "Vårdcentralen, rum 3",
        "participant": [{"actor": {"reference": f"Patient/{patient.pk}"}}],
        "supportingInformation": [{"reference": f"EpisodeOfCare/{case.pk}"}],
    }


def test_a_prom_systems_answers_are_scored_once_however_often_sent(client, personas, case):
    client.force_login(personas.treating_physician)
    first = _post(client, [_phq9(personas.patient)])
    assert first.status_code == 200, first.content
    (entry,) = first.json()["entry"]
    assert entry["response"]["status"] == "201 Created"
    again = _post(client, [_phq9(personas.patient)])
    assert again.json()["entry"][0]["response"]["status"] == "200 OK"
    (answered,) = Administration.objects.filter(patient=personas.patient)
    assert answered.total == 9 and answered.status == "completed"
    location = entry["response"]["location"].replace("http://testserver", "")
    assert client.get(location).json()["item"][0]["answer"][0]["valueCoding"]["code"] == "1"
    changed = _post(client, [_phq9(personas.patient, answer=2)])
    assert changed.status_code == 409 and Administration.objects.get().total == 9


def test_a_bad_bundle_names_each_bad_element_and_writes_nothing(client, personas, case):
    client.force_login(personas.treating_physician)
    wrong = _phq9(personas.patient, value="qr-2")
    wrong["item"][3]["answer"] = [{"valueCoding": {"code": "7"}}]  # PHQ-9 answers are 0–3
    missing = _meeting(personas.patient, case)
    del missing["start"]
    answer = _post(client, [_phq9(personas.patient, value="qr-3"), missing])
    assert answer.status_code == 422
    issues = answer.json()["issue"]
    assert [i["expression"] for i in issues] == [["Bundle.entry[1].resource.start"]]
    scored = _post(client, [_meeting(personas.patient, case), wrong])
    assert scored.status_code == 422
    assert scored.json()["issue"][0]["expression"] == ["Bundle.entry[1].resource.item[3].answer[0]"]
    # Nothing of either Bundle was written: not the valid entries before the bad ones.
    assert not Administration.objects.exists() and not Meeting.objects.exists()
    assert _post(client, [{"resourceType": "Patient"}]).status_code == 422
    off = _phq9(personas.patient, value="qr-4")
    off["questionnaire"] = "https://stegvis.se/fhir/Questionnaire/was|1"  # off until turned on
    refused = _post(client, [off])
    assert refused.status_code == 422
    assert refused.json()["issue"][0]["expression"] == ["Bundle.entry[0].resource.questionnaire"]
    assert client.post("/fhir/", "{", content_type="application/fhir+json").status_code == 400


def test_a_booking_system_books_moves_and_cancels_a_meeting(client, personas, case):
    client.force_login(personas.treating_physician)
    assert _post(client, [_meeting(personas.patient, case)]).status_code == 200
    meeting = Meeting.objects.get()
    later = (timezone.now() + timedelta(days=9)).replace(microsecond=0)
    assert _post(client, [_meeting(personas.patient, case, start=later)]).status_code == 200
    meeting.refresh_from_db()
    assert meeting.starts_at == later and meeting.place == "Vårdcentralen, rum 3"
    cancelled = _meeting(personas.patient, case, start=later, status="cancelled")
    assert _post(client, [cancelled]).status_code == 200
    meeting.refresh_from_db()
    assert meeting.status == "cancelled" and Meeting.objects.count() == 1


def test_only_those_who_may_write_for_the_patient_import(client, personas, case):
    client.force_login(personas.unrelated_physician)
    refused = _post(client, [_phq9(personas.patient)])
    assert refused.status_code == 404 and not Administration.objects.exists()
    assert AccessEvent.objects.filter(
        actor=personas.unrelated_physician, outcome="denied", object_type="fhir_import"
    ).exists()
    client.force_login(personas.employer)
    assert _post(client, [_meeting(personas.patient, case)]).status_code == 404


def test_a_patients_app_adds_their_own_check_ins(client, personas, case):
    pain = {
        "resourceType": "Observation",
        "identifier": [{"system": PROM, "value": "nrs-1"}],
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "72514-3"}]},
        "subject": {"reference": f"Patient/{personas.patient.pk}"},
        "effectiveDateTime": timezone.now().replace(microsecond=0).isoformat(),
        "valueInteger": 6,
    }
    client.force_login(personas.treating_physician)
    assert _post(client, [pain]).status_code in (403, 404)
    client.force_login(personas.patient)
    assert _post(client, [pain]).status_code == 200
    assert _post(client, [pain]).status_code == 200
    assert CheckIn.objects.get(patient=personas.patient).pain == 6
    pain["valueInteger"] = 4
    pain["status"] = "corrected"
    assert _post(client, [pain]).status_code == 200
    assert CheckIn.objects.get(patient=personas.patient).pain == 4


@pytest.fixture
def peter(personas):
    """A second patient of the same physician and coordinator, at the same unit."""
    patient = patient_at(personas.unit, email="peter@example.org", given_name="Peter")
    Case.objects.filter(patient=patient).update(
        responsible_physician=personas.treating_physician,
        responsible_coordinator=personas.coordinator,
    )
    return patient


# Each type the import takes: who sends it for a patient, and what it made for them.
SENT_FOR_A_PATIENT = {
    "Observation": (
        lambda personas, patient: patient,
        lambda patient: CheckIn.objects.get(patient=patient).pain,
    ),
    "QuestionnaireResponse": (
        lambda personas, patient: personas.treating_physician,
        lambda patient: Administration.objects.get(patient=patient).total,
    ),
    "Appointment": (
        lambda personas, patient: personas.treating_physician,
        lambda patient: Meeting.objects.get(case__patient=patient).starts_at,
    ),
}


def test_every_type_the_import_takes_is_tried_across_patients():
    assert set(SENT_FOR_A_PATIENT) == set(MODELS)


def _import(client, personas, patient, kind, level):
    sender, _made = SENT_FOR_A_PATIENT[kind]
    client.force_login(sender(personas, patient))
    resource = import_examples(patient, Case.objects.get(patient=patient), level=level)[kind]
    return client.post("/fhir/", json.dumps(import_bundle(resource)),
                       content_type="application/fhir+json")  # fmt: skip


@pytest.mark.parametrize("kind", sorted(SENT_FOR_A_PATIENT))
def test_an_identifier_another_patient_used_makes_a_record_of_their_own(
    client, personas, case, peter, kind
):
    """Pia's import and Peter's carry the same identifier: Peter's is written as his,
    and Pia's record is neither found for him nor changed."""
    _sender, made = SENT_FOR_A_PATIENT[kind]
    first = _import(client, personas, personas.patient, kind, level=1)
    assert first.status_code == 200, first.content
    pias = made(personas.patient)
    second = _import(client, personas, peter, kind, level=2)
    assert second.status_code == 200, second.content
    (answer,) = second.json()["entry"]
    assert answer["response"]["status"] == "201 Created"
    assert answer["response"]["location"] != first.json()["entry"][0]["response"]["location"]
    assert made(personas.patient) == pias
    assert made(peter) not in (None, pias)
    assert ImportedResource.objects.filter(patient=peter, resource_type=kind).count() == 1


def test_someone_else_resending_an_import_is_decided_not_answered_from_the_index(
    client, personas, case
):
    """The same Bundle, byte for byte, from a physician with no part in Pia's care: refused
    and recorded, with no word of what the first import made."""
    bundle = json.dumps(import_bundle(_phq9(personas.patient)))
    client.force_login(personas.treating_physician)
    assert client.post("/fhir/", bundle, content_type="application/fhir+json").status_code == 200
    client.force_login(personas.unrelated_physician)
    resent = client.post("/fhir/", bundle, content_type="application/fhir+json")
    assert resent.status_code == 404
    assert str(Administration.objects.get().pk) not in resent.content.decode()
    assert AccessEvent.objects.filter(
        actor=personas.unrelated_physician, outcome="denied", object_type="fhir_import"
    ).exists()


def test_a_meeting_sent_again_for_another_case_of_the_patient_is_a_conflict(client, personas, case):
    second = Case.objects.create(patient=personas.patient, organisation=personas.unit,
                                 responsible_physician=personas.treating_physician)  # fmt: skip
    client.force_login(personas.treating_physician)
    assert _post(client, [_meeting(personas.patient, case)]).status_code == 200
    later = (timezone.now() + timedelta(days=9)).replace(microsecond=0)
    moved = _post(client, [_meeting(personas.patient, second, start=later)])
    assert moved.status_code == 409
    assert moved.json()["issue"][0]["expression"] == [
        "Bundle.entry[0].resource.supportingInformation"
    ]
    assert Meeting.objects.get().starts_at != later


def test_an_import_with_no_one_signed_in_is_asked_to_sign_in():
    """Not asked for a CSRF token: with no session there is none to lack."""
    anonymous = Client(enforce_csrf_checks=True)
    answer = anonymous.post("/fhir/", "{}", content_type="application/fhir+json")
    assert answer.status_code == 401
    assert answer.json()["resourceType"] == "OperationOutcome"
    assert answer.json()["issue"][0]["code"] == "login"


def test_an_import_sent_by_another_method_is_told_which_one(client, personas):
    client.force_login(personas.treating_physician)
    answer = client.get("/fhir/")
    assert answer.status_code == 405 and answer["Allow"] == "POST"
    assert answer.json()["issue"][0]["code"] == "not-supported"


def test_an_import_too_large_to_read_is_answered_as_an_operation_outcome(client, personas):
    client.force_login(personas.patient)
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    answer = client.post("/fhir/", "x" * (limit + 1), content_type="application/fhir+json")
    assert answer.status_code == 413
    assert answer.json()["issue"][0]["code"] == "too-long"


@pytest.mark.django_db(transaction=True)
def test_imports_known_before_are_named_by_their_patient_and_sender():
    """The migration: an import known before is kept for the patient whose record it made
    (a check-in is its patient's own import); one whose record is gone is forgotten."""
    executor = MigrationExecutor(connection)
    before = [("fhir", "0001_initial"), ("coaching", "0003_reminders_through_the_outbox")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    patient = old.get_model("accounts", "User").objects.create(email="p@example.org")
    checkin = old.get_model("coaching", "CheckIn").objects.create(
        patient_id=patient.pk, submission_id=uuid.uuid4(), submitted_at=timezone.now(),
        local_date=timezone.localdate(), pain=3,
    )  # fmt: skip
    imported = old.get_model("fhir", "ImportedResource")
    for value, object_id in [("kept", checkin.pk), ("gone", uuid.uuid4())]:
        imported.objects.create(resource_type="Observation", system=PROM, value=value,
                                object_id=str(object_id), digest="0" * 64)  # fmt: skip
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    (row,) = ImportedResource.objects.all()
    assert (row.value, row.patient_id, row.author_id) == ("kept", patient.pk, patient.pk)


# Who may import what about the patient, as the persona route table has its personas: a
# valid Bundle each, beside the route table's empty one (which is refused before any
# decision). A patient answers her own questionnaires but books no meeting; a refusal
# writes nothing and is recorded.
IMPORTERS = {
    "treating_physician": (200, 200), "coordinator": (200, 200),
    "unrelated_physician": (404, 404), "fk_caseworker": (404, 404), "employer": (404, 404),
    "unit_manager": (404, 404), "outsider": (404, 404), "physician_without_mfa": (302, 302),
    "patient": (200, 404), "facilitator": (404, 404), "representative": (404, 404),
}  # fmt: skip


@pytest.mark.parametrize("persona", sorted(IMPORTERS))
def test_each_persona_imports_for_the_patient_only_as_the_policy_allows(
    client, personas, case, persona
):
    user = getattr(personas, persona)
    client.force_login(user)
    expected = dict(zip(("answers", "meeting"), IMPORTERS[persona], strict=True))
    answers = _post(client, [_phq9(personas.patient, value=f"qr-{persona}")])
    meeting = _post(client, [_meeting(personas.patient, case, value=f"m-{persona}")])
    assert {"answers": answers.status_code, "meeting": meeting.status_code} == expected
    wrote = Administration.objects.filter(completed_at__isnull=False).exists()
    assert wrote == (expected["answers"] == 200)
    assert Meeting.objects.filter(case=case).exists() == (expected["meeting"] == 200)
    refused = AccessEvent.objects.filter(actor=user, outcome="denied")
    assert refused.exists() == (404 in IMPORTERS[persona])
