from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from stegvis.access.care import EMERGENCY_HOURS, HOURS, STATED_REASONS
from stegvis.access.models import ReviewKind, ReviewOutcome


class SampleForm(forms.Form):
    organisation = forms.TypedChoiceField(label=_("Unit"), coerce=int)
    kind = forms.ChoiceField(label=_("Kind of sample"), choices=ReviewKind.choices)
    start = forms.DateField(
        label=pgettext_lazy("start of a date range", "From"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = forms.DateField(
        label=pgettext_lazy("end of a date range", "To"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    sample_size = forms.IntegerField(
        label=_("Number of events"), min_value=1, max_value=200, initial=20
    )
    actor_email = forms.EmailField(
        label=_("Only accesses by (e-mail)"), required=False, help_text=_("Targeted samples.")
    )
    denied_only = forms.BooleanField(label=_("Only refused attempts"), required=False)
    outside_unit = forms.BooleanField(
        label=_("Only accesses from outside the unit"), required=False
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(u.pk, u.name) for u in units]
        today = timezone.localdate()
        self.fields["start"].initial = today - timedelta(days=30)
        self.fields["end"].initial = today

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end date must be on or after the start date."))
        return data

    def criteria(self) -> dict:
        data = self.cleaned_data
        return {
            "actor_email": data["actor_email"],
            "denied_only": data["denied_only"],
            "outside_unit": data["outside_unit"],
        }


class ReviewOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[c for c in ReviewOutcome.choices if c[0] != ReviewOutcome.PENDING],
        widget=forms.RadioSelect,
    )
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 4}),
                            required=False)  # fmt: skip


class EstablishForm(forms.Form):
    """A care relationship, stated: who, why, for how long."""

    organisation = forms.TypedChoiceField(label=_("Unit"), coerce=int)
    patient = forms.CharField(
        label=_("The patient's e-mail address or personal identity number"), max_length=254
    )
    reason = forms.ChoiceField(
        label=_("Why you take part in the patient's care"),
        choices=[(reason.value, reason.label) for reason in STATED_REASONS],
        widget=forms.RadioSelect,
    )
    reason_text = forms.CharField(
        label=_("In your own words (the patient will read it)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    hours = forms.TypedChoiceField(
        label=_("For how long"),
        coerce=int,
        initial=24,
        help_text=_("Emergency access lasts at most 8 hours; otherwise at least 4."),
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hours"].choices = [
            (h, ngettext("%(hours)s hour", "%(hours)s hours", h) % {"hours": h})
            for h in sorted({*EMERGENCY_HOURS, *HOURS})
        ]
        self.fields["organisation"].choices = [(u.pk, u.name) for u in units]
        if len(units) == 1:
            self.fields["organisation"].initial = units[0].pk
            self.fields["organisation"].widget = forms.HiddenInput()

    def clean_patient(self) -> str:
        return self.cleaned_data["patient"].replace("\x00", "").strip()


class RefusalForm(forms.Form):
    refuse = forms.BooleanField(
        label=_(
            "Only the people named on my case, my rehabilitation team and those I have given "
            "consent may open my records. Others only in an emergency, when my life or health "
            "is at risk."
        ),
        required=False,
    )
