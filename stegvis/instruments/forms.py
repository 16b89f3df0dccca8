import uuid
from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from stegvis.instruments.definitions import Instrument
from stegvis.instruments.models import Occasion


class AnswerForm(forms.Form):
    """One field per item: radio buttons for options, a 0–10 row for numeric scales."""

    # Sent again by a phone that kept the answers offline, the same id makes one answer.
    submission_id = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, instrument: Instrument, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        if not self.is_bound:
            self.initial["submission_id"] = uuid.uuid4()
        for item in instrument.items:
            choices = [(o.value, o.label) for o in item.options] or [
                (v, str(v)) for v in range(item.minimum, item.maximum + 1)
            ]
            required = item.number <= instrument.required_items
            self.fields[f"item_{item.number}"] = forms.TypedChoiceField(
                label=str(item.text),
                choices=choices,
                coerce=int,
                # An optional item left out is no answer, not an empty one.
                empty_value=None,
                required=required,
                widget=forms.RadioSelect(attrs={} if item.options else {"class": "scale"}),
                help_text=f"{item.minimum} = {item.low} · {item.maximum} = {item.high}"
                if item.low
                else "",
            )
            if instrument.named_activities:
                self.fields[f"name_{item.number}"] = forms.CharField(
                    label=_("Activity"), max_length=120, required=required
                )

    def item_fields(self):
        for item in self.instrument.items:
            name = self[f"name_{item.number}"] if self.instrument.named_activities else None
            yield item, self[f"item_{item.number}"], name

    def answers(self) -> dict:
        return {
            str(item.number): self.cleaned_data[f"item_{item.number}"]
            for item in self.instrument.items
            if self.cleaned_data.get(f"item_{item.number}") is not None
        }

    def activity_names(self) -> dict:
        if not self.instrument.named_activities:
            return {}
        return {
            str(item.number): self.cleaned_data[f"name_{item.number}"]
            for item in self.instrument.items
            if self.cleaned_data.get(f"name_{item.number}")
        }


class RequestForm(forms.Form):
    occasion = forms.ChoiceField(
        label=_("Occasion"),
        choices=[
            (Occasion.ON_DEMAND, Occasion.ON_DEMAND.label),
            (Occasion.END_OF_PROGRAM, Occasion.END_OF_PROGRAM.label),
        ],
    )
    codes = forms.MultipleChoiceField(
        label=_("Questionnaires"), widget=forms.CheckboxSelectMultiple, required=False
    )
    due_on = forms.DateField(
        label=pgettext_lazy("start of a date range", "From"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, enabled: list[Instrument], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["codes"].choices = [(i.code, f"{i.name}: {i.title}") for i in enabled]
        self.fields["due_on"].initial = timezone.localdate()

    def clean(self):
        data = super().clean()
        if data.get("occasion") == Occasion.ON_DEMAND and not data.get("codes"):
            self.add_error("codes", _("Choose at least one questionnaire."))
        due_on: date | None = data.get("due_on")
        if due_on and due_on < timezone.localdate():
            self.add_error("due_on", _("Choose today or a later day."))
        return data
