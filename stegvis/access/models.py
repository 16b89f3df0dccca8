from datetime import timedelta

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stegvis.accounts.models import Organisation, User
from stegvis.accounts.professions import Profession
from stegvis.accounts.roles import Role
from stegvis.audit.models import AccessEvent


class ReviewKind(models.TextChoices):
    RANDOM = "random", _("Random sample")
    TARGETED = "targeted", _("Targeted sample")


class ReviewOutcome(models.TextChoices):
    PENDING = "pending", _("Not yet reviewed")
    NO_FINDINGS = "no_findings", _("All accesses justified")
    FOLLOW_UP = "follow_up", _("Needs follow-up")


class LogReview(models.Model):
    """A unit manager's systematic review of access logs (HSLF-FS 2016:40 4 kap. 9 §)."""

    reviewer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="log_reviews")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=ReviewKind.choices)
    criteria = models.JSONField(default=dict)
    events = models.ManyToManyField(AccessEvent, related_name="reviews")
    outcome = models.CharField(
        _("outcome"), max_length=12, choices=ReviewOutcome.choices, default=ReviewOutcome.PENDING
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d}"


class CareReason(models.TextChoices):
    """Why someone not named on the case takes part in a patient's care (PDL 4 kap. 1 §)."""

    COVERING = "covering", _("I am covering a colleague's visit or call")
    VISIT = "visit", _("The patient has a visit or call with me")
    CONSULTED = "consulted", _("A colleague asked for my assessment")
    CERTIFICATE = "certificate", _("The patient asked me for a certificate or a referral")
    TEAM = "team", _("I am joining the patient's care team at the unit")
    # Granted by the system, not stated by a person: the patient joined a team's program.
    PROGRAM = "program", _("A member of the patient's rehabilitation team")
    EMERGENCY = "emergency", _("Emergency: the patient's life or health is at risk")


# The care relationships a patient's refusal leaves open: emergency access, which passes it
# by design; and the rehabilitation team the patient was referred to (`program`), which is
# part of their named care team, while the refusal is of access outside that team.
PASSES_REFUSAL = Q(emergency=True) | Q(reason=CareReason.PROGRAM)


class CareRelationshipQuerySet(models.QuerySet):
    def active(self, now=None) -> "CareRelationshipQuerySet":
        now = now or timezone.now()
        return self.filter(started_at__lte=now, ends_at__gt=now, ended_at__isnull=True)

    def honoured(self) -> "CareRelationshipQuerySet":
        """Those the patient's refusal, while one stands, does not close. A refusal ends the
        others when it is made; this holds the line for any made or left running since."""
        refusing = CareRefusal.objects.filter(
            patient_id=OuterRef("patient_id"), withdrawn_at__isnull=True
        )
        return self.filter(PASSES_REFUSAL | ~Exists(refusing))


class CareRelationship(models.Model):
    """A care relationship that a professional at the patient's care unit established by
    stating why, for a limited time: the colleague covering a visit. Those named on the
    case, and those the patient's consents name, need none. Marked `emergency`, it is the
    only way past the patient's refusal (CareRefusal), when life or health is at risk.
    The patient sees each one, with its reason, on "who has seen my data"."""

    patient = models.ForeignKey(User, on_delete=models.PROTECT, related_name="care_relationships")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="care_relationships_held")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=32, choices=Role.choices)
    # What they are in the patient's care when a team grants it: the team member's
    # profession, which the patient reads rather than the role they sign in with.
    profession = models.CharField(max_length=30, choices=Profession.choices, blank=True)
    reason = models.CharField(_("reason"), max_length=20, choices=CareReason.choices)
    reason_text = models.TextField(_("in your own words"), max_length=500)
    emergency = models.BooleanField(default=False)
    started_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    # What granted it when no person stated a reason: "referral:<id>" for an MMR team.
    reference = models.CharField(max_length=64, blank=True, db_index=True)

    objects = CareRelationshipQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["user", "patient", "ends_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("started_at")),
                name="care_relationship_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.patient_id} until {self.ends_at:%Y-%m-%d %H:%M}"

    @property
    def hours(self) -> float:
        return (self.ends_at - self.started_at) / timedelta(hours=1)


class CareRefusal(models.Model):
    """The patient's refusal (spärr): nobody but their named care team (those named on the
    case, the rehabilitation team they were referred to) and those their consents name may
    open their records, unless in an emergency. Made, it ends every relationship a
    colleague stated; withdrawn, not deleted, it opens none of them again."""

    patient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="care_refusals")
    created_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="one_active_care_refusal_per_patient",
            )
        ]

    def __str__(self) -> str:
        return f"refusal by {self.patient_id}"
