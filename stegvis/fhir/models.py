"""Bulk exports (FHIR Bulk Data Access): a job a reader asks for, which the worker writes
as NDJSON files, one per resource type, readable by that reader alone until they expire."""

import uuid
from datetime import timedelta
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils import timezone

from stegvis.accounts.models import Organisation, User

# How long the files are kept for the reader to fetch (the worker deletes them after).
KEPT_FOR = timedelta(hours=24)


@cache
def storage() -> FileSystemStorage:
    """Outside anything served as static or media: read only through the export's views."""
    return FileSystemStorage(location=Path(settings.VAR_DIR) / "fhir-exports")


class ExportLevel(models.TextChoices):
    SYSTEM = "system"
    PATIENT = "patient"
    GROUP = "group"


class ExportStatus(models.TextChoices):
    ACCEPTED = "accepted"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class ExportJob(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requested_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    level = models.CharField(max_length=8, choices=ExportLevel.choices)
    # A group is a care unit: the patients with a case there.
    group = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    types = models.JSONField(default=list)  # empty: every type
    # The app that asked, if one did (SMART on FHIR): only it fetches the export, and each
    # patient's log names it.
    client_id = models.CharField(max_length=100, blank=True, default="")
    via_app = models.CharField(max_length=255, blank=True, default="")
    since = models.DateTimeField(null=True, blank=True)
    request_url = models.URLField(max_length=2000)
    site = models.URLField(max_length=200)  # for links inside the resources
    status = models.CharField(
        max_length=10, choices=ExportStatus.choices, default=ExportStatus.ACCEPTED
    )
    progress = models.CharField(max_length=100, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The time the export reads as of (the Bulk Data manifest's transactionTime).
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "finished_at"])]

    def __str__(self) -> str:
        return f"{self.level} export {self.pk}"

    @property
    def expires_at(self):
        return (self.finished_at or self.created_at) + KEPT_FOR


class ExportFile(models.Model):
    job = models.ForeignKey(ExportJob, on_delete=models.CASCADE, related_name="files")
    resource_type = models.CharField(max_length=40)
    file = models.FileField(upload_to="%Y/%m/", storage=storage, max_length=200)
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "resource_type"], name="one_file_per_type")
        ]

    def __str__(self) -> str:
        return f"{self.resource_type} of {self.job_id}"


class ImportedResource(models.Model):
    """A resource another system sent, known by its identifier: sent again unchanged, it is
    found rather than written twice; changed, it updates what it made."""

    resource_type = models.CharField(max_length=40)
    # An identifier is the sender's name for one patient's resource: the same (system,
    # value) sent for another patient, or by someone else, is another resource, never
    # a way to reach this one.
    patient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    system = models.CharField(max_length=200)
    value = models.CharField(max_length=200)
    object_id = models.CharField(max_length=64)
    # Of the resource as sent, to tell a retry from a change.
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "author", "resource_type", "system", "value"],
                name="one_import_per_identifier_of_patient_and_author",
            )
        ]

    def __str__(self) -> str:
        return f"{self.resource_type} {self.system}|{self.value}"
