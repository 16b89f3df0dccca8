from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from stegvis.coordination.forms import submission_field
from stegvis.programs import plan
from stegvis.programs.models import (
    AttendanceStatus,
    ConferenceStage,
    GoalStatus,
    Profession,
)
from stegvis.programs.registry import registry

DATE = forms.DateInput(attrs={"type": "date"})
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class TeamForm(forms.Form):
    organisation = forms.TypedChoiceField(label=_("Unit"), coerce=int)
    name = forms.CharField(label=_("Name of the team"), max_length=120)
    lead = forms.ChoiceField(label=_("Team lead"))
    lead_profession = forms.ChoiceField(
        label=_("The team lead's profession"), choices=Profession.choices
    )

    def __init__(self, *args, units, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(u.pk, u.name) for u in units]
        self.fields["lead"].choices = [(str(u.pk), str(u)) for u in staff]


class MemberForm(forms.Form):
    user = forms.ChoiceField(label=_("Colleague"))
    profession = forms.ChoiceField(label=_("Profession"), choices=Profession.choices)

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [(str(u.pk), str(u)) for u in staff]


class CommitmentForm(forms.Form):
    hours_per_week = forms.DecimalField(
        label=_("Time allocated per week (hours)"),
        min_value=0,
        max_value=400,
        max_digits=5,
        decimal_places=1,
    )
    review_on = forms.DateField(label=_("Review date"), widget=DATE)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea)

    def clean_review_on(self):
        review_on = self.cleaned_data["review_on"]
        if review_on <= timezone.localdate():
            raise forms.ValidationError(_("The review date is in the future."))
        return review_on


PLAN_HELP = _(
    "One session per line: week, day (1 = Monday), time, group or individual session, "
    "profession, minutes, topic. For example: 1, 2, 09:00, Group session, Physiotherapist, 90, "
    "Pain and movement"
)


class ProgramForm(forms.Form):
    name = forms.CharField(label=_("Name of the program"), max_length=120)
    weeks = forms.IntegerField(label=_("Length in weeks"))
    sessions = forms.CharField(
        label=_("Session plan"), help_text=PLAN_HELP, widget=forms.Textarea(attrs={"rows": 12})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        reg = registry()
        weeks = self.fields["weeks"]
        weeks.min_value, weeks.max_value = 1, 18
        weeks.validators = []
        weeks.widget.attrs.update(min=1, max=18)
        weeks.help_text = _("The registry's programs run %(min)s–%(max)s weeks.") % {
            "min": reg.min_weeks,
            "max": reg.max_weeks,
        }

    def clean(self):
        data = super().clean()
        weeks, text = data.get("weeks"), data.get("sessions")
        if weeks is not None and not 1 <= weeks <= 18:
            self.add_error("weeks", _("A program runs 1 to 18 weeks."))
        elif weeks and text:
            try:
                data["planned"] = plan.parse(text, weeks)
            except ValueError as error:
                self.add_error("sessions", str(error))
        return data


class RevisionForm(ProgramForm):
    based_on = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("What changed and why"), max_length=500)

    field_order = ["weeks", "sessions", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["name"]


class CohortForm(forms.Form):
    version = forms.TypedChoiceField(label=_("Program version"), coerce=int)
    name = forms.CharField(label=_("Name of the cohort"), max_length=120)
    starts_on = forms.DateField(label=_("First day"), widget=DATE)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)

    def __init__(self, *args, versions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].choices = [(v.pk, f"v{v.number}") for v in versions]


class ReferralForm(forms.Form):
    submission_id = submission_field()
    team = forms.ChoiceField(label=_("Team"))
    question = forms.CharField(
        label=_("Why the team should assess the patient"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [(str(t.pk), t.name) for t in teams]


class JudgementForm(forms.Form):
    """Each criterion the member may judge: met or not, with a note; the member who saves
    is its judge. A criterion that is another profession's to judge is not offered."""

    def __init__(self, *args, judged, profession, **kwargs):
        super().__init__(*args, **kwargs)
        self.judged = judged
        choices = [("yes", _("Holds")), ("no", _("Does not hold"))]
        self.criteria = [
            c for c in registry().criterion if not c.judged_by or c.judged_by == profession
        ]
        for criterion in self.criteria:
            earlier = judged.get(criterion.code)
            self.fields[f"{criterion.code}"] = forms.ChoiceField(
                label=str(criterion.text),
                choices=choices,
                widget=forms.RadioSelect,
                required=False,
                initial=None if earlier is None else ("yes" if earlier.met else "no"),
            )
            self.fields[f"{criterion.code}_note"] = forms.CharField(
                label=_("Note"),
                max_length=500,
                required=False,
                initial=earlier.note if earlier else "",
            )

    def judgements(self):
        """The criteria this member judged now: one left as a colleague judged it stays
        theirs (saving the form again does not make it this member's)."""
        for criterion in self.criteria:
            answer = self.cleaned_data.get(criterion.code)
            if not answer:
                continue
            met, note = answer == "yes", self.cleaned_data[f"{criterion.code}_note"].strip()
            earlier = self.judged.get(criterion.code)
            if earlier is not None and (earlier.met, earlier.note) == (met, note):
                continue
            yield criterion.code, met, note


def _begun_note(cohort, held: int, total: int, own_sessions: str) -> str:
    held_note = _("%(cohort)s began on %(date)s: %(held)s of %(total)s group sessions held.") % {
        "cohort": cohort.name,
        "date": date_format(cohort.starts_on, "DATE_FORMAT"),
        "held": held,
        "total": total,
    }
    return f"{held_note} {own_sessions}".strip()


class DecisionForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput)
    include = forms.ChoiceField(
        label=_("Decision"),
        choices=[("yes", _("Include in a cohort")), ("no", _("Not included"))],
        widget=forms.RadioSelect,
    )
    cohort = forms.ChoiceField(label=_("Cohort"), required=False)
    reason_to_patient = forms.CharField(
        label=_("The reason, for the patient, in plain words"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The patient reads this as you write it."),
    )

    def __init__(self, *args, cohorts, begun=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohort"].choices = [("", "—")] + [
            (str(c.pk), f"{c.name} ({date_format(c.starts_on, 'SHORT_DATE_FORMAT')})")
            for c in cohorts
        ]
        if begun:
            # The team is told before it includes someone into a cohort under way.
            self.fields["late_confirmed"] = forms.BooleanField(
                label=_("The cohort has begun: include the patient from today on"),
                required=False,
                help_text=" ".join(_begun_note(*cohort_begun) for cohort_begun in begun),
            )

    def clean(self):
        data = super().clean()
        if data.get("include") == "yes" and not data.get("cohort"):
            self.add_error("cohort", _("Choose the cohort the patient joins."))
        return data


class GoalForm(forms.Form):
    submission_id = submission_field()
    text = forms.CharField(label=_("The goal, in the patient's own words"), max_length=300)
    measure = forms.CharField(
        label=_("How we will see progress"),
        max_length=200,
        required=False,
        help_text=_("For example an activity from PSFS, scored 0–10."),
    )
    baseline = forms.DecimalField(
        label=_("Where it is now (0–10)"), min_value=0, max_value=10, required=False
    )
    target = forms.DecimalField(
        label=_("Where the patient wants it (0–10)"), min_value=0, max_value=10, required=False
    )


class GoalStatusForm(forms.Form):
    status = forms.ChoiceField(choices=GoalStatus.choices)


class AttendanceForm(forms.Form):
    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        for row in rows:
            self.fields[str(row.referral_id)] = forms.ChoiceField(
                label=str(row.referral.patient),
                choices=AttendanceStatus.choices,
                initial=row.status,
            )


class SessionForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput)
    starts_at = forms.DateTimeField(label=_("Starts"), widget=DATETIME)
    duration_minutes = forms.IntegerField(label=_("Length (minutes)"), min_value=15, max_value=480)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    cancelled = forms.BooleanField(label=_("Cancelled"), required=False)


class CannotComeForm(forms.Form):
    message = forms.CharField(
        label=_("A word to the team (optional)"), max_length=500, required=False
    )


class ConferenceForm(forms.Form):
    stage = forms.ChoiceField(label=_("Conference"), choices=ConferenceStage.choices)
    starts_at = forms.DateTimeField(label=_("Starts"), widget=DATETIME)


class HoldForm(forms.Form):
    ended_on = forms.DateField(
        label=_("The program's last day"),
        required=False,
        widget=DATE,
        help_text=_("At the closing conference: the end-of-program questionnaires follow it."),
    )


class NoteForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput)
    progress = forms.CharField(
        label=_("Progress on the goals"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    workplace_contact = forms.CharField(
        label=_("After the program: contact with the workplace"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    follow_up = forms.CharField(
        label=_("After the program: follow-up"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, goals, reviews, **kwargs):
        super().__init__(*args, **kwargs)
        for goal in goals:
            self.fields[f"goal_{goal.pk}"] = forms.CharField(
                label=_("Goal: %(text)s") % {"text": goal.text},
                required=False,
                max_length=300,
                initial=reviews.get(str(goal.pk), ""),
            )

    def goal_reviews(self) -> dict:
        return {
            name.removeprefix("goal_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("goal_") and value
        }
