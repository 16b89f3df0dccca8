"""The digital coach: check-in schedules and reminders, check-ins, coach messages, flags."""

import uuid
from datetime import time

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from stegvis.accounts.models import User
from stegvis.notifications.models import OutboxMessage

ZERO_TO_TEN = [MinValueValidator(0), MaxValueValidator(10)]


class Cadence(models.TextChoices):
    DAILY = "daily", _("Every day")
    THREE_A_WEEK = "three_a_week", _("Three times a week")
    WEEKLY = "weekly", _("Once a week")
    PAUSED = "paused", _("Paused")


class CheckinSchedule(models.Model):
    patient = models.OneToOneField(User, on_delete=models.CASCADE, related_name="checkin_schedule")
    cadence = models.CharField(
        _("how often"), max_length=20, choices=Cadence.choices, default=Cadence.PAUSED
    )
    time_of_day = models.TimeField(_("time of day"), default=time(9, 0))
    timezone = models.CharField(_("time zone"), max_length=64, default="Europe/Stockholm")
    revision = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.cadence} at {self.time_of_day} for {self.patient_id}"


class ReminderStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Open")
    ANSWERED = "answered", _("Answered")
    EXPIRED = "expired", _("Missed")
    CANCELLED = "cancelled", _("Cancelled")


class Reminder(models.Model):
    """One due check-in: its answer window, and the reminder e-mail sent for it through
    the outbox (`delivery`, whose delivery log says what happened to it).

    One row per patient and local date, so a changed schedule moves an unsent reminder
    but can never make a second one for a day whose reminder already went out.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="reminders")
    occasion_on = models.DateField()
    due_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    status = models.CharField(
        max_length=12, choices=ReminderStatus.choices, default=ReminderStatus.SCHEDULED
    )
    delivery = models.OneToOneField(
        OutboxMessage, on_delete=models.SET_NULL, null=True, blank=True, related_name="reminder"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "occasion_on"], name="one_reminder_a_day")
        ]
        indexes = [
            models.Index(fields=["status", "due_at"]),
            models.Index(fields=["patient", "status", "expires_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.patient_id} {self.occasion_on} {self.status}"


MEASURES = ("mood", "energy", "pain", "sleep", "stress", "work_ability")
# For these, a higher value is better; for pain and stress, a lower one.
HIGHER_IS_BETTER = frozenset({"mood", "energy", "sleep", "work_ability"})


class CheckIn(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="checkins")
    reminder = models.OneToOneField(
        Reminder, on_delete=models.SET_NULL, null=True, blank=True, related_name="checkin"
    )
    # The form's one-time key: a retried submission finds the check-in it already made.
    # The key is the patient's own: another patient sending the same one makes their own.
    submission_id = models.UUIDField()
    submitted_at = models.DateTimeField()
    local_date = models.DateField()
    # Each answer is optional: one the patient left untouched is not recorded as a guess.
    mood = models.PositiveSmallIntegerField(
        _("mood"), null=True, blank=True, validators=ZERO_TO_TEN
    )
    energy = models.PositiveSmallIntegerField(
        _("energy"), null=True, blank=True, validators=ZERO_TO_TEN
    )
    pain = models.PositiveSmallIntegerField(
        _("pain"), null=True, blank=True, validators=ZERO_TO_TEN
    )
    sleep = models.PositiveSmallIntegerField(
        _("sleep"), null=True, blank=True, validators=ZERO_TO_TEN
    )
    stress = models.PositiveSmallIntegerField(
        _("stress"), null=True, blank=True, validators=ZERO_TO_TEN
    )
    work_ability = models.PositiveSmallIntegerField(
        _("work ability today"), null=True, blank=True, validators=ZERO_TO_TEN
    )
    hours_worked = models.DecimalField(
        _("hours worked today"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(24)],
    )
    note = models.TextField(_("anything else (optional)"), blank=True, max_length=2000)
    # Chosen by the feedback rules, kept so the patient can see why.
    feedback_rule = models.CharField(max_length=40, blank=True)
    strategies = models.JSONField(default=list, blank=True)
    crisis = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["patient", "submitted_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["submission_id", "patient"], name="checkin_submission_per_patient"
            )
        ]

    def __str__(self) -> str:
        return f"{self.patient_id} {self.local_date}"


class CoachMessage(models.Model):
    """A short message between the patient and their coach (feedback or a question)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="coach_thread")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(max_length=4000)
    submission_id = models.UUIDField()  # the author's, as a check-in's is the patient's
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["patient", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["submission_id", "author"], name="coach_message_submission_per_author"
            )
        ]

    def __str__(self) -> str:
        return f"{self.author_id} → {self.patient_id} {self.created_at}"

    @property
    def from_patient(self) -> bool:
        return self.author_id == self.patient_id


class FlagKind(models.TextChoices):
    SAFETY = "safety", _("Safety: possible risk of self-harm")
    THRESHOLD = "threshold", _("A threshold was crossed")
    WORSENING = "worsening", _("Worsening trend")
    MISSED = "missed", _("Several missed check-ins")
    ACTION_OVERDUE = "action_overdue", _("A plan action is overdue")
    UNANSWERED_MESSAGE = "unanswered_message", _("An unanswered message")


class FlagStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ESCALATED = "escalated", _("Escalated")
    HANDLED = "handled", _("Handled")


class EscalatedTo(models.TextChoices):
    COORDINATOR = "rehab_coordinator", _("Rehabilitation coordinator")
    PHYSICIAN = "physician", _("Physician")


class CoachFlag(models.Model):
    """Something a human should look at, with a response-time target."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="coach_flags")
    kind = models.CharField(max_length=20, choices=FlagKind.choices)
    urgent = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=FlagStatus.choices, default=FlagStatus.OPEN)
    raised_at = models.DateTimeField()
    respond_by = models.DateTimeField()
    # Why it was raised, in words without values (shown to staff who may see check-ins).
    reason = models.CharField(max_length=200, blank=True)
    source_type = models.CharField(max_length=30, blank=True)
    source_id = models.CharField(max_length=64, blank=True)
    escalated_to = models.CharField(max_length=20, choices=EscalatedTo.choices, blank=True)
    handled_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        constraints = [
            # One open flag of a kind per patient: a rerun of a scan adds nothing.
            models.UniqueConstraint(
                fields=["patient", "kind"],
                condition=models.Q(status__in=["open", "escalated"]),
                name="one_open_flag_per_kind",
            )
        ]
        indexes = [models.Index(fields=["status", "respond_by"])]

    def __str__(self) -> str:
        return f"{self.kind} for {self.patient_id} ({self.status})"
