"""Patient participation in developing the service (capability 14; seed study 004): the
facilitator's network of patient representatives, proposals for improving the service, and
what became of them.

Nothing here is anyone's patient data: a representative's account reaches no patient, and a
proposal is about the service, not about its author's care. Who wrote it is another matter:
being a patient at a unit is health data, so an author's name goes only where
`author_shown_to` lets it. A representative's own profile (their areas of lived experience)
is personal, so only they and the facilitators of their network read it, and each reading is
logged.
"""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from stegvis.accounts.models import Organisation, User
from stegvis.participation.rules import ParticipationScope


class ExperienceArea(models.TextChoices):
    LONG_TERM_PAIN = "long_term_pain", _("Long-term pain")
    EXHAUSTION = "exhaustion", _("Exhaustion")
    DEPRESSION = "depression", _("Returning to work after depression")
    ANXIETY = "anxiety", _("Anxiety")
    UNEMPLOYED = "unemployed", _("Being unemployed")
    SELF_EMPLOYED = "self_employed", _("Being self-employed")
    NEW_TO_SWEDEN = "new_to_sweden", _("Being new to the country")
    RELATIVE = "relative", _("Being a close relative")


class ContactWay(models.TextChoices):
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    IN_APP = "in_app", _("A message in Stegvis")


class Representative(models.Model):
    """A person with lived experience in a unit's or region's network. They may or may not be
    a patient here; being a representative gives no access to anyone's care."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="representative")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    languages = models.CharField(max_length=100, blank=True)
    available_daytime = models.BooleanField(default=False)
    available_evenings = models.BooleanField(default=False)
    available_remote = models.BooleanField(default=False)
    availability_note = models.CharField(max_length=200, blank=True)
    preferred_contact = models.CharField(
        max_length=10, choices=ContactWay.choices, default=ContactWay.EMAIL
    )
    phone = models.CharField(max_length=30, blank=True)
    # May the facilitator contact them about new activities? Withdrawn at once, any time.
    may_contact = models.BooleanField(default=True)
    may_contact_changed_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)  # left the network
    joined_at = models.DateTimeField(default=timezone.now)
    last_involved_on = models.DateField(null=True, blank=True)
    revision = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return str(self.user)

    @property
    def active(self) -> bool:
        return self.left_at is None


class RepresentativeArea(models.Model):
    representative = models.ForeignKey(
        Representative, on_delete=models.CASCADE, related_name="areas"
    )
    area = models.CharField(max_length=30, choices=ExperienceArea.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["representative", "area"], name="one_area_once")
        ]

    def __str__(self) -> str:
        return self.area


class InvitationStatus(models.TextChoices):
    OPEN = "open", _("Invited")
    ACCEPTED = "accepted", _("Accepted")


class RepresentativeInvitation(models.Model):
    """An e-mailed link to join a network; the link's token is stored only as a hash."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    email = models.EmailField()
    name = models.CharField(max_length=150)
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.OPEN
    )
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.email


class ProposalState(models.TextChoices):
    """Decidim's states of a proposal."""

    NOT_ANSWERED = "not_answered", _("Not answered yet")
    EVALUATING = "evaluating", _("Being looked into")
    ACCEPTED = "accepted", pgettext_lazy("a proposal", "Accepted")
    REJECTED = "rejected", _("Not taken forward")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class AuthorKind(models.TextChoices):
    PATIENT = "patient", _("A patient")
    REPRESENTATIVE = "representative", _("A patient representative")
    STAFF = "staff", _("Staff")


def author_shown_to(reader: User, scope: ParticipationScope | None, item) -> str:
    """Who wrote a proposal or a comment, as `reader` may know it; the one place that says.

    Taking part at a unit as a patient is health data, so nobody outside its staff learns
    who wrote anything: the author reads "You", other patients and representatives only
    what kind of person wrote it. The unit's staff read the name only when the author chose
    to show it to them, on the form, before sending.
    """
    if item.author_id == reader.pk:
        return str(_("You"))
    if item.name_shown_to_staff and scope is not None and scope.is_staff_at(_unit_of(item)):
        return item.author.full_name or str(item.author)
    return str(AuthorKind(item.author_kind).label)


def _unit_of(item) -> int:
    proposal = getattr(item, "proposal", None)
    return proposal.organisation_id if proposal is not None else item.organisation_id


class Proposal(models.Model):
    """An idea for improving the service, from a patient, a representative or staff."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="proposals")
    author_kind = models.CharField(max_length=20, choices=AuthorKind.choices)
    # The author's own choice, made on the form: may the unit's staff read their name?
    # Off unless they say so; nobody else ever reads it (author_shown_to).
    name_shown_to_staff = models.BooleanField(default=False)
    title = models.CharField(max_length=150)
    body = models.TextField(max_length=4000)
    state = models.CharField(
        max_length=20, choices=ProposalState.choices, default=ProposalState.NOT_ANSWERED
    )
    answer = models.TextField(max_length=4000, blank=True)  # public, required to accept or reject
    answered_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    created_at = models.DateTimeField(default=timezone.now)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organisation", "state"])]

    def __str__(self) -> str:
        return self.title


class ProposalSupport(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "user"], name="one_support_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} supports {self.proposal_id}"


class ProposalComment(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    author_kind = models.CharField(max_length=20, choices=AuthorKind.choices)
    name_shown_to_staff = models.BooleanField(default=False)  # as on a proposal
    body = models.TextField(max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.body[:40]


class ProposalChange(models.Model):
    """A proposal's history of states, with the answer given at each."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="changes")
    state = models.CharField(max_length=20, choices=ProposalState.choices)
    answer = models.TextField(blank=True)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.proposal_id} {self.state}"


class ActivityKind(models.TextChoices):
    WORKSHOP = "workshop", _("Workshop")
    REFERENCE_GROUP = "reference_group", _("Reference group")
    TEXT_REVIEW = "text_review", _("Review of a text")
    QUESTIONNAIRE_REVIEW = "questionnaire_review", _("Review of a questionnaire")


class ActivityStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class Activity(models.Model):
    """Involvement of representatives: a workshop, a reference group, a review. The role
    description says what is asked of them (the literature's main complaint is a role left
    unclear); the preparation is sent to each invited representative before it starts."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=30, choices=ActivityKind.choices)
    title = models.CharField(max_length=150)
    purpose = models.TextField(max_length=2000)
    role_description = models.TextField(max_length=4000)
    preparation = models.TextField(max_length=8000, blank=True)
    starts_at = models.DateTimeField()
    minutes_planned = models.PositiveIntegerField(default=120)
    place = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=10, choices=ActivityStatus.choices, default=ActivityStatus.PLANNED
    )
    minutes = models.TextField(max_length=20000, blank=True)  # what was said
    decided = models.TextField(max_length=8000, blank=True)  # what was decided
    proposals = models.ManyToManyField(Proposal, blank=True, related_name="activities")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-starts_at"]

    def __str__(self) -> str:
        return self.title


class ParticipantStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    ACCEPTED = "accepted", _("Coming")
    DECLINED = "declined", _("Not coming")
    ATTENDED = "attended", _("Took part")


class ActivityParticipant(models.Model):
    """A representative invited to an activity, and the time they gave (for compensation)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="participants")
    representative = models.ForeignKey(
        Representative, on_delete=models.PROTECT, related_name="activities"
    )
    status = models.CharField(
        max_length=10, choices=ParticipantStatus.choices, default=ParticipantStatus.INVITED
    )
    invited_at = models.DateTimeField(default=timezone.now)
    preparation_sent_at = models.DateTimeField(null=True, blank=True)
    minutes_spent = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "representative"], name="invited_to_an_activity_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.representative_id} at {self.activity_id}"


class ResultStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("Under way")
    DONE = "done", _("Done")
    STOPPED = "stopped", _("Stopped")


class Result(models.Model):
    """ "You said, we did": what came of proposals and activities (Decidim's accountability).
    A parent's progress is rolled up from its children's, weighted."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    title = models.CharField(max_length=150)
    description = models.TextField(max_length=4000, blank=True)
    status = models.CharField(
        max_length=12, choices=ResultStatus.choices, default=ResultStatus.PLANNED
    )
    progress = models.PositiveSmallIntegerField(default=0)  # own, when it has no children
    weight = models.PositiveSmallIntegerField(default=1)
    start_date = models.DateField(default=timezone.localdate)
    responsible = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    proposals = models.ManyToManyField(Proposal, blank=True, related_name="results")
    activities = models.ManyToManyField(Activity, blank=True, related_name="results")
    # An indicator of the insights this result should move, and the day it took effect:
    # the impact report compares the months before with the months after.
    indicator = models.CharField(max_length=40, blank=True)
    effective_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["start_date", "title"]

    def __str__(self) -> str:
        return self.title


class TimelineEntry(models.Model):
    result = models.ForeignKey(Result, on_delete=models.CASCADE, related_name="timeline")
    entry_date = models.DateField(default=timezone.localdate)
    description = models.TextField(max_length=2000)
    status = models.CharField(max_length=12, choices=ResultStatus.choices)
    progress = models.PositiveSmallIntegerField()
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["entry_date", "pk"]

    def __str__(self) -> str:
        return f"{self.entry_date} {self.status}"
