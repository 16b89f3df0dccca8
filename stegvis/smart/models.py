"""What SMART on FHIR adds to django-oauth-toolkit's applications and tokens: what kind of
app it is and who registered it, a person's letting an app in (a connection, which the
patient sees and revokes), the tokens each connection issued, and the EHR launches staff
start from a patient's page."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import AccessToken, Application, Grant, RefreshToken

from stegvis.accounts.models import Organisation

# How long a launch from a patient's page waits for the app to ask with it.
LAUNCH_LIFETIME = timedelta(minutes=5)


class AppKind(models.TextChoices):
    PATIENT = "patient", _("An app for patients")
    STAFF = "staff", _("An app for staff, opened from a patient's page")
    SYSTEM = "system", _("A region's system, with no person present")


class AppRegistration(models.Model):
    """What an OAuth application is to Stegvis. A patient app is registered by Stegvis's
    administrators; a staff app by the manager of the unit that uses it, never by a patient;
    a system (a SMART backend service) by the administrators, for a region, with the
    account it acts as (stegvis.access.systems says what that reads, and why)."""

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="registration"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=AppKind.choices)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Where a launch from a patient's page sends the browser (SMART's launch URL).
    launch_url = models.URLField(_("launch URL"), max_length=300, blank=True)
    description = models.CharField(_("what the app does"), max_length=300, blank=True)
    # A client that authenticates with a signed assertion (private_key_jwt) publishes its
    # public keys at an address, or registered them here.
    jwks_url = models.URLField(_("JWKS address"), max_length=300, blank=True)
    jwks = models.JSONField(null=True, blank=True)
    # A system's own account: the person its audit events name, a member of its region in
    # the system role, who never signs in.
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="system_registration",
    )

    def __str__(self) -> str:
        return self.application.name


class ConnectionQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class Connection(models.Model):
    """A person letting an app act for them: a patient their own app, or a member of staff
    an app opened with one patient; or a system's account, with no patient in context.
    Revoking it stops every token it issued at once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="app_connections"
    )
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="+")
    # The patient in context: the patient themselves, or the one a staff launch named
    # (none for a system).
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    scope = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ConnectionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "application", "patient"],
                condition=models.Q(revoked_at__isnull=True),
                name="smart_one_active_connection",
            )
        ]

    def __str__(self) -> str:
        return f"{self.application.name} ({self.user_id})"


class IssuedToken(models.Model):
    """Which connection a grant or token belongs to (django-oauth-toolkit's own models are
    left as they are): one of the three is set."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="tokens")
    grant = models.OneToOneField(
        Grant, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    access_token = models.OneToOneField(
        AccessToken, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    refresh_token = models.OneToOneField(
        RefreshToken, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    def __str__(self) -> str:
        issued = self.grant_id or self.access_token_id or self.refresh_token_id
        return f"{self.connection_id}: {issued}"


def new_launch_id() -> str:
    return secrets.token_urlsafe(24)


class Launch(models.Model):
    """A member of staff opening an app with one patient (SMART's EHR launch): the app
    is sent the id, and asks with it within LAUNCH_LIFETIME."""

    id = models.CharField(primary_key=True, max_length=40, default=new_launch_id, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.id

    @property
    def is_current(self) -> bool:
        return timezone.now() < self.created_at + LAUNCH_LIFETIME
