"""The patient asks for more (or less) sick leave; her physician sees it in the task inbox
with the case's deadlines and the guidance, answers in words and perhaps with a new
certificate draft, and she sees the answer. No certificate is ever made or signed but by
the physician, and no employer sees a request."""

import re
import uuid
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from stegvis.access.categories import Category
from stegvis.audit.models import AccessEvent
from stegvis.cases.models import Certificate
from stegvis.coordination.models import SickLeaveRequest, Task
from stegvis.network.purposes import Purpose
from stegvis.notifications.models import Notification
from tests.support import join, signed_diagnosis

TODAY = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.get_default_timezone())


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


def ask(client, **fields):
    page = client.get("/sick-leave/requests/").content.decode()
    submission = re.search(r'name="submission_id" value="([^"]+)"', page).group(1)
    form = {
        "kind": "extend",
        "starts_on": "2026-11-30",
        "ends_on": "2026-12-13",
        "degree": "50",
        "words": "Jag orkar fortfarande inte arbeta heltid från måndag.",
        "submission_id": submission,
        **fields,
    }
    return client.post("/sick-leave/requests/", form), form


def test_a_request_reaches_the_physicians_inbox_once(client, personas, case):
    client.force_login(personas.patient)
    answer, form = ask(client)
    assert answer.status_code == 302
    again = client.post("/sick-leave/requests/", form)
    assert again["Location"] == answer["Location"], "a second send is the first's answer"
    request = SickLeaveRequest.objects.get()
    assert (request.kind, request.degree, request.ends_on) == ("extend", 50, date(2026, 12, 13))
    (task,) = Task.objects.filter(sick_leave_request=request)
    assert task.assignee == personas.treating_physician and task.due_on == date(2026, 11, 30)
    client.force_login(personas.treating_physician)
    inbox = client.get("/tasks/").content.decode()
    assert "Answer the patient" in inbox or "Besvara" in inbox
    assert f"/sick-leave/requests/{request.pk}/" in inbox


def test_the_physician_sees_the_deadlines_and_the_guidance_and_answers(client, personas, case):
    signed_diagnosis(case)
    client.force_login(personas.patient)
    ask(client)
    request = SickLeaveRequest.objects.get()
    client.force_login(personas.treating_physician)
    page = client.get(f"/sick-leave/requests/{request.pk}/").content.decode()
    assert "Jag orkar fortfarande inte arbeta heltid" in page
    assert 'id="deadlines-heading"' in page and 'id="guidance"' in page
    assert 'name="answer"' in page
    # A draft for the days asked for, from the last signed certificate: never signed here.
    made = client.post(f"/sick-leave/requests/{request.pk}/draft/")
    draft = Certificate.objects.get(status="draft")
    assert made["Location"] == f"/certificates/{draft.pk}/"
    client.post(f"/sick-leave/requests/{request.pk}/draft/")
    assert Certificate.objects.filter(status="draft").count() == 1, "made twice, one draft"
    assert Certificate.objects.filter(status="signed").count() == 1, "nothing signed here"
    ((degree, starts, ends),) = draft.periods.values_list("degree", "starts_on", "ends_on")
    assert (degree, starts, ends) == (50, date(2026, 11, 30), date(2026, 12, 13))
    assert draft.diagnoses.exists() and draft.examined_on is None
    answered = client.post(
        f"/sick-leave/requests/{request.pk}/", {"answer": "Jag har skrivit ett nytt intyg."}
    )
    assert answered.status_code == 302
    request.refresh_from_db()
    assert request.status == "answered" and request.draft == draft
    assert not Task.objects.filter(sick_leave_request=request, status="open").exists()
    # The patient is told, and reads the answer.
    assert Notification.objects.filter(recipient=personas.patient, kind="request_answered")
    client.force_login(personas.patient)
    mine = client.get(f"/sick-leave/requests/{request.pk}/").content.decode()
    assert "Jag har skrivit ett nytt intyg." in mine
    assert 'name="answer"' not in mine and 'id="guidance"' not in mine


def test_a_second_answer_never_overwrites_the_first(client, personas, case):
    client.force_login(personas.patient)
    ask(client)
    request = SickLeaveRequest.objects.get()
    client.force_login(personas.treating_physician)
    client.post(f"/sick-leave/requests/{request.pk}/", {"answer": "Först."})
    client.post(f"/sick-leave/requests/{request.pk}/", {"answer": "Sen."})
    request.refresh_from_db()
    assert request.answer == "Först."


def test_only_a_physician_answers_and_no_employer_or_stranger_sees_it(client, personas, case):
    client.force_login(personas.patient)
    ask(client)
    request = SickLeaveRequest.objects.get()
    url = f"/sick-leave/requests/{request.pk}/"
    client.force_login(personas.coordinator)
    assert client.get(url).status_code == 200
    assert client.post(url, {"answer": "Nej."}).status_code in (403, 404)
    assert client.post(f"{url}draft/").status_code in (403, 404)
    for stranger in (personas.employer, personas.unrelated_physician, personas.other_patient):
        client.force_login(stranger)
        assert client.get(url).status_code == 404
    assert SickLeaveRequest.objects.get().status == "open"
    assert not Certificate.objects.exists(), "no one but a physician makes a draft"
    refused = AccessEvent.objects.filter(
        object_type="sick_leave_request", outcome="denied", actor=personas.employer
    )
    assert refused.exists()


def test_a_bad_request_keeps_her_words_and_going_back_sooner_needs_no_end(client, personas, case):
    client.force_login(personas.patient)
    bad, _form = ask(client, ends_on="2026-11-01", words="Mina egna ord")
    assert bad.status_code == 422 and "Mina egna ord" in bad.content.decode()
    sooner, _form = ask(client, kind="shorten", ends_on="", degree="", words="Jag kan börja")
    assert sooner.status_code == 302
    request = SickLeaveRequest.objects.get()
    assert request.ends_on is None and request.degree is None
    client.force_login(personas.treating_physician)
    page = client.get(f"/sick-leave/requests/{request.pk}/").content.decode()
    assert "sick_leave_request_draft" not in page and "/draft/" not in page


def test_crisis_words_in_a_request_open_the_crisis_lines(client, personas, case):
    client.force_login(personas.patient)
    answer, _form = ask(client, words="Jag vill inte leva längre")
    assert answer["Location"].startswith("/help/")


def test_the_days_are_checked_against_last_week(client, personas, case):
    client.force_login(personas.patient)
    early = (TODAY.date() - timedelta(days=30)).isoformat()
    answer, _form = ask(client, starts_on=early)
    assert answer.status_code == 422 and not SickLeaveRequest.objects.exists()
    assert uuid.UUID(_form["submission_id"])


def relay(client, case, **fields):
    url = f"/cases/{case.pk}/employer/sick-leave-request/"
    page = client.get(url).content.decode()
    submission = re.search(r'name="submission_id" value="([^"]+)"', page).group(1)
    form = {
        "kind": "shorten",
        "starts_on": "2026-11-30",
        "words": "Jag kan arbeta halvtid från måndag.",
        "employee_asked": "on",
        "submission_id": submission,
        **fields,
    }
    return client.post(url, form), form


@pytest.fixture
def employer_let_in(personas):
    join(personas, "employer", Purpose.EMPLOYER_DIALOGUE, [Category.CAPACITY])
    return personas.employer


def test_the_manager_passes_on_the_employees_request_and_never_reads_the_answer(
    client, personas, case, employer_let_in
):
    client.force_login(employer_let_in)
    plan = client.get(f"/cases/{case.pk}/employer-plan/").content.decode()
    assert f"/cases/{case.pk}/employer/sick-leave-request/" in plan
    sent, form = relay(client, case)
    assert sent.status_code == 302
    again = client.post(f"/cases/{case.pk}/employer/sick-leave-request/", form)
    assert again["Location"] == sent["Location"], "sent twice, passed on once"
    request = SickLeaveRequest.objects.get()
    assert (request.patient, request.relayed_by) == (personas.patient, employer_let_in)
    (task,) = Task.objects.filter(sick_leave_request=request)
    assert task.assignee == personas.treating_physician
    told = Notification.objects.get(kind="request_relayed")
    assert told.recipient == personas.patient
    # She sees who passed it on; her physician sees it was passed on, and answers her.
    client.force_login(personas.patient)
    mine = client.get("/sick-leave/requests/").content.decode()
    assert str(employer_let_in) in mine
    client.force_login(personas.treating_physician)
    page = client.get(f"/sick-leave/requests/{request.pk}/").content.decode()
    assert "Jag kan arbeta halvtid" in page and str(employer_let_in) in page
    client.post(f"/sick-leave/requests/{request.pk}/", {"answer": "Vi ses på torsdag."})
    # The manager learns that it was answered, never what.
    client.force_login(employer_let_in)
    page = client.get(f"/cases/{case.pk}/employer/sick-leave-request/").content.decode()
    assert "Vi ses på torsdag" not in page
    assert "fått svaret" in page, "answered, says the page in Swedish"
    assert client.get(f"/sick-leave/requests/{request.pk}/").status_code == 404


def test_a_manager_passes_on_only_what_the_employee_asked_and_keeps_the_words(
    client, personas, case, employer_let_in
):
    client.force_login(employer_let_in)
    refused, _form = relay(client, case, employee_asked="", words="Hennes egna ord")
    assert refused.status_code == 422 and "Hennes egna ord" in refused.content.decode()
    assert not SickLeaveRequest.objects.exists()


def test_without_the_employees_consent_or_as_anyone_else_nothing_is_passed_on(
    client, personas, case
):
    url = f"/cases/{case.pk}/employer/sick-leave-request/"
    client.force_login(personas.employer)
    assert client.get(url).status_code == 404, "no consent, no case"
    for other in (personas.coordinator, personas.patient):
        client.force_login(other)
        assert client.get(url).status_code in (403, 404)
    assert not SickLeaveRequest.objects.exists()


def test_the_kinds_and_degrees_offered_are_the_countrys(client):
    from stegvis.coordination.requests.forms import RequestForm

    def offered(jurisdiction):
        field = RequestForm(jurisdiction=jurisdiction).fields["degree"]
        return [value for value, _label in field.choices if value != ""]

    kinds = RequestForm(jurisdiction="SE").fields["kind"].choices
    assert [value for value, _label in kinds] == ["extend", "shorten"], "no blank choice"
    assert offered("SE") == [100, 75, 50, 25]
    assert offered("NO") == [100, 90, 80, 70, 60, 50, 40, 30, 20]


def test_the_task_through_the_api_is_titled_in_the_readers_language(client, personas, case):
    client.force_login(personas.patient)
    ask(client)
    physician = personas.treating_physician
    client.force_login(physician)
    titles = {}
    for language in ("nb", "en"):
        physician.preferred_language = language
        physician.save(update_fields=["preferred_language"])
        (task,) = client.get("/api/v1/tasks").json()
        titles[language] = task["title"]
    assert titles["en"] == "Answer the patient's request about the sick leave"
    assert titles["nb"] and titles["nb"] != titles["en"]
    assert task["sick_leave_request_id"] == str(SickLeaveRequest.objects.get().pk)


def test_her_words_of_crisis_passed_on_by_the_manager_reach_her_care_team(
    client, personas, case, employer_let_in
):
    from stegvis.coaching.models import CoachFlag

    client.force_login(employer_let_in)
    sent, _form = relay(client, case, words="Jag vill inte leva längre.")
    # The manager is not shown the crisis lines meant for her; her care team is told.
    assert sent.status_code == 302 and not sent["Location"].startswith("/help/")
    assert CoachFlag.objects.filter(patient=personas.patient, kind="safety").exists()
    made = AccessEvent.objects.filter(
        actor=employer_let_in, action="create", object_type="sickleaverequest"
    )
    assert made.count() == 1
