"""The participation forms, in plain words."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from stegvis.coordination.forms import submission_field
from stegvis.participation.models import (
    ActivityKind,
    ActivityStatus,
    ContactWay,
    ExperienceArea,
    ProposalState,
    ResultStatus,
)

STATE_CHOICES = [
    (state.value, state.label) for state in ProposalState if state != ProposalState.WITHDRAWN
]


def show_name_field():
    """The author's choice to be named to the unit's staff: off unless they tick it (the
    form says beside it who sees what; participation/_who_sees.html)."""
    return forms.BooleanField(label=_("Staff at the unit may see my name"), required=False)


class ProposalForm(forms.Form):
    submission_id = submission_field()
    title = forms.CharField(
        label=_("Your idea in a few words"), max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )  # fmt: skip
    body = forms.CharField(
        label=_("What could be better, and how?"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    unit = forms.TypedChoiceField(label=_("To"), coerce=int)
    show_name_to_staff = show_name_field()

    def __init__(self, *args, units: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = units
        if len(units) == 1:
            self.fields["unit"].widget = forms.HiddenInput()
            self.initial.setdefault("unit", units[0][0])


class AnswerForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput)
    state = forms.ChoiceField(label=_("New state"), choices=STATE_CHOICES)
    answer = forms.CharField(
        label=_("Public answer"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Needed to accept or reject: everyone who reads the proposal reads it."),
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    show_name_to_staff = show_name_field()


class InviteForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    email = forms.EmailField(label=_("E-mail"))


class NetworkSearchForm(forms.Form):
    area = forms.ChoiceField(
        label=_("Experience"), required=False, choices=[("", _("Any")), *ExperienceArea.choices]
    )
    when = forms.ChoiceField(
        label=_("Available"),
        required=False,
        choices=[
            ("", _("Any time")),
            ("daytime", _("Daytime")),
            ("evenings", _("Evenings")),
            ("remote", _("Remotely")),
        ],
    )


class ProfileForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput)
    areas = forms.MultipleChoiceField(
        label=_("My experience"),
        choices=ExperienceArea.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    languages = forms.CharField(
        label=_("Languages I speak"), max_length=100, required=False,
        help_text=_("For example: svenska, English, arabiska"),
    )  # fmt: skip
    available_daytime = forms.BooleanField(label=_("Daytime"), required=False)
    available_evenings = forms.BooleanField(label=_("Evenings"), required=False)
    available_remote = forms.BooleanField(label=_("Remotely (video or phone)"), required=False)
    availability_note = forms.CharField(
        label=_("Anything else about when"), max_length=200, required=False
    )
    preferred_contact = forms.ChoiceField(label=_("Contact me by"), choices=ContactWay.choices)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    may_contact = forms.BooleanField(
        label=_("The facilitator may contact me about new activities"),
        required=False,
        help_text=_("You can change this at any time; it takes effect at once."),
    )

    def clean(self):
        data = super().clean()
        if data.get("preferred_contact") == ContactWay.PHONE and not data.get("phone"):
            self.add_error("phone", _("Give a phone number, or choose another way."))
        return data


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ActivityKind.choices)
    title = forms.CharField(label=_("Title"), max_length=150)
    purpose = forms.CharField(
        label=_("What it is for"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    role_description = forms.CharField(
        label=_("The representatives' role"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "What you ask of them, what they decide on and what they do not, and how their "
            "input will be used."
        ),
    )
    preparation = forms.CharField(
        label=_("Preparation"), max_length=8000, required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Sent to each invited representative with the invitation."),
    )  # fmt: skip
    starts_at = forms.DateTimeField(
        label=_("Starts"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    minutes_planned = forms.IntegerField(
        label=_("Length in minutes"), min_value=15, max_value=600, initial=120
    )
    place = forms.CharField(label=_("Place or link"), max_length=200, required=False)


class RecordForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label=_("Status"), choices=ActivityStatus.choices)
    minutes = forms.CharField(
        label=_("Minutes"),
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    decided = forms.CharField(
        label=_("What was decided"),
        max_length=8000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ResultForm(forms.Form):
    title = forms.CharField(label=_("What we do"), max_length=150)
    description = forms.CharField(
        label=_("Description"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    responsible = forms.TypedChoiceField(label=_("Responsible manager"), coerce=uuid.UUID)
    parent = forms.ChoiceField(label=_("Part of a larger result"), required=False)
    weight = forms.IntegerField(
        label=_("Weight within the larger result"), min_value=1, max_value=100, initial=1
    )
    indicator = forms.ChoiceField(label=_("An indicator it should move"), required=False)
    effective_on = forms.DateField(
        label=_("In effect from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, managers, indicators, parents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible"].choices = managers
        self.fields["parent"].choices = [("", _("No, it stands on its own")), *parents]
        self.fields["indicator"].choices = [("", _("None")), *indicators]


class ProgressForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label=_("Status"), choices=ResultStatus.choices)
    progress = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100)
    description = forms.CharField(
        label=_("What happened"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReportForm(forms.Form):
    unit = forms.TypedChoiceField(label=_("Unit"), coerce=int, required=False)
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, units: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        if len(units) > 1:
            self.fields["unit"].choices = [("", _("All your units")), *units]
        else:
            del self.fields["unit"]

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end comes before the start."))
        return data
