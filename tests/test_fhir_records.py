"""The rest of the record over FHIR: observations, questionnaires and answers, tasks,
messages, the patient's own log, the PDFs and every kind of plan. Each decided by the
policy under its own category, so an employer's view holds no health data."""

import json
import re
from datetime import timedelta

from django.utils import timezone

from stegvis.audit.models import AccessEvent
from tests.fhir_validation import problems


def _everything(client, who, world) -> list[dict]:
    client.force_login(who)
    answer = client.get(f"/fhir/Patient/{world['patient_id']}/$everything")
    assert answer.status_code == 200
    return [entry["resource"] for entry in answer.json()["entry"]]


def _types(found) -> set[str]:
    return {resource["resourceType"] for resource in found}


def test_everything_validates_and_holds_what_each_reader_may_see(client, personas, world):
    physician = _everything(client, personas.treating_physician, world)
    patient = _everything(client, personas.patient, world)
    employer = _everything(client, personas.employer, world)
    assert problems(physician + patient + employer) == []
    assert {"Observation", "QuestionnaireResponse", "Condition", "Task", "CarePlan",
            "DocumentReference", "Appointment"} <= _types(physician)  # fmt: skip
    # The patient reads their own log, network and messages; staff do not reach those here.
    assert {"AuditEvent", "CareTeam", "Consent", "Communication"} <= _types(patient)
    assert not {"AuditEvent", "CareTeam", "Consent"} & _types(physician)
    # The employer: capacity-level only.
    assert not {"Condition", "QuestionnaireResponse", "Observation", "Task"} & _types(employer)
    plans = [r for r in employer if r["resourceType"] == "CarePlan"]
    assert all(p["category"][0]["coding"][0]["code"] != "mmr-program" for p in plans)
    text = json.dumps(employer)
    assert "F43.8A" not in text and "Utmattningssyndrom" not in text


def test_a_check_in_is_an_observation_and_a_score_derives_from_the_answers(client, personas, world):
    client.force_login(personas.treating_physician)
    found = client.get(f"/fhir/Observation?patient={world['patient_id']}").json()
    by_code = {e["resource"]["code"]["coding"][0]["code"]: e["resource"] for e in found["entry"]}
    checkin = by_code["check-in"]
    codes = {c["code"]["coding"][0]["code"] for c in checkin["component"]}
    assert "72514-3" in codes or "mood" in codes
    score = by_code["70274-6"]  # GAD-7's total, by LOINC
    assert score["valueInteger"] == 7
    response = score["derivedFrom"][0]["reference"]
    assert response == f"QuestionnaireResponse/{world['answered_id']}"
    read = client.get(f"/fhir/{response}")
    assert read.status_code == 200 and len(read.json()["item"]) == 7
    event = AccessEvent.objects.filter(object_type="fhir_questionnaireresponse").latest("pk")
    assert (event.actor, event.category, event.outcome) == (
        personas.treating_physician, "questionnaires", "allowed",
    )  # fmt: skip


def test_last_updated_narrows_a_search_and_bad_values_are_refused(client, personas, world):
    client.force_login(personas.treating_physician)
    today = timezone.localdate()
    url = f"/fhir/Observation?patient={world['patient_id']}&_lastUpdated="
    assert client.get(f"{url}ge{today - timedelta(days=1)}").json()["total"] >= 2
    assert client.get(f"{url}gt{today + timedelta(days=1)}").json()["total"] == 0
    window = f"{url}ge{today - timedelta(days=1)}&_lastUpdated=lt{today - timedelta(days=1)}"
    assert client.get(window).json()["total"] == 0
    bad = client.get(f"{url}soon")
    assert bad.status_code == 400 and bad.json()["issue"][0]["expression"] == ["_lastUpdated"]
    # A case records no time of change: the search leaves it out, and says so in its self
    # link (FHIR's lenient default), or refuses it when the client asks for strictness.
    lenient = client.get(f"/fhir/EpisodeOfCare?_lastUpdated=ge{today}")
    assert lenient.status_code == 200 and "_lastUpdated" not in lenient.json()["link"][0]["url"]
    strict = client.get(f"/fhir/EpisodeOfCare?_lastUpdated=ge{today}",
                        HTTP_PREFER="handling=strict")  # fmt: skip
    assert strict.status_code == 400 and strict.json()["issue"][0]["expression"] == ["_lastUpdated"]


def test_the_access_log_is_the_patients_own(client, personas, world):
    client.force_login(personas.patient)
    own = client.get("/fhir/AuditEvent?_count=5").json()
    assert own["total"] > 0 and len(own["entry"]) == 5
    assert all(
        e["resource"]["entity"][0]["what"]["reference"] == f"Patient/{world['patient_id']}"
        for e in own["entry"]
    )
    client.force_login(personas.treating_physician)
    assert client.get("/fhir/AuditEvent").json()["total"] == 0
    first = own["entry"][0]["resource"]["id"]
    assert client.get(f"/fhir/AuditEvent/{first}").status_code == 404


def test_questionnaires_are_read_in_the_readers_language(client, personas, world):
    client.force_login(personas.treating_physician)
    english = client.get("/fhir/Questionnaire/phq9-1", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["resourceType"] == "Questionnaire" and len(english["item"]) == 9
    assert english["item"][0]["answerOption"][0]["valueCoding"]["code"] == "0"
    found = client.get(
        "/fhir/Questionnaire?url=https://stegvis.se/fhir/Questionnaire/gad7|1"
    ).json()
    assert [e["resource"]["id"] for e in found["entry"]] == ["gad7-1"]
    assert client.get("/fhir/Questionnaire/nothing-1").status_code == 404


def test_tasks_and_messages_follow_the_pages_rules(client, personas, world):
    client.force_login(personas.treating_physician)
    tasks = client.get("/fhir/Task").json()
    assert str(world["task_id"]) in {e["resource"]["id"] for e in tasks["entry"]}
    # Messages: only the threads one takes part in, as on the messages page.
    assert client.get("/fhir/Communication").json()["total"] == 0
    client.force_login(personas.coordinator)
    messages = client.get("/fhir/Communication").json()
    assert messages["total"] == 1
    assert messages["entry"][0]["resource"]["payload"][0]["contentString"]


def test_a_document_reference_points_at_the_pdf_through_the_same_door(client, personas, world):
    client.force_login(personas.treating_physician)
    (entry,) = client.get("/fhir/DocumentReference").json()["entry"]
    url = entry["resource"]["content"][0]["attachment"]["url"]
    pdf = client.get(url.replace("http://testserver", ""))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    client.force_login(personas.unrelated_physician)
    assert client.get(url.replace("http://testserver", "")).status_code == 404


def test_the_program_is_a_care_plan_with_the_participants_goals(client, personas, world):
    client.force_login(personas.patient)
    plans = client.get("/fhir/CarePlan").json()["entry"]
    kinds = {p["resource"]["category"][0]["coding"][0]["code"]: p["resource"] for p in plans}
    assert {"rtw-plan", "mmr-program"} <= set(kinds)
    program = kinds["mmr-program"]
    assert program["id"] == f"mmr-{world['referral_id']}"
    assert client.get(f"/fhir/CarePlan/{program['id']}").status_code == 200


def _pages_of(client, url) -> list[dict]:
    """Every page of a Bundle, following its `next` links."""
    pages = []
    while url:
        assert len(pages) < 200, "the next links never end"
        answer = client.get(url)
        assert answer.status_code == 200, answer.content
        pages.append(answer.json())
        url = next((link["url"] for link in pages[-1]["link"] if link["relation"] == "next"), "")
    return pages


def test_everything_pages_with_count_and_the_pages_hold_the_whole(client, personas, world):
    whole = _everything(client, personas.treating_physician, world)
    url = f"/fhir/Patient/{world['patient_id']}/$everything?_count=3"
    pages = _pages_of(client, url)
    paged = [entry["resource"] for page in pages for entry in page["entry"]]
    assert len(pages) > 2 and all(len(page["entry"]) <= 3 for page in pages)
    assert [(r["resourceType"], r["id"]) for r in paged] == [
        (r["resourceType"], r["id"]) for r in whole
    ]
    assert paged[0]["resourceType"] == "Patient"
    assert "_offset=3" in pages[0]["link"][1]["url"]  # self, then next
    assert problems(pages) == []


def test_the_patients_own_pages_end_though_each_reading_adds_to_her_log(client, personas, world):
    """Each page the patient reads is recorded on her access log, which is one of the kinds
    her $everything holds: the pages show the log as it was at the first page, so they end
    and hold no row twice."""
    client.force_login(personas.patient)
    url = f"/fhir/Patient/{world['patient_id']}/$everything?_count=2"
    pages = _pages_of(client, url)
    found = [
        (e["resource"]["resourceType"], e["resource"]["id"]) for p in pages for e in p["entry"]
    ]
    assert len(found) == len(set(found)) and ("AuditEvent" in {kind for kind, _id in found})
    assert "_snapshot=" in pages[0]["link"][1]["url"]
    bad = client.get(url + "&_snapshot=soon")
    assert bad.status_code == 400 and bad.json()["issue"][0]["expression"] == ["_snapshot"]


def test_a_page_of_everything_records_only_what_it_shows(client, personas, world):
    client.force_login(personas.treating_physician)
    before = AccessEvent.objects.count()
    answer = client.get(f"/fhir/Patient/{world['patient_id']}/$everything?_count=1")
    (entry,) = answer.json()["entry"]
    assert entry["resource"]["resourceType"] == "Patient"
    recorded = AccessEvent.objects.order_by("pk")[before:]
    assert {(e.category, e.object_type) for e in recorded} == {("identity", "fhir_everything")}


def test_everything_since_leaves_out_what_has_not_changed(client, personas, world):
    client.force_login(personas.treating_physician)
    url = f"/fhir/Patient/{world['patient_id']}/$everything"
    whole = client.get(url).json()["entry"]
    later = (timezone.now() + timedelta(hours=1)).isoformat()
    since = client.get(url, {"_since": later}).json()["entry"]
    types = [entry["resource"]["resourceType"] for entry in since]
    # Nothing with a time of change is that new; what keeps none (the case, a meeting) and
    # the Patient stay, so a client merging by id loses nothing.
    assert "Patient" in types and "EpisodeOfCare" in types and "Appointment" in types
    assert not {"Observation", "QuestionnaireResponse", "Condition", "Task"} & set(types)
    earlier = (timezone.now() - timedelta(days=400)).isoformat()
    assert len(client.get(url, {"_since": earlier}).json()["entry"]) == len(whole)


def test_everything_refuses_bad_paging_and_since_as_operation_outcomes(client, personas, world):
    client.force_login(personas.treating_physician)
    url = f"/fhir/Patient/{world['patient_id']}/$everything"
    for params, expression in (({"_since": "yesterday"}, "_since"), ({"_count": "many"}, "_count"),
                               ({"_count": "-1"}, "_count")):  # fmt: skip
        answer = client.get(url, params)
        assert answer.status_code == 400, params
        assert answer.json()["resourceType"] == "OperationOutcome"
        assert answer.json()["issue"][0]["expression"] == [expression]


def test_everything_asks_the_policy_once_whatever_the_kinds(client, personas, world):
    """Seventeen kinds in eleven categories: the reader remembers each category's decision,
    and the categories, differing only in which memberships' ceilings hold them, share the
    one query of the physician's care relationships with the patient."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(personas.treating_physician)
    url = f"/fhir/Patient/{world['patient_id']}/$everything"
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    # The policy's own care query, as a statement (a kind's rows may hold it as a subquery).
    deciding = [
        q for q in captured if re.match(r"\(?SELECT \S+ AS \S+, \S+ AS \S+, 'care:named'", q["sql"])
    ]
    assert len(deciding) == 1
