import uuid
from zoneinfo import available_timezones

from django import forms
from django.utils.translation import gettext_lazy as _

from stegvis.coaching.models import MEASURES, Cadence, EscalatedTo

TIME_ZONES = ["Europe/Stockholm", "Europe/Oslo", "Europe/Helsinki", "Europe/Copenhagen"]

ANCHORS = {
    "mood": (_("Very low"), _("Very good")),
    "energy": (_("No energy"), _("Full of energy")),
    "pain": (_("No pain"), _("Worst imaginable")),
    "sleep": (_("Very poorly"), _("Very well")),
    "stress": (_("Calm"), _("Extremely stressed")),
    "work_ability": (_("Cannot work at all"), _("At my best")),
}
QUESTIONS = {
    "mood": _("How is your mood?"),
    "energy": _("How is your energy?"),
    "pain": _("How much pain do you have?"),
    "sleep": _("How did you sleep?"),
    "stress": _("How stressed do you feel?"),
    "work_ability": _("How is your ability to work today?"),
}


class ZeroToTen(forms.IntegerField):
    """A 0–10 answer. The page shows a number field (the text alternative) and, with
    scripts on, a slider bound to it."""

    def __init__(self, measure: str, **kwargs):
        low, high = ANCHORS[measure]
        super().__init__(
            label=QUESTIONS[measure],
            min_value=0,
            max_value=10,
            widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "zero-to-ten"}),
            required=False,
            **kwargs,
        )
        self.low, self.high = low, high


class CheckinForm(forms.Form):
    submission_id = forms.UUIDField(widget=forms.HiddenInput)
    working = forms.BooleanField(label=_("I worked today"), required=False)
    hours_worked = forms.DecimalField(
        label=_("Hours worked today"),
        required=False,
        min_value=0,
        max_value=24,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.5"}),
    )
    note = forms.CharField(
        label=_("Anything else? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, initial_values=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Every answer starts unset, and one left untouched is not recorded: nothing is saved
        # as a guess. The last answer is shown beside it as a reminder.
        self.last_values = initial_values or {}
        for measure in MEASURES:
            self.fields[measure] = ZeroToTen(measure)
        self.order_fields([*MEASURES, "working", "hours_worked", "note", "submission_id"])
        if not self.is_bound:
            self.initial.setdefault("submission_id", uuid.uuid4())

    def measure_fields(self):
        """Each answer's field with the patient's last answer to it (None the first time)."""
        return [(self[m], self.last_values.get(m)) for m in MEASURES]

    def clean(self):
        data = super().clean()
        if data.get("hours_worked") and not data.get("working"):
            data["working"] = True
        if not data.get("working"):
            data["hours_worked"] = None
        answered = any(data.get(m) is not None for m in MEASURES)
        if not answered and not data.get("note", "").strip():
            raise forms.ValidationError(_("Answer at least one question, or write a few words."))
        return data

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            **{m: data[m] for m in MEASURES},
            "hours_worked": data.get("hours_worked"),
            "note": data.get("note", "").strip(),
        }


class ScheduleForm(forms.Form):
    cadence = forms.ChoiceField(
        label=_("How often"), choices=Cadence.choices, widget=forms.RadioSelect
    )
    time_of_day = forms.TimeField(
        label=_("At what time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    timezone = forms.ChoiceField(
        label=_("Time zone"), choices=[(z, z.replace("_", " ")) for z in TIME_ZONES]
    )
    revision = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, current_zone: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        # Someone who moved keeps the zone they set, even outside the usual ones.
        if (
            current_zone
            and current_zone not in TIME_ZONES
            and current_zone in available_timezones()
        ):
            self.fields["timezone"].choices.append((current_zone, current_zone))


class MessageForm(forms.Form):
    submission_id = forms.UUIDField(widget=forms.HiddenInput)
    body = forms.CharField(
        label=_("Message"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["submission_id"] = uuid.uuid4()


class FlagActionForm(forms.Form):
    note = forms.CharField(
        label=_("What was done"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    escalate_to = forms.ChoiceField(
        label=_("Escalate to"), choices=[("", "—"), *EscalatedTo.choices], required=False
    )
