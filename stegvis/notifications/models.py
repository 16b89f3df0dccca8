"""Notifications: the event told to one person, and the outbox that carries it.

A `Notification` is what a person sees in the app. For every channel they receive it on
(in the app, by e-mail, by SMS) there is one `OutboxMessage`, rendered in the recipient's
language only when it is sent, sent once, and logged step by step in `DeliveryEvent`.
E-mails and text messages hold no health data: only what kind of thing happened and a link.
"""

import uuid

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stegvis.accounts.models import User
from stegvis.cases.models import Case


class NotificationKind(models.TextChoices):
    DEADLINE_DUE_SOON = "deadline_due_soon", _("A deadline is near")
    DEADLINE_OVERDUE = "deadline_overdue", _("A deadline has passed")
    URGENT_FLAG = "urgent_flag", _("An urgent flag needs a response")
    FLAG_ESCALATED = "flag_escalated", _("A flag was escalated to you")
    MESSAGE_RECEIVED = "message_received", _("You have a new message")
    MEETING_INVITATION = "meeting_invitation", _("You are invited to a meeting")
    MEETING_CHANGED = "meeting_changed", _("A meeting was changed")
    MEETING_CANCELLED = "meeting_cancelled", _("A meeting was cancelled")
    TASK_ASSIGNED = "task_assigned", _("You have a new task")
    CARE_RELATIONSHIP = "care_relationship", _("Someone at your unit opened a patient's records")
    EMERGENCY_ACCESS = "emergency_access", _("Emergency access to a patient's records")
    PROGRAM_NEWS = "program_news", _("News about your rehabilitation program")
    PARTICIPATION_NEWS = "participation_news", _("News about something you took part in")
    PLAN_SENT = "plan_sent", _("A follow-up plan was sent to you")
    CERTIFICATE_RECEIVED = "certificate_received", _("A new certificate about your sick leave")
    CERTIFICATE_REFUSED = "certificate_refused", _("An agency refused a certificate you signed")
    CERTIFICATE_NOT_SENT = "certificate_not_sent", _("A certificate you signed could not be sent")
    COACH_MESSAGE = "coach_message", _("Your coach wrote to you")
    REQUEST_ANSWERED = "request_answered", _("Your physician answered your request")
    REQUEST_RELAYED = "request_relayed", _("Your manager passed on a request for you")


# Told at once on every channel the person has, whatever their digest preference: a
# possible risk to someone's life does not wait for tomorrow's summary.
URGENT_KINDS = frozenset(
    {
        NotificationKind.URGENT_FLAG,
        NotificationKind.FLAG_ESCALATED,
        NotificationKind.EMERGENCY_ACCESS,
    }
)


class Notification(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    # The patient it is about (the recipient may see them only while the policy allows).
    patient = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    # Where to go in the app; the only thing an e-mail carries besides the kind.
    link = models.CharField(max_length=300, blank=True)
    # What it is about (a meeting for its calendar file, say).
    object_type = models.CharField(max_length=30, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
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

    @property
    def urgent(self) -> bool:
        return self.kind in URGENT_KINDS


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In Stegvis")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("Text message")
    # A notification on the person's phone or computer (Web Push), to each device they let.
    PUSH = "push", _("On your phone")
    # A service of an agency (Försäkringskassan, Nav): a certificate, sent by the agency app.
    AGENCY = "agency", _("Agency service")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    CLAIMED = "claimed", _("Taken by a worker, not yet sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Could not be sent")
    HELD = "held", _("Waiting for the daily summary")
    IN_DIGEST = "in_digest", _("Sent in the daily summary")
    CANCELLED = "cancelled", _("No longer needed")
    EXPIRED = "expired", _("Its time passed before it could be sent")


class OutboxKind(models.TextChoices):
    NOTICE = "notice", _("Notification")
    DIGEST = "digest", _("Daily summary")
    CHECKIN_REMINDER = "checkin_reminder", _("Check-in reminder")
    AGENCY_MESSAGE = "agency_message", _("Certificate to an agency")
    NETWORK_INVITATION = "network_invitation", _("Invitation to a patient's network")
    REPRESENTATIVE_INVITATION = (
        "representative_join",
        _("Invitation to be a patient representative"),
    )
    ACTIVITY_PREPARATION = "activity_invite", _("Invitation to an involvement activity")


class OutboxMessage(models.Model):
    """One message on one channel to one person, sent by the one delivery pipeline: a
    notification, a person's daily summary, or a message of another app's kind (a
    check-in reminder) that the app renders. Not sent before `next_attempt_at`, nor at all
    after `expires_at`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    notification = models.ForeignKey(
        Notification, null=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    # A person with an account, or (an invitation) an address with none behind it yet.
    recipient = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    address = models.EmailField(blank=True, db_default="")
    kind = models.CharField(max_length=20, choices=OutboxKind.choices, default=OutboxKind.NOTICE)
    # The object a message of another app's kind is about (a reminder's id).
    object_id = models.CharField(max_length=64, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices)
    # The notification's key and the channel, or "digest:<user>:<date>": a retried creation
    # or a second worker can never add a second row.
    dedupe_key = models.CharField(max_length=220, unique=True)
    # Not sent before (the first attempt's time for a message due later).
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # A message whose moment has passed is worse than none: never sent after this.
    expires_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    claim_token = models.UUIDField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # When the database had last recovered from a crash, at the claim (PostgreSQL only).
    # The mark of leaving is written without waiting for the disk, so a claim from before a
    # crash may have lost it: such a claim is in doubt, never sent again.
    claimed_in = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The language it was rendered in when sent.
    language = models.CharField(max_length=8, blank=True)
    digest = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="digested"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="outbox_pending_due",
            ),
            models.Index(fields=["recipient", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(recipient__isnull=False) | ~Q(address=""),
                name="outbox_to_someone",
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} to {self.recipient_id or 'an address'}: {self.status}"

    @property
    def is_digest(self) -> bool:
        return self.kind == OutboxKind.DIGEST


class DeliveryEventKind(models.TextChoices):
    QUEUED = "queued", _("queued")
    DELIVERED = "delivered", _("shown in the app")
    HELD = "held", _("held for the daily summary")
    CLAIMED = "claimed", _("taken by a worker")
    SENT = "sent", _("sent")
    RETRY = "retry", _("failed, will try again")
    FAILED = "failed", _("failed")
    DIGESTED = "digested", _("put in the daily summary")
    RESCHEDULED = "rescheduled", _("moved to a new time")
    CANCELLED = "cancelled", _("cancelled")
    EXPIRED = "expired", _("expired unsent")


class DeliveryEvent(models.Model):
    """The delivery log: every step of every outbox row, never changed afterwards."""

    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=DeliveryEventKind.choices)
    at = models.DateTimeField(default=timezone.now)
    detail = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.message_id} {self.kind}"


class EmailMode(models.TextChoices):
    IMMEDIATE = "immediate", _("At once")
    DIGEST = "digest", _("Once a day, in a summary")
    OFF = "off", _("Not by e-mail")


phone_number = RegexValidator(
    r"^\+[1-9][0-9]{6,14}$", _("Write the number with the country code, like +46701234567.")
)


class NotificationPreference(models.Model):
    """How a person wants to be told. Without a row: e-mail at once, no text messages, and
    on each device they turned notifications on for. `by_topic` overrides the e-mail mode
    and the device notifications per topic (stegvis/notifications/topics.py):
    {"messages": {"email": "digest", "push": false}}."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, primary_key=True, related_name="notification_preference"
    )
    email = models.CharField(
        _("E-mail"), max_length=10, choices=EmailMode.choices, default=EmailMode.IMMEDIATE
    )
    sms = models.BooleanField(_("Also by text message"), default=False)
    sms_number = models.CharField(
        _("Mobile number"), max_length=16, blank=True, validators=[phone_number]
    )
    # A holiday from being told: nothing outside Stegvis until it is turned off again,
    # except what may not wait (an urgent flag, a deadline due today).
    paused = models.BooleanField(_("Pause all notifications for now"), default=False)
    by_topic = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.email}"


class PushSubscription(models.Model):
    """A device a person let Stegvis notify (the browser's PushSubscription): its push
    service's address and the keys to encrypt for it. Dropped when the push service says it
    is gone (404, 410), when the person turns it off, and when the session that made it
    signs out (a shared phone tells no one else's news)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="push_subscriptions")
    endpoint = models.URLField(max_length=2000, unique=True)
    p256dh = models.CharField(max_length=100)
    auth = models.CharField(max_length=40)
    # What the person sees in their list ("Chrome on Android"), from the browser's own name.
    device = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.device or 'a device'} of {self.user_id}"
