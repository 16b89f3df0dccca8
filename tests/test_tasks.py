"""Each professional's task inbox across cases (from decisions, deadlines and by hand), the
coordinator's day view, and e-mails that never carry health data."""

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from stegvis.access.categories import Category
from stegvis.access.helpers import get_case_for
from stegvis.audit.models import AccessEvent
from stegvis.cases.models import Case, CertificateDiagnosis
from stegvis.cases.services import milestone_complete
from stegvis.coordination.meetings.services import decision_add, meeting_schedule
from stegvis.coordination.messages.services import thread_start
from stegvis.coordination.models import Task, TaskSource, TaskStatus, ThreadKind
from stegvis.coordination.tasks.services import task_create
from stegvis.core.errors import NotAllowed
from stegvis.network.purposes import Purpose
from stegvis.notifications.outbox import outbox_dispatch
from stegvis.portal.jobs import scan_deadlines
from tests.factories import patient_at
from tests.support import checkin_on

# A Wednesday morning in Stockholm, so that "today" and "this week" never straddle midnight.
NOW = datetime(2026, 11, 25, 8, 30, tzinfo=ZoneInfo("Europe/Stockholm"))
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=True):
        yield


def by_hand(case, actor, assignee=None, title="Ring arbetsgivaren", due_on=TODAY):
    return task_create(
        actor=actor,
        case=case,
        assignee=assignee or actor,
        title=title,
        due_on=due_on,
        submission_id=uuid.uuid4(),
    )


def test_the_deadline_scan_gives_each_professional_a_task_closed_with_the_milestone(personas, case):
    assert scan_deadlines()["tasks"] == 2
    assert scan_deadlines()["tasks"] == 0, "once per duty"
    tasks = {(t.assignee, t.milestone_code) for t in Task.objects.all()}
    assert tasks == {
        (personas.treating_physician, "certificate_required"),
        (personas.coordinator, "fk_sickness_benefit"),
    }
    assert not Task.objects.filter(assignee=personas.patient).exists()
    milestone_complete(actor=personas.coordinator, case=case, code="fk_sickness_benefit")
    task = Task.objects.get(milestone_code="fk_sickness_benefit")
    assert task.status == TaskStatus.DONE and task.completed_by == personas.coordinator


def test_the_inbox_groups_overdue_due_and_done_across_cases(client, personas, case):
    other_case = Case.objects.create(
        patient=patient_at(personas.unit),
        organisation=personas.unit,
        responsible_coordinator=personas.coordinator,
    )
    late = by_hand(
        case, personas.coordinator, title="Sen uppgift", due_on=TODAY - timedelta(days=2)
    )
    by_hand(
        other_case, personas.coordinator, title="Kommande uppgift", due_on=TODAY + timedelta(days=3)
    )
    done = by_hand(case, personas.coordinator, title="Klar uppgift")
    client.force_login(personas.coordinator)
    client.post(f"/tasks/{done.pk}/done/", {"done": "1"})
    page = client.get("/tasks/").text
    overdue, rest = page.split('id="due-heading"')
    due, finished = rest.split('id="done-heading"')
    assert "Sen uppgift" in overdue and "Kommande uppgift" in due and "Klar uppgift" in finished
    assert AccessEvent.objects.filter(actor=personas.coordinator, object_type="tasks").count() == 2
    assert late.is_overdue


def test_the_inbox_takes_the_same_queries_for_many_tasks(
    client, personas, case, django_assert_max_num_queries
):
    client.force_login(personas.coordinator)
    by_hand(case, personas.coordinator)
    client.get("/tasks/")
    for n in range(30):
        other = Case.objects.create(
            patient=patient_at(personas.unit),
            organisation=personas.unit,
            responsible_coordinator=personas.coordinator,
        )
        by_hand(other, personas.coordinator, title=f"Uppgift {n}")
    with django_assert_max_num_queries(16):
        page = client.get("/tasks/")
    assert page.text.count("Uppgift ") >= 30


def test_only_the_assignee_completes_a_task(client, personas, case):
    task = by_hand(case, personas.coordinator)
    for who in ("treating_physician", "outsider"):
        client.force_login(personas.get(who))
        assert client.post(f"/tasks/{task.pk}/done/", {"done": "1"}).status_code == 404
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN


def test_a_task_by_hand_goes_only_to_someone_who_may_see_the_plan(personas, case):
    with pytest.raises(NotAllowed):
        by_hand(case, personas.coordinator, assignee=personas.employer)
    personas.with_consent(personas.fk_caseworker, [Category.PLAN], Purpose.FK_INFORMATION)
    task = by_hand(case, personas.coordinator, assignee=personas.fk_caseworker)
    assert task.source == TaskSource.MANUAL
    assert personas.fk_caseworker.notifications.filter(kind="task_assigned").exists()


def test_the_day_view_shows_the_days_meetings_tasks_duties_and_waiting_messages(
    client, personas, case
):
    meeting_schedule(
        actor=personas.coordinator,
        case=get_case_for(personas.coordinator, case.pk, category=Category.MEETINGS),
        kind="sip",
        starts_at=NOW.replace(hour=10, minute=0),
        participants=[],
    )
    by_hand(case, personas.coordinator, title="Skicka kallelsen")
    thread_start(
        actor=personas.patient,
        role="patient",
        patient=personas.patient,
        kind=ThreadKind.WITH_PATIENT,
        subject="Undrar en sak",
        participants=[personas.coordinator],
        body="Hej",
        submission_id=uuid.uuid4(),
    )
    client.force_login(personas.coordinator)
    page = client.get("/tasks/day/").text
    assert "SIP-möte" in page
    assert "Skicka kallelsen" in page
    assert "Undrar en sak" in page
    assert str(personas.patient) in page.split('id="deadlines-heading"')[1]
    tomorrow = client.get(f"/tasks/day/?day={TODAY + timedelta(days=1)}").text
    assert "SIP-möte" not in tomorrow


def test_no_email_carries_a_diagnosis_or_a_checkin_value(
    personas, case, django_capture_on_commit_callbacks
):
    """Every kind of e-mail the outbox sends, built from a case with a diagnosis and a
    patient whose check-in note holds crisis words and distinctive values."""
    certificate = case.certificates.create(
        kind=case.certificate_kind, created_by=personas.treating_physician
    )
    CertificateDiagnosis.objects.create(
        certificate=certificate,
        position=0,
        system="icd10_se",
        code="F32.1",
        text="Medelsvår depressiv episod",
    )
    personas.with_consent(
        personas.fk_caseworker,
        [Category.MEETINGS, Category.MESSAGES],
        Purpose.FK_INFORMATION,
    )
    with django_capture_on_commit_callbacks(execute=True):
        checkin_on(personas.patient, 0, mood=1, energy=2, note="Jag vill inte leva längre")
    scan_deadlines()
    meeting = meeting_schedule(
        actor=personas.coordinator,
        case=get_case_for(personas.coordinator, case.pk, category=Category.MEETINGS),
        kind="sip",
        starts_at=timezone.now(),
        participants=[personas.fk_caseworker],
    )
    thread_start(
        actor=personas.patient,
        role="patient",
        patient=personas.patient,
        kind=ThreadKind.WITH_PATIENT,
        subject="Min depression",
        participants=[personas.fk_caseworker],
        body="Jag mår sämre, F32.1",
        submission_id=uuid.uuid4(),
    )
    decision_add(
        actor=personas.coordinator,
        meeting=meeting,
        kind="task",
        text="Utred depressionen",
        owner=personas.fk_caseworker,
        due_on=TODAY,
        submission_id=uuid.uuid4(),
    )
    outbox_dispatch()
    kinds = {m.subject for m in mail.outbox}
    assert len(kinds) >= 5, kinds
    for email in mail.outbox:
        text = email.subject + email.body + "".join(str(a[1]) for a in email.attachments)
        for secret in (
            "F32",
            "depress",
            "Depress",
            "leva",
            "mood",
            "Min depression",
            "sämre",
            "Utred",
        ):
            assert secret not in text, (secret, email.subject)


def test_a_deadline_task_reads_in_the_language_of_whoever_opens_the_inbox(client, personas, case):
    scan_deadlines()
    client.force_login(personas.coordinator)
    assert "Sjukpenning från Försäkringskassan (dag 15)" in client.get("/tasks/").text
    personas.coordinator.preferred_language = "en"
    personas.coordinator.save()
    page = client.get("/tasks/").text
    assert "Sickness benefit from Försäkringskassan (day 15)" in page
    assert "Sjukpenning från" not in page
