"""Periodic jobs for the worker: each is enqueued once per interval, whatever the number
of workers, by a conditional update on its ScheduledRun row."""

import logging
import threading
from datetime import timedelta

from django.db import close_old_connections
from django.utils import timezone
from django.utils.module_loading import import_string

from stegvis.core.models import ScheduledRun

logger = logging.getLogger(__name__)

# (name, task, interval)
SCHEDULE = [
    ("scan_deadlines", "stegvis.notifications.tasks.scan_deadlines_task", timedelta(hours=1)),
    ("verify_audit_chain", "stegvis.access.tasks.verify_audit_chain", timedelta(days=1)),
    ("plan_reminders", "stegvis.coaching.tasks.plan_reminders_task", timedelta(hours=1)),
    ("dispatch_outbox", "stegvis.notifications.tasks.dispatch_outbox_task", timedelta(minutes=1)),
    ("build_digests", "stegvis.notifications.tasks.build_digests_task", timedelta(hours=1)),
    ("dispatch_reminders", "stegvis.coaching.tasks.dispatch_reminders_task", timedelta(minutes=1)),
    ("scan_flags", "stegvis.coaching.tasks.scan_flags_task", timedelta(hours=1)),
    (
        "plan_questionnaires",
        "stegvis.instruments.tasks.plan_questionnaires_task",
        timedelta(hours=6),
    ),
]
CHECK_EVERY_SECONDS = 30


def enqueue_due(now=None) -> list[str]:
    """Enqueue the jobs that are due and that this process wins the claim for."""
    now = now or timezone.now()
    enqueued = []
    for name, task_path, interval in SCHEDULE:
        run, _created = ScheduledRun.objects.get_or_create(name=name, defaults={"next_run_at": now})
        if run.next_run_at > now:
            continue
        claimed = ScheduledRun.objects.filter(name=name, next_run_at=run.next_run_at).update(
            next_run_at=now + interval
        )
        if claimed:
            import_string(task_path).enqueue()
            enqueued.append(name)
    return enqueued


def start_in_background(stop: threading.Event) -> threading.Thread:
    def loop():
        while not stop.is_set():
            try:
                enqueue_due()
            except Exception:
                logger.exception("Scheduling periodic jobs failed; trying again shortly")
            finally:
                close_old_connections()
            stop.wait(CHECK_EVERY_SECONDS)

    thread = threading.Thread(target=loop, name="stegvis-scheduler", daemon=True)
    thread.start()
    return thread
