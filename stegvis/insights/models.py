"""The pseudonymised analysis extract: one row per case, rebuilt by the worker."""

from django.db import models

from stegvis.access.categories import Category
from stegvis.accounts.models import Organisation
from stegvis.cases.models import Case

# The CSV's columns, in this order: analysts' scripts rely on it (issue 17).
COLUMNS = (
    "pseudonym", "unit", "physician", "sex", "age_band", "diagnosis_group", "fmb_diagnosis",
    "start_date", "end_date", "outcome", "net_days", "fmb_days", "fmb_exceeded",
    "first_coordinator_contact", "plan_by_day_30", "employer_plan_done", "sip_held",
)  # fmt: skip
# What a row holds: the course of a sick leave and its diagnosis group, the plan, the
# meetings (stegvis.access.statistics gives rows only to a reader whose ceiling holds all).
HOLDS = frozenset({Category.SICK_LEAVE, Category.PLAN, Category.MEETINGS})


class CaseExtract(models.Model):
    """A case as the analyses see it: no name, no number, no free text. `case` links the
    row to its source for the incremental refresh and is never exported."""

    case = models.OneToOneField(
        Case, on_delete=models.CASCADE, primary_key=True, related_name="extract"
    )
    pseudonym = models.CharField(max_length=16)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    unit = models.CharField(max_length=200)
    physician = models.CharField(max_length=16, blank=True)
    sex = models.CharField(max_length=6, blank=True)
    age_band = models.CharField(max_length=5, blank=True)
    diagnosis_group = models.CharField(max_length=7, blank=True)
    fmb_diagnosis = models.CharField(max_length=10, blank=True)
    start_date = models.DateField()
    end_date = models.DateField()
    outcome = models.CharField(max_length=10)
    net_days = models.FloatField()
    fmb_days = models.PositiveIntegerField(null=True)
    fmb_exceeded = models.BooleanField(null=True)
    # For the variation view (not exported): full-time (100 %) leave where FMB suggests
    # part-time, and the certificates whose diagnosis–function–activity chain is complete.
    full_time_where_partial = models.BooleanField(null=True)
    certificates = models.PositiveIntegerField(default=0)
    certificates_complete = models.PositiveIntegerField(default=0)
    # For the process indicators (not exported).
    employed = models.BooleanField(default=False)
    sip_called = models.DateField(null=True)
    baseline_given = models.PositiveSmallIntegerField(default=0)
    baseline_answered = models.PositiveSmallIntegerField(default=0)
    checkins_due = models.PositiveIntegerField(default=0)
    checkins_answered = models.PositiveIntegerField(default=0)
    first_coordinator_contact = models.DateField(null=True)
    plan_by_day_30 = models.BooleanField(null=True)
    employer_plan_done = models.DateField(null=True)
    sip_held = models.DateField(null=True)
    # The day the row was computed for: an open case is censored on it.
    as_of = models.DateField()

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "start_date"]),
            models.Index(fields=["outcome", "start_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.pseudonym} {self.outcome}"


class ExtractState(models.Model):
    """The extract's last refresh: the worker changes only what changed since."""

    refreshed_at = models.DateTimeField(null=True)
    as_of = models.DateField(null=True)
    rows = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)
    # One more with every refresh: figures computed from the extract are remembered under it.
    version = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"extract as of {self.as_of}"
