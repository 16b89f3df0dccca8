"""The worker keeps its own bookkeeping small: finished task results go after a week."""

from datetime import timedelta

from django.tasks import task, task_backends
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from stegvis.core.housekeeping import TASK_RESULTS_KEPT_DAYS, prune_task_results_task
from stegvis.portal.jobs import SCHEDULE


@task
def noop() -> None:
    """A task whose results are pruned."""


def test_finished_task_results_older_than_a_week_are_pruned_daily(settings, db):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert type(task_backends["default"]).__name__ == "DatabaseBackend"
    old, recent, waiting = (noop.enqueue().id for _ in range(3))
    now = timezone.now()
    DBTaskResult.objects.filter(pk=old).update(
        status="SUCCESSFUL", finished_at=now - timedelta(days=TASK_RESULTS_KEPT_DAYS + 1)
    )
    DBTaskResult.objects.filter(pk=recent).update(
        status="SUCCESSFUL", finished_at=now - timedelta(days=1)
    )
    prune_task_results_task.call()
    assert set(map(str, DBTaskResult.objects.values_list("pk", flat=True))) == {recent, waiting}
    assert ("prune_task_results", "stegvis.core.housekeeping.prune_task_results_task",
            timedelta(days=1)) in SCHEDULE  # fmt: skip
