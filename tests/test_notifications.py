"""Deadline notifications through the worker, and the scheduler that enqueues the scan."""

from datetime import timedelta

import time_machine
from django.urls import reverse
from django.utils import timezone

from stegvis.audit.models import AccessEvent
from stegvis.cases.models import Case, CaseStatus, ClosedReason, Employment
from stegvis.core.models import ScheduledRun
from stegvis.core.scheduler import enqueue_due
from stegvis.notifications.models import Notification, NotificationKind
from stegvis.portal.jobs import SCHEDULE, scan_deadlines, scan_deadlines_task

TODAY = timezone.localdate()


def sent(**filters) -> set[tuple[str, str, str]]:
    return {
        (n.recipient.email, n.milestone_code, n.kind)
        for n in Notification.objects.filter(**filters).select_related("recipient")
    }


def test_overdue_duties_reach_the_responsible_people_once(personas, case):
    scan_deadlines()
    physician, coordinator = personas.treating_physician.email, personas.coordinator.email
    assert sent() == {
        (physician, "certificate_required", NotificationKind.DEADLINE_OVERDUE),
        # The employer's duty goes to the coordinator, who keeps the contact.
        (coordinator, "fk_sickness_benefit", NotificationKind.DEADLINE_OVERDUE),
    }
    assert Notification.objects.get(milestone_code="fk_sickness_benefit").on_behalf_of == (
        "employer"
    )
    scan_deadlines()
    assert Notification.objects.count() == 2
    event = AccessEvent.objects.filter(basis="deadline_notification").get()
    assert (event.patient, event.actor) == (personas.patient, None)


def test_a_deadline_within_a_week_is_announced_when_it_comes_near(personas, case):
    scan_deadlines()
    assert not sent(milestone_code="employer_rtw_plan")
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        scan_deadlines()
    assert sent(milestone_code="employer_rtw_plan") == {
        (personas.coordinator.email, "employer_rtw_plan", NotificationKind.DEADLINE_DUE_SOON)
    }


def test_the_patient_is_told_about_their_own_duty(personas, case):
    Case.objects.filter(pk=case.pk).update(
        employment=Employment.UNEMPLOYED, sick_from=TODAY - timedelta(days=3)
    )
    case.refresh_from_db()
    scan_deadlines()
    assert (personas.patient.email, "fk_sick_report", "deadline_overdue") in sent()


def test_done_duties_and_closed_cases_are_quiet(personas, case):
    Case.objects.filter(pk=case.pk).update(
        status=CaseStatus.CLOSED, closed_reason=ClosedReason.RETURNED_TO_WORK
    )
    assert scan_deadlines()["notifications"] == 0
    assert not Notification.objects.exists()


def test_the_scan_runs_as_a_worker_task(personas, case):
    result = scan_deadlines_task.enqueue()
    assert result.return_value == {"scanned": 1, "notifications": 2, "tasks": 2}


def test_periodic_jobs_are_enqueued_once_per_interval(db):
    now = timezone.now()
    assert enqueue_due(SCHEDULE, now) == [name for name, *_ in SCHEDULE]
    assert enqueue_due(SCHEDULE, now) == []
    hourly_or_more_often = [n for n, _t, every in SCHEDULE if every <= timedelta(minutes=61)]
    assert "scan_deadlines" in hourly_or_more_often
    assert enqueue_due(SCHEDULE, now + timedelta(minutes=61)) == hourly_or_more_often
    assert ScheduledRun.objects.count() == len(SCHEDULE)


def test_a_person_reads_their_notifications(client, personas, case):
    scan_deadlines()
    client.force_login(personas.coordinator)
    assert client.get(reverse("home")).context["unread_notifications"] == 1
    page = client.get(reverse("notification_list")).content.decode()
    assert str(personas.patient) in page
    client.post(reverse("notifications_read"))
    assert client.get(reverse("home")).context["unread_notifications"] == 0
    client.force_login(personas.patient)
    assert "Sjukpenning" not in client.get(reverse("notification_list")).content.decode()


def test_the_notification_list_is_audited_and_follows_the_policy(client, personas, case):
    scan_deadlines()
    client.force_login(personas.coordinator)
    client.get(reverse("notification_list"))
    assert AccessEvent.objects.filter(
        patient=personas.patient, object_type="notification_list", actor=personas.coordinator
    ).exists()
    # Once the coordinator no longer works at the unit, the patient's name is not shown.
    personas.coordinator.memberships.all().delete()
    page = client.get(reverse("notification_list")).content.decode()
    assert str(personas.patient) not in page
