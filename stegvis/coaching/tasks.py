"""The coach's periodic jobs, enqueued by the worker's scheduler (stegvis.core.scheduler)."""

from django.tasks import task

from stegvis.coaching.flags.services import flags_scan
from stegvis.coaching.reminders import reminders_expire, reminders_plan


@task
def plan_reminders_task() -> dict:
    return reminders_plan()


@task
def close_checkin_windows_task() -> dict:
    """Close the check-in windows that have passed (their e-mails are the outbox's)."""
    return {"expired": reminders_expire()}


@task
def scan_flags_task() -> dict:
    return flags_scan()
