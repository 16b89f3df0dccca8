"""Forms for cases and certificates. The checks are those the API uses (validation.py)."""

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from stegvis.accounts.models import Organisation, User
from stegvis.accounts.roles import OrganisationKind, Role
from stegvis.cases import fmb, sykmelding, validation
from stegvis.cases.models import (
    PERIOD_DETAILS,
    Case,
    CaseStatus,
    Certificate,
    CertificateKind,
    CodeSystem,
    PeriodActivity,
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
# Norway's sykmelding, in SM2013's order, in the sections the form shows.
NORWAY_SECTIONS = [
    (_("Employer"), ["no_employer", "no_employer_name", "occupation_text", "no_position_percent"]),
    (_("Other statutory reason for absence"), [
        "no_other_absence_reason", "no_other_absence_text", "no_pregnancy_related",
        "no_occupational_injury",
    ]),
    (_("Prognosis"), [
        "no_fit_after_period", "no_workplace_considerations", "no_own_work_later",
        "no_own_work_from", "no_other_work_later",
    ]),
    (_("Measures that can improve work capacity"), [
        "no_measures_workplace", "no_measures_nav", "no_measures_other",
    ]),
    (_("Messages to Nav and the employer"), [
        "no_nav_assistance", "no_nav_assistance_text", "employer_note",
    ]),
    (_("Contact with the patient"), [
        "examined_on", "no_contact_on", "no_backdating_reason", "no_screened_from_patient",
    ]),
]  # fmt: skip
NORWAY_FIELDS = [name for _legend, names in NORWAY_SECTIONS for name in names]
# How a Norwegian certificate's fields are labelled where the Swedish label does not fit.
NORWAY_LABELS = {
    "examined_on": _("Date of the consultation"),
    "occupation_text": _("Occupation or position"),
    "employer_note": _("Message to the employer"),
}


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
        fields = [*SWEDEN_FIELDS, *NORWAY_FIELDS]
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
            "no_own_work_from": DATE,
            "no_contact_on": DATE,
            **{
                name: SHORT_TEXT
                for name in (
                    "no_other_absence_text",
                    "no_workplace_considerations",
                    "no_measures_workplace",
                    "no_measures_nav",
                    "no_measures_other",
                    "no_nav_assistance_text",
                    "no_backdating_reason",
                )
            },
            **{
                name: forms.NullBooleanSelect
                for name in ("no_fit_after_period", "no_own_work_later", "no_other_work_later")
            },
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
            "no_workplace_considerations": _("Shown to the employer."),
            "no_measures_workplace": _("Shown to the employer."),
            "no_screened_from_patient": _(
                "Only when seeing the medical details would harm the patient."
            ),
        }

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.norwegian = kind == CertificateKind.NO_SYKMELDING
        keep = NORWAY_FIELDS if self.norwegian else SWEDEN_FIELDS
        for name in list(self.fields):
            if name not in (*keep, "revision", "client_token"):
                del self.fields[name]
        if self.norwegian:
            self._as_sykmelding()
        if "fmb_typical_case" in self.fields:
            self.fields["fmb_typical_case"].widget = forms.Select(choices=typical_case_choices())
        if self.instance.pk:
            self.fields["revision"].initial = self.instance.revision
            if "measures" in self.fields:
                self.fields["measures"].initial = self.instance.measures
        for name in ("examined_on", "telephone_on", "records_on", "no_own_work_from",
                     "no_contact_on"):  # fmt: skip
            if name in self.fields:
                self.fields[name].validators.append(_not_far_ahead)

    def _as_sykmelding(self):
        """Norway's labels, code lists and the questions Nav asks at 7, 17 and 39 weeks."""
        for name, label in NORWAY_LABELS.items():
            self.fields[name].label = label
        self.fields["no_employer"].required = True
        self.fields["no_backdating_reason"].help_text = _(
            "Needed when the sykmelding starts more than %(days)s days before the consultation."
        ) % {"days": sykmelding.rules().limits.backdating_after_days}
        self.fields["no_other_absence_reason"].widget = forms.Select(
            choices=[("", "–"), *sykmelding.choices("other_absence_reason")]
        )
        answers = self.instance.no_answers if self.instance.pk else {}
        for group in sykmelding.rules().question_group:
            for question in group.question:
                self.fields[sykmelding.answer_field(question.id)] = forms.CharField(
                    label=f"{question.id} {question.text}",
                    required=False,
                    max_length=sykmelding.ANSWER_MAX_LENGTH,
                    widget=SHORT_TEXT,
                    initial=answers.get(question.id, ""),
                )

    def sections(self):
        """Norway's sections with their bound fields, for the template."""
        return [(legend, [self[name] for name in names]) for legend, names in NORWAY_SECTIONS]

    def question_groups(self):
        """Each group of Nav's questions with its bound fields, for the template."""
        return [
            (group, [self[sykmelding.answer_field(q.id)] for q in group.question])
            for group in sykmelding.rules().question_group
        ]

    def plain_fields(self) -> dict:
        fields = {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in ("revision", "client_token") and not name.startswith("answer_")
        }
        if self.norwegian:
            fields["no_answers"] = {
                question.id: answer
                for group in sykmelding.rules().question_group
                for question in group.question
                if (answer := self.cleaned_data.get(sykmelding.answer_field(question.id)))
            }
        return fields


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
        # A blank first choice, so that an unused row stays unchanged (and is skipped).
        self.fields["degree"].choices = [("", "–")] + [(d, f"{d} %") for d in (25, 50, 75, 100)]

    def clean(self):
        data = super().clean()
        if data.get("degree") is not None:
            for message in validation.degree_errors(self.jurisdiction, data["degree"]):
                self.add_error("degree", message)
        self._add_errors(validation.period_errors(data.get("starts_on"), data.get("ends_on")))
        return data

    def _add_errors(self, errors: dict[str, list[str]]) -> None:
        for field, messages in errors.items():
            self.add_error(field, messages)

    def details(self) -> dict:
        """What the period keeps beside its degree and dates (Norway's details)."""
        return {}


class SykmeldingPeriodForm(PeriodForm):
    """A period of Norway's sykmelding: what the person can do in it, and what Nav asks
    for each kind of activity."""

    activity = forms.ChoiceField(
        label=_("Activity in the period"), choices=[("", "–"), *PeriodActivity.choices]
    )
    degree = forms.IntegerField(
        label=_("Grade (%)"), required=False, help_text=_("For a graded sick leave: 20 to 99.")
    )
    travel_grant = forms.BooleanField(label=_("With travel grant"), required=False)
    treatment_days = forms.IntegerField(label=_("Treatment days in the period"), required=False)
    employer_input = forms.CharField(
        label=_("Input to the employer (for a waiting sick leave)"),
        required=False,
        max_length=2000,
        widget=SHORT_TEXT,
    )
    medical_reasons = forms.MultipleChoiceField(
        label=_("Medical reasons (never shown to the employer)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    medical_reason_text = forms.CharField(
        label=_("The medical reasons, described"), required=False, widget=SHORT_TEXT
    )
    workplace_reasons = forms.MultipleChoiceField(
        label=_("Reasons at the workplace (shown to the employer)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    workplace_reason_text = forms.CharField(
        label=_("The reasons at the workplace, described"), required=False, widget=SHORT_TEXT
    )
    field_order = ["activity", "starts_on", "ends_on", "degree"]

    def __init__(self, *args, jurisdiction: str, sick_from=None, **kwargs):
        forms.Form.__init__(self, *args, **kwargs)
        self.jurisdiction = jurisdiction
        # Day 1 of the sick leave, for the activity requirement's count of weeks.
        self.sick_from = sick_from
        self.fields["medical_reasons"].choices = sykmelding.choices("medical_reason")
        self.fields["workplace_reasons"].choices = sykmelding.choices("workplace_reason")

    def clean(self):
        data = forms.Form.clean(self)
        self._add_errors(validation.period_errors(data.get("starts_on"), data.get("ends_on")))
        errors, degree, self._details = sykmelding.clean_period(data, sick_from=self.sick_from)
        self._add_errors(errors)
        if not self.errors:
            data["degree"] = degree
        return data

    def details(self) -> dict:
        return self._details


class PeriodFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        rows = [(f.cleaned_data["starts_on"], f.cleaned_data["ends_on"]) for f in self.filled()]
        messages = validation.overlap_errors(rows)
        activities = [f.cleaned_data.get("activity") for f in self.filled()]
        if any(activities):
            messages += sykmelding.combination_errors(activities)
        if messages:
            raise ValidationError(messages)

    def filled(self):
        return [f for f in self.forms if f.cleaned_data and f.has_changed()]


def _formset(form, base=forms.BaseFormSet, rows=3):
    return forms.formset_factory(form, formset=base, extra=rows, max_num=rows, absolute_max=rows)


DiagnosisFormSet = _formset(DiagnosisForm, rows=3)
PeriodRows = _formset(PeriodForm, base=PeriodFormSet, rows=4)
SykmeldingPeriodRows = _formset(SykmeldingPeriodForm, base=PeriodFormSet, rows=3)


class CertificateForms:
    """The certificate form with its two formsets, bound or unbound, as one unit."""

    def __init__(self, *, kind: str, jurisdiction: str, data=None, instance=None, sick_from=None):
        initial_diagnoses = initial_periods = None
        if instance is not None and data is None:
            initial_diagnoses = [
                {"system": d.system, "code": d.code, "text": d.text}
                for d in instance.diagnoses.all()
            ]
            initial_periods = [
                {
                    "degree": p.degree,
                    "starts_on": p.starts_on,
                    "ends_on": p.ends_on,
                    **{name: getattr(p, name) for name in PERIOD_DETAILS},
                    "activity": p.activity_in_force
                    if kind == CertificateKind.NO_SYKMELDING
                    else "",
                }
                for p in instance.periods.all()
            ]
        self.main = CertificateForm(data, instance=instance, kind=kind)
        if instance is None and data is None:
            self.main.fields["client_token"].initial = uuid.uuid4()
        kwargs = {"form_kwargs": {"jurisdiction": jurisdiction}}
        self.diagnoses = DiagnosisFormSet(
            data, prefix="diagnosis", initial=initial_diagnoses, **kwargs
        )
        rows = PeriodRows
        if kind == CertificateKind.NO_SYKMELDING:
            rows = SykmeldingPeriodRows
            kwargs = {"form_kwargs": {"jurisdiction": jurisdiction, "sick_from": sick_from}}
        self.periods = rows(data, prefix="period", initial=initial_periods, **kwargs)

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
                (
                    f.cleaned_data["degree"],
                    f.cleaned_data["starts_on"],
                    f.cleaned_data["ends_on"],
                    f.details(),
                )
                for f in self.periods.filled()
            ],
        )
