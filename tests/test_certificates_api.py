"""Certificates through the API: who may write, validation, signing, versions, guidance."""

import json
from datetime import timedelta

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone

from stegvis.audit.models import AccessEvent
from stegvis.cases.models import Case, Certificate, CertificatePeriod, CertificateStatus
from tests.conftest import PERSONA_NAMES
from tests.support import complete_body, day

TODAY = timezone.localdate()


def post(client, url, body=None, **headers):
    return client.post(url, json.dumps(body or {}), content_type="application/json", **headers)


def patch(client, url, body):
    return client.patch(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def physician(client, personas):
    client.force_login(personas.treating_physician)
    return client


def create(client, case, **changes):
    response = post(client, f"/api/v1/cases/{case.pk}/certificates", complete_body(**changes))
    assert response.status_code == 201, response.content
    return response.json()


# persona -> status of POST /cases/{id}/certificates
WRITE_EXPECTED = {
    "patient": 403,
    "treating_physician": 201,
    "coordinator": 403,
    "unit_manager": 404,
    "unrelated_physician": 404,
    "fk_caseworker": 404,
    "employer": 404,
    "outsider": 404,
    "facilitator": 404,
    "representative": 404,
    "physician_without_mfa": 404,
}


@pytest.mark.parametrize("persona", PERSONA_NAMES)
def test_only_a_treating_physician_drafts_certificates(client, personas, case, persona):
    client.force_login(personas.get(persona))
    response = post(client, f"/api/v1/cases/{case.pk}/certificates", complete_body())
    assert response.status_code == WRITE_EXPECTED[persona]
    event = AccessEvent.objects.latest("pk")
    assert event.action == "create"
    assert event.outcome == ("allowed" if response.status_code == 201 else "denied")


# persona -> (GET case, GET timeline, GET certificates, GET patient's cases)
READ_EXPECTED = {
    "patient": (200, 200, 200, 200),
    "treating_physician": (200, 200, 200, 200),
    "coordinator": (200, 200, 200, 200),
    "unit_manager": (404, 404, 404, 404),
    "unrelated_physician": (404, 404, 404, 404),
    "fk_caseworker": (404, 404, 404, 404),
    "employer": (404, 404, 404, 404),
    "outsider": (404, 404, 404, 404),
    "facilitator": (404, 404, 404, 404),
    "representative": (404, 404, 404, 404),
    "physician_without_mfa": (404, 404, 404, 404),
}


@pytest.mark.parametrize("persona", PERSONA_NAMES)
def test_case_endpoints_follow_the_policy(client, personas, case, persona):
    client.force_login(personas.get(persona))
    base = f"/api/v1/cases/{case.pk}"
    urls = [base, f"{base}/timeline", f"{base}/certificates"]
    urls.append(f"/api/v1/patients/{personas.patient.pk}/cases")
    before = AccessEvent.objects.count()
    assert tuple(client.get(url).status_code for url in urls) == READ_EXPECTED[persona]
    assert AccessEvent.objects.count() == before + len(urls)


def test_a_retried_submission_returns_the_first_draft(physician, case):
    url = f"/api/v1/cases/{case.pk}/certificates"
    first = post(physician, url, complete_body(), HTTP_IDEMPOTENCY_KEY="abc-1")
    again = post(physician, url, complete_body(), HTTP_IDEMPOTENCY_KEY="abc-1")
    assert first.json()["id"] == again.json()["id"]
    assert Certificate.objects.filter(case=case).count() == 1


BAD = [
    ("periods.0.degree", {"periods": [{"degree": 30, "from": day(0), "to": day(5)}]}),
    ("periods.0.to", {"periods": [{"degree": 50, "from": day(5), "to": day(0)}]}),
    ("periods.0.to", {"periods": [{"degree": 50, "from": day(0), "to": day(800)}]}),
    (
        "periods",
        {
            "periods": [
                {"degree": 100, "from": day(0), "to": day(10)},
                {"degree": 50, "from": day(10), "to": day(20)},
            ]
        },
    ),
    ("diagnoses.0.code", {"diagnoses": [{"code": "X99.9"}]}),
    ("diagnoses.0.system", {"diagnoses": [{"system": "icpc2", "code": "P76"}]}),
]


@pytest.mark.parametrize(("field", "change"), BAD)
def test_bad_input_names_the_field_and_saves_nothing(physician, case, field, change):
    response = post(physician, f"/api/v1/cases/{case.pk}/certificates", complete_body(**change))
    assert response.status_code == 422
    locations = [".".join(e["loc"][-len(field.split(".")) :]) for e in response.json()["errors"]]
    assert field in locations
    assert not Certificate.objects.exists()


def test_signing_needs_a_complete_certificate_then_it_never_changes(physician, case):
    draft = create(physician, case, diagnoses=[], examined_on=None)
    url = f"/api/v1/certificates/{draft['id']}"
    incomplete = post(physician, f"{url}/sign")
    assert incomplete.status_code == 422
    assert {e["loc"][0] for e in incomplete.json()["errors"]} >= {"diagnoses", "examined_on"}

    fixed = patch(physician, url, {**complete_body(), "revision": draft["revision"]})
    assert fixed.status_code == 200
    signed = post(physician, f"{url}/sign")
    assert signed.json()["status"] == "signed"
    assert post(physician, f"{url}/sign").json()["signed_at"] == signed.json()["signed_at"]

    refused = patch(physician, url, {**complete_body(), "revision": fixed.json()["revision"]})
    assert (refused.status_code, refused.json()["code"]) == (409, "certificate_signed")


def test_the_database_refuses_to_change_a_signed_certificate(physician, case):
    draft = create(physician, case)
    post(physician, f"/api/v1/certificates/{draft['id']}/sign")
    with pytest.raises(DatabaseError), transaction.atomic():
        Certificate.objects.filter(pk=draft["id"]).update(occupation_text="changed")
    with pytest.raises(DatabaseError), transaction.atomic():
        CertificatePeriod.objects.filter(certificate_id=draft["id"]).update(degree=25)
    with pytest.raises(DatabaseError), transaction.atomic():
        Certificate.objects.filter(pk=draft["id"]).delete()


def test_a_stale_edit_is_refused(physician, case):
    draft = create(physician, case)
    url = f"/api/v1/certificates/{draft['id']}"
    saved = patch(physician, url, {**complete_body(), "revision": draft["revision"]})
    assert saved.status_code == 200
    stale = patch(physician, url, {**complete_body(occupation_text="x"), "revision": 1})
    assert (stale.status_code, stale.json()["code"]) == (412, "precondition_failed")
    assert Certificate.objects.get(pk=draft["id"]).occupation_text == "Baker, early shifts"


def test_a_correction_is_a_new_version_and_the_old_stays_visible(physician, case):
    first = create(physician, case)
    post(physician, f"/api/v1/certificates/{first['id']}/sign")
    correction = post(physician, f"/api/v1/certificates/{first['id']}/correct")
    assert correction.status_code == 201
    second = correction.json()
    assert (second["version"], second["series"], second["status"]) == (2, first["series"], "draft")
    periods = [{"degree": 50, "from": day(0), "to": day(41)}]
    patch(
        physician,
        f"/api/v1/certificates/{second['id']}",
        {
            **complete_body(periods=periods, working_hours_arranged=False),
            "revision": second["revision"],
        },
    )
    post(physician, f"/api/v1/certificates/{second['id']}/sign")

    listed = physician.get(f"/api/v1/cases/{case.pk}/certificates").json()
    assert [(c["version"], c["status"]) for c in listed] == [(1, "signed"), (2, "signed")]
    assert listed[0]["periods"][0]["degree"] == 100
    period = listed[1]["periods"][0]
    assert (period["degree"], period["from"], period["to"]) == (50, day(0), day(41))
    assert period["activity"] == "", "a Swedish period has no Norwegian activity"


def test_guidance_warns_and_asks_for_a_reason_but_never_blocks(physician, case):
    long_leave = [{"degree": 100, "from": day(0), "to": day(199)}]
    draft = create(
        physician,
        case,
        diagnoses=[{"code": "F32.1", "text": "Medelsvår depressiv episod"}],
        periods=long_leave,
    )
    assessment = draft["assessment"]
    # Counted as Försäkringskassan counts: from day 1 of the sick leave, 20 days before the
    # certificate's first day (issue 33: Sara's FK 7804 left days 1–7 out).
    assert assessment["cumulative_days"] == 220
    assert (assessment["counted_from"], assessment["counted_to"]) == (day(-20), day(199))
    assert assessment["exceeds"] is True
    assert assessment["max_days"] == 180  # the most lenient typical case: 6 months
    url = f"/api/v1/certificates/{draft['id']}"
    refused = post(physician, f"{url}/sign")
    assert [e["loc"][0] for e in refused.json()["errors"]] == ["fmb_justification"]

    justified = complete_body(
        diagnoses=[{"code": "F32.1", "text": "Medelsvår depressiv episod"}],
        periods=long_leave,
        fmb_justification="Comorbid pain condition; see the MMR team's assessment.",
    )
    patch(physician, url, {**justified, "revision": draft["revision"]})
    signed = post(physician, f"{url}/sign").json()
    assert signed["status"] == "signed"
    assert Certificate.objects.get(pk=draft["id"]).fmb_justification.startswith("Comorbid")


def test_guidance_counts_linked_earlier_periods(physician, case):
    earlier = create(physician, case, periods=[{"degree": 100, "from": day(-100), "to": day(-41)}])
    post(physician, f"/api/v1/certificates/{earlier['id']}/sign")
    # 20 days without reduced capacity, then the case's own day 1 (day -20), ten days before
    # its first certificate, and that certificate's 60: linked, so 130 days in all.
    draft = create(physician, case, periods=[{"degree": 50, "from": day(-10), "to": day(49)}])
    assert draft["assessment"]["cumulative_days"] == 60 + 10 + 60
    assert draft["assessment"]["counted_from"] == day(-100)
    assert draft["assessment"]["suggest_partial"] is False


def test_the_count_stops_at_the_proposed_end_even_where_an_earlier_period_runs_on(physician, case):
    # An earlier certificate runs to day 30; a new one proposes days 0–9. The figure and
    # the days it says it covers agree: day 1 of the leave (day -20) to day 9.
    earlier = create(physician, case, periods=[{"degree": 100, "from": day(-10), "to": day(30)}])
    post(physician, f"/api/v1/certificates/{earlier['id']}/sign")
    draft = create(physician, case, periods=[{"degree": 100, "from": day(0), "to": day(9)}])
    assessment = draft["assessment"]
    assert (assessment["counted_from"], assessment["counted_to"]) == (day(-20), day(9))
    assert assessment["cumulative_days"] == 30


def test_partial_leave_nudge_and_dfa_check(physician, case):
    draft = create(
        physician,
        case,
        diagnoses=[{"code": "M79.7", "text": "Fibromyalgi"}],
        fmb_typical_case="m797_higher",
        functional_impairment="Fibromyalgi",
        activity_limitation="",
    )
    assessment = draft["assessment"]
    assert assessment["suggest_partial"] is True
    assert set(assessment["dfa_gaps"]) == {"impairment_repeats_diagnosis", "limitation_missing"}
    # Försäkringskassan's rules ask for the activity limitation; the guidance's nudges
    # (a partial leave, an impairment that repeats the diagnosis) never block signing.
    refused = post(physician, f"/api/v1/certificates/{draft['id']}/sign")
    assert refused.status_code == 422
    assert [e["loc"][-1] for e in refused.json()["errors"]] == ["activity_limitation"]
    body = complete_body(
        diagnoses=[{"code": "M79.7", "text": "Fibromyalgi"}],
        fmb_typical_case="m797_higher",
        functional_impairment="Fibromyalgi",
        revision=draft["revision"],
    )
    changed = patch(physician, f"/api/v1/certificates/{draft['id']}", body).json()
    assert "impairment_repeats_diagnosis" in changed["assessment"]["dfa_gaps"]
    signed = post(physician, f"/api/v1/certificates/{draft['id']}/sign")
    assert signed.json()["status"] == "signed"


def test_the_employer_copy_carries_no_diagnosis(physician, personas):
    norway_case = Case.objects.get(patient=personas.patient)
    Case.objects.filter(pk=norway_case.pk).update(jurisdiction="NO")
    draft = create(
        physician,
        norway_case,
        diagnoses=[{"system": "icpc2", "code": "P76", "text": "Depressive disorder"}],
        periods=[{"degree": 40, "from": day(0), "to": day(13)}],
        employer_note="Can work mornings with reduced tasks.",
        examined_on=day(0),
        no_employer="one",
        no_employer_name="Bageriet Korn AB",
    )
    post(physician, f"/api/v1/certificates/{draft['id']}/sign")
    copy = physician.get(f"/api/v1/certificates/{draft['id']}/employer-copy")
    assert copy.status_code == 200
    text = copy.content.decode()
    assert "P76" not in text and "Depressive" not in text
    [period] = copy.json()["periods"]
    assert (period["degree"], period["from"], period["to"]) == (40, day(0), day(13))
    assert period["activity"] == "graded" and "medical_reasons" not in period


def test_timeline_statuses_follow_the_day(physician, case):
    Case.objects.filter(pk=case.pk).update(sick_from=TODAY - timedelta(days=23), expected_days=90)
    timeline = {m["code"]: m for m in physician.get(f"/api/v1/cases/{case.pk}/timeline").json()}
    assert timeline["certificate_required"]["status"] == "overdue"
    assert timeline["employer_rtw_plan"]["status"] == "due_soon"  # day 30 is in 6 days
    assert timeline["chain_day_91"]["status"] == "upcoming"
    assert timeline["chain_day_91"]["responsible"] == "fk"

    draft = create(physician, case, periods=[{"degree": 100, "from": day(-16), "to": day(20)}])
    post(physician, f"/api/v1/certificates/{draft['id']}/sign")
    timeline = {m["code"]: m for m in physician.get(f"/api/v1/cases/{case.pk}/timeline").json()}
    assert timeline["certificate_required"]["status"] == "done"
    # Day 15 was nine days ago: the employer's week to report has gone by.
    assert timeline["fk_sickness_benefit"]["status"] == "past"
    case.refresh_from_db()
    assert (case.next_deadline_code, case.next_deadline_on) == (
        "employer_rtw_plan",
        TODAY + timedelta(days=6),
    )
    assert Certificate.objects.get().status == CertificateStatus.SIGNED
