from django.db import models


class ScheduledRun(models.Model):
    """When a periodic job next runs. Workers claim a run by moving `next_run_at` forward
    with a conditional update, so with many workers each run is enqueued once."""

    name = models.CharField(max_length=100, primary_key=True)
    next_run_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.next_run_at:%Y-%m-%d %H:%M}"
