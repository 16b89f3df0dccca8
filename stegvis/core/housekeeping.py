"""Keeping the worker's own bookkeeping small."""

from django.core.management import call_command
from django.tasks import task

# How long a finished task's result is kept: long enough to look into a failure.
TASK_RESULTS_KEPT_DAYS = 7


@task
def prune_task_results_task() -> None:
    """Delete finished task results older than a week with django-tasks-db's own command
    (the worker runs it daily): left alone, about 4 500 rows a day pile up."""
    call_command(
        "prune_db_task_results",
        min_age_days=TASK_RESULTS_KEPT_DAYS,
        queue_name="*",
        verbosity=0,
    )
