import uuid
from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stegvis.cases import validation
from stegvis.cases.deadlines import rule_set
from stegvis.coordination.models import RequestKind, SickLeaveRequest

DATE = forms.DateInput(attrs={"type": "date"})
# A country that allows any degree in a range (Norway: 20 to 100) is offered it in tens.
OFFERED_STEP = 10


def degrees_offered(jurisdiction: str) -> list[int]:
    """The degrees a certificate may have in the country, highest first, for a choice."""
    allowed = rule_set(jurisdiction).degrees
    return sorted((d for d in allowed if d % OFFERED_STEP == 0 or len(allowed) <= 10), reverse=True)


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
        # One of the two, chosen: no blank first choice among the radio buttons.
        self.fields["kind"].choices = RequestKind.choices
        self.fields["degree"] = forms.TypedChoiceField(
            label=_("How much sick leave"),
            choices=[("", _("As now"))] + [(d, f"{d} %") for d in degrees_offered(jurisdiction)],
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


class RelayForm(RequestForm):
    """The same request as the employee's manager writes it down with her, from the
    employer's view."""

    employee_asked = forms.BooleanField(
        label=_("The employee asked me to pass this on, in these words."),
        error_messages={"required": _("Pass on only what the employee asked you to.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].label = _("The employee would like")
        self.fields["words"].label = _("In the employee's words")
        self.fields["words"].help_text = _("For example: I can work half days from Monday.")
        self.fields["ends_on"].help_text = _("Only when the employee needs more sick leave.")


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Your answer to the patient"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )
