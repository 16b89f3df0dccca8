"""Administrations of questionnaires to a patient, and the administrator's licence switch."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from stegvis.accounts.models import User
from stegvis.cases.models import Case
from stegvis.instruments.definitions import instrument


class InstrumentSetting(models.Model):
    """An administrator's decision to enable (or disable) an instrument whose licence is
    not known to be free; without a row, only free instruments are in use."""

    code = models.CharField(max_length=20, unique=True)
    enabled = models.BooleanField(default=False)
    changed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(auto_now=True)
    reason = models.TextField(_("reason"), blank=True)

    def __str__(self) -> str:
        return f"{self.code}: {'on' if self.enabled else 'off'}"


class Occasion(models.TextChoices):
    BASELINE = "baseline", _("Baseline")
    PROGRAM_START = "program_start", _("Before the program")
    END_OF_PROGRAM = "end_of_program", _("End of program")
    PROGRAM_1_YEAR = "program_1_year", _("One year after the program")
    FOLLOW_UP_3M = "follow_up_3m", _("3 months after return")
    FOLLOW_UP_6M = "follow_up_6m", _("6 months after return")
    FOLLOW_UP_12M = "follow_up_12m", _("12 months after return")
    ON_DEMAND = "on_demand", _("Requested by a clinician")


class AdministrationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for answers")
    COMPLETED = "completed", _("Answered")
    EXPIRED = "expired", _("Not answered in time")
    CANCELLED = "cancelled", _("Cancelled")


class Administration(models.Model):
    """One questionnaire given to a patient at one occasion, and its scored answers."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="administrations")
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, null=True, blank=True, related_name="administrations"
    )
    instrument_code = models.CharField(max_length=20)
    instrument_version = models.CharField(max_length=20)
    occasion = models.CharField(max_length=20, choices=Occasion.choices)
    due_on = models.DateField()
    expires_on = models.DateField()
    requested_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=12, choices=AdministrationStatus.choices, default=AdministrationStatus.PENDING
    )
    answers = models.JSONField(default=dict, blank=True)
    # PSFS: the activities the patient named, by item number.
    activity_names = models.JSONField(default=dict, blank=True)
    total = models.FloatField(null=True, blank=True)
    band = models.CharField(max_length=30, blank=True)
    flags = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # A scheduled occasion is given once per case; on demand as often as needed.
            models.UniqueConstraint(
                fields=["case", "instrument_code", "occasion"],
                condition=~Q(occasion="on_demand"),
                name="one_administration_per_occasion",
            ),
        ]
        indexes = [
            models.Index(fields=["patient", "status", "due_on"]),
            models.Index(fields=["status", "expires_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.instrument_code} {self.occasion} for {self.patient_id}"

    @property
    def definition(self):
        return instrument(self.instrument_code)

    @property
    def band_label(self) -> str:
        """The band in the reader's language ("" when the instrument has no bands)."""
        band = next((b for b in self.definition.bands if b.code == self.band), None)
        return band.label if band else ""
