"""The coach's periodic jobs, enqueued by the worker's scheduler (stegvis.core.scheduler)."""

from django.tasks import task

from stegvis.coaching.flags import flags_scan
from stegvis.coaching.reminders import reminders_dispatch, reminders_expire, reminders_plan


@task
def plan_reminders_task() -> dict:
    return reminders_plan()


@task
def dispatch_reminders_task() -> dict:
    """Close passed windows, then send what is due (safe with several workers)."""
    return {"expired": reminders_expire(), "sent": reminders_dispatch()}


@task
def scan_flags_task() -> dict:
    return flags_scan()
