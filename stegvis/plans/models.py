"""The patient's return-to-work plan (every version kept), proposals and comments from the
network, the capacity note, and the employer's plan. One of each per case."""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stegvis.accounts.models import User
from stegvis.cases.models import Case
from stegvis.network.models import NetworkMember
from stegvis.plans import content


class RtwPlan(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="rtw_plan")
    # The current version's number and content (a copy of its PlanVersion row).
    version = models.PositiveIntegerField(default=0)
    content = models.JSONField(default=content.empty)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")

    def __str__(self) -> str:
        return f"Plan v{self.version} for case {self.case_id}"

    @property
    def etag(self) -> str:
        # By the case, not the row's id: a plan not yet written has no stored id.
        return f'"plan-{self.case_id}-{self.version}"'


class PlanVersion(models.Model):
    plan = models.ForeignKey(RtwPlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    content = models.JSONField()
    author = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    # Why this version exists, for the history ("accepted a proposal by ...").
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_version_unique")
        ]

    def __str__(self) -> str:
        return f"v{self.number}"


class ProposalStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for your answer")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Declined")


class PlanProposal(models.Model):
    """A network member's suggested new text for one section; the patient decides."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(RtwPlan, on_delete=models.CASCADE, related_name="proposals")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    author_role = models.CharField(max_length=32)
    section = models.CharField(max_length=20)
    value = models.JSONField()
    comment = models.TextField(blank=True, max_length=2000)
    base_version = models.PositiveIntegerField()
    status = models.CharField(
        max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.section} by {self.author_id}"

    @property
    def section_label(self) -> str:
        return content.SECTIONS[self.section]


class PlanComment(models.Model):
    plan = models.ForeignKey(RtwPlan, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    author_role = models.CharField(max_length=32)
    text = models.TextField(max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.text[:40]


class CapacityNote(models.Model):
    """The patient-held note (Nordling et al., BMJ Open 2022): work situation, limitations
    in work capacity in plain words, possible adjustments. Never a diagnosis."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="capacity_note")
    work_situation = models.TextField(_("My work situation"), blank=True, max_length=4000)
    limitations = models.TextField(
        _("What is harder at work right now"), blank=True, max_length=4000
    )
    adjustments = models.TextField(_("What could make work possible"), blank=True, max_length=4000)
    revision = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    # Only the patient shares it, with one employer member of their network.
    shared_with = models.ForeignKey(
        NetworkMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    shared_at = models.DateTimeField(null=True, blank=True)

    TEXT_FIELDS = ("work_situation", "limitations", "adjustments")

    def __str__(self) -> str:
        return f"Capacity note for case {self.case_id}"

    @property
    def etag(self) -> str:
        return f'"note-{self.case_id}-{self.revision}"'

    @property
    def is_empty(self) -> bool:
        return not any(getattr(self, name).strip() for name in self.TEXT_FIELDS)


class EmployerPlan(models.Model):
    """The employer's plan: an answer per point of the country's list (employer_plan.toml)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="employer_plan")
    answers = models.JSONField(default=dict)
    follow_up_on = models.DateField(_("Next follow-up"), null=True, blank=True)
    revision = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"Employer plan for case {self.case_id}"

    @property
    def etag(self) -> str:
        return f'"employer-plan-{self.case_id}-{self.revision}"'
