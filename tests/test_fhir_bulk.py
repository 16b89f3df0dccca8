"""Bulk Data Access: an asynchronous $export whose files hold what the reader may see,
each patient recorded as exported, served to that reader alone until they expire."""

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone

from stegvis.accounts.models import Organisation, PersonalAccessToken, hash_token
from stegvis.audit.models import AccessEvent
from stegvis.fhir.export import purge_expired
from stegvis.fhir.models import ExportFile, ExportJob
from stegvis.instruments.definitions import instruments
from tests.fhir_validation import problems

ASYNC = {"HTTP_PREFER": "respond-async"}


def _path(url: str) -> str:
    return url.replace("http://testserver", "")


def _export(client, url: str) -> dict:
    """Kick off (the tests' task backend runs the job at once) and read the manifest."""
    kicked = client.get(url, **ASYNC)
    assert kicked.status_code == 202, kicked.content
    assert kicked.json()["resourceType"] == "OperationOutcome"  # 202 said in words, as JSON
    status = client.get(_path(kicked["Content-Location"]))
    assert status.status_code == 200
    return status.json()


def _files(client, manifest) -> dict[str, list[dict]]:
    found = {}
    for output in manifest["output"]:
        answer = client.get(_path(output["url"]))
        assert answer["Content-Type"] == "application/fhir+ndjson"
        lines = b"".join(answer.streaming_content).decode().splitlines()
        found[output["type"]] = [json.loads(line) for line in lines]
        assert len(lines) == output["count"]
    return found


def test_a_system_export_writes_valid_ndjson_and_records_each_patient(client, personas, world):
    client.force_login(personas.treating_physician)
    manifest = _export(client, "/fhir/$export")
    assert manifest["requiresAccessToken"] is True and manifest["error"] == []
    files = _files(client, manifest)
    assert {"Patient", "EpisodeOfCare", "Condition", "Observation", "Questionnaire"} <= set(files)
    assert problems([resource for found in files.values() for resource in found]) == []
    exported = AccessEvent.objects.filter(
        actor=personas.treating_physician, action="export", object_type="fhir_export"
    )
    assert {"identity", "sick_leave", "checkins"} <= set(
        exported.values_list("category", flat=True)
    )
    assert set(exported.values_list("patient", flat=True)) == {personas.patient.pk}


def test_the_kick_off_refuses_what_it_cannot_do(client, personas, case):
    client.force_login(personas.treating_physician)
    assert client.get("/fhir/$export").status_code == 400  # no Prefer: respond-async
    bad = client.get("/fhir/$export?_type=Patient,Spaceship", **ASYNC)
    assert bad.status_code == 400 and "Spaceship" in bad.json()["issue"][0]["diagnostics"]
    assert client.get("/fhir/$export?_outputFormat=text/csv", **ASYNC).status_code == 400
    assert client.get("/fhir/$export?_since=yesterday", **ASYNC).status_code == 400
    assert client.get("/fhir/Group/999999/$export", **ASYNC).status_code == 404
    assert not ExportJob.objects.exists()


def test_an_employers_export_holds_no_health_data(client, personas, world):
    client.force_login(personas.employer)
    files = _files(client, _export(client, "/fhir/Patient/$export"))
    assert "Patient" in files
    assert not {"Condition", "QuestionnaireResponse", "Observation"} & set(files)
    text = json.dumps(files)
    assert "F43.8A" not in text and "Utmattningssyndrom" not in text


def test_type_since_and_group_narrow_the_export(client, personas, world):
    client.force_login(personas.treating_physician)
    only = _export(client, "/fhir/$export?_type=Observation,Patient")
    assert {o["type"] for o in only["output"]} == {"Observation", "Patient"}
    later = (timezone.now() + timedelta(days=1)).isoformat()
    since = _export(client, f"/fhir/$export?_type=Observation&_since={later.replace('+', '%2B')}")
    assert since["output"] == []
    elsewhere = Organisation.objects.create(name="Annan vårdcentral", kind=personas.unit.kind)
    assert _export(client, f"/fhir/Group/{elsewhere.pk}/$export")["output"] == []
    ours = _export(client, f"/fhir/Group/{personas.unit.pk}/$export?_type=EpisodeOfCare")
    assert ours["output"][0]["count"] == 1


def test_the_files_are_the_readers_alone_and_expire(client, personas, case):
    client.force_login(personas.treating_physician)
    kicked = client.get("/fhir/$export?_type=Patient", **ASYNC)
    status_url = _path(kicked["Content-Location"])
    file_url = _path(client.get(status_url).json()["output"][0]["url"])
    client.force_login(personas.coordinator)
    assert client.get(status_url).status_code == 404
    assert client.get(file_url).status_code == 404
    client.force_login(personas.treating_physician)
    assert client.get(file_url).status_code == 200
    ExportJob.objects.update(finished_at=timezone.now() - timedelta(hours=25))
    assert client.get(file_url).status_code == 404
    assert purge_expired() == 1
    assert not ExportJob.objects.exists()


def test_a_cancelled_export_is_gone_and_a_session_needs_its_csrf_token(personas, case):
    careful = Client(enforce_csrf_checks=True)
    careful.force_login(personas.treating_physician)
    status_url = _path(careful.get("/fhir/$export?_type=Patient", **ASYNC)["Content-Location"])
    refused = careful.delete(status_url)
    assert refused.status_code == 403 and refused.json()["resourceType"] == "OperationOutcome"
    for name, scope in (("read-token", "read"), ("bulk-token", "write")):
        PersonalAccessToken.objects.create(
            user=personas.treating_physician,
            name=name,
            scope=scope,
            token_hash=hash_token(name),
            expires_at=timezone.now() + timedelta(days=1),
        )
    by_token = Client(enforce_csrf_checks=True)
    reading = by_token.delete(status_url, HTTP_AUTHORIZATION="Bearer read-token")
    assert reading.status_code == 403 and reading.json()["issue"][0]["code"] == "forbidden"
    assert by_token.delete(status_url, HTTP_AUTHORIZATION="Bearer bulk-token").status_code == 202
    assert careful.get(status_url).status_code == 404
    assert not ExportFile.objects.exists()


# The worker closes connections between tasks, which only a transactional test survives;
# its database is emptied after, which the append-only audit trail refuses, so this export
# asks for what records no patient's data: the questionnaires.
@pytest.mark.django_db(transaction=True)
@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_the_worker_writes_the_export_while_the_client_polls(client, django_user_model):
    client.force_login(django_user_model.objects.create_user(email="integration@example.org"))
    kicked = client.get("/fhir/$export?_type=Questionnaire", **ASYNC)
    status_url = _path(kicked["Content-Location"])
    waiting = client.get(status_url)
    assert waiting.status_code == 202 and waiting["X-Progress"] == "accepted"
    call_command("worker", "--batch", "--no-startup-delay", "--interval", "0", "--no-schedule")
    done = client.get(status_url)
    assert done.status_code == 200
    assert [(o["type"], o["count"]) for o in done.json()["output"]] == [
        ("Questionnaire", len(instruments()))
    ]
