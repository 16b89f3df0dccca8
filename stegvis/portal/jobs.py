"""The worker's job table and the jobs that bring several apps together."""

from datetime import date, timedelta

from django.conf import settings
from django.tasks import task
from django.utils import timezone

from stegvis.cases.models import Case
from stegvis.cases.services import store_next_deadline
from stegvis.cases.timelines import DUE_SOON_DAYS, case_timeline
from stegvis.coordination.tasks.services import tasks_for_deadlines
from stegvis.notifications.services import OPEN_STATUSES, notify_case, recipients


def scan_deadlines(today: date | None = None) -> dict:
    """Refresh and notify every open case whose next deadline is within a week or past."""
    today = today or timezone.localdate()
    horizon = today + timedelta(days=DUE_SOON_DAYS)
    cases = (
        Case.objects.filter(status__in=OPEN_STATUSES, next_deadline_on__lte=horizon)
        .select_related("patient", "responsible_physician", "responsible_coordinator")
        .order_by("pk")
    )
    scanned = notified = tasks = 0
    for case in cases.iterator(chunk_size=500):
        scanned += 1
        timeline = case_timeline(case, today)
        notified += len(notify_case(case, timeline))
        tasks += tasks_for_deadlines(case, timeline, recipients)
        store_next_deadline(case, timeline)
    return {"scanned": scanned, "notifications": notified, "tasks": tasks}


@task
def scan_deadlines_task() -> dict:
    """Tell responsible people about near and passed deadlines (the worker runs it hourly)."""
    return scan_deadlines()


# (name, task, interval)
SCHEDULE = [
    ("scan_deadlines", "stegvis.portal.jobs.scan_deadlines_task", timedelta(hours=1)),
    ("seal_audit_events", "stegvis.audit.tasks.seal_audit_events", timedelta(minutes=1)),
    # The checkpoint first: a new worker's first verification then finds one.
    (
        "checkpoint_audit_chain",
        "stegvis.audit.tasks.checkpoint_audit_chain",
        timedelta(minutes=15),
    ),
    (
        "verify_recent_audit_chain",
        "stegvis.audit.tasks.verify_recent_audit_chain",
        timedelta(days=1),
    ),
    ("verify_audit_chain", "stegvis.audit.tasks.verify_audit_chain", timedelta(days=7)),
    (
        "ensure_audit_partitions",
        "stegvis.audit.tasks.ensure_audit_partitions",
        timedelta(days=1),
    ),
    ("plan_reminders", "stegvis.coaching.tasks.plan_reminders_task", timedelta(hours=1)),
    (
        "dispatch_outbox",
        "stegvis.notifications.tasks.dispatch_outbox_task",
        timedelta(seconds=settings.STEGVIS_OUTBOX_EVERY_SECONDS),
    ),
    ("build_digests", "stegvis.notifications.tasks.build_digests_task", timedelta(hours=1)),
    (
        "close_checkin_windows",
        "stegvis.coaching.tasks.close_checkin_windows_task",
        timedelta(minutes=1),
    ),
    ("scan_flags", "stegvis.coaching.tasks.scan_flags_task", timedelta(hours=1)),
    ("purge_idempotency_keys", "stegvis.core.idempotency.purge_task", timedelta(hours=1)),
    (
        "prune_task_results",
        "stegvis.core.housekeeping.prune_task_results_task",
        timedelta(days=1),
    ),
    ("refresh_extract", "stegvis.insights.tasks.refresh_extract_task", timedelta(hours=1)),
    ("purge_fhir_exports", "stegvis.fhir.tasks.purge_exports_task", timedelta(hours=1)),
    (
        "plan_questionnaires",
        "stegvis.instruments.tasks.plan_questionnaires_task",
        timedelta(hours=6),
    ),
]
