"""One form per plan section, each turning the section's stored value into fields and back.

Lists the patient writes freely (goals, strengths, barriers) are one item per line: the
least typing on a phone. Rows with several fields (actions, schedule, contacts) are
formsets with one empty row to add another.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from stegvis.cases.models import WorkMeasure
from stegvis.plans import content
from stegvis.plans.models import CapacityNote

TEXTAREA = forms.Textarea(attrs={"rows": 4})


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class LinesForm(forms.Form):
    text = forms.CharField(
        required=False,
        widget=TEXTAREA,
        max_length=8000,
        help_text=_("One per line. Your own words are best."),
    )

    def __init__(self, *args, label="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].label = label


class BarriersForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in content.BARRIER_KINDS.items():
            self.fields[kind] = forms.CharField(
                label=label, required=False, widget=TEXTAREA, max_length=4000
            )


class ActionForm(forms.Form):
    id = forms.CharField(required=False, widget=forms.HiddenInput)
    text = forms.CharField(label=_("What"), required=False, max_length=1000)
    owner = forms.ChoiceField(label=_("Who"), required=False)
    due_on = forms.DateField(
        label=_("By when"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=list(content.ACTION_STATUSES.items()), initial="open"
    )

    def __init__(self, *args, owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("patient", _("Me")), *owners]


class AdjustmentsForm(forms.Form):
    measures = forms.MultipleChoiceField(
        label=_("Adjustments that could help"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(m, WorkMeasure(m).label) for m in content.MEASURES],
    )
    other = forms.CharField(
        label=_("Other adjustments, in your words"), required=False, widget=TEXTAREA
    )


class ScheduleStepForm(forms.Form):
    weeks = forms.IntegerField(label=_("Weeks"), required=False, min_value=1, max_value=52)
    percent = forms.IntegerField(
        label=_("Percent of full time"), required=False, min_value=0, max_value=100
    )
    hours = forms.DecimalField(
        label=_("Or hours a week"), required=False, min_value=0, max_value=60, decimal_places=1
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def clean(self):
        data = super().clean()
        if data.get("weeks") and (data.get("percent") is None) == (data.get("hours") is None):
            raise forms.ValidationError(_("Give either a percent or hours a week."))
        return data


class SupportContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), required=False, max_length=200)
    role = forms.CharField(label=_("Who they are to me"), required=False, max_length=200)
    how_to_reach = forms.CharField(label=_("How to reach them"), required=False, max_length=200)


class HardTimesForm(forms.Form):
    warning_signs = forms.CharField(label=_("My warning signs"), required=False, widget=TEXTAREA)
    what_helps = forms.CharField(label=_("What helps me"), required=False, widget=TEXTAREA)
    whom_to_call = forms.CharField(label=_("Whom I call"), required=False, widget=TEXTAREA)


class ProposalCommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Why you suggest this (optional)"), required=False, widget=TEXTAREA
    )


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), widget=TEXTAREA, max_length=2000)


ActionFormSet = forms.formset_factory(ActionForm, extra=1, max_num=50)
ScheduleFormSet = forms.formset_factory(ScheduleStepForm, extra=1, max_num=52)
ContactFormSet = forms.formset_factory(SupportContactForm, extra=1, max_num=20)


class SectionEditor:
    """The form (or formset) of one section, bound to a post or filled from a value."""

    def __init__(self, section: str, value, data=None, owners=()):
        self.section = section
        self.form = self.formset = None
        label = content.SECTIONS[section]
        if section in ("goals", "strengths"):
            self.form = LinesForm(data, initial={"text": "\n".join(value)}, label=label)
        elif section == "barriers":
            initial = {
                k: "\n".join(b["text"] for b in value if b["kind"] == k)
                for k in content.BARRIER_KINDS
            }
            self.form = BarriersForm(data, initial=initial)
        elif section == "adjustments":
            self.form = AdjustmentsForm(data, initial=value)
        elif section == "hard_times":
            self.form = HardTimesForm(data, initial=value)
        elif section == "actions":
            self.formset = ActionFormSet(
                data, initial=value, prefix="actions", form_kwargs={"owners": owners}
            )
        elif section == "schedule":
            self.formset = ScheduleFormSet(data, initial=value, prefix="schedule")
        elif section == "support_contacts":
            self.formset = ContactFormSet(data, initial=value, prefix="contacts")
        else:
            raise KeyError(section)

    def is_valid(self) -> bool:
        return all(f.is_valid() for f in (self.form, self.formset) if f is not None)

    def value(self):
        section = self.section
        if section in ("goals", "strengths"):
            return _lines(self.form.cleaned_data["text"])
        if section == "barriers":
            return [
                {"kind": kind, "text": line}
                for kind in content.BARRIER_KINDS
                for line in _lines(self.form.cleaned_data[kind])
            ]
        if section in ("adjustments", "hard_times"):
            return dict(self.form.cleaned_data)
        rows = [row for row in self.formset.cleaned_data if row]
        if section == "actions":
            return [
                {
                    "text": row["text"],
                    "owner": row.get("owner") or "patient",
                    "due_on": row.get("due_on"),
                    "status": row.get("status") or "open",
                    # A new row gets its id when validated; an existing one keeps it.
                    **({"id": row["id"]} if row.get("id") else {}),
                }
                for row in rows
                if row.get("text")
            ]
        if section == "schedule":
            return [
                {**row, "hours": float(row["hours"]) if row.get("hours") is not None else None}
                for row in rows
                if row.get("weeks")
            ]
        return [row for row in rows if row.get("name")]


class CapacityNoteForm(forms.ModelForm):
    class Meta:
        model = CapacityNote
        fields = ["work_situation", "limitations", "adjustments"]
        widgets = {name: forms.Textarea(attrs={"rows": 5}) for name in fields}
        help_texts = {
            "work_situation": _("Your job, your tasks, your hours, what the workplace is like."),
            "limitations": _(
                "In plain words: what is hard to do at work right now, and why it matters."
            ),
            "adjustments": _("What could make some work possible: tasks, hours, place, support."),
        }


class EmployerPlanForm(forms.Form):
    """One answer per point of the country's list, plus the next follow-up date."""

    follow_up_on = forms.DateField(
        label=_("Next follow-up"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, data=None, *, plan, rules, completing: bool = False):
        # Completing needs every point answered; a plain save takes what there is.
        self.completing = completing
        initial = {f"point_{code}": text for code, text in plan.answers.items()}
        initial["follow_up_on"] = plan.follow_up_on
        super().__init__(data, initial=initial)
        self.points = rules.points
        for point in rules.points:
            self.fields[f"point_{point.code}"] = forms.CharField(
                label=str(point.text),
                required=False,
                max_length=4000,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        # The date field last, after the points.
        self.order_fields([f"point_{p.code}" for p in rules.points] + ["follow_up_on"])

    def clean(self):
        data = super().clean()
        if self.completing:
            for point in self.points:
                name = f"point_{point.code}"
                if name in data and not data[name].strip():
                    self.add_error(name, _("Answer this point to complete the plan."))
            if self.errors:
                raise forms.ValidationError(_("Answer every point before you complete the plan."))
        return data

    def answers(self) -> dict[str, str]:
        return {p.code: self.cleaned_data[f"point_{p.code}"] for p in self.points}
