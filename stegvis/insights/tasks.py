from django.tasks import task

from stegvis.insights.extract import refresh
from stegvis.insights.warming import warm


@task
def refresh_extract_task() -> dict:
    """Bring the analysis extract up to today (the worker runs it hourly), then compute the
    new version's figures for every reader, so no reader's request computes them."""
    refreshed = refresh()
    return {**refreshed, "warmed_scopes": warm()}
