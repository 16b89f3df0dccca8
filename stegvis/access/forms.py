from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

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
