"""Periodic jobs for the worker: each is enqueued once per interval, whatever the number
of workers, by a conditional update on its ScheduledRun row. The job table itself is the
portal's (stegvis.portal.jobs.SCHEDULE), which knows every app."""

import logging
import threading

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone
from django.utils.module_loading import import_string

from stegvis.core.models import ScheduledRun

logger = logging.getLogger(__name__)


def enqueue_due(schedule, now=None) -> list[str]:
    """Enqueue the jobs of `schedule` (name, task path, interval) that are due and that this
    process wins the claim for."""
    now = now or timezone.now()
    enqueued = []
    for name, task_path, interval in schedule:
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


def start_in_background(stop: threading.Event, schedule) -> threading.Thread:
    def loop():
        while not stop.is_set():
            try:
                enqueue_due(schedule)
            except Exception:
                logger.exception("Scheduling periodic jobs failed; trying again shortly")
            finally:
                close_old_connections()
            stop.wait(settings.STEGVIS_SCHEDULER_CHECK_SECONDS)

    thread = threading.Thread(target=loop, name="stegvis-scheduler", daemon=True)
    thread.start()
    return thread
