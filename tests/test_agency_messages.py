# ruff: noqa: E501
"""Agency messages: the published rules run as the agencies run them, and every certificate
Stegvis writes leaves as a message its agency accepts (docs/agency-messages.md).

Reads the agencies' published schemas and examples in ../shared/schemas as test data; the
tests fail, never skip, when it is missing."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from lxml import etree

from stegvis.agency import lisjp, sm2013, validation
from stegvis.agency.services import message_for
from stegvis.audit.models import AccessEvent
from stegvis.cases.models import Certificate
from tests.support import complete_body, send

SHARED = Path(__file__).resolve().parents[2] / "shared" / "schemas"
SE_EXAMPLES = SHARED / "se-intyg" / "examples"
NO_EXAMPLES = SHARED / "no-nav" / "examples"


def examples(folder: Path, pattern: str) -> list[Path]:
    found = sorted(folder.glob(pattern))
    assert found, f"The agencies' published examples are missing: {folder} (see README)"
    return found


def read(path: Path) -> etree._ElementTree:
    return validation.parse(path.read_bytes())


@pytest.mark.parametrize("path", examples(SE_EXAMPLES, "pass-*.xml"), ids=lambda p: p.name)
def test_every_valid_published_lisjp_passes_its_xsd_and_every_rule(path):
    assert validation.problems("lisjp", read(path)) == []


@pytest.mark.parametrize("path", examples(SE_EXAMPLES, "fail-*.xml"), ids=lambda p: p.name)
def test_every_failing_published_lisjp_is_refused_by_a_named_rule(path):
    problems = validation.problems("lisjp", read(path))
    assert problems, path.name
    # Each names the rule (the pattern) and says what is wrong in the rule's own words.
    assert all(p.rule and p.message for p in problems)


# The rule each published failure breaks, as its file name says.
BROKEN = {
    "fail-diagnoskodMerAnFemTecken.xml": ("q6.2", "Diagnoskod får inte vara längre än 5 tecken."),
    "fail-prognosSaknas.xml": ("intyg", "Ett 'MU' måste antingen ha 'Prognos' eller 'Smittbärarpenning'"),
    "fail-fmbWhitespaces.xml": ("q37.1", "Sträng kan inte vara tom."),
    "fail-sjukskrivningSaknas.xml": ("intyg", "Ett 'MU' måste ha mellan 1 och 4 'Behov av sjukskrivning'"),
}  # fmt: skip


@pytest.mark.parametrize("name", BROKEN)
def test_the_refusal_names_the_rule_the_file_breaks(name):
    problems = validation.problems("lisjp", read(SE_EXAMPLES / name))
    assert [(p.rule, p.message) for p in problems] == [BROKEN[name]]


def test_overlapping_periods_are_refused():
    problems = validation.problems(
        "lisjp", read(SE_EXAMPLES / "sjukskrivningOverlappandePerioder.xml")
    )
    assert ("q32", "Två 'perioder' kan inte vara överlappande.") in [
        (p.rule, p.message) for p in problems
    ]


@pytest.mark.parametrize("path", examples(NO_EXAMPLES, "SM2013_*.xml"), ids=lambda p: p.name)
def test_every_published_sykmelding_passes_msghead_and_sm2013_together(path):
    assert validation.problems("sm2013", read(path)) == []


def test_a_sykmelding_without_a_required_field_fails_its_xsd():
    document = read(NO_EXAMPLES / "SM2013_normal.xml")
    start = document.find(f".//{{{validation.SM2013}}}SyketilfelleStartDato")
    start.getparent().remove(start)
    problems = validation.problems("sm2013", document)
    assert problems and problems[0].rule == "xsd"
    assert "SyketilfelleStartDato" in problems[0].message or "Pasient" in problems[0].message


# What Nav's published sykmeldinger say: (first day, last day, degree, activity), employer.
NAV_EXAMPLES = {
    "SM2013_normal.xml": ([("2022-01-03", "2022-01-17", 40, "graded")], "one", "Thon Hotels", "L84"),
    "SM2013_7uker.xml": ([("2022-01-03", "2022-02-27", 100, "no_activity")], "one", "Thon Hotels", "L83"),
    "SM2013_forenklet.xml": ([("2022-01-03", "2022-01-10", 50, "graded")], "one", "Thon Hotels", "F72"),
    "SM2013_uten_arbeidsgiver.xml": ([("2022-01-03", "2022-01-17", 25, "graded")], "none", "", "L84"),
    "SM2013_Pafolgende_17uker.xml": ([("2022-05-28", "2022-07-28", 100, "no_activity")], "one", "Thon Hotels", "P02"),
}  # fmt: skip


@pytest.mark.parametrize("name", NAV_EXAMPLES)
def test_each_published_sykmelding_reads_with_its_periods_grading_diagnosis_and_employer(name):
    got = sm2013.read(read(NO_EXAMPLES / name))
    periods, employer, employer_name, code = NAV_EXAMPLES[name]
    assert [
        (s.isoformat(), e.isoformat(), d, x["activity"]) for d, s, e, x in got.periods
    ] == periods
    assert got.fields["no_employer"] == employer
    assert got.fields["no_employer_name"] == employer_name
    assert got.diagnoses[0][1] == code
    assert got.sender_her_id in ("431001118", "148985")
    assert got.issuer_name  # the sykmelder, by name


def test_the_lisjp_reader_takes_the_published_certificate_apart():
    got = lisjp.read(read(SE_EXAMPLES / "pass-minimal.xml"))
    assert got.patient_number == "192703104321"
    assert got.unit_hsa_id == "123456789"
    assert got.diagnoses == [("S47", "Klämskada skuldra")]
    assert [(d, s.isoformat(), e.isoformat()) for d, s, e in got.periods] == [
        (75, "2015-12-07", "2015-12-10")
    ]
    assert got.fields["occupation"] == "current_job"
    assert got.fields["occupation_text"] == "Smed"
    assert got.fields["prognosis"] == "STOR_SANNOLIKHET"
    assert got.fields["measures"] == ["other"]


BOMBS = {
    "not xml": b"certificate, please",
    "entity expansion": b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xxxxxxxx">'
    b'<!ENTITY y "&x;&x;&x;&x;&x;&x;&x;&x;">]><a>&y;</a>',
    "external entity": b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    b"<a>&e;</a>",
    "too large": b"<a>" + b"x" * (validation.MAX_MESSAGE_BYTES + 1) + b"</a>",
}


@pytest.mark.parametrize("name", BOMBS)
def test_bad_input_is_refused_before_anything_is_expanded_or_fetched(name):
    with pytest.raises(validation.Refused) as refused:
        validation.parse(BOMBS[name])
    assert refused.value.problems[0].rule in ("xml", "doctype", "size")


def test_a_message_in_another_namespace_is_refused_by_name():
    with pytest.raises(validation.Refused) as refused:
        validation.kind_of(validation.parse(b"<RegisterCertificate xmlns='urn:other:1'/>"))
    assert refused.value.problems[0].rule == "namespace"


# -- Stegvis's own certificates --------------------------------------------------------


@pytest.fixture
def signed(personas, case):
    """The treating physician's signed FK 7804, with the identities its message needs."""
    unit = case.organisation
    unit.hsa_id, unit.workplace_code = "SE2321000016-A1B2", "1234567"
    unit.street_address, unit.postal_code, unit.city, unit.phone = "Väg 1", "123 45", "By", "010-1"
    unit.save()
    physician = personas.treating_physician
    physician.hsa_id = "SE2321000016-A1B3"
    physician.save()
    patient = personas.patient
    patient.set_national_id("19880314-9825", "SE")
    patient.save()
    client = Client()
    client.force_login(physician)
    body = complete_body(periods=[{"degree": 50, "from": complete_body()["examined_on"],
                                   "to": complete_body()["periods"][0]["to"]}],
                         working_hours_arranged=True, working_hours_text="Förmiddagar.")  # fmt: skip
    draft = send(client, "post", f"/api/v1/cases/{case.pk}/certificates", body).json()
    send(client, "post", f"/api/v1/certificates/{draft['id']}/sign")
    return Certificate.objects.get(pk=draft["id"])


def test_a_signed_certificate_leaves_as_lisjp_and_reads_back_the_same(signed):
    message = message_for(signed, "lisjp")
    document = validation.check("lisjp", validation.parse(message))
    back = lisjp.read(document)
    assert back.certificate_id.endswith(str(signed.pk))
    assert back.patient_number == "198803149825"
    assert back.diagnoses == [("F438A", "Utmattningssyndrom")]
    assert [(d, s, e) for d, s, e in back.periods] == [
        (p.degree, p.starts_on, p.ends_on) for p in signed.periods.all()
    ]
    assert back.fields["working_hours_arranged"] is True
    assert back.fields["prognosis_days"] == 60


def test_the_employer_copy_is_ag7804_without_a_diagnosis(signed):
    message = message_for(signed, "ag7804")
    document = validation.check("ag7804", validation.parse(message))
    assert b"F438A" not in message and b"Utmattningssyndrom" not in message
    assert lisjp.read(document).diagnoses == []


def test_a_changed_required_field_is_refused_by_the_rules(signed):
    document = validation.parse(message_for(signed, "lisjp"))
    occupation = document.find(f".//{{{validation.RIV_CORE}}}svar[@id='29']")
    occupation.getparent().remove(occupation)
    problems = validation.problems("lisjp", document)
    assert [p.rule for p in problems] == ["q28.1-q29"]


def test_the_api_gives_the_message_through_the_policy_and_records_it(client, personas, signed):
    client.force_login(personas.treating_physician)
    response = client.get(f"/api/v1/certificates/{signed.pk}/message")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    assert validation.problems("lisjp", validation.parse(response.content)) == []
    assert AccessEvent.objects.filter(
        actor=personas.treating_physician, action="export", object_id=str(signed.pk)
    ).exists()
    wrong = client.get(f"/api/v1/certificates/{signed.pk}/message?format=sm2013")
    assert wrong.status_code == 422 and wrong.json()["code"] == "wrong_format"


def test_someone_without_the_care_relationship_gets_nothing(client, personas, signed):
    for persona in (personas.employer, personas.unrelated_physician, personas.fk_caseworker):
        client.force_login(persona)
        assert client.get(f"/api/v1/certificates/{signed.pk}/message").status_code == 404
    assert (
        not AccessEvent.objects.filter(action="export", outcome="allowed")
        .exclude(actor=personas.treating_physician)
        .exists()
    )


def test_a_message_that_needs_an_identity_says_which(client, personas, signed):
    unit = signed.case.organisation
    unit.hsa_id = ""
    unit.save()
    client.force_login(personas.treating_physician)
    response = client.get(f"/api/v1/certificates/{signed.pk}/message?format=ag7804")
    assert response.status_code == 422
    assert response.json()["code"] == "identity_missing"
    assert "HSA" in response.json()["message"]


def test_the_command_prints_the_message(personas, signed, capsysbinary):
    call_command("agency", "export", str(signed.pk), "--format", "ag7804",
                 "--as", personas.treating_physician.email)  # fmt: skip
    message = capsysbinary.readouterr().out
    assert validation.problems("ag7804", validation.parse(message)) == []
    with pytest.raises(CommandError, match="No such certificate"):
        call_command("agency", "export", str(signed.pk), "--as", personas.employer.email)
