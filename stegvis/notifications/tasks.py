from django.tasks import task

from stegvis.notifications.services import scan_deadlines


@task
def scan_deadlines_task() -> dict:
    """Tell responsible people about near and passed deadlines (the worker runs it hourly)."""
    return scan_deadlines()
