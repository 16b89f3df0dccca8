"""What the agency app keeps: the systems at a unit that send it certificates, and each
certificate received from another system with who issued it."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stegvis.accounts.models import Organisation, hash_token, new_token
from stegvis.cases.models import Certificate

INTEGRATION_TOKEN_PREFIX = "stvi_"  # noqa: S105 (a label, not a secret)


class UnitIntegration(models.Model):
    """A system at a care unit (its record system) that sends Stegvis the certificates it
    issued, known by a token that speaks for that unit only."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="integrations"
    )
    name = models.CharField(_("name"), max_length=100)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(max_length=12, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…) @ {self.organisation}"

    @classmethod
    def issue(cls, *, organisation: Organisation, name: str) -> tuple["UnitIntegration", str]:
        """A new integration; its raw token is returned once and never stored."""
        raw, token_hash, hint = new_token(INTEGRATION_TOKEN_PREFIX)
        integration = cls.objects.create(
            organisation=organisation, name=name, token_hash=token_hash, hint=hint
        )
        return integration, raw

    @classmethod
    def usable(cls, raw: str) -> "UnitIntegration | None":
        return (
            cls.objects.select_related("organisation")
            .filter(token_hash=hash_token(raw), revoked_at__isnull=True)
            .first()
        )


class ImportedCertificate(models.Model):
    """A certificate another system issued, as it came to Stegvis: the message's own id
    (a resend of the same id changes nothing), its format and who issued it."""

    certificate = models.OneToOneField(
        Certificate, on_delete=models.PROTECT, related_name="imported"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    # LISJP: the intygs-id's root and extension; SM2013: the MsgHead's MsgId.
    external_id = models.CharField(max_length=200)
    message_format = models.CharField(max_length=10)
    # The message's SHA-256: the same id with other content is a different message.
    digest = models.CharField(max_length=64)
    issuer_name = models.CharField(_("issued by"), max_length=200, blank=True)
    issuer_id = models.CharField(max_length=64, blank=True)
    issuer_unit = models.CharField(_("issuing unit"), max_length=200, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    # "command" or the integration's name.
    received_via = models.CharField(max_length=120)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "external_id"], name="one_import_per_message_and_unit"
            )
        ]

    def __str__(self) -> str:
        return f"{self.message_format} {self.external_id}"


class Agency(models.TextChoices):
    FORSAKRINGSKASSAN = "fk", _("Försäkringskassan")
    NAV = "nav", _("Nav")


class Answer(models.TextChoices):
    WAITING = "waiting", _("Waiting to be sent")
    DELIVERED = "delivered", _("Received by the agency")
    # Received, with a note from the agency (Försäkringskassan's INFO; an AppRec "OK with
    # errors in part").
    DELIVERED_WITH_NOTE = "delivered_note", _("Received, with a note")
    REFUSED = "refused", _("Refused by the agency")
    # No answer after every attempt: the certificate is printed instead.
    UNDELIVERED = "undelivered", _("Could not be sent")
    # A correction was signed before this version left: only the correction is sent.
    REPLACED = "replaced", _("Replaced by a correction before it was sent")


# The answers that mean the agency has the certificate.
RECEIVED = (Answer.DELIVERED, Answer.DELIVERED_WITH_NOTE)


class AgencyDelivery(models.Model):
    """A signed certificate on its way to its agency, and the agency's answer: the result
    code and text Försäkringskassan gives, or Nav's AppRec status and errors. The sending
    itself is a row on the outbox (retried, logged), found by `outbox_message_id`."""

    certificate = models.OneToOneField(
        Certificate, on_delete=models.PROTECT, related_name="delivery"
    )
    agency = models.CharField(max_length=3, choices=Agency.choices)
    message_format = models.CharField(max_length=10)
    outbox_message_id = models.UUIDField()
    answer = models.CharField(max_length=16, choices=Answer.choices, default=Answer.WAITING)
    # The agency's own code (OK, INFO, ERROR; AppRec 1, 2, 3) and words, as given.
    result_code = models.CharField(max_length=20, blank=True)
    result_text = models.TextField(blank=True)
    # Nav's AppRec errors: [{"code", "text"}].
    errors = models.JSONField(default=list, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_failure = models.CharField(max_length=200, blank=True)
    queued_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.certificate_id} → {self.agency}: {self.answer}"
