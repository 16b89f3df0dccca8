"""A minimal outbox: one row per recipient and event (a deadline, a coach flag), shown
in the app.

The coordination issue adds channels (e-mail, SMS), preferences and a digest on top.
"""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from stegvis.accounts.models import User
from stegvis.cases.models import Case


class NotificationKind(models.TextChoices):
    DEADLINE_DUE_SOON = "deadline_due_soon", _("A deadline is near")
    DEADLINE_OVERDUE = "deadline_overdue", _("A deadline has passed")
    URGENT_FLAG = "urgent_flag", _("An urgent flag needs a response")
    FLAG_ESCALATED = "flag_escalated", _("A flag was escalated to you")


class Notification(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notifications")
    milestone_code = models.CharField(max_length=40, blank=True)
    # The deadline's date, or for a flag the time a response is due.
    due_on = models.DateField(null=True, blank=True)
    respond_by = models.DateTimeField(null=True, blank=True)
    # Who the duty belongs to, when the recipient is told on their behalf (an employer's
    # duty goes to the coordinator, who keeps the contact).
    on_behalf_of = models.CharField(max_length=20, blank=True)
    # One row per recipient, event and date: a rerun of the scan creates nothing new.
    dedupe_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["recipient", "read_at", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.milestone_code} to {self.recipient_id}"
