"""Case, timeline and certificate pages: permissions, forms that keep input, guidance."""

import re
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from stegvis.access.categories import Category
from stegvis.audit.models import AccessEvent
from stegvis.cases.models import Case, Certificate, MilestoneCompletion
from stegvis.network.purposes import Purpose
from tests.conftest import PERSONA_NAMES
from tests.factories import patient_at

TODAY = timezone.localdate()


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


def form_data(**changes) -> dict:
    data = {
        "client_token": str(uuid.uuid4()),
        "diagnosis-TOTAL_FORMS": "3",
        "diagnosis-INITIAL_FORMS": "0",
        "diagnosis-0-system": "icd10",
        "diagnosis-0-code": "f32.1",
        "diagnosis-0-text": "Medelsvår depressiv episod",
        # What a browser sends for the unused rows: the preselected code system.
        "diagnosis-1-system": "icd10",
        "diagnosis-2-system": "icd10",
        "period-1-degree": "",
        "period-TOTAL_FORMS": "4",
        "period-INITIAL_FORMS": "0",
        "period-0-degree": "100",
        "period-0-starts_on": day(0),
        "period-0-ends_on": day(13),
        "examined_on": day(0),
        "occupation": "current_job",
        "occupation_text": "Förskollärare",
        "functional_impairment": "Nedsatt koncentration och minne.",
        "activity_limitation": "Klarar inte att planera dagens arbete.",
        "prognosis": "STOR_SANNOLIKHET",
        "measures": ["work_adaptation"],
    }
    data.update(changes)
    return data


# persona -> (case page, certificate list, new certificate form)
EXPECTED = {
    "patient": (200, 200, 403),
    "treating_physician": (200, 200, 200),
    "coordinator": (200, 200, 403),
    "unit_manager": (404, 404, 404),
    "unrelated_physician": (404, 404, 404),
    "fk_caseworker": (404, 404, 404),
    "employer": (404, 404, 404),
    "outsider": (404, 404, 404),
    "facilitator": (404, 404, 404),
    "representative": (404, 404, 404),
    # Sent to set up two-step verification before anything else.
    "physician_without_mfa": (302, 302, 302),
}


@pytest.mark.parametrize("persona", PERSONA_NAMES)
def test_case_pages_follow_the_policy(client, personas, case, persona):
    client.force_login(personas.get(persona))
    urls = [
        reverse("case_detail", args=[case.pk]),
        reverse("certificate_list", args=[case.pk]),
        reverse("certificate_new", args=[case.pk]),
    ]
    before = AccessEvent.objects.count()
    assert tuple(client.get(url).status_code for url in urls) == EXPECTED[persona]
    audited = 0 if persona == "physician_without_mfa" else 3
    pages = AccessEvent.objects.exclude(object_type="case_page_links")
    assert pages.count() == before + audited
    # The page's links are decisions too: one event for each page it may link to.
    links = AccessEvent.objects.filter(object_type="case_page_links")
    expected_links = {"patient": 3, "treating_physician": 6, "coordinator": 6}
    assert links.count() == expected_links.get(persona, 0)


def test_the_timeline_page_shows_status_and_who_is_responsible(client, personas, case):
    client.force_login(personas.patient)
    page = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert "Arbetsgivarens plan för återgång i arbete" in page
    assert "Försenad" in page
    assert "Arbetsgivare" in page
    client.post(reverse("set_language"), {"language": "en"})
    page = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert "Employer&#x27;s return-to-work plan" in page
    assert "Due within 7 days" in page or "Overdue" in page


def test_a_physician_drafts_and_signs_a_certificate(client, personas, case):
    client.force_login(personas.treating_physician)
    response = client.post(reverse("certificate_new", args=[case.pk]), form_data())
    certificate = Certificate.objects.get()
    assert response.url == reverse("certificate_detail", args=[certificate.pk])
    assert certificate.diagnoses.get().code == "F32.1"
    signed = client.post(reverse("certificate_sign", args=[certificate.pk]))
    assert signed.status_code == 302
    certificate.refresh_from_db()
    assert certificate.is_signed
    case.refresh_from_db()
    assert case.next_deadline_code != "certificate_required"


def test_the_guidance_counts_from_day_one_of_the_sick_leave_and_says_which_days(
    client, personas, case
):
    # Issue 33: Sara's certificate said 57 days with day 1 on 29 November, leaving out the
    # days before her first certificate; the count starts on day 1, and the page says so.
    client.force_login(personas.treating_physician)
    response = client.post(reverse("certificate_guidance", args=[case.pk]), form_data())
    first = date_format(case.sick_from, "DATE_FORMAT")
    last = date_format(timezone.localdate() + timedelta(days=13), "DATE_FORMAT")
    assert "med sammanlänkade tidigare perioder: 34 dagar." in response.text  # 20 + 14
    assert f"Räknat från sjukskrivningens dag 1, {first}, till {last}." in response.text


def test_a_retried_form_submission_makes_one_draft(client, personas, case):
    client.force_login(personas.treating_physician)
    data = form_data()
    client.post(reverse("certificate_new", args=[case.pk]), data)
    client.post(reverse("certificate_new", args=[case.pk]), data)
    assert Certificate.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"period-0-degree": "30"}, "Select a valid choice"),
        ({"period-0-ends_on": day(-5)}, "ends before it starts"),
        ({"period-0-ends_on": day(800)}, "more than two years ahead"),
        ({"diagnosis-0-code": "X12.3"}, "X12.3 is not a known ICD-10 code"),
        (
            {"period-1-degree": "50", "period-1-starts_on": day(10), "period-1-ends_on": day(20)},
            "Period 2 overlaps period 1",
        ),
    ],
)
def test_a_bad_certificate_form_keeps_the_text_and_saves_nothing(
    client, personas, case, changes, message
):
    client.force_login(personas.treating_physician)
    client.post(reverse("set_language"), {"language": "en"})
    response = client.post(reverse("certificate_new", args=[case.pk]), form_data(**changes))
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert "Nedsatt koncentration och minne." in page
    assert not Certificate.objects.exists()


def test_guidance_warns_on_the_page_and_signing_asks_for_a_reason(client, personas, case):
    client.force_login(personas.treating_physician)
    client.post(reverse("set_language"), {"language": "en"})
    long_leave = form_data(**{"period-0-ends_on": day(199)})
    live = client.post(reverse("certificate_guidance", args=[case.pk]), long_leave)
    assert "Beyond the typical case" in live.content.decode()
    assert "part-time" in live.content.decode()

    client.post(reverse("certificate_new", args=[case.pk]), long_leave)
    certificate = Certificate.objects.get()
    detail = client.get(reverse("certificate_detail", args=[certificate.pk])).content.decode()
    assert "Beyond the typical case" in detail
    refused = client.post(reverse("certificate_sign", args=[certificate.pk]))
    assert refused.status_code == 422
    assert "question 37" in refused.content.decode()


def test_a_stale_case_edit_is_refused_and_keeps_the_input(client, personas, case):
    client.force_login(personas.coordinator)
    url = reverse("case_edit", args=[case.pk])
    data = {
        "employment": "employed",
        "status": "active",
        "expected_days": "120",
        "sick_from": day(-20),
        "responsible_physician": str(personas.treating_physician.pk),
        "responsible_coordinator": str(personas.coordinator.pk),
        "revision": str(case.revision),
    }
    assert client.post(url, data).status_code == 302
    stale = client.post(url, {**data, "expected_days": "45"})
    assert "Someone else saved this case" in stale.content.decode() or "Någon annan" in (
        stale.content.decode()
    )
    case.refresh_from_db()
    assert case.expected_days == 120


def test_a_closed_case_needs_a_reason(client, personas, case):
    client.force_login(personas.coordinator)
    data = {"employment": "employed", "status": "closed", "revision": str(case.revision)}
    response = client.post(reverse("case_edit", args=[case.pk]), data)
    assert response.status_code == 200
    assert Case.objects.get(pk=case.pk).status == "active"


def test_marking_a_duty_done_moves_the_next_deadline(client, personas, case):
    client.force_login(personas.coordinator)
    client.post(reverse("milestone_done", args=[case.pk, "certificate_required"]))
    client.post(reverse("milestone_done", args=[case.pk, "fk_sickness_benefit"]))
    case.refresh_from_db()
    assert case.next_deadline_code == "employer_rtw_plan"
    assert MilestoneCompletion.objects.filter(case=case).count() == 2
    client.post(reverse("milestone_done", args=[case.pk, "fk_sickness_benefit"]), {"undo": "1"})
    case.refresh_from_db()
    assert case.next_deadline_code == "fk_sickness_benefit"


def test_the_caseload_sorts_by_next_deadline_with_flat_queries(
    client, personas, case, django_assert_max_num_queries
):
    from stegvis.cases.services import case_refresh_deadline

    later = patient_at(personas.unit)
    later_case = Case.objects.get(patient=later)
    later_case.sick_from = TODAY - timedelta(days=2)
    later_case.responsible_coordinator = personas.coordinator
    later_case.save()
    for c in (case, later_case):
        case_refresh_deadline(c)
    client.force_login(personas.coordinator)
    with django_assert_max_num_queries(18):
        page = client.get(reverse("home")).content.decode()
    assert page.index(str(personas.patient)) < page.index(str(later))
    for _ in range(15):
        extra = Case.objects.get(patient=patient_at(personas.unit))
        Case.objects.filter(pk=extra.pk).update(responsible_coordinator=personas.coordinator)
        case_refresh_deadline(extra)
    with django_assert_max_num_queries(18):
        client.get(reverse("home"))


def test_a_coordinator_opens_a_case_for_a_patient_of_the_unit(client, personas):
    existing = Case.objects.get(patient=personas.patient)
    client.force_login(personas.coordinator)
    url = reverse("case_new")
    data = {
        "patient": str(personas.patient.pk),
        "jurisdiction": "SE",
        "employment": "employed",
        "sick_from": day(-3),
        "expected_days": "70",
    }
    response = client.post(url, data)
    new_case = Case.objects.filter(patient=personas.patient).exclude(pk=existing.pk).get()
    assert response.url == reverse("case_detail", args=[new_case.pk])
    assert new_case.responsible_coordinator == personas.coordinator
    assert new_case.next_deadline_code == "certificate_required"
    assert AccessEvent.objects.filter(object_id=str(new_case.pk), action="create").exists()

    other = client.post(url, {**data, "patient": str(personas.other_patient.pk)})
    assert other.status_code == 200
    assert not Case.objects.filter(patient=personas.other_patient, organisation=personas.unit)


@pytest.mark.parametrize("persona", ["employer", "fk_caseworker", "patient", "unit_manager"])
def test_only_unit_clinicians_open_cases(client, personas, persona):
    client.force_login(personas.get(persona))
    assert client.get(reverse("case_new")).status_code == 403


def _mark_buttons(client, case) -> set[str]:
    page = client.get(reverse("case_detail", args=[case.pk])).text
    return set(re.findall(r'action="/cases/[^/]+/milestones/([a-z0-9_]+)/done/"', page))


def test_only_the_responsible_party_and_the_coordinator_mark_a_duty(client, personas, case):
    client.force_login(personas.coordinator)
    employer_duties = {"fk_sickness_benefit", "employer_rtw_plan"}
    assert _mark_buttons(client, case) == {"certificate_required", *employer_duties}

    # The patient is responsible for none of an employee's duties.
    client.force_login(personas.patient)
    assert _mark_buttons(client, case) == set()
    done = reverse("milestone_done", args=[case.pk, "certificate_required"])
    assert client.post(done).status_code == 403
    assert not MilestoneCompletion.objects.filter(case=case).exists()

    # The employer, shown the case through the patient's consent, marks their own duty.
    personas.with_consent(personas.employer, [Category.CAPACITY], Purpose.EMPLOYER_DIALOGUE)
    client.force_login(personas.employer)
    assert _mark_buttons(client, case) == employer_duties
    assert client.post(done).status_code == 403
    employer_plan = reverse("milestone_done", args=[case.pk, "employer_rtw_plan"])
    assert client.post(employer_plan).status_code == 302
    assert MilestoneCompletion.objects.get(case=case).code == "employer_rtw_plan"


def test_the_certificate_form_searches_codes_instead_of_carrying_them_all(client, personas, case):
    client.force_login(personas.treating_physician)
    form = client.get(reverse("certificate_new", args=[case.pk]))
    assert form.status_code == 200 and len(form.content) < 40_000
    assert '<option value="F32.1">F32.1 Medelsvår depressiv episod</option>' in form.text
    assert 'hx-get="/codes/icd10/"' in form.text

    search = reverse("code_search", args=["icd10"])
    found = client.get(search, {"diagnosis-0-code": "depressiv"}).text
    assert '<option value="F32.1">F32.1 Medelsvår depressiv episod</option>' in found
    # A code without a Swedish title says plainly that its title is WHO's English one.
    dementia = client.get(search, {"q": "F00.0"}).text
    assert "F00.0 Dementia in Alzheimer disease with early onset (WHO:s engelska titel)" in dementia
    assert client.get(reverse("code_search", args=["nope"])).status_code == 404


def test_a_norwegian_fastlege_sees_the_norwegian_code_titles_first(client, personas, case):
    # Issue 34: a Norwegian case is certified with ICPC-2, whose titles were English only.
    Case.objects.filter(pk=case.pk).update(jurisdiction="NO")
    personas.treating_physician.preferred_language = "nb"
    personas.treating_physician.save()
    client.force_login(personas.treating_physician)
    form = client.get(reverse("certificate_new", args=[case.pk])).text
    # The common ICPC-2 codes are offered before anything is typed, in Norwegian.
    assert '<option value="L03">L03 Korsrygg symptomer/plager</option>' in form
    assert 'hx-get="/codes/icpc2/"' in form and "Low back symptom" not in form

    search = reverse("code_search", args=["icpc2"])
    found = client.get(search, {"diagnosis-0-code": "depresjon"}).text
    assert '<option value="P76">P76 Depressiv lidelse</option>' in found
    assert "Depressive disorder" not in found
    icd10 = client.get(reverse("code_search", args=["icd10"]), {"q": "depresjon"}).text
    assert '<option value="F32.1">F32.1 Moderat depressiv episode</option>' in icd10
    # A code Norway's edition lacks says plainly that its title is the English one.
    assert "F32 Depressive episode (WHOs engelske tittel)" in icd10


def test_the_timeline_names_only_the_agency_of_the_cases_country(client, personas, case):
    # Issue 34: a Norwegian patient's timeline said "Försäkringskassan eller Nav avgjør til
    # slutt"; each country's rule set names its own agency (deadlines_*.toml).
    client.force_login(personas.patient)
    swedish = client.get(reverse("case_detail", args=[case.pk])).text
    # As a word: a person's name the factories make up may hold the letters (Navarro).
    assert "Försäkringskassan avgör till sist." in swedish and not re.search(r"\bNav\b", swedish)
    Case.objects.filter(pk=case.pk).update(jurisdiction="NO")
    personas.patient.preferred_language = "nb"
    personas.patient.save()
    norwegian = client.get(reverse("case_detail", args=[case.pk])).text
    assert "Nav avgjør til slutt." in norwegian and "Försäkringskassan avgjør" not in norwegian
