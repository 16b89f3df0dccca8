import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stegvis.accounts.models import Organisation, User


class CaseStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PARTIAL_RETURN = "partial_return", _("Partial return")
    FULL_RETURN = "full_return", _("Full return")
    CLOSED = "closed", _("Closed")


class Case(models.Model):
    """A patient's return-to-work case, held by a care unit."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(User, on_delete=models.PROTECT, related_name="cases")
    # The care unit that holds the case; its staff are the treating team.
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="cases")
    status = models.CharField(
        _("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.ACTIVE
    )
    opened_on = models.DateField(_("opened"), default=timezone.localdate)
    closed_on = models.DateField(_("closed"), null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organisation", "opened_on"])]

    def __str__(self) -> str:
        return f"{self.patient} @ {self.organisation}"
