import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from stegvis.accounts.roles import role_title
from stegvis.coordination import attachments
from stegvis.coordination.models import DecisionKind, InvitationResponse, ThreadKind
from stegvis.coordination.sip import PROVIDERS


class OwnIds:
    """Several forms share the meeting page: each gets its own element ids (the field
    names stay plain), so every label points at its own field."""

    id_prefix = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"id_{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


def submission_field():
    return forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Several files; each checked by its content (coordination.attachments)."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": "application/pdf,image/png,image/jpeg,image/webp"}),
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        files = [super(AttachmentsField, self).clean(f, initial) for f in files]
        attachments.checked_all(files)
        return files


def _files_field():
    return AttachmentsField(
        label=_("Attach files (PDF or images, optional)"),
        required=False,
        help_text=_("PDF, PNG, JPEG or WebP, at most 10 MB each."),
    )


class PeopleField(forms.TypedMultipleChoiceField):
    def __init__(self, people, **kwargs):
        super().__init__(
            choices=[
                (str(user.pk), f"{user} ({role_title(d.role, d.organisation)}, {d.organisation})")
                for user, d in people
            ],
            widget=forms.CheckboxSelectMultiple,
            **kwargs,
        )


class MessageForm(forms.Form):
    submission_id = submission_field()
    body = forms.CharField(
        label=_("Message"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    files = _files_field()


class ThreadForm(MessageForm):
    subject = forms.CharField(label=_("Subject"), max_length=120)
    field_order = ["submission_id", "subject", "kind", "participants", "body", "files"]

    def __init__(self, *args, people, patient_is_author: bool, **kwargs):
        super().__init__(*args, **kwargs)
        # The patient always writes to someone; staff writing with the patient may write
        # to the patient alone.
        self.fields["participants"] = PeopleField(
            people, label=_("With"), required=patient_is_author
        )
        if not patient_is_author:
            self.fields["kind"] = forms.ChoiceField(
                label=_("Who reads it"),
                choices=ThreadKind.choices,
                widget=forms.RadioSelect,
                initial=ThreadKind.STAFF,
            )
        self.order_fields(self.field_order)

    def clean(self):
        data = super().clean()
        if data.get("kind") == ThreadKind.STAFF and not data.get("participants"):
            self.add_error("participants", _("Choose who to write to."))
        return data


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of meeting"))
    day = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label=_("Time"), widget=forms.TimeInput(attrs={"type": "time"}))
    duration_minutes = forms.IntegerField(
        label=_("Length (minutes)"), min_value=15, max_value=480, initial=60
    )
    place = forms.CharField(
        label=_("Place or video link"),
        max_length=200,
        required=False,
        help_text=_("Shown in calendar invitations: an address or a link, nothing about health."),
    )
    questionnaire_code = forms.ChoiceField(
        label=_("Questionnaire before the meeting"), required=False
    )

    def __init__(self, *args, kinds, people, questionnaires, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k.code, str(k.title)) for k in kinds]
        self.fields["participants"] = PeopleField(
            people,
            label=_("Invite (the patient is always invited)"),
            required=False,
            help_text=_("Only people the patient has let see their meetings are listed."),
        )
        self.fields["questionnaire_code"].choices = [("", _("None")), *questionnaires]


class ResponseForm(OwnIds, forms.Form):
    id_prefix = "response"
    response = forms.ChoiceField(
        label=_("Your answer"), choices=InvitationResponse.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("A note to the organiser (optional)"),
        max_length=500,
        required=False,
        help_text=_("Only the organiser and the care team read it."),
    )


class AgendaForm(OwnIds, forms.Form):
    id_prefix = "agenda"
    submission_id = submission_field()
    text = forms.CharField(label=_("Something you want to talk about"), max_length=500)


class SipMeasureForm(forms.Form):
    text = forms.CharField(label=_("Support measure"), max_length=500, required=False)
    provider = forms.ChoiceField(
        label=_("Provided by"), choices=[("", "—"), *PROVIDERS.items()], required=False
    )
    provider_name = forms.CharField(label=_("Who, by name"), max_length=200, required=False)


SipMeasureFormSet = forms.formset_factory(SipMeasureForm, extra=3, max_num=30)


class SipPlanForm(OwnIds, forms.Form):
    id_prefix = "sip"
    revision = forms.IntegerField(widget=forms.HiddenInput)
    overall_responsibility = forms.ChoiceField(
        label=_("Overall responsibility for the plan"),
        choices=[
            ("", "—"),
            ("municipality", PROVIDERS["municipality"]),
            ("region", PROVIDERS["region"]),
        ],
        required=False,
    )
    responsible_authority = forms.CharField(
        label=_("The responsible authority, by name"), max_length=200, required=False
    )


class MinutesForm(OwnIds, forms.Form):
    id_prefix = "minutes"
    revision = forms.IntegerField(widget=forms.HiddenInput)
    minutes = forms.CharField(
        label=_("Minutes"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    follow_up_on = forms.DateField(
        label=_("Follow-up date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class DecisionForm(OwnIds, forms.Form):
    id_prefix = "decision"
    submission_id = submission_field()
    text = forms.CharField(label=_("Decision"), max_length=500)
    kind = forms.ChoiceField(
        label=_("Becomes"),
        choices=DecisionKind.choices,
        widget=forms.RadioSelect,
        initial=DecisionKind.PLAN_ACTION,
    )
    owner = forms.ChoiceField(label=_("Who does it"))
    due_on = forms.DateField(label=_("Due by"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, participants, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [(str(p.user_id), str(p.user)) for p in participants]


class RevisionForm(OwnIds, forms.Form):
    id_prefix = "revision"
    revision = forms.IntegerField(widget=forms.HiddenInput)


class TaskForm(forms.Form):
    submission_id = submission_field()
    title = forms.CharField(label=_("Task"), max_length=200)
    assignee = forms.ChoiceField(label=_("For"))
    due_on = forms.DateField(
        label=_("Due by"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [(str(u.pk), str(u)) for u, _d in people]
