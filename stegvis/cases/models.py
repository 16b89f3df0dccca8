import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stegvis.accounts.models import Jurisdiction, Organisation, User
from stegvis.cases import deadlines


class CaseStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PARTIAL_RETURN = "partial_return", _("Partial return")
    FULL_RETURN = "full_return", _("Full return")
    CLOSED = "closed", _("Closed")


class ClosedReason(models.TextChoices):
    RETURNED_TO_WORK = "returned_to_work", _("Back at work")
    NEW_WORK = "new_work", _("Started other work")
    STUDIES = "studies", _("Started studies")
    RETIREMENT = "retirement", _("Retired")
    DISABILITY_BENEFIT = "disability_benefit", _("Granted activity or sickness compensation")
    MOVED = "moved", _("Moved to another care unit")
    OTHER = "other", _("Other reason")


class Employment(models.TextChoices):
    EMPLOYED = "employed", _("Employed")
    UNEMPLOYED = "unemployed", _("Unemployed")
    SELF_EMPLOYED = "self_employed", _("Self-employed")
    STUDENT = "student", _("Student")
    PARENTAL_LEAVE = "parental_leave", _("Parental leave")


assert tuple(Employment.values) == deadlines.EMPLOYMENTS  # noqa: S101


class Case(models.Model):
    """A patient's return-to-work case, held by a care unit."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(User, on_delete=models.PROTECT, related_name="cases")
    # The care unit that holds the case; its staff are the treating team.
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="cases")
    jurisdiction = models.CharField(
        _("country"), max_length=2, choices=Jurisdiction.choices, default=Jurisdiction.SWEDEN
    )
    employment = models.CharField(
        _("employment"), max_length=20, choices=Employment.choices, default=Employment.EMPLOYED
    )
    employer = models.ForeignKey(
        Organisation,
        verbose_name=_("employer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="employee_cases",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.ACTIVE
    )
    closed_reason = models.CharField(
        _("reason for closing"), max_length=30, choices=ClosedReason.choices, blank=True
    )
    responsible_coordinator = models.ForeignKey(
        User,
        verbose_name=_("responsible coordinator"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="coordinated_cases",
    )
    responsible_physician = models.ForeignKey(
        User,
        verbose_name=_("responsible physician"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="physician_cases",
    )
    opened_on = models.DateField(_("opened"), default=timezone.localdate)
    closed_on = models.DateField(_("closed"), null=True, blank=True)
    # Day 1 of the chain: the first day of reduced work capacity (may precede the case).
    sick_from = models.DateField(_("first day of reduced work capacity"), null=True, blank=True)
    expected_days = models.PositiveIntegerField(
        _("expected total duration (days)"), null=True, blank=True
    )
    expectation_known_on = models.DateField(
        _("date that expectation became known"), null=True, blank=True
    )
    # The earliest milestone not yet done, kept here so the caseload can sort by it.
    next_deadline_on = models.DateField(null=True, blank=True, editable=False)
    next_deadline_code = models.CharField(max_length=40, blank=True, editable=False)
    revision = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "opened_on"]),
            models.Index(fields=["organisation", "next_deadline_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=CaseStatus.CLOSED) | ~Q(closed_reason=""),
                name="closed_case_has_reason",
            )
        ]

    def __str__(self) -> str:
        return f"{self.patient} @ {self.organisation}"

    @property
    def day_one(self):
        return self.sick_from or self.opened_on

    @property
    def certificate_kind(self) -> str:
        """The certificate form of the case's country."""
        if self.jurisdiction == Jurisdiction.SWEDEN:
            return CertificateKind.FK_7804
        return CertificateKind.NO_SYKMELDING


class MilestoneCompletion(models.Model):
    """A duty of the timeline that someone has done (the plan written, the meeting held)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="completions")
    code = models.CharField(max_length=40)
    completed_on = models.DateField(default=timezone.localdate)
    completed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "code"], name="one_completion_per_milestone")
        ]

    def __str__(self) -> str:
        return f"{self.code} done {self.completed_on}"


class CertificateKind(models.TextChoices):
    FK_7804 = "fk7804", _("Medical certificate for sickness benefit (FK 7804)")
    NO_SYKMELDING = "no_sykmelding", _("Sick-leave certificate (sykmelding, Norway)")


class CertificateStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SIGNED = "signed", _("Signed")


class Occupation(models.TextChoices):
    CURRENT_JOB = "current_job", _("Current job")
    JOB_SEEKER = "job_seeker", _("Job seeker")
    PARENTAL_LEAVE = "parental_leave", _("Parental leave")
    STUDIES = "studies", _("Studies")


class Prognosis(models.TextChoices):
    # KV_FKMU_0006
    LIKELY_FULL_RETURN = "STOR_SANNOLIKHET", _("Very likely to return fully after this period")
    RETURN_AFTER_DAYS = "ATER_X_ANTAL_DGR", _("Very likely to return fully after a number of days")
    PROBABLY_NOT = "SANNOLIKT_INTE", _("Probably cannot return")
    UNCLEAR = "PROGNOS_OKLAR", _("Prognosis unclear")


class PrognosisDays(models.IntegerChoices):
    # KV_FKMU_0007
    D30 = 30, _("30 days")
    D60 = 60, _("60 days")
    D90 = 90, _("90 days")
    D180 = 180, _("180 days")
    D365 = 365, _("365 days")


class WorkMeasure(models.TextChoices):
    NOT_RELEVANT = "not_relevant", _("Not relevant")
    WORK_TRAINING = "work_training", _("Work training")
    WORK_ADAPTATION = "work_adaptation", _("Work adaptation")
    SEEKING_NEW_WORK = "seeking_new_work", _("Seeking new work")
    WORKPLACE_VISIT = "workplace_visit", _("Workplace visit")
    ERGONOMIC_ASSESSMENT = "ergonomic_assessment", _("Ergonomic assessment")
    AIDS = "aids", _("Aids")
    CONFLICT_MANAGEMENT = "conflict_management", _("Conflict management")
    OCCUPATIONAL_HEALTH = "occupational_health", _("Contact with occupational health service")
    TASK_REDISTRIBUTION = "task_redistribution", _("Redistribution of tasks")
    OTHER = "other", _("Other")


class NorwegianEmployer(models.TextChoices):
    ONE = "one", _("One employer")
    SEVERAL = "several", _("Several employers")
    NONE = "none", _("No employer")


class PeriodActivity(models.TextChoices):
    """What the person can do in a period of a Norwegian sykmelding (SM2013)."""

    GRADED = "graded", _("Graded: partly at work")
    NO_ACTIVITY = "no_activity", _("No activity possible (100 %)")
    WAITING = "waiting", _("Waiting (avventende): the employer adapts first")
    TREATMENT_DAYS = "treatment_days", _("Treatment days")
    TRAVEL_GRANT = "travel_grant", _("Travel grant: full work with travel support")


def activity_of_degree(degree: int | None) -> str:
    """A period given only by its degree: 100 % is no activity possible, else graded."""
    return PeriodActivity.NO_ACTIVITY if degree == 100 else PeriodActivity.GRADED


class CodeSystem(models.TextChoices):
    ICD10 = "icd10", _("ICD-10")
    ICPC2 = "icpc2", _("ICPC-2")


ICF_GRADES = [
    (0, _("0: no problem (0–4 %)")),
    (1, _("1: mild (5–24 %)")),
    (2, _("2: moderate (25–49 %)")),
    (3, _("3: severe (50–95 %)")),
    (4, _("4: complete (96–100 %)")),
]


class Certificate(models.Model):
    """A sick-leave certificate. Signed versions never change; a correction is a new version.

    All versions of one certificate share `series`; the newest signed version is the one
    in force, and the older ones stay readable.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="certificates")
    kind = models.CharField(max_length=20, choices=CertificateKind.choices)
    series = models.UUIDField(default=uuid.uuid4, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    status = models.CharField(
        max_length=10, choices=CertificateStatus.choices, default=CertificateStatus.DRAFT
    )
    # A retried submission with the same token returns the first result instead of a copy.
    # The token is its author's: another physician sending the same one makes their own.
    client_token = models.UUIDField(null=True, blank=True, editable=False)
    revision = models.PositiveIntegerField(default=1, editable=False)

    # 1. Basis (Q1)
    examined_on = models.DateField(_("own examination"), null=True, blank=True)
    telephone_on = models.DateField(_("telephone contact"), null=True, blank=True)
    records_on = models.DateField(_("records"), null=True, blank=True)
    # 2. Occupation (Q28–Q29)
    occupation = models.CharField(
        _("occupation"), max_length=20, choices=Occupation.choices, blank=True
    )
    occupation_text = models.TextField(_("profession and tasks"), blank=True)
    # 4. Consequences: the D-F-A chain (Q35, Q17)
    functional_impairment = models.TextField(_("functional impairment"), blank=True)
    functional_impairment_grade = models.PositiveSmallIntegerField(
        _("ICF grade of the impairment"), choices=ICF_GRADES, null=True, blank=True
    )
    activity_limitation = models.TextField(_("activity limitation"), blank=True)
    activity_limitation_grade = models.PositiveSmallIntegerField(
        _("ICF grade of the limitation"), choices=ICF_GRADES, null=True, blank=True
    )
    # 5. Treatment (Q19, Q20)
    ongoing_treatment = models.TextField(_("ongoing treatment"), blank=True)
    planned_treatment = models.TextField(_("planned treatment"), blank=True)
    # 6. Assessment (Q37, Q33, Q39)
    fmb_typical_case = models.CharField(
        _("typical case in the guidance"), max_length=40, blank=True
    )
    fmb_justification = models.TextField(
        _("why the sick leave goes beyond the guidance"), blank=True
    )
    working_hours_arranged = models.BooleanField(
        _("working hours can be arranged differently"), null=True, blank=True
    )
    working_hours_text = models.TextField(_("how working hours can be arranged"), blank=True)
    prognosis = models.CharField(
        _("prognosis"), max_length=20, choices=Prognosis.choices, blank=True
    )
    prognosis_days = models.PositiveSmallIntegerField(
        _("return after"), choices=PrognosisDays.choices, null=True, blank=True
    )
    # 7. Work-oriented measures (Q40, Q44)
    measures = models.JSONField(_("work-oriented measures"), default=list, blank=True)
    measures_text = models.TextField(_("measures, in words"), blank=True)
    # 9. Contact (Q26)
    fk_contact_wanted = models.BooleanField(
        _("I want Försäkringskassan to contact me"), default=False
    )
    fk_contact_reason = models.TextField(_("reason for contact"), blank=True)
    # Norway: the part of the sykmelding the employer receives (no diagnosis).
    employer_note = models.TextField(_("message to the employer"), blank=True)

    # Norway's sykmelding (SM2013). Blank on a Swedish certificate; the rules for what is
    # required when are in stegvis/cases/sykmelding.py.
    no_employer = models.CharField(
        _("employer"), max_length=10, choices=NorwegianEmployer.choices, blank=True
    )
    no_employer_name = models.CharField(_("employer's name"), max_length=200, blank=True)
    no_position_percent = models.PositiveSmallIntegerField(_("position (%)"), null=True, blank=True)
    no_other_absence_reason = models.CharField(
        _("other statutory reason for absence"), max_length=2, blank=True
    )
    no_other_absence_text = models.TextField(_("the other reason, described"), blank=True)
    no_pregnancy_related = models.BooleanField(_("related to pregnancy"), default=False)
    no_occupational_injury = models.BooleanField(
        _("may be an occupational injury or disease"), default=False
    )
    no_screened_from_patient = models.BooleanField(
        _("medical details withheld from the patient (skjermes)"), default=False
    )
    no_fit_after_period = models.BooleanField(
        _("fit for work after this period"), null=True, blank=True
    )
    no_workplace_considerations = models.TextField(_("considerations at the workplace"), blank=True)
    no_own_work_later = models.BooleanField(
        _("can return to own work in time"), null=True, blank=True
    )
    no_own_work_from = models.DateField(_("from about"), null=True, blank=True)
    no_other_work_later = models.BooleanField(
        _("can take other work in time"), null=True, blank=True
    )
    no_answers = models.JSONField(_("further information"), default=dict, blank=True)
    no_measures_workplace = models.TextField(_("measures at the workplace"), blank=True)
    no_measures_nav = models.TextField(_("measures by Nav"), blank=True)
    no_measures_other = models.TextField(_("other measures"), blank=True)
    no_nav_assistance = models.BooleanField(_("Nav should act at once"), default=False)
    no_nav_assistance_text = models.TextField(_("why Nav should act at once"), blank=True)
    no_contact_on = models.DateField(_("first contact with the patient"), null=True, blank=True)
    no_backdating_reason = models.TextField(_("reason for backdating"), blank=True)

    # Empty for a certificate another system issued and sent in (stegvis/agency: who
    # issued it is recorded with the message it came in).
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    signed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["series", "version"], name="one_row_per_version"),
            models.UniqueConstraint(
                fields=["series"],
                condition=Q(status="draft"),
                name="one_draft_per_series",
            ),
            models.UniqueConstraint(
                fields=["client_token", "created_by"], name="client_token_per_author"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"

    @property
    def is_signed(self) -> bool:
        return self.status == CertificateStatus.SIGNED

    def get_measures_display(self) -> list[str]:
        return [WorkMeasure(code).label for code in self.measures if code in WorkMeasure.values]


class CertificateDiagnosis(models.Model):
    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="diagnoses")
    position = models.PositiveSmallIntegerField(default=0)
    system = models.CharField(max_length=10, choices=CodeSystem.choices, default=CodeSystem.ICD10)
    code = models.CharField(max_length=10)
    text = models.CharField(max_length=250, blank=True)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.code


class CertificatePeriod(models.Model):
    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="periods")
    degree = models.PositiveSmallIntegerField()
    starts_on = models.DateField()
    ends_on = models.DateField()
    # Norway's sykmelding: what the person can do in the period, and its details. Blank
    # on a Swedish certificate, where the degree says it all.
    activity = models.CharField(max_length=20, choices=PeriodActivity.choices, blank=True)
    travel_grant = models.BooleanField(default=False)
    treatment_days = models.PositiveSmallIntegerField(null=True, blank=True)
    employer_input = models.TextField(blank=True)
    medical_reasons = models.JSONField(default=list, blank=True)
    medical_reason_text = models.TextField(blank=True)
    workplace_reasons = models.JSONField(default=list, blank=True)
    workplace_reason_text = models.TextField(blank=True)

    class Meta:
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="period_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.degree} % {self.starts_on}–{self.ends_on}"

    @property
    def activity_in_force(self) -> str:
        """The period's activity; a Norwegian period signed before activities were kept
        says it by its degree."""
        return self.activity or activity_of_degree(self.degree)

    def get_activity_in_force_display(self) -> str:
        return PeriodActivity(self.activity_in_force).label


# A period's Norwegian details, copied with it into a correction.
PERIOD_DETAILS = (
    "activity", "travel_grant", "treatment_days", "employer_input", "medical_reasons",
    "medical_reason_text", "workplace_reasons", "workplace_reason_text",
)  # fmt: skip
