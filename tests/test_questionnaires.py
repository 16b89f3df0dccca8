"""Scheduled questionnaires: occasions from data, licence switch, answering, the safety
path from PHQ-9 item 9, clinicians giving them on demand, results over time."""

import uuid
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stegvis.accounts.roles import Role
from stegvis.audit.models import AccessEvent
from stegvis.cases.models import Case, CaseStatus, ClosedReason
from stegvis.coaching.models import CoachFlag
from stegvis.instruments import services
from stegvis.instruments.models import Administration, AdministrationStatus, Occasion
from stegvis.instruments.occasions import add_months, group_for
from tests.factories import UserFactory, member, patient_at


@pytest.fixture
def case(case):
    """Sick leave starting today, so the baseline questionnaires are due now."""
    case.sick_from = timezone.localdate()
    case.save(update_fields=["sick_from"])
    return case


def phq9_form(item9=0, rest=1):
    data = {f"item_{n}": rest for n in range(1, 9)}
    data["item_9"] = item9
    return data


def test_diagnosis_groups_choose_the_instruments():
    assert group_for("F43.8") == "mental"
    assert group_for("M54.5") == "pain"
    assert group_for("R52.2") == "pain"
    assert group_for(None) == "other"
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)


def test_the_baseline_is_given_once_with_only_enabled_instruments(case):
    today = timezone.localdate()
    created = services.administrations_plan_case(case, today)
    assert sorted(a.instrument_code for a in created) == ["phq9", "psfs"]
    assert services.administrations_plan_case(case, today) == []
    assert {a.occasion for a in created} == {Occasion.BASELINE}


def test_an_administrator_enables_an_instrument_with_an_unclear_licence(client, personas, case):
    admin = member(UserFactory(), personas.unit, Role.ADMIN)
    client.force_login(personas.treating_physician)
    assert client.post("/instruments/was/switch/", {"enabled": "1"}).status_code == 403
    client.force_login(admin)
    page = client.get("/instruments/")
    assert "Licens oklar" in page.text and "FIOH" in page.text
    client.post("/instruments/was/switch/", {"enabled": "1", "reason": "Avtal med FIOH"})
    assert services.is_enabled("was")
    created = services.administrations_plan_case(case, timezone.localdate())
    assert "was" in {a.instrument_code for a in created}


def test_follow_ups_come_three_six_and_twelve_months_after_return(case):
    Case.objects.filter(pk=case.pk).update(
        status=CaseStatus.CLOSED,
        closed_reason=ClosedReason.RETURNED_TO_WORK,
        closed_on=date(2026, 1, 10),
    )
    case.refresh_from_db()
    assert services.administrations_plan_case(case, date(2026, 4, 9)) == []
    three = services.administrations_plan_case(case, date(2026, 4, 10))
    assert {a.occasion for a in three} == {"follow_up_3m"}
    six = services.administrations_plan_case(case, date(2026, 7, 12))
    assert {a.occasion for a in six} == {"follow_up_6m"}
    twelve = services.administrations_plan_case(case, date(2027, 1, 10))
    assert {a.occasion for a in twelve} == {"follow_up_12m"}


def test_a_patient_answers_and_sees_the_score(client, personas, case):
    services.administrations_plan_case(case, timezone.localdate())
    phq9 = Administration.objects.get(instrument_code="phq9")
    client.force_login(personas.patient)
    assert "PHQ-9" in client.get("/questionnaires/").text
    response = client.post(f"/questionnaires/{phq9.pk}/", phq9_form(rest=2), follow=True)
    phq9.refresh_from_db()
    assert (phq9.status, phq9.total, phq9.band) == ("completed", 16, "moderately_severe")
    assert "Din poäng: 16" in response.text
    assert 'href="tel:112"' not in response.text
    assert CoachFlag.objects.filter(kind="threshold").exists()
    assert "<svg" in client.get("/questionnaires/").text


def test_item_nine_above_zero_shows_crisis_contacts_and_raises_the_safety_flag(
    client, personas, case
):
    services.administrations_plan_case(case, timezone.localdate())
    phq9 = Administration.objects.get(instrument_code="phq9")
    client.force_login(personas.patient)
    response = client.post(f"/questionnaires/{phq9.pk}/", phq9_form(item9=1, rest=0), follow=True)
    assert 'href="tel:90101"' in response.text
    flag = CoachFlag.objects.get(kind="safety")
    assert flag.urgent and flag.source_id == str(phq9.pk)


def test_a_missing_answer_keeps_the_choices_made(client, personas, case):
    services.administrations_plan_case(case, timezone.localdate())
    phq9 = Administration.objects.get(instrument_code="phq9")
    client.force_login(personas.patient)
    data = phq9_form(rest=2)
    del data["item_4"]
    response = client.post(f"/questionnaires/{phq9.pk}/", data)
    assert response.status_code == 422
    assert 'id="id_item_1_2" checked' in response.text
    phq9.refresh_from_db()
    assert phq9.status == AdministrationStatus.PENDING


def test_answering_twice_keeps_the_first_answers(personas, case):
    services.administrations_plan_case(case, timezone.localdate())
    phq9 = Administration.objects.get(instrument_code="phq9")
    answers = {str(n): 1 for n in range(1, 10)}
    answers["9"] = 0
    services.administration_complete(actor=personas.patient, administration=phq9, answers=answers)
    again = services.administration_complete(
        actor=personas.patient, administration=phq9, answers=answers
    )
    assert again.total == 8
    with pytest.raises(services.AlreadyAnswered):
        services.administration_complete(
            actor=personas.patient, administration=phq9, answers={**answers, "1": 3}
        )


def test_a_clinician_gives_a_questionnaire_on_demand(client, personas, case):
    client.force_login(personas.treating_physician)
    url = f"/cases/{case.pk}/questionnaires/"
    response = client.post(
        url, {"occasion": "on_demand", "codes": ["gad7"], "due_on": timezone.localdate()}
    )
    assert response.status_code == 302
    assert Administration.objects.get().requested_by == personas.treating_physician
    refused = client.post(
        url, {"occasion": "on_demand", "codes": ["ompsq10"], "due_on": timezone.localdate()}
    )
    assert refused.status_code == 422
    assert Administration.objects.count() == 1


@pytest.mark.parametrize("persona", ["employer", "unrelated_physician", "outsider"])
def test_others_never_see_questionnaire_results(client, personas, case, persona):
    client.force_login(personas.get(persona))
    assert client.get(f"/cases/{case.pk}/questionnaires/").status_code == 404
    response = client.get(f"/api/v1/patients/{personas.patient.pk}/questionnaires")
    assert response.status_code == 404


def test_questionnaires_expire_when_their_window_passes(case):
    created = services.administrations_plan_case(case, timezone.localdate())
    later = timezone.localdate() + timedelta(days=30)
    assert services.administrations_expire(later) == len(created)


def test_the_patient_answers_through_the_api(client, personas, case):
    services.administrations_plan_case(case, timezone.localdate())
    phq9 = Administration.objects.get(instrument_code="phq9")
    client.force_login(personas.patient)
    url = f"/api/v1/administrations/{phq9.pk}/answers"
    bad = client.post(url, {"1": 0}, "application/json")
    assert bad.status_code == 422
    answers = {str(n): 0 for n in range(1, 10)}
    ok = client.post(url, {"answers": answers}, "application/json")
    assert ok.status_code == 200 and ok.json()["band"] == "minimal"
    listed = client.get(f"/api/v1/patients/{personas.patient.pk}/questionnaires").json()
    assert {a["instrument_code"] for a in listed} == {"phq9", "psfs"}


def test_the_daily_plan_asks_the_same_statements_for_few_cases_or_many(
    personas, django_assert_max_num_queries
):
    today = timezone.localdate()
    for _ in range(2):
        patient_at(personas.unit)
    with CaptureQueriesContext(connection) as few:
        planned = services.administrations_plan(today)["administrations"]
    assert planned > 0
    for _ in range(6):
        patient_at(personas.other_unit)
    Administration.objects.all().delete()
    with django_assert_max_num_queries(len(few.captured_queries)):
        services.administrations_plan(today)
    # Every case got its baseline; planning again, in a batch or case by case, adds nothing.
    cases = Case.objects.all()
    assert {a.case_id for a in Administration.objects.all()} == {c.pk for c in cases}
    assert services.administrations_plan(today) == {"administrations": 0}
    for case in cases:
        assert services.administrations_plan_case(case, today) == []


def test_answers_sent_twice_by_a_phone_make_one_answer_and_one_audit_event(client, personas, case):
    """A phone that kept the answers offline may send them twice (the first answer lost on
    the way): the page's submission id makes the second a replay of the first."""
    services.administrations_plan_case(case, timezone.localdate())
    phq9 = Administration.objects.get(instrument_code="phq9")
    client.force_login(personas.patient)
    page = client.get(f"/questionnaires/{phq9.pk}/")
    assert 'name="submission_id"' in page.text and "data-keep-offline" in page.text
    assert '"field": "item_9", "above": 0' in page.text, "the crisis rule travels with the page"
    form = {**phq9_form(rest=2), "submission_id": str(uuid.uuid4())}
    writes = AccessEvent.objects.filter(
        patient=personas.patient, category="questionnaires", action="update"
    )
    first = client.post(f"/questionnaires/{phq9.pk}/", form)
    second = client.post(f"/questionnaires/{phq9.pk}/", form)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert writes.count() == 1
    phq9.refresh_from_db()
    assert phq9.status == "completed" and phq9.total == 16
