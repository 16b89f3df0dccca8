"""The FHIR R4 read API: the same door as the pages and /api/v1, errors as
OperationOutcomes, an employer never reads a diagnosis."""

import json
from datetime import timedelta

from django.utils import timezone

from stegvis.access.categories import Category
from stegvis.accounts.models import PersonalAccessToken, hash_token
from stegvis.audit.models import AccessEvent
from stegvis.network.purposes import Purpose
from tests.factories import patient_at
from tests.support import signed_diagnosis

FHIR_JSON = "application/fhir+json"


def test_the_capability_statement_is_open_and_r4(client):
    answer = client.get("/fhir/metadata")
    assert answer.status_code == 200 and answer["Content-Type"].startswith(FHIR_JSON)
    body = answer.json()
    assert body["resourceType"] == "CapabilityStatement" and body["fhirVersion"] == "4.0.1"
    offered = {r["type"] for r in body["rest"][0]["resource"]}
    assert {"Patient", "EpisodeOfCare", "Condition"} <= offered


def test_a_patient_read_is_decided_and_recorded(client, personas, case):
    client.force_login(personas.treating_physician)
    body = client.get(f"/fhir/Patient/{personas.patient.pk}").json()
    assert body["resourceType"] == "Patient" and body["id"] == str(personas.patient.pk)
    assert body["name"][0]["given"] == ["Pia"]
    event = AccessEvent.objects.filter(object_type="fhir_patient").latest("pk")
    assert (event.actor, event.patient, event.outcome) == (
        personas.treating_physician, personas.patient, "allowed",
    )  # fmt: skip


def test_refusals_and_bad_parameters_are_operation_outcomes(client, personas, case):
    assert client.get("/fhir/Patient").status_code == 401
    assert client.get("/fhir/Patient").json()["resourceType"] == "OperationOutcome"
    client.force_login(personas.unrelated_physician)
    refused = client.get(f"/fhir/Patient/{personas.patient.pk}")
    assert refused.status_code == 404
    assert refused.json()["issue"][0]["code"] == "not-found"
    assert AccessEvent.objects.filter(
        actor=personas.unrelated_physician, outcome="denied", patient=personas.patient
    ).exists()
    bad = client.get("/fhir/Patient?_count=lots")
    assert bad.status_code == 400 and bad.json()["issue"][0]["expression"] == ["_count"]
    assert client.get("/fhir/Patient?_count=101").status_code == 400


def test_a_personal_access_token_reads_its_owners_record(client, personas, case):
    PersonalAccessToken.objects.create(
        user=personas.patient,
        name="Min app",
        token_hash=hash_token("fhir-test-token"),
        expires_at=timezone.now() + timedelta(days=1),
    )
    answer = client.get("/fhir/EpisodeOfCare", HTTP_AUTHORIZATION="Bearer fhir-test-token")
    assert answer.status_code == 200
    (entry,) = answer.json()["entry"]
    assert entry["resource"]["id"] == str(case.pk)
    assert entry["resource"]["patient"]["reference"] == f"Patient/{personas.patient.pk}"
    wrong = client.get("/fhir/EpisodeOfCare", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert wrong.status_code == 401


def test_an_employer_reads_the_episode_but_never_a_diagnosis(client, personas, case):
    signed_diagnosis(case)
    personas.with_consent(
        personas.employer, [Category.IDENTITY, Category.CAPACITY], Purpose.EMPLOYER_DIALOGUE
    )
    client.force_login(personas.treating_physician)
    conditions = client.get(f"/fhir/Condition?patient={personas.patient.pk}").json()
    (entry,) = conditions["entry"]
    coding = entry["resource"]["code"]["coding"][0]
    assert (coding["code"], coding["system"]) == (
        "F32.1",
        "http://hl7.se/fhir/CodeSystem/icd-10-se",
    )
    client.force_login(personas.employer)
    assert client.get(f"/fhir/EpisodeOfCare/{case.pk}").status_code == 200
    seen = [
        client.get(f"/fhir/Condition?patient={personas.patient.pk}").json(),
        client.get("/fhir/EpisodeOfCare").json(),
        client.get(f"/fhir/Patient/{personas.patient.pk}").json(),
    ]
    assert (seen[0]["total"] == 0 and "entry" not in seen[0]) or seen[0]["entry"] == []
    assert "F32" not in json.dumps(seen) and "Depression" not in json.dumps(seen)


def test_searches_page_with_a_next_link(client, personas, case):
    for _each in range(3):
        other = patient_at(personas.unit)
        other.cases.update(responsible_physician=personas.treating_physician)
    client.force_login(personas.treating_physician)
    first = client.get("/fhir/Patient?_count=2").json()
    assert first["type"] == "searchset" and first["total"] == 4 and len(first["entry"]) == 2
    following = dict((link["relation"], link["url"]) for link in first["link"])["next"]
    second = client.get(following.replace("http://testserver", "")).json()
    assert len(second["entry"]) == 2
    assert {e["resource"]["id"] for e in first["entry"]}.isdisjoint(
        {e["resource"]["id"] for e in second["entry"]}
    )


def test_every_resource_emitted_validates_against_r4(client, personas, case):
    from tests.fhir_validation import problems

    signed_diagnosis(case)
    client.force_login(personas.treating_physician)
    emitted = [
        client.get("/fhir/metadata").json(),
        client.get(f"/fhir/Patient/{personas.patient.pk}").json(),
        client.get(f"/fhir/EpisodeOfCare/{case.pk}").json(),
        client.get("/fhir/Patient").json(),
        client.get(f"/fhir/EpisodeOfCare?patient={personas.patient.pk}").json(),
        client.get(f"/fhir/Condition?patient={personas.patient.pk}").json(),
        client.get("/fhir/Condition?patient=nobody").json(),  # an OperationOutcome
        client.get("/fhir/Patient?_count=0").json(),  # a searchset without entries
    ]
    assert {r["resourceType"] for r in emitted} == {
        "CapabilityStatement", "Patient", "EpisodeOfCare", "Bundle", "OperationOutcome",
    }  # fmt: skip
    assert problems(emitted) == []
    # The validator is not a formality: it finds what is wrong.
    broken = {**emitted[2], "status": "paused", "unknown": 1}
    assert len(problems([broken])) == 2


def test_the_plan_is_a_care_plan_with_its_goals_and_actions(client, personas, case):
    from stegvis.plans.selectors import plan_of
    from stegvis.plans.services import plan_save_section

    plan_save_section(actor=personas.patient, plan=plan_of(case), section="goals",
                      value=["Tillbaka till bageriet"], base_version=0)  # fmt: skip
    action = {"text": "Ring chefen", "due_on": "2026-12-10"}
    plan_save_section(actor=personas.patient, plan=plan_of(case), section="actions",
                      value=[action], base_version=1)  # fmt: skip
    client.force_login(personas.patient)
    (entry,) = client.get("/fhir/CarePlan").json()["entry"]
    found = entry["resource"]
    assert found["intent"] == "plan" and found["status"] == "active"
    assert found["contained"][0]["description"]["text"] == "Tillbaka till bageriet"
    assert found["goal"] == [{"reference": "#goal-0"}]
    assert found["activity"][0]["detail"] == {
        "status": "not-started", "description": "Ring chefen",
        "scheduledPeriod": {"end": "2026-12-10"},
    }  # fmt: skip
    from tests.fhir_validation import problems

    assert problems([found]) == []
    assert client.get(f"/fhir/CarePlan/{found['id']}").json()["id"] == found["id"]
    client.force_login(personas.unrelated_physician)
    assert client.get(f"/fhir/CarePlan/{found['id']}").status_code == 404
    assert client.get("/fhir/CarePlan/not-a-plan").status_code == 404


def test_everything_is_what_the_reader_may_see_of_the_patient(client, personas, case):
    from tests.fhir_validation import problems

    signed_diagnosis(case)
    personas.with_consent(
        personas.employer, [Category.IDENTITY, Category.CAPACITY], Purpose.EMPLOYER_DIALOGUE
    )
    url = f"/fhir/Patient/{personas.patient.pk}/$everything"
    client.force_login(personas.treating_physician)
    physician = client.get(url).json()
    kinds = sorted(e["resource"]["resourceType"] for e in physician["entry"])
    assert kinds == ["Condition", "EpisodeOfCare", "Patient"]
    client.force_login(personas.employer)
    employer = client.get(url).json()
    kinds = sorted(e["resource"]["resourceType"] for e in employer["entry"])
    assert kinds == ["EpisodeOfCare", "Patient"] and "F32" not in json.dumps(employer)
    assert problems([physician, employer]) == []
    client.force_login(personas.unrelated_physician)
    assert client.get(url).status_code == 404


def test_the_network_and_consents_are_the_patients_own(client, personas, case):
    from tests.fhir_validation import problems

    personas.with_consent(personas.employer, [Category.CAPACITY], Purpose.EMPLOYER_DIALOGUE)
    client.force_login(personas.patient)
    team = client.get("/fhir/CareTeam").json()["entry"][0]["resource"]
    (member,) = team["participant"]
    assert member["member"]["display"] == str(personas.employer)
    consents = client.get(f"/fhir/Consent?patient=Patient/{personas.patient.pk}").json()
    (consent,) = [e["resource"] for e in consents["entry"]]
    assert consent["status"] == "active"
    assert consent["provision"]["code"][0]["coding"][0]["code"] == "capacity"
    assert consent["provision"]["purpose"][0]["code"] == Purpose.EMPLOYER_DIALOGUE
    assert problems([team, consent]) == []
    # Others who know the patient find none of it: a search holds what the reader may see.
    for other in (personas.treating_physician, personas.employer):
        client.force_login(other)
        for kind in ("Consent", "CareTeam"):
            found = client.get(f"/fhir/{kind}?patient={personas.patient.pk}").json()
            # (the employer here may not even know the patient by name: a 404)
            assert found.get("total") == 0 or found["resourceType"] == "OperationOutcome"
            assert "entry" not in found
        assert client.get(f"/fhir/{team['resourceType']}/{team['id']}").status_code == 404
        assert client.get(f"/fhir/Consent/{consent['id']}").status_code == 404


def test_meetings_are_appointments_with_the_patient_among_the_participants(client, personas, case):
    from stegvis.access.helpers import get_case_for
    from stegvis.coordination.meetings.services import meeting_schedule
    from tests.fhir_validation import problems

    meeting_schedule(
        actor=personas.coordinator,
        case=get_case_for(personas.coordinator, case.pk, category=Category.MEETINGS),
        kind="sip",
        starts_at=timezone.now() + timedelta(days=3),
        participants=[personas.treating_physician],
    )
    client.force_login(personas.patient)
    (entry,) = client.get("/fhir/Appointment").json()["entry"]
    found = entry["resource"]
    assert found["status"] == "booked" and found["minutesDuration"] == 60
    actors = [p["actor"] for p in found["participant"]]
    assert {"reference": f"Patient/{personas.patient.pk}"} in actors
    assert problems([found]) == []
    client.force_login(personas.unrelated_physician)
    assert "entry" not in client.get("/fhir/Appointment").json()


def test_a_condition_search_takes_the_same_queries_for_one_case_or_many(client, personas, case):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/fhir/Condition").status_code == 200
        return len(captured)

    signed_diagnosis(case)
    client.force_login(personas.treating_physician)
    one = queries()
    for _each in range(3):
        other = patient_at(personas.unit).cases.get()
        other.responsible_physician = personas.treating_physician
        other.save()
        signed_diagnosis(other, code="M54.4", text="Ryggvärk")
    assert len(client.get("/fhir/Condition").json()["entry"]) == 4
    assert queries() == one
