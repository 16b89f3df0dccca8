from django.conf import settings
from django.db import models
from django.utils import timezone


class ScheduledRun(models.Model):
    """When a periodic job next runs. Workers claim a run by moving `next_run_at` forward
    with a conditional update, so with many workers each run is enqueued once."""

    name = models.CharField(max_length=100, primary_key=True)
    next_run_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.next_run_at:%Y-%m-%d %H:%M}"


class IdempotentRequest(models.Model):
    """A creating request and what it answered, so a retry with the same key gets the same
    answer instead of a second record. A key belongs to its author; the fingerprint (method,
    path, body) tells a retry from a key used again for something else. Kept for a day."""

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Filled in the transaction that made the record; empty only while it runs.
    status = models.PositiveSmallIntegerField(null=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(blank=True, default=b"")
    location = models.CharField(max_length=2000, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["author", "key"], name="idempotency_key_per_author")
        ]

    def __str__(self) -> str:
        return f"{self.key} by {self.author_id}"


class HeldText(models.Model):
    """Something a patient wrote with words of crisis in it, answered once (a retried
    submission raises no second flag). When it was meant for others (a proposal, a comment,
    a message, the plan) it is `held`: no one but its author reads it until a person
    responsible has handled the urgent flag it raised (stegvis/core/crisis.py)."""

    source_type = models.CharField(max_length=30)
    source_id = models.CharField(max_length=64)
    held = models.BooleanField(default=True)
    # The coach's flag that holds it (coaching is above core: an id, not a key).
    flag_id = models.CharField(max_length=64)
    held_at = models.DateTimeField(default=timezone.now)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source_type", "source_id"], name="held_text_once")
        ]
        indexes = [models.Index(fields=["source_type", "released_at"])]

    def __str__(self) -> str:
        return f"{self.source_type} {self.source_id}"
