import uuid
from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stegvis.cases import validation
from stegvis.coordination.models import RequestKind, SickLeaveRequest

DATE = forms.DateInput(attrs={"type": "date"})
# The degrees a certificate may have in each country (the patient chooses among them).
DEGREES = {"SE": (100, 75, 50, 25), "NO": (100, 80, 60, 50, 40, 20)}


class RequestForm(forms.ModelForm):
    submission_id = forms.UUIDField(widget=forms.HiddenInput)

    class Meta:
        model = SickLeaveRequest
        fields = ["kind", "starts_on", "ends_on", "degree", "words"]
        widgets = {
            "kind": forms.RadioSelect,
            "starts_on": DATE,
            "ends_on": DATE,
            "words": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "ends_on": _("Only when you ask for more sick leave."),
            "words": _("For example: I am still not able to work from Monday."),
        }

    def __init__(self, *args, jurisdiction: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.jurisdiction = jurisdiction
        self.fields["degree"] = forms.TypedChoiceField(
            label=_("How much sick leave"),
            choices=[("", _("As now"))] + [(d, f"{d} %") for d in DEGREES[jurisdiction]],
            coerce=int,
            empty_value=None,
            required=False,
        )
        if not self.is_bound:
            self.initial["submission_id"] = uuid.uuid4()

    def clean(self):
        data = super().clean()
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and starts_on < timezone.localdate() - timedelta(days=7):
            self.add_error("starts_on", _("Choose a day from last week onwards."))
        if data.get("kind") == RequestKind.EXTEND:
            if not ends_on:
                self.add_error("ends_on", _("Say until when you think you need sick leave."))
            elif starts_on and ends_on < starts_on:
                self.add_error("ends_on", _("The last day comes on or after the first."))
        else:
            data["ends_on"] = None
            data["degree"] = None
        if data.get("degree"):
            for message in validation.degree_errors(self.jurisdiction, data["degree"]):
                self.add_error("degree", message)
        return data


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Your answer to the patient"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )
