from django.tasks import task

from stegvis.insights.extract import refresh


@task
def refresh_extract_task() -> dict:
    """Bring the analysis extract up to today (the worker runs it hourly)."""
    return refresh()
