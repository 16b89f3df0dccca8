# ruff: noqa: E501
"""Certificates other systems issued, taken in at a unit (docs/agency-messages.md): every
published example that the agencies accept is taken in, every one they refuse is refused
naming its rule, and nothing a refused message carries is written.

Reads the agencies' published examples in ../shared/schemas as test data; the tests fail,
never skip, when it is missing."""

import json
import threading
from datetime import date
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from stegvis.agency.importing import receive
from stegvis.agency.models import ImportedCertificate, UnitIntegration
from stegvis.agency.validation import MAX_MESSAGE_BYTES
from stegvis.audit.models import AccessEvent
from stegvis.cases.models import Case, Certificate
from stegvis.notifications.models import Notification
from tests.factories import OrganisationFactory, UserFactory, member, patient_at

SHARED = Path(__file__).resolve().parents[2] / "shared" / "schemas"
SE_EXAMPLES = SHARED / "se-intyg" / "examples"
NO_EXAMPLES = SHARED / "no-nav" / "examples"

# Some published examples carry 192703104321, whose check digit is wrong (its own
# refusal, tested below); the others are taken in for a valid test number in its place.
BAD_CHECKSUM = b"192703104321"
VALID_NUMBER = b"191212121212"
# The examples' unit, patient and (Norway) senders.
SE_UNIT_HSA = "123456789"
SE_COORDINATION_NUMBER = "198001910002"


def examples(folder: Path, pattern: str) -> list[Path]:
    found = sorted(folder.glob(pattern))
    assert found, f"The agencies' published examples are missing: {folder} (see README)"
    return found


def swedish(path: Path) -> bytes:
    return path.read_bytes().replace(BAD_CHECKSUM, VALID_NUMBER)


@pytest.fixture
def se_unit(db):
    unit = OrganisationFactory(name="Vårdcentralen Exempel", hsa_id=SE_UNIT_HSA)
    for number in (VALID_NUMBER.decode(), SE_COORDINATION_NUMBER):
        patient = member(UserFactory(), unit, "patient")
        patient.set_national_id(number, "SE")
        patient.save()
    return unit


def no_unit(her_id: str, patient_number: str):
    unit = OrganisationFactory(name="Legekontoret", her_id=her_id, jurisdiction="NO")
    patient = member(UserFactory(), unit, "patient")
    patient.set_national_id(patient_number, "NO")
    patient.save()
    return unit


def nothing_written() -> bool:
    return not (
        ImportedCertificate.objects.exists()
        or Certificate.objects.exists()
        or Case.objects.exists()
        or AccessEvent.objects.filter(basis="received_from_system").exists()
    )


@pytest.mark.parametrize("path", examples(SE_EXAMPLES, "pass-*.xml"), ids=lambda p: p.name)
def test_every_valid_published_lisjp_is_taken_in(se_unit, path):
    received = receive(se_unit, swedish(path), via="test")
    assert received.accepted, received.refused
    certificate = Certificate.objects.get(pk=received.certificate_id)
    assert certificate.is_signed and certificate.signed_by is None
    assert certificate.case.organisation == se_unit
    assert certificate.diagnoses.exists() and certificate.periods.exists()
    imported = certificate.imported
    assert (imported.issuer_name, imported.issuer_unit) == ("Karl Karlsson", "VE1")


@pytest.mark.parametrize("path", examples(SE_EXAMPLES, "fail-*.xml"), ids=lambda p: p.name)
def test_every_failing_published_lisjp_is_refused_naming_its_rule_and_writes_nothing(se_unit, path):
    received = receive(se_unit, swedish(path), via="test")
    assert not received.accepted
    assert all(p.rule and p.message for p in received.refused)
    assert nothing_written()


def test_a_refusal_names_the_schematron_assertion(se_unit):
    received = receive(
        se_unit, swedish(SE_EXAMPLES / "fail-diagnoskodMerAnFemTecken.xml"), via="test"
    )
    assert [p.as_dict() for p in received.refused] == [
        {"rule": "q6.2", "message": "Diagnoskod får inte vara längre än 5 tecken."}
    ]


def test_a_number_with_a_wrong_check_digit_is_its_own_refusal(se_unit):
    received = receive(se_unit, (SE_EXAMPLES / "pass-minimal.xml").read_bytes(), via="test")
    assert [p.rule for p in received.refused] == ["patient-id"]
    assert nothing_written()


def test_a_lisjp_becomes_the_patients_certificate_with_its_content_and_deadlines(se_unit):
    with time_machine.travel("2015-12-08 10:00 +01:00"):
        received = receive(se_unit, swedish(SE_EXAMPLES / "pass-minimal.xml"), via="test")
    certificate = Certificate.objects.get(pk=received.certificate_id)
    assert [(d.system, d.code, d.text) for d in certificate.diagnoses.all()] == [
        ("icd10", "S47", "Klämskada skuldra")
    ]
    assert [(p.degree, p.starts_on, p.ends_on) for p in certificate.periods.all()] == [
        (75, date(2015, 12, 7), date(2015, 12, 10))
    ]
    assert (certificate.occupation, certificate.occupation_text) == ("current_job", "Smed")
    case = certificate.case
    assert case.sick_from == date(2015, 12, 7)
    assert case.next_deadline_code  # the rehabilitation chain's next duty, from its periods
    patient = case.patient
    # The patient is told, and the receipt is on their log, named by the unit.
    assert Notification.objects.filter(recipient=patient, kind="certificate_received").count() == 1
    events = AccessEvent.objects.filter(patient=patient, basis="received_from_system")
    # The case it opened and the certificate, named by the unit that received them.
    assert {(e.actor_id, e.actor_organisation, e.object_type, e.object_id) for e in events} == {
        (None, se_unit, "case", str(case.pk)), (None, se_unit, "certificate", str(certificate.pk))
    }  # fmt: skip


def test_a_resend_changes_nothing_and_the_same_id_with_other_content_is_refused(se_unit):
    data = swedish(SE_EXAMPLES / "pass-minimal.xml")
    first = receive(se_unit, data, via="test")
    again = receive(se_unit, data, via="test")
    assert again.accepted and again.already_received
    assert (again.case_id, again.certificate_id) == (first.case_id, first.certificate_id)
    assert Certificate.objects.count() == 1
    assert AccessEvent.objects.filter(basis="received_from_system").count() == 2  # case, cert
    other = receive(se_unit, swedish(SE_EXAMPLES / "pass-samordning.xml"), via="test")
    assert [p.rule for p in other.refused] == ["duplicate-id"]


def test_a_certificate_extends_the_open_case_at_the_unit(se_unit):
    patient = se_unit.memberships.filter(role="patient").first().user
    open_case = Case.objects.create(
        patient=patient, organisation=se_unit, sick_from=date(2015, 11, 30)
    )
    number = patient.get_national_id().number.encode()
    received = receive(
        se_unit,
        (SE_EXAMPLES / "pass-minimal.xml").read_bytes().replace(BAD_CHECKSUM, number),
        via="test",
    )
    assert received.case_id == str(open_case.pk)
    open_case.refresh_from_db()
    assert open_case.sick_from == date(2015, 11, 30)


def test_another_unit_or_an_unregistered_patient_is_refused(se_unit, db):
    other = OrganisationFactory(name="Vårdcentralen Annan", hsa_id="SE999")
    stranger = receive(other, swedish(SE_EXAMPLES / "pass-minimal.xml"), via="test")
    assert [p.rule for p in stranger.refused] == ["unit"]
    # The message names this unit, but the patient is registered elsewhere.
    elsewhere = OrganisationFactory(name="Vårdcentralen Tom", hsa_id=SE_UNIT_HSA + "0")
    patient_at(elsewhere, email="elsewhere@example.org")
    data = swedish(SE_EXAMPLES / "pass-minimal.xml").replace(
        SE_UNIT_HSA.encode() + b"</ns3:extension>", SE_UNIT_HSA.encode() + b"0</ns3:extension>"
    )
    assert [p.rule for p in receive(elsewhere, data, via="test").refused] == ["patient"]
    assert not ImportedCertificate.objects.exists() and not Certificate.objects.exists()


# What each of Nav's published sykmeldinger becomes, sent by its unit (HER-id) about its
# patient: periods (degree, activity), employer, diagnosis.
NAV_EXAMPLES = {
    "SM2013_normal.xml": ("431001118", "19039702498", [(40, "graded")], "one", "Thon Hotels", "L84"),
    "SM2013_7uker.xml": ("148985", "16030052262", [(100, "no_activity")], "one", "Thon Hotels", "L83"),
    "SM2013_forenklet.xml": ("148985", "18039802631", [(50, "graded")], "one", "Thon Hotels", "F72"),
    "SM2013_uten_arbeidsgiver.xml": ("431001118", "19039702498", [(25, "graded")], "none", "", "L84"),
    "SM2013_Pafolgende_17uker.xml": ("148985", "17039902028", [(100, "no_activity")], "one", "Thon Hotels", "P02"),
}  # fmt: skip


@pytest.mark.parametrize("name", NAV_EXAMPLES)
def test_every_published_sykmelding_is_taken_in_with_its_periods_grading_diagnosis_and_employer(
    db, name
):
    her_id, patient_number, periods, employer, employer_name, code = NAV_EXAMPLES[name]
    unit = no_unit(her_id, patient_number)
    received = receive(unit, (NO_EXAMPLES / name).read_bytes(), via="test")
    assert received.accepted, received.refused
    certificate = Certificate.objects.get(pk=received.certificate_id)
    assert certificate.kind == "no_sykmelding"
    assert [(p.degree, p.activity) for p in certificate.periods.all()] == periods
    assert (certificate.no_employer, certificate.no_employer_name) == (employer, employer_name)
    assert certificate.diagnoses.first().code == code
    assert certificate.case.jurisdiction == "NO"
    assert certificate.case.sick_from is not None


def test_a_swedish_unit_takes_no_sykmelding(se_unit):
    received = receive(se_unit, (NO_EXAMPLES / "SM2013_normal.xml").read_bytes(), via="test")
    assert [p.rule for p in received.refused] == ["format"]


BAD_INPUT = {
    "not xml": b"certificate, please",
    "entity expansion": b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xxxxxxxx"><!ENTITY y "&x;&x;&x;&x;">]><a>&y;</a>',
    "external entity": b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]><a>&e;</a>',
    "wrong namespace": b"<RegisterCertificate xmlns='urn:riv:clinicalprocess:healthcond:certificate:RegisterCertificateResponder:2'/>",
    "too large": b"<a>" + b"x" * MAX_MESSAGE_BYTES + b"</a>",
    "empty": b"",
}


@pytest.mark.parametrize("name", BAD_INPUT)
def test_bad_input_is_a_named_refusal_that_writes_nothing(se_unit, name):
    received = receive(se_unit, BAD_INPUT[name], via="test")
    assert not received.accepted
    assert received.refused[0].rule in ("xml", "doctype", "namespace", "size")
    assert nothing_written()


# -- The command and the API ------------------------------------------------------------


def test_the_command_prints_a_json_line_per_file_and_fails_if_any_was_refused(
    se_unit, tmp_path, capsys
):
    good = tmp_path / "good.xml"
    good.write_bytes(swedish(SE_EXAMPLES / "pass-minimal.xml"))
    bad = SE_EXAMPLES / "fail-diagnosSaknas.xml"
    with pytest.raises(CommandError, match="1 of 2 refused"):
        call_command("agency", "import", "--unit", SE_UNIT_HSA, str(good), str(bad))
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines[0]["file"] == str(good) and lines[0]["accepted"] is True
    assert lines[0]["certificate"] == str(Certificate.objects.get().pk)
    assert lines[1]["accepted"] is False and lines[1]["refused"][0]["rule"]
    call_command("agency", "import", "--unit", SE_UNIT_HSA, str(good))
    assert json.loads(capsys.readouterr().out)["already_received"] is True


def test_a_50_mb_file_is_refused_without_reading_it_whole(se_unit, tmp_path, capsys):
    huge = tmp_path / "huge.xml"
    with huge.open("wb") as file:
        file.truncate(50 * 1024 * 1024)
    with pytest.raises(CommandError):
        call_command("agency", "import", "--unit", SE_UNIT_HSA, str(huge))
    assert json.loads(capsys.readouterr().out)["refused"][0]["rule"] == "size"


def integration_token(unit) -> str:
    return UnitIntegration.issue(organisation=unit, name="Journal system")[1]


def post(token: str | None, body: bytes):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return Client().post("/api/v1/agency/messages", body, content_type="application/xml", **headers)


def test_the_api_takes_a_message_with_the_units_token_once(se_unit):
    token = integration_token(se_unit)
    data = swedish(SE_EXAMPLES / "pass-minimal.xml")
    first = post(token, data)
    assert first.status_code == 201, first.content
    assert first.json()["certificate"] == str(Certificate.objects.get().pk)
    again = post(token, data)
    assert again.status_code == 200 and again.json()["already_received"] is True
    assert ImportedCertificate.objects.get().received_via == "Journal system"


def test_the_api_refuses_with_every_rule_named(se_unit):
    response = post(
        integration_token(se_unit), swedish(SE_EXAMPLES / "fail-diagnoskodMerAnFemTecken.xml")
    )
    assert response.status_code == 422
    assert response.json()["code"] == "refused"
    assert response.json()["refused"] == [
        {"rule": "q6.2", "message": "Diagnoskod får inte vara längre än 5 tecken."}
    ]


def test_the_api_refuses_without_a_units_token_or_with_a_revoked_one(se_unit, personas):
    data = swedish(SE_EXAMPLES / "pass-minimal.xml")
    assert post(None, data).status_code == 401
    # A person's own token speaks for no unit's record system.
    client = Client()
    client.force_login(personas.treating_physician)
    assert (
        client.post("/api/v1/agency/messages", data, content_type="application/xml").status_code
        == 401
    )
    token = integration_token(se_unit)
    UnitIntegration.objects.update(revoked_at="2026-01-01T00:00:00Z")
    assert post(token, data).status_code == 401
    assert not ImportedCertificate.objects.exists()


def test_another_units_token_cannot_deliver_for_this_unit(se_unit):
    other = OrganisationFactory(name="Vårdcentralen Annan", hsa_id="SE999")
    response = post(integration_token(other), swedish(SE_EXAMPLES / "pass-minimal.xml"))
    assert response.status_code == 422 and response.json()["refused"][0]["rule"] == "unit"
    assert not ImportedCertificate.objects.exists()


def test_a_body_over_the_upload_limit_is_refused_without_a_500(se_unit):
    response = post(integration_token(se_unit), b"<a>" + b"x" * (50 * 1024 * 1024) + b"</a>")
    assert (response.status_code, response.json()["code"]) == (413, "request_too_large")
    # Under the upload limit but over a message's: refused by the message's own limit.
    response = post(integration_token(se_unit), b"<a>" + b"x" * (2 * MAX_MESSAGE_BYTES) + b"</a>")
    assert response.status_code == 422 and response.json()["refused"][0]["rule"] == "size"
    assert not ImportedCertificate.objects.exists()


def test_an_imported_certificate_shows_its_issuer_and_cannot_be_corrected_here(se_unit):
    received = receive(se_unit, swedish(SE_EXAMPLES / "pass-minimal.xml"), via="test")
    physician = member(UserFactory(), se_unit, "physician")
    case = Case.objects.get(pk=received.case_id)
    case.responsible_physician = physician
    case.save()
    client = Client()
    client.force_login(physician)
    page = client.get(f"/certificates/{received.certificate_id}/")
    assert page.status_code == 200
    assert "Karl Karlsson" in page.content.decode() and "None" not in page.content.decode()
    assert client.post(f"/certificates/{received.certificate_id}/correct/").status_code == 403
    assert (
        client.get(f"/api/v1/certificates/{received.certificate_id}/message").json()["code"]
        == "issued_elsewhere"
    )


def test_the_command_issues_a_units_token_once_and_revokes_it(se_unit, capsys):
    call_command("agency", "integration", "--unit", SE_UNIT_HSA, "--name", "Journal system")
    raw = capsys.readouterr().out.strip()
    data = swedish(SE_EXAMPLES / "pass-minimal.xml")
    assert post(raw, data).status_code == 201
    call_command("agency", "integration", "--unit", SE_UNIT_HSA, "--revoke", raw[:9])
    assert post(raw, data).status_code == 401
    with pytest.raises(CommandError, match="No token"):
        call_command("agency", "integration", "--unit", SE_UNIT_HSA, "--revoke", raw[:9])


def test_a_resend_written_anew_is_the_same_certificate(se_unit):
    data = swedish(SE_EXAMPLES / "pass-minimal.xml")
    first = receive(se_unit, data, via="test")
    later = data.replace(
        b"<skickatTidpunkt>2015-12-07T15:48:05", b"<skickatTidpunkt>2015-12-08T09:00:00"
    )
    again = receive(se_unit, later, via="test")
    assert again.accepted and again.already_received
    assert again.certificate_id == first.certificate_id


def test_a_date_with_a_time_zone_is_read_as_its_day(db):
    unit = no_unit("431001118", "19039702498")
    data = (NO_EXAMPLES / "SM2013_normal.xml").read_bytes()
    zoned = data.replace(b"<ho:PeriodeFOMDato>2022-01-03<", b"<ho:PeriodeFOMDato>2022-01-03+01:00<")
    assert zoned != data
    received = receive(unit, zoned, via="test")
    assert received.accepted, received.refused
    assert Certificate.objects.get().periods.get().starts_on == date(2022, 1, 3)


def test_an_unreadable_file_is_its_own_refusal(se_unit, tmp_path, capsys):
    with pytest.raises(CommandError):
        call_command("agency", "import", "--unit", SE_UNIT_HSA, str(tmp_path / "missing.xml"))
    assert json.loads(capsys.readouterr().out)["refused"][0]["rule"] == "file"


def test_a_sykmelding_of_another_version_is_refused_by_its_schema(db):
    unit = no_unit("431001118", "19039702498")
    data = (NO_EXAMPLES / "SM2013_normal.xml").read_bytes()
    older = data.replace(
        b"HelseOpplysningerArbeidsuforhet/2013-10-01", b"HelseOpplysningerArbeidsuforhet/2012-02-15"
    )
    assert older != data
    received = receive(unit, older, via="test")
    assert [p.rule for p in received.refused][:1] == ["xsd"]
    assert not Certificate.objects.exists()


# Imports at once need committed rows and their own connections: PostgreSQL only (SQLite's
# in-memory test database is one connection, and its writers are serialised anyway).
if connection.vendor == "postgresql":

    @pytest.mark.django_db(transaction=True)
    def test_certificates_arriving_at_once_open_one_case():
        unit = OrganisationFactory(name="Vårdcentralen Exempel", hsa_id=SE_UNIT_HSA)
        patient = member(UserFactory(), unit, "patient")
        patient.set_national_id(VALID_NUMBER.decode(), "SE")
        patient.save()
        base = swedish(SE_EXAMPLES / "pass-minimal.xml")
        start = threading.Barrier(4)
        received = []

        def send_one(n):
            data = base.replace(b"<ns3:extension>1234567<", f"<ns3:extension>at-once-{n}<".encode())
            try:
                start.wait()
                received.append(receive(unit, data, via="test"))
            finally:
                connection.close()

        threads = [threading.Thread(target=send_one, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [r.accepted for r in received] == [True] * 4
        assert Case.objects.filter(patient=patient).count() == 1
        assert Certificate.objects.filter(case__patient=patient).count() == 4


def test_the_api_takes_only_xml(se_unit):
    data = swedish(SE_EXAMPLES / "pass-minimal.xml")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {integration_token(se_unit)}"}
    sent = Client().post("/api/v1/agency/messages", data, content_type="text/plain", **headers)
    assert (sent.status_code, sent.json()["code"]) == (415, "unsupported_media_type")
    assert not ImportedCertificate.objects.exists()
    as_text_xml = Client().post("/api/v1/agency/messages", data, content_type="text/xml", **headers)
    assert as_text_xml.status_code == 201
