"""A patient's network: the people they let in, and the consents that say what each sees.

A member is a role at an organisation held by a person (or, for an e-mail invitation not
yet accepted, by nobody). A consent is one (member, data category, purpose) the patient
granted, until they withdraw it or its end date passes. Rows are never deleted, so the
history of who was allowed what stays readable.
"""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stegvis.access.categories import EMPLOYER_NEVER, Category
from stegvis.accounts.models import Organisation, User
from stegvis.accounts.roles import Role, role_title
from stegvis.network.purposes import Purpose


class MemberStatus(models.TextChoices):
    REQUESTED = "requested", _("Asked to join")
    INVITED = "invited", _("Invited")
    ACTIVE = "active", _("In the network")
    DECLINED = "declined", _("Declined")
    REMOVED = "removed", _("Removed")


OPEN_STATUSES = (MemberStatus.REQUESTED, MemberStatus.INVITED, MemberStatus.ACTIVE)


class NetworkMember(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="network")
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="network_roles"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    status = models.CharField(max_length=10, choices=MemberStatus.choices)
    # An e-mail invitation: who it was sent to, and the hash of the link's secret.
    invited_email = models.EmailField(_("e-mail"), blank=True)
    invited_name = models.CharField(_("name"), max_length=150, blank=True)
    token_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    # A staff member's note when they ask to join.
    message = models.TextField(_("message"), blank=True, max_length=1000)
    created_by = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(default=timezone.now)
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "user", "organisation", "role"],
                condition=Q(status__in=["requested", "invited", "active"]),
                name="network_member_open_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.role_title}, {self.organisation})"

    @property
    def role_title(self) -> str:
        """The role as this organisation calls it (a Nav veileder, a nærmeste leder)."""
        return role_title(self.role, self.organisation)

    @property
    def display_name(self) -> str:
        if self.user_id:
            return str(self.user)
        return self.invited_name or self.invited_email


class ConsentQuerySet(models.QuerySet):
    def active(self, today=None) -> "ConsentQuerySet":
        """Granted, not withdrawn, not past its end date, held by an active member."""
        today = today or timezone.localdate()
        return self.filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=today),
            withdrawn_at__isnull=True,
            member__status=MemberStatus.ACTIVE,
        )


class Consent(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    member = models.ForeignKey(NetworkMember, on_delete=models.CASCADE, related_name="consents")
    # Copied from the member so the database itself can refuse an employer a diagnosis.
    patient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="consents_given")
    role = models.CharField(max_length=32, choices=Role.choices)
    category = models.CharField(_("data"), max_length=20, choices=Category.choices)
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    granted_at = models.DateTimeField(default=timezone.now)
    granted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    ends_on = models.DateField(_("until"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["granted_at"]
        indexes = [models.Index(fields=["patient", "category"])]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "category", "purpose"],
                condition=Q(withdrawn_at__isnull=True),
                name="consent_one_open_grant",
            ),
            models.CheckConstraint(
                condition=~(Q(role=Role.EMPLOYER_MANAGER) & Q(category__in=sorted(EMPLOYER_NEVER))),
                name="consent_employer_never_clinical",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category}/{self.purpose} → {self.member_id}"

    def is_active(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.withdrawn_at is None and (self.ends_on is None or self.ends_on >= today)
