"""Patient carries its national identity number and is found by it (`identifier`) and by
`name`: among the patients the reader may read only, each one listed recorded."""

import json

from stegvis.access.categories import Category
from stegvis.audit.models import AccessEvent
from stegvis.cases.models import Case
from stegvis.fhir.resources import (
    FODSELSNUMMER,
    PERSONNUMMER,
    SAMORDNINGSNUMMER,
    STEGVIS,
)
from stegvis.network.purposes import Purpose
from tests.factories import patient_at
from tests.fhir_validation import problems


def _numbered(user, number: str, country: str = "SE", **names):
    user.set_national_id(number, country)
    for field, value in names.items():
        setattr(user, field, value)
    user.save()
    return user


def _ids(bundle: dict) -> list[str]:
    return [entry["resource"]["id"] for entry in bundle.get("entry", [])]


def test_a_patient_carries_their_national_identifier(client, personas, case):
    _numbered(personas.patient, "19121212-1212")
    client.force_login(personas.treating_physician)
    found = client.get(f"/fhir/Patient/{personas.patient.pk}").json()
    assert found["identifier"][0] == {
        "use": "official", "system": PERSONNUMMER, "value": "191212121212",
    }  # fmt: skip
    assert {"system": f"{STEGVIS}/patient", "value": str(personas.patient.pk)} in (
        found["identifier"]
    )
    # A samordningsnummer (day + 60) and a Norwegian fødselsnummer have their own systems.
    coordinated = _numbered(patient_at(personas.unit), "19701063-2391")
    norwegian = _numbered(patient_at(personas.unit), "15076500565", "NO")
    Case.objects.filter(patient__in=[coordinated, norwegian]).update(
        responsible_physician=personas.treating_physician
    )
    Case.objects.filter(patient=norwegian).update(jurisdiction="NO")
    by_id = {
        r["id"]: r for r in (e["resource"] for e in client.get("/fhir/Patient").json()["entry"])
    }
    assert by_id[str(coordinated.pk)]["identifier"][0]["system"] == SAMORDNINGSNUMMER
    assert by_id[str(norwegian.pk)]["identifier"][0] == {
        "use": "official", "system": FODSELSNUMMER, "value": "15076500565",
    }  # fmt: skip
    assert problems([found, *by_id.values()]) == []


def test_a_patient_is_found_by_their_personnummer_only_by_who_may_read_them(client, personas, case):
    _numbered(personas.patient, "19121212-1212")
    _numbered(personas.other_patient, "19701063-2391")
    client.force_login(personas.treating_physician)
    for token in (
        f"{PERSONNUMMER}|191212121212",
        f"{PERSONNUMMER}|19121212-1212",
        "191212121212",
        f"{STEGVIS}/patient|{personas.patient.pk}",
        f"{SAMORDNINGSNUMMER}|197010632391,{PERSONNUMMER}|191212121212",
    ):
        found = client.get("/fhir/Patient", {"identifier": token}).json()
        assert _ids(found) == [str(personas.patient.pk)] and found["total"] == 1, token
    # The system says which number it is: a personnummer is no samordningsnummer.
    assert (
        "entry"
        not in client.get(
            "/fhir/Patient", {"identifier": f"{SAMORDNINGSNUMMER}|191212121212"}
        ).json()
    )
    # The other unit's patient exists, but not for this reader.
    other = client.get("/fhir/Patient", {"identifier": f"{SAMORDNINGSNUMMER}|197010632391"})
    assert other.status_code == 200 and other.json()["total"] == 0
    listed = AccessEvent.objects.filter(object_type="fhir_patient_search", outcome="allowed")
    assert set(listed.values_list("patient", flat=True)) == {personas.patient.pk}
    assert not AccessEvent.objects.filter(patient=personas.other_patient, outcome="allowed")
    client.force_login(personas.unrelated_physician)
    assert "entry" not in client.get("/fhir/Patient", {"identifier": "191212121212"}).json()


def test_a_number_that_cannot_be_one_is_refused(client, personas, case):
    client.force_login(personas.treating_physician)
    bad = client.get("/fhir/Patient", {"identifier": f"{PERSONNUMMER}|19121212-1213"})
    assert bad.status_code == 400 and bad.json()["issue"][0]["expression"] == ["identifier"]
    assert problems([bad.json()]) == []


def test_a_search_by_form_keeps_the_number_out_of_the_address(client, personas, case):
    _numbered(personas.patient, "19121212-1212")
    client.force_login(personas.treating_physician)
    answer = client.post("/fhir/Patient/_search", {"identifier": "191212121212"})
    assert answer.status_code == 200 and _ids(answer.json()) == [str(personas.patient.pk)]
    # Nor in the links the answer gives (an address ends up in logs and histories).
    assert "191212121212" not in json.dumps(answer.json()["link"])
    get = client.get("/fhir/Patient", {"identifier": "191212121212", "name": "Pia"}).json()
    assert get["link"][0]["url"] == "http://testserver/fhir/Patient?name=Pia"
    assert client.get("/fhir/Patient/_search").status_code == 405


def test_a_patient_is_found_by_name(client, personas, case):
    personas.patient.family_name = "Åberg-Lind"
    personas.patient.save()
    others = [patient_at(personas.unit, given_name="Anna Karin", family_name="Berg")]
    Case.objects.filter(patient__in=others).update(
        responsible_physician=personas.treating_physician
    )
    client.force_login(personas.treating_physician)
    pia, anna = str(personas.patient.pk), str(others[0].pk)
    for name, expected in (
        ("pia", [pia]), ("Pia", [pia]), ("åb", [pia]), ("ÅBERG", [pia]), ("lind", [pia]),
        ("karin", [anna]), ("berg", [anna]), ("pia åberg", [pia]), ("pia berg", []),
        ("zed", []), ("pia,karin", [pia, anna]),
    ):  # fmt: skip
        found = client.get("/fhir/Patient", {"name": name}).json()
        assert sorted(_ids(found)) == sorted(expected), name
    client.force_login(personas.unrelated_physician)
    assert "entry" not in client.get("/fhir/Patient", {"name": "pia"}).json()
    refused_nothing_listed = AccessEvent.objects.filter(
        actor=personas.unrelated_physician, object_type="fhir_patient_search"
    )
    assert not refused_nothing_listed.exists()


def test_the_capability_statement_offers_the_patient_searches(client):
    statement = client.get("/fhir/metadata").json()
    (patient,) = [r for r in statement["rest"][0]["resource"] if r["type"] == "Patient"]
    params = {param["name"]: param["type"] for param in patient["searchParam"]}
    assert params["identifier"] == "token" and params["name"] == "string"
    assert problems([statement]) == []


def test_the_number_is_shown_and_searched_only_by_care_staff_and_the_insurance_agency(
    client, personas, case
):
    # Review finding: every Patient carried the number, to the employer and the unit
    # manager too, and a search by it would confirm a number they may not see.
    _numbered(personas.patient, "19121212-1212")
    personas.with_consent(personas.employer, [Category.IDENTITY], Purpose.EMPLOYER_DIALOGUE)
    client.force_login(personas.employer)
    seen = client.get(f"/fhir/Patient/{personas.patient.pk}").json()
    assert seen["resourceType"] == "Patient"
    assert [i["system"] for i in seen["identifier"]] == [f"{STEGVIS}/patient"]
    refused = client.get("/fhir/Patient", {"identifier": "191212121212"})
    assert refused.status_code == 400 and refused.json()["issue"][0]["expression"] == ["identifier"]
    # The patient sees their own number.
    client.force_login(personas.patient)
    own = client.get(f"/fhir/Patient/{personas.patient.pk}").json()
    assert own["identifier"][0]["value"] == "191212121212"
