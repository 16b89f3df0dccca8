"""Multimodal pain rehabilitation (MMR): teams, programs and their versions, cohorts,
referrals with the team's assessment, sessions and attendance, shared goals, and the
team conferences' notes per participant."""

import uuid
from datetime import timedelta

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stegvis.accounts.models import Organisation, User
from stegvis.accounts.professions import Profession
from stegvis.cases.models import Case
from stegvis.coordination.models import Meeting


class Team(models.Model):
    """An MMR team at a care unit, with a named lead."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    lead = models.ForeignKey(
        User, verbose_name=_("team lead"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="mmr_teams")
    profession = models.CharField(_("profession"), max_length=30, choices=Profession.choices)
    joined_on = models.DateField(default=timezone.localdate)
    left_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["profession", "user__family_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "user"], condition=Q(left_on__isnull=True), name="one_seat_per_team"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.profession})"


class ManagerCommitment(models.Model):
    """The unit manager's commitment to the team: programs fail without it (seed 001).
    Each new one is kept; the latest is in force."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="commitments")
    manager = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    hours_per_week = models.DecimalField(
        _("time allocated per week (hours)"), max_digits=5, decimal_places=1
    )
    review_on = models.DateField(_("review date"))
    note = models.TextField(_("note"), blank=True, max_length=2000)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"{self.hours_per_week} h/week until {self.review_on}"


class Program(models.Model):
    """A program template that a team refines over time; each change is a new version."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="programs")
    name = models.CharField(_("name"), max_length=120)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SessionKind(models.TextChoices):
    GROUP = "group", _("Group session")
    INDIVIDUAL = "individual", _("Individual session")


class ProgramVersion(models.Model):
    """The program as the team agreed it at one time: its length and session plan, a list
    of {"week", "kind", "profession", "topic", "minutes"} (programs.plan.PlannedSession)."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    weeks = models.PositiveSmallIntegerField(_("length in weeks"))
    sessions = models.JSONField(default=list)
    change_note = models.CharField(_("what changed and why"), max_length=500, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["program", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["program", "number"], name="program_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.program} v{self.number}"


class Cohort(models.Model):
    """One run of a program version: dates, participants and a schedule."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    program_version = models.ForeignKey(
        ProgramVersion, on_delete=models.PROTECT, related_name="cohorts"
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="cohorts")
    name = models.CharField(_("name"), max_length=120)
    starts_on = models.DateField(_("first day"))
    planned_end_on = models.DateField(_("planned last day"))
    # Set by the closing team conference; anchors the end-of-program questionnaires (T1).
    ended_on = models.DateField(_("last day"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_end_on__gte=models.F("starts_on")),
                name="cohort_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def end_on(self):
        return self.ended_on or self.planned_end_on


class ReferralStatus(models.TextChoices):
    ASSESSING = "assessing", _("Being assessed")
    INCLUDED = "included", _("Included")
    NOT_INCLUDED = "not_included", _("Not included")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Referral(models.Model):
    """A patient referred to a team, the team's assessment and, when included, their place
    in a cohort: the patient's whole way through the program."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="referrals")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="mmr_referrals")
    patient = models.ForeignKey(User, on_delete=models.PROTECT, related_name="mmr_referrals")
    referred_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    question = models.TextField(_("why the team should assess the patient"), max_length=2000)
    referred_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=14, choices=ReferralStatus.choices, default=ReferralStatus.ASSESSING
    )
    cohort = models.ForeignKey(
        Cohort, on_delete=models.PROTECT, null=True, blank=True, related_name="participants"
    )
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # In plain words, for the patient: why they were included or not.
    reason_to_patient = models.TextField(
        _("the reason, for the patient"), max_length=2000, blank=True
    )
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-referred_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "case"],
                condition=Q(status__in=["assessing", "included"]),
                name="one_open_referral_per_team_and_case",
            ),
            models.CheckConstraint(
                condition=~Q(status="included") | Q(cohort__isnull=False),
                name="included_referral_has_cohort",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient} → {self.team}"


class Judgement(models.Model):
    """One inclusion criterion as a member of the team judged it."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="judgements")
    criterion = models.CharField(max_length=30)  # a code from data/registry.toml
    met = models.BooleanField()
    note = models.CharField(_("note"), max_length=500, blank=True)
    judged_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    # The judge's profession in the team then: the assessment is the team's, by several.
    profession = models.CharField(max_length=30, choices=Profession.choices, blank=True)
    judged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["referral", "criterion"], name="one_judgement_each")
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.met}"


class Session(models.Model):
    """A calendar item of a cohort: a group session, or an individual one for one person."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="sessions")
    week = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10, choices=SessionKind.choices)
    profession = models.CharField(max_length=30, choices=Profession.choices)
    topic = models.CharField(_("topic"), max_length=200)
    starts_at = models.DateTimeField(_("starts"))
    duration_minutes = models.PositiveSmallIntegerField(_("length (minutes)"), default=90)
    place = models.CharField(_("place"), max_length=200, blank=True)
    # Set for an individual session: whose it is.
    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, null=True, blank=True, related_name="own_sessions"
    )
    cancelled = models.BooleanField(default=False)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["cohort", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.topic} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def ends_at(self):
        return self.starts_at + timedelta(minutes=self.duration_minutes)


class AttendanceStatus(models.TextChoices):
    EXPECTED = "expected", _("Expected")
    ATTENDED = "attended", _("Attended")
    ABSENT = "absent", _("Absent")
    CANNOT_COME = "cannot_come", _("Said they cannot come")


class Attendance(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="attendance")
    status = models.CharField(
        max_length=12, choices=AttendanceStatus.choices, default=AttendanceStatus.EXPECTED
    )
    # The patient's words when they say they cannot come (optional).
    message = models.CharField(_("message to the team"), max_length=500, blank=True)
    updated_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "referral"], name="one_attendance_each")
        ]

    def __str__(self) -> str:
        return f"{self.referral_id} {self.status}"


class GoalStatus(models.TextChoices):
    ACTIVE = "active", _("Working on it")
    REACHED = "reached", _("Reached")
    CHANGED = "changed", _("Changed to a new goal")


class Goal(models.Model):
    """A goal the participant set with the team, in their own words, with a measure."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="goals")
    text = models.CharField(_("the goal, in your own words"), max_length=300)
    # How progress is seen, e.g. a PSFS activity scored 0–10.
    measure = models.CharField(_("how we will see progress"), max_length=200, blank=True)
    baseline = models.DecimalField(
        _("where it is now (0–10)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    target = models.DecimalField(
        _("where you want it (0–10)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    status = models.CharField(max_length=8, choices=GoalStatus.choices, default=GoalStatus.ACTIVE)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.text


class ConferenceStage(models.TextChoices):
    ADMISSION = "admission", _("Admission")
    MID = "mid", _("Mid-program")
    CLOSING = "closing", _("Closing")


class Conference(models.Model):
    """A team conference of a cohort: one MMR team-conference meeting per participant
    (each patient's own record), with the team's structured notes."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="conferences")
    stage = models.CharField(max_length=10, choices=ConferenceStage.choices)
    starts_at = models.DateTimeField(_("starts"))
    held_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "stage"], name="one_conference_per_stage")
        ]

    def __str__(self) -> str:
        return f"{self.cohort} {self.stage}"


class ConferenceNote(models.Model):
    """The team's notes on one participant at a conference."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="notes")
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="notes")
    meeting = models.OneToOneField(Meeting, on_delete=models.PROTECT, related_name="mmr_note")
    progress = models.TextField(_("progress on the goals"), blank=True, max_length=4000)
    # Per goal id: the progress the team saw ("better", "same", "reached", ...) and a word.
    goal_reviews = models.JSONField(default=dict, blank=True)
    workplace_contact = models.TextField(
        _("after the program: contact with the workplace"), blank=True, max_length=2000
    )
    follow_up = models.TextField(_("after the program: follow-up"), blank=True, max_length=2000)
    updated_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conference", "referral"], name="one_note_each")
        ]

    def __str__(self) -> str:
        return f"{self.conference} {self.referral_id}"
