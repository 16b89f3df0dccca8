"""Forms for cases and certificates. The checks are those the API uses (validation.py)."""

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from stegvis.accounts.models import Organisation, User
from stegvis.accounts.roles import OrganisationKind, Role
from stegvis.cases import fmb, validation
from stegvis.cases.models import (
    Case,
    CaseStatus,
    Certificate,
    CertificateKind,
    CodeSystem,
    WorkMeasure,
)
from stegvis.cases.services import EDITABLE_CASE_FIELDS, CertificateContent

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
SHORT_TEXT = forms.Textarea(attrs={"rows": 3})


class CaseForm(forms.ModelForm):
    revision = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Case
        fields = list(EDITABLE_CASE_FIELDS)
        widgets = {"closed_on": DATE, "sick_from": DATE, "expectation_known_on": DATE}
        help_texts = {
            "sick_from": _("Day 1 of the rehabilitation chain."),
            "expected_days": _(
                "From 60 days, the employer must have a return-to-work plan by day 30."
            ),
        }

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, instance=case, **kwargs)
        self.fields["revision"].initial = case.revision
        self.fields["employer"].queryset = Organisation.objects.filter(
            kind=OrganisationKind.EMPLOYER
        ).order_by("name")

        def staff(role):
            return User.objects.filter(
                memberships__organisation=case.organisation, memberships__role=role
            ).order_by("family_name", "given_name")

        self.fields["responsible_coordinator"].queryset = staff(Role.REHAB_COORDINATOR)
        self.fields["responsible_physician"].queryset = staff(Role.PHYSICIAN)
        for name in ("sick_from", "expectation_known_on", "closed_on"):
            self.fields[name].validators.append(_not_far_ahead)

    def clean(self):
        data = super().clean()
        if data.get("status") == CaseStatus.CLOSED and not data.get("closed_reason"):
            self.add_error("closed_reason", _("Say why the case is closed."))
        if data.get("status") != CaseStatus.CLOSED:
            data["closed_reason"] = ""
        return data


class NewCaseForm(forms.ModelForm):
    """Open a case for a patient registered at the care unit."""

    class Meta:
        model = Case
        fields = ["patient", "jurisdiction", "employment", "employer", "sick_from", "expected_days"]
        widgets = {"sick_from": DATE}

    def __init__(self, *args, unit: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["patient"].queryset = User.objects.filter(
            memberships__organisation=unit, memberships__role=Role.PATIENT
        ).order_by("family_name", "given_name")
        self.fields["patient"].label = _("Patient")
        self.fields["jurisdiction"].initial = unit.jurisdiction
        self.fields["employer"].queryset = Organisation.objects.filter(
            kind=OrganisationKind.EMPLOYER
        ).order_by("name")
        self.fields["sick_from"].required = True
        self.fields["sick_from"].validators.append(_not_far_ahead)


def _not_far_ahead(value):
    if messages := validation.date_errors(value):
        raise ValidationError(messages)


# The fields each country's certificate asks for, in the order the form shows them.
SWEDEN_FIELDS = [
    "examined_on", "telephone_on", "records_on", "occupation", "occupation_text",
    "functional_impairment", "functional_impairment_grade", "activity_limitation",
    "activity_limitation_grade", "ongoing_treatment", "planned_treatment",
    "fmb_typical_case", "fmb_justification", "working_hours_arranged",
    "working_hours_text", "prognosis", "prognosis_days", "measures", "measures_text",
    "fk_contact_wanted", "fk_contact_reason",
]  # fmt: skip
NORWAY_FIELDS = [
    "examined_on", "functional_impairment", "activity_limitation", "employer_note",
]  # fmt: skip


class CertificateForm(forms.ModelForm):
    """The plain fields of a certificate; diagnoses and periods come in formsets."""

    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)
    client_token = forms.UUIDField(widget=forms.HiddenInput, required=False)
    measures = forms.MultipleChoiceField(
        label=_("Work-oriented measures"),
        choices=WorkMeasure.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Certificate
        fields = [*SWEDEN_FIELDS, "employer_note"]
        widgets = {
            "examined_on": DATE,
            "telephone_on": DATE,
            "records_on": DATE,
            "occupation_text": SHORT_TEXT,
            "functional_impairment": SHORT_TEXT,
            "activity_limitation": SHORT_TEXT,
            "ongoing_treatment": SHORT_TEXT,
            "planned_treatment": SHORT_TEXT,
            "fmb_justification": SHORT_TEXT,
            "working_hours_text": SHORT_TEXT,
            "measures_text": SHORT_TEXT,
            "fk_contact_reason": SHORT_TEXT,
            "employer_note": SHORT_TEXT,
            "working_hours_arranged": forms.NullBooleanSelect,
        }
        help_texts = {
            "functional_impairment": _(
                "Which function the illness reduces, in plain words; not the diagnosis again."
            ),
            "activity_limitation": _("What the person cannot do because of it, at work."),
            "fmb_justification": _(
                "Needed when the sick leave goes beyond the guidance (question 37)."
            ),
            "employer_note": _("The employer's copy shows this, never the diagnosis."),
        }

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        keep = SWEDEN_FIELDS if kind == CertificateKind.FK_7804 else NORWAY_FIELDS
        for name in list(self.fields):
            if name not in (*keep, "revision", "client_token"):
                del self.fields[name]
        if "fmb_typical_case" in self.fields:
            self.fields["fmb_typical_case"].widget = forms.Select(choices=typical_case_choices())
        if self.instance.pk:
            self.fields["revision"].initial = self.instance.revision
            if "measures" in self.fields:
                self.fields["measures"].initial = self.instance.measures
        for name in ("examined_on", "telephone_on", "records_on"):
            if name in self.fields:
                self.fields[name].validators.append(_not_far_ahead)

    def plain_fields(self) -> dict:
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in ("revision", "client_token")
        }


def typical_case_choices():
    language = get_language() or "sv"
    choices = [("", _("Not chosen: compare with the longest typical case"))]
    for guidance in fmb.guidance_list():
        label = "{} {}".format("/".join(guidance.codes), guidance.title.in_language(language))
        cases = [(t.id, t.text.in_language(language)) for t in guidance.typical_cases]
        choices.append((label, cases))
    return choices


class DiagnosisForm(forms.Form):
    system = forms.ChoiceField(label=_("Code system"), choices=CodeSystem.choices)
    code = forms.CharField(label=_("Diagnosis code"), max_length=10)
    text = forms.CharField(label=_("Diagnosis in words"), max_length=250, required=False)

    def __init__(self, *args, jurisdiction: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.jurisdiction = jurisdiction
        systems = validation.CODE_SYSTEMS[jurisdiction]
        self.fields["system"].choices = [(s, CodeSystem(s).label) for s in systems]
        # The preselected system alone does not make an unused row count as filled in.
        self.fields["system"].initial = systems[0]
        self.fields["code"].widget.attrs.update(
            {
                "list": f"codes-{systems[0]}",
                "autocomplete": "off",
                "size": 8,
                "aria-describedby": "codes-help",
                # The list holds the common codes; typing fetches the matching ones.
                "hx-get": reverse("code_search", args=[systems[0]]),
                "hx-trigger": "input changed delay:250ms",
                "hx-target": f"#codes-{systems[0]}",
                "hx-swap": "innerHTML",
                "hx-sync": "this:replace",
            }
        )

    def clean(self):
        data = super().clean()
        if data.get("code"):
            data["code"] = data["code"].strip().upper()
            errors = validation.diagnosis_errors(self.jurisdiction, data["system"], data["code"])
            for field, messages in errors.items():
                self.add_error(field, messages)
        return data


class PeriodForm(forms.Form):
    degree = forms.TypedChoiceField(label=_("Degree of sick leave (%)"), coerce=int)
    starts_on = forms.DateField(label=pgettext_lazy("start of a date range", "From"), widget=DATE)
    ends_on = forms.DateField(label=pgettext_lazy("end of a date range", "To"), widget=DATE)

    def __init__(self, *args, jurisdiction: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.jurisdiction = jurisdiction
        if jurisdiction == "SE":
            # A blank first choice, so that an unused row stays unchanged (and is skipped).
            self.fields["degree"].choices = [("", "–")] + [(d, f"{d} %") for d in (25, 50, 75, 100)]
        else:
            self.fields["degree"] = forms.IntegerField(
                label=_("Degree of sick leave (%)"),
                help_text=_("100, or graded from 20 to 99."),
            )

    def clean(self):
        data = super().clean()
        if data.get("degree") is not None:
            for message in validation.degree_errors(self.jurisdiction, data["degree"]):
                self.add_error("degree", message)
        for field, messages in validation.period_errors(
            data.get("starts_on"), data.get("ends_on")
        ).items():
            self.add_error(field, messages)
        return data


class PeriodFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        rows = [(f.cleaned_data["starts_on"], f.cleaned_data["ends_on"]) for f in self.filled()]
        if messages := validation.overlap_errors(rows):
            raise ValidationError(messages)

    def filled(self):
        return [f for f in self.forms if f.cleaned_data and f.has_changed()]


def _formset(form, base=forms.BaseFormSet, rows=3):
    return forms.formset_factory(form, formset=base, extra=rows, max_num=rows, absolute_max=rows)


DiagnosisFormSet = _formset(DiagnosisForm, rows=3)
PeriodRows = _formset(PeriodForm, base=PeriodFormSet, rows=4)


class CertificateForms:
    """The certificate form with its two formsets, bound or unbound, as one unit."""

    def __init__(self, *, kind: str, jurisdiction: str, data=None, instance=None):
        initial_diagnoses = initial_periods = None
        if instance is not None and data is None:
            initial_diagnoses = [
                {"system": d.system, "code": d.code, "text": d.text}
                for d in instance.diagnoses.all()
            ]
            initial_periods = [
                {"degree": p.degree, "starts_on": p.starts_on, "ends_on": p.ends_on}
                for p in instance.periods.all()
            ]
        self.main = CertificateForm(data, instance=instance, kind=kind)
        if instance is None and data is None:
            self.main.fields["client_token"].initial = uuid.uuid4()
        kwargs = {"form_kwargs": {"jurisdiction": jurisdiction}}
        self.diagnoses = DiagnosisFormSet(
            data, prefix="diagnosis", initial=initial_diagnoses, **kwargs
        )
        self.periods = PeriodRows(data, prefix="period", initial=initial_periods, **kwargs)

    def is_valid(self) -> bool:
        # Evaluate all three so every error shows at once.
        return all([self.main.is_valid(), self.diagnoses.is_valid(), self.periods.is_valid()])

    def content(self) -> CertificateContent:
        return CertificateContent(
            fields=self.main.plain_fields(),
            diagnoses=[
                (f.cleaned_data["system"], f.cleaned_data["code"], f.cleaned_data["text"])
                for f in self.diagnoses.forms
                if f.cleaned_data and f.cleaned_data.get("code")
            ],
            periods=[
                (f.cleaned_data["degree"], f.cleaned_data["starts_on"], f.cleaned_data["ends_on"])
                for f in self.periods.filled()
            ],
        )
