"""Coordination around a patient: secure message threads, meetings whose decisions update
the plan, and each professional's tasks.

Everything here is patient data: threads and messages fall under the `messages` category,
meetings, agenda, minutes and decisions under `meetings`, tasks under `plan`. Rows are
never deleted by the app, so what was said and decided stays readable.
"""

import uuid
from datetime import timedelta

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from stegvis.accounts.models import Organisation, User
from stegvis.cases.deadlines import milestone_title
from stegvis.cases.models import Case
from stegvis.coordination import attachments
from stegvis.coordination.kinds import MeetingKind, meeting_kind


class ThreadKind(models.TextChoices):
    WITH_PATIENT = "with_patient", _("With the patient")
    STAFF = "staff", _("Between professionals, about the patient")


class Thread(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="message_threads")
    kind = models.CharField(max_length=12, choices=ThreadKind.choices)
    subject = models.CharField(_("subject"), max_length=120)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_message_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["patient", "last_message_at"])]

    def __str__(self) -> str:
        return self.subject


class ThreadParticipant(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="thread_memberships")
    # The role they came in, for the reader ("coordinator, Vårdcentralen Solbacken").
    role = models.CharField(max_length=32)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["thread", "user"], name="one_participation_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.thread_id}"


class Message(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    author_role = models.CharField(max_length=32)
    body = models.TextField(max_length=4000)
    # A retried post returns the first message instead of adding a second. The key is the
    # author's: another person sending the same one makes their own message.
    submission_id = models.UUIDField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["thread", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["submission_id", "author"], name="message_submission_per_author"
            )
        ]

    def __str__(self) -> str:
        return f"{self.author_id} in {self.thread_id}"


class Attachment(models.Model):
    """A PDF or an image, checked by its content; stored outside the public media and
    served only through the access policy."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="%Y/%m/", storage=attachments.storage)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)

    def __str__(self) -> str:
        return self.name


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class Meeting(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="meetings")
    # A code from data/meeting_kinds.toml.
    kind = models.CharField(_("kind of meeting"), max_length=30)
    starts_at = models.DateTimeField(_("starts"))
    duration_minutes = models.PositiveSmallIntegerField(_("length (minutes)"), default=60)
    # Goes into calendar invitations: an address or a video link, never anything clinical.
    place = models.CharField(_("place or video link"), max_length=200, blank=True)
    status = models.CharField(
        max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    organiser = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    # An instrument the patient is asked to answer before the meeting, if any.
    questionnaire_code = models.CharField(
        _("questionnaire before the meeting"), max_length=20, blank=True
    )
    minutes = models.TextField(_("minutes"), blank=True, max_length=20000)
    # The SIP's mandatory content (coordination.sip.SipPlan), for SIP meetings.
    sip_plan = models.JSONField(null=True, blank=True)
    follow_up_on = models.DateField(_("follow-up date"), null=True, blank=True)
    held_at = models.DateTimeField(null=True, blank=True)
    # Raised by every change: refuses stale edits and is the calendar's SEQUENCE.
    revision = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["case", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.starts_at:%Y-%m-%d}"

    @property
    def ends_at(self):
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def definition(self) -> MeetingKind:
        return meeting_kind(self.kind)


class InvitationResponse(models.TextChoices):
    ACCEPTED = "accepted", _("I will come")
    DECLINED = "declined", _("I cannot come")


class MeetingParticipant(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="meeting_invitations")
    role = models.CharField(max_length=32)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Why they may take part: "self", "clinical_need" or "consent:<purpose>".
    basis = models.CharField(max_length=40)
    # The invited person's answer (a fastlege invited to dialogue meeting 1 may decline).
    response = models.CharField(max_length=10, choices=InvitationResponse.choices, blank=True)
    response_note = models.CharField(max_length=500, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="one_seat_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} at {self.meeting_id}"


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    text = models.CharField(_("agenda item"), max_length=500)
    submission_id = models.UUIDField()  # the author's, as a message's
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission_id", "author"], name="agenda_submission_per_author"
            )
        ]

    def __str__(self) -> str:
        return self.text[:40]


class DecisionKind(models.TextChoices):
    PLAN_ACTION = "plan_action", _("An action in the patient's plan")
    TASK = "task", _("A task for a professional")


class Decision(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    kind = models.CharField(_("becomes"), max_length=12, choices=DecisionKind.choices)
    text = models.CharField(_("decision"), max_length=500)
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(_("due"))
    # The plan action it became (its id inside the plan's content).
    plan_action_id = models.CharField(max_length=32, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    submission_id = models.UUIDField()  # the author's, as a message's
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission_id", "created_by"], name="decision_submission_per_author"
            )
        ]

    def __str__(self) -> str:
        return self.text[:40]


class TaskSource(models.TextChoices):
    MANUAL = "manual", _("Made by hand")
    DECISION = "decision", _("A meeting decision")
    DEADLINE = "deadline", _("A deadline")
    FOLLOW_UP = "follow_up", _("A meeting follow-up")
    REQUEST = "request", _("The patient's request")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("To do")
    DONE = "done", _("Done")


class Task(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    assignee = models.ForeignKey(User, on_delete=models.CASCADE, related_name="tasks")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("task"), max_length=200)
    due_on = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(max_length=6, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    source = models.CharField(max_length=10, choices=TaskSource.choices)
    decision = models.ForeignKey(
        Decision, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    milestone_code = models.CharField(max_length=40, blank=True)
    sick_leave_request = models.ForeignKey(
        "SickLeaveRequest", null=True, blank=True, on_delete=models.CASCADE, related_name="tasks"
    )
    # Tasks made by the system once per event; a made-by-hand task by its form's id.
    dedupe_key = models.CharField(max_length=200, unique=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["assignee", "status", "due_on"]),
            models.Index(
                fields=["case", "milestone_code"],
                condition=Q(status="open"),
                name="open_task_by_milestone",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        return (
            self.status == TaskStatus.OPEN
            and self.due_on is not None
            and self.due_on < timezone.localdate()
        )

    def display_title(self) -> str:
        """The title in the reader's language: a deadline's or a follow-up's is made anew
        from its source each time; only a title someone typed stays as written."""
        if self.milestone_code:
            language = get_language() or "sv"
            return milestone_title(self.case.jurisdiction, self.milestone_code, language)
        if self.source == TaskSource.FOLLOW_UP and self.meeting_id:
            return str(_("Follow up: {kind}")).format(kind=self.meeting.definition.title)
        if self.source == TaskSource.REQUEST:
            return str(_("Answer the patient's request about the sick leave"))
        return self.title


class RequestKind(models.TextChoices):
    EXTEND = "extend", _("To be on sick leave for longer")
    SHORTEN = "shorten", _("To go back to work sooner")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("Waiting for an answer")
    ANSWERED = "answered", _("Answered")


class SickLeaveRequest(models.Model):
    """The patient asks her physician to extend or shorten her sick leave, in her own words
    and with the days. Only the physician makes a certificate: the answer is a reply, and
    for more days perhaps a new draft the physician goes on to check and sign."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="sick_leave_requests")
    patient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("I would like"), max_length=10, choices=RequestKind.choices)
    starts_on = models.DateField(_("from"))
    # Until when more sick leave is asked for; a request to go back sooner needs no end.
    ends_on = models.DateField(_("until"), null=True, blank=True)
    degree = models.PositiveSmallIntegerField(_("how much"), null=True, blank=True)
    words = models.TextField(_("in your own words"), max_length=2000)
    # The manager who passed on the employee's request from the employer's view, if any:
    # they see that it was sent and answered, never the answer.
    relayed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The page's id: a request sent twice (from a phone that kept it offline) is made once.
    submission_id = models.UUIDField()
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    created_at = models.DateTimeField(default=timezone.now)
    answer = models.TextField(_("your answer to the patient"), blank=True)
    answered_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    # The draft the physician made from the request, if any (never signed by this).
    draft = models.ForeignKey(
        "cases.Certificate", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "submission_id"], name="sick_leave_request_once"
            )
        ]
        indexes = [models.Index(fields=["case", "status"])]

    def __str__(self) -> str:
        return f"{self.kind} from {self.starts_on} ({self.status})"
