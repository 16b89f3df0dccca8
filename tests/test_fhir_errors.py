"""Every error under /fhir/ is an OperationOutcome with the right status (an unknown type,
an unknown id, a method not offered, a format not written, an unsupported search parameter
under strict handling); a running export answers 202 with a body; unknown addresses under
/api/v1/ answer in the API's own error shape."""

from stegvis.access.categories import Category
from stegvis.audit.models import AccessEvent
from stegvis.fhir.export import run_claimed
from stegvis.fhir.models import ExportJob, ExportStatus
from stegvis.network.purposes import Purpose
from tests.fhir_validation import problems
from tests.support import signed_diagnosis

FHIR_JSON = "application/fhir+json"


def _outcome(answer, status: int) -> dict:
    assert answer.status_code == status, answer.content
    assert answer["Content-Type"].startswith(FHIR_JSON)
    body = answer.json()
    assert body["resourceType"] == "OperationOutcome"
    return body


def test_an_unknown_resource_type_or_path_is_a_404_operation_outcome(client, personas, case):
    client.force_login(personas.treating_physician)
    unknown_type = _outcome(client.get("/fhir/Spaceship"), 404)
    assert "Spaceship" in unknown_type["issue"][0]["diagnostics"]
    assert unknown_type["issue"][0]["code"] == "not-supported"
    _outcome(client.get("/fhir/Spaceship/1"), 404)
    _outcome(client.delete("/fhir/Spaceship/1"), 404)
    nowhere = _outcome(client.get(f"/fhir/Patient/{personas.patient.pk}/history/x"), 404)
    assert nowhere["issue"][0]["code"] == "not-found"
    client.logout()
    _outcome(client.get("/fhir/Spaceship"), 404)
    assert problems([unknown_type, nowhere]) == []


def test_a_condition_from_a_search_is_read_at_its_full_url(client, personas, case):
    signed_diagnosis(case)
    client.force_login(personas.treating_physician)
    (entry,) = client.get("/fhir/Condition").json()["entry"]
    path = entry["fullUrl"].removeprefix("http://testserver")
    read = client.get(path)
    assert read.status_code == 200 and read.json() == entry["resource"]
    event = AccessEvent.objects.filter(object_type="fhir_condition").latest("pk")
    assert (event.actor, event.patient, event.category, event.outcome) == (
        personas.treating_physician, personas.patient, Category.SICK_LEAVE, "allowed",
    )  # fmt: skip
    # Another code in the same case, and a case that is no one's, are not found.
    _outcome(client.get(f"/fhir/Condition/{case.pk}-M54-4"), 404)
    _outcome(client.get("/fhir/Condition/00000000-0000-0000-0000-000000000000-F32-1"), 404)
    _outcome(client.get("/fhir/Condition/F32-1"), 404)
    # An employer, even with the patient's consent to her capacity, never reads it.
    personas.with_consent(
        personas.employer, [Category.IDENTITY, Category.CAPACITY], Purpose.EMPLOYER_DIALOGUE
    )
    for reader in (personas.employer, personas.unrelated_physician):
        client.force_login(reader)
        refused = _outcome(client.get(path), 404)
        assert "F32" not in str(refused)
        assert AccessEvent.objects.filter(
            actor=reader, object_type="fhir_condition", outcome="denied"
        ).exists()
    assert problems([read.json()]) == []


def test_the_capability_statement_offers_the_condition_read(client):
    offered = {
        resource["type"]: {i["code"] for i in resource["interaction"]}
        for resource in client.get("/fhir/metadata").json()["rest"][0]["resource"]
    }
    assert offered["Condition"] == {"read", "search-type"}


def test_a_method_not_offered_is_a_405_with_allow(client, personas, case):
    signed_diagnosis(case)
    statement = client.get("/fhir/metadata").json()
    interactions = {
        resource["type"]: {i["code"] for i in resource["interaction"]}
        for resource in statement["rest"][0]["resource"]
    }
    # Nothing is created, updated or deleted by type: none of these is offered.
    assert not {"create", "update", "delete", "patch"} & set().union(*interactions.values())
    client.force_login(personas.treating_physician)
    condition = client.get("/fhir/Condition").json()["entry"][0]["resource"]["id"]
    asked = [
        client.post("/fhir/metadata"),
        client.post("/fhir/EpisodeOfCare", {}),
        client.put(f"/fhir/Condition/{condition}"),
        client.delete(f"/fhir/Patient/{personas.patient.pk}"),
        client.patch(f"/fhir/EpisodeOfCare/{case.pk}"),
    ]
    for answer in asked:
        body = _outcome(answer, 405)
        assert answer["Allow"] == "GET" and body["issue"][0]["code"] == "not-supported"
    assert problems([asked[0].json()]) == []


def test_fhir_xml_is_not_acceptable(client, personas, case):
    client.force_login(personas.treating_physician)
    xml = {"HTTP_ACCEPT": "application/fhir+xml"}
    for url in ("/fhir/metadata", "/fhir/Patient", f"/fhir/EpisodeOfCare/{case.pk}"):
        body = _outcome(client.get(url, **xml), 406)
        assert "application/fhir+xml" in body["issue"][0]["diagnostics"]
    _outcome(client.get("/fhir/Patient?_format=xml"), 406)
    # JSON, or anything at all (as a browser asks), is answered.
    assert client.get("/fhir/Patient", HTTP_ACCEPT=FHIR_JSON).status_code == 200
    assert client.get("/fhir/Patient?_format=json").status_code == 200
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert client.get("/fhir/metadata", HTTP_ACCEPT=browser).status_code == 200


def test_an_unsupported_search_parameter_is_left_out_or_refused_when_strict(client, personas, case):
    client.force_login(personas.treating_physician)
    lenient = client.get("/fhir/EpisodeOfCare?colour=blue&_count=5")
    assert lenient.status_code == 200
    links = {link["relation"]: link["url"] for link in lenient.json()["link"]}
    assert links["self"] == "http://testserver/fhir/EpisodeOfCare?_count=5"
    assert lenient.json()["total"] == 1
    strict = client.get("/fhir/EpisodeOfCare?colour=blue", HTTP_PREFER="handling=strict")
    body = _outcome(strict, 400)
    assert body["issue"][0]["expression"] == ["colour"]
    # Among other preferences, too; and what is supported passes under strict handling.
    both = client.get("/fhir/Patient?_summary=true", HTTP_PREFER="return=minimal, handling=strict")
    _outcome(both, 400)
    fine = client.get(f"/fhir/EpisodeOfCare?patient={personas.patient.pk}",
                      HTTP_PREFER="handling=strict")  # fmt: skip
    assert fine.status_code == 200 and fine.json()["total"] == 1
    assert problems([lenient.json(), body]) == []


def _export_job(personas, status) -> ExportJob:
    return ExportJob.objects.create(
        requested_by=personas.treating_physician,
        level="system",
        types=["Patient"],
        request_url="http://testserver/fhir/$export",
        site="http://testserver",
        status=status,
        progress="Patient written" if status == ExportStatus.RUNNING else "",
    )


def test_a_running_export_answers_202_with_a_body_and_its_progress(client, personas, case):
    client.force_login(personas.treating_physician)
    job = _export_job(personas, ExportStatus.RUNNING)
    url = f"/fhir/$export-status/{job.pk}"
    running = client.get(url)
    assert running.status_code == 202 and running["X-Progress"] == "Patient written"
    body = running.json()
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["severity"] == "information"
    assert problems([body]) == []
    accepted = client.get(f"/fhir/$export-status/{_export_job(personas, 'accepted').pk}")
    assert accepted.status_code == 202 and accepted["X-Progress"] == "accepted"
    assert accepted.json()["resourceType"] == "OperationOutcome"


def test_the_export_manifest_is_plain_json(client, personas, case):
    client.force_login(personas.treating_physician)
    job = _export_job(personas, ExportStatus.ACCEPTED)
    run_claimed(job.pk)
    done = client.get(f"/fhir/$export-status/{job.pk}")
    assert done.status_code == 200 and done["Content-Type"] == "application/json"
    assert done.json()["output"][0]["type"] == "Patient"
    cancelled = client.delete(f"/fhir/$export-status/{job.pk}")
    assert cancelled.status_code == 202
    assert cancelled.json()["resourceType"] == "OperationOutcome"


def test_unknown_api_addresses_answer_in_the_api_error_shape(client, personas):
    for answer in (
        client.get("/api/v1/spaceships"),
        client.post("/api/v1/spaceships/1", {}),
        client.get("/api/v1/cases/not/a/route"),
    ):
        assert answer.status_code == 404
        assert answer["Content-Type"].startswith("application/json")
        body = answer.json()
        assert body["code"] == "not_found" and body["message"]
    client.force_login(personas.treating_physician)
    assert client.get("/api/v1/spaceships").json()["code"] == "not_found"
