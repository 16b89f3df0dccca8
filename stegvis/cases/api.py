"""Cases, certificates and timelines under /api/v1/: the same policy and audit as the pages."""

import uuid
from datetime import date
from typing import Literal

from django.http import HttpResponse
from django.utils import timezone
from ninja import Router, Schema, Status
from pydantic import Field

from stegvis.access.categories import Action, Category
from stegvis.access.helpers import get_case_for, get_patient_for, get_record_for
from stegvis.access.policy import cases_visible_to
from stegvis.cases import fmb, services, sykmelding, validation
from stegvis.cases.deadlines import milestones, rule_set
from stegvis.cases.forms import NORWAY_FIELDS, SWEDEN_FIELDS
from stegvis.cases.models import (
    PERIOD_DETAILS,
    Case,
    Certificate,
    CertificateKind,
    NorwegianEmployer,
    Occupation,
    PeriodActivity,
    Prognosis,
    WorkMeasure,
)
from stegvis.cases.rules import (
    CERTIFICATE,
    CERTIFICATE_TO_CORRECT,
    CERTIFIERS,
    EMPLOYER_COPY,
    SCREENED_FROM_PATIENT,
    medical_details_withheld,
)
from stegvis.cases.timeline_input import TimelineIn
from stegvis.cases.timelines import case_timeline
from stegvis.core.errors import ApiError, FieldErrors

router = Router(tags=["cases"])


class MilestoneOut(Schema):
    code: str
    date: date
    title_sv: str
    title_en: str
    responsible: str
    legal_reference: str
    kind: str
    note_sv: str | None
    note_en: str | None


class TimelineEntryOut(MilestoneOut):
    status: Literal["upcoming", "due_soon", "overdue", "past", "done"]


class NextDeadlineOut(Schema):
    code: str
    date: date


class CaseOut(Schema):
    id: uuid.UUID
    patient_id: uuid.UUID
    organisation: str
    jurisdiction: str
    employment: str
    employer: str | None
    status: str
    closed_reason: str
    responsible_coordinator_id: uuid.UUID | None
    responsible_physician_id: uuid.UUID | None
    opened_on: date
    closed_on: date | None
    sick_from: date | None
    expected_days: int | None
    expectation_known_on: date | None
    next_deadline: NextDeadlineOut | None


class DiagnosisIO(Schema):
    system: Literal["icd10", "icpc2"] = "icd10"
    code: str = Field(max_length=10)
    text: str = Field(default="", max_length=250)


class PeriodIO(Schema):
    degree: int
    start: date = Field(alias="from")
    end: date = Field(alias="to")
    # Norway's sykmelding: what the person can do in the period. Left out, a Norwegian
    # period of 100 % is "no activity possible" and any other degree graded.
    activity: Literal["", *PeriodActivity.values] = ""  # type: ignore[valid-type]
    travel_grant: bool = False
    treatment_days: int | None = Field(default=None, ge=1, le=366)
    employer_input: str = Field(default="", max_length=4000)
    medical_reasons: list[str] = Field(default_factory=list, max_length=4)
    medical_reason_text: str = Field(default="", max_length=4000)
    workplace_reasons: list[str] = Field(default_factory=list, max_length=2)
    workplace_reason_text: str = Field(default="", max_length=4000)


Text = Field(default="", max_length=4000)


class CertificateIn(Schema):
    examined_on: date | None = None
    telephone_on: date | None = None
    records_on: date | None = None
    occupation: Literal["", *Occupation.values] = ""  # type: ignore[valid-type]
    occupation_text: str = Text
    diagnoses: list[DiagnosisIO] = Field(default_factory=list, max_length=3)
    functional_impairment: str = Text
    functional_impairment_grade: int | None = Field(default=None, ge=0, le=4)
    activity_limitation: str = Text
    activity_limitation_grade: int | None = Field(default=None, ge=0, le=4)
    ongoing_treatment: str = Text
    planned_treatment: str = Text
    periods: list[PeriodIO] = Field(default_factory=list, max_length=10)
    fmb_typical_case: str = Field(default="", max_length=40)
    fmb_justification: str = Text
    working_hours_arranged: bool | None = None
    working_hours_text: str = Text
    prognosis: Literal["", *Prognosis.values] = ""  # type: ignore[valid-type]
    prognosis_days: Literal[30, 60, 90, 180, 365] | None = None
    measures: list[Literal[*WorkMeasure.values]] = Field(default_factory=list)  # type: ignore[valid-type]
    measures_text: str = Text
    fk_contact_wanted: bool = False
    fk_contact_reason: str = Text
    employer_note: str = Text
    # Norway's sykmelding (SM2013); see the page's form for what each means.
    no_employer: Literal["", *NorwegianEmployer.values] = ""  # type: ignore[valid-type]
    no_employer_name: str = Field(default="", max_length=200)
    no_position_percent: int | None = Field(default=None, ge=1, le=100)
    no_other_absence_reason: str = Field(default="", max_length=2)
    no_other_absence_text: str = Text
    no_pregnancy_related: bool = False
    no_occupational_injury: bool = False
    no_screened_from_patient: bool = False
    no_fit_after_period: bool | None = None
    no_workplace_considerations: str = Text
    no_own_work_later: bool | None = None
    no_own_work_from: date | None = None
    no_other_work_later: bool | None = None
    no_answers: dict[str, str] = Field(default_factory=dict, max_length=20)
    no_measures_workplace: str = Text
    no_measures_nav: str = Text
    no_measures_other: str = Text
    no_nav_assistance: bool = False
    no_nav_assistance_text: str = Text
    no_contact_on: date | None = None
    no_backdating_reason: str = Text


class CertificateUpdateIn(CertificateIn):
    revision: int


class AssessmentOut(Schema):
    cumulative_days: int
    # The first and last day counted: from day 1 of the sick leave, as the agency counts.
    counted_from: date | None
    counted_to: date | None
    # Norway: the further-information questions Nav asks at this point (to answer before
    # signing). Sweden: the FMB guidance below; Norway has none.
    questions_due: list[str] = Field(default_factory=list)
    guidance: str | None
    typical_case: str | None
    max_days: int | None
    exceeds: bool
    suggest_partial: bool
    advises_against_leave: bool
    dfa_gaps: list[str]


class CertificateOut(CertificateIn):
    id: uuid.UUID
    case_id: uuid.UUID
    kind: str
    series: uuid.UUID
    version: int
    revision: int
    status: str
    signed_at: str | None
    assessment: AssessmentOut | None = None


class EmployerPeriodOut(Schema):
    """A period as the employer sees it: never the medical reasons."""

    degree: int
    start: date = Field(alias="from")
    end: date = Field(alias="to")
    activity: str = ""
    travel_grant: bool = False
    treatment_days: int | None = None
    employer_input: str = ""
    workplace_reasons: list[str] = Field(default_factory=list)
    workplace_reason_text: str = ""


# What of a period the employer's copy shows beside its dates, degree and activity: the
# Norwegian period's details that are not medical (the schema above names them).
EMPLOYER_PERIOD_DETAILS = tuple(
    name
    for name in EmployerPeriodOut.model_fields
    if name not in ("degree", "start", "end", "activity")
)


class EmployerCopyOut(Schema):
    certificate_id: uuid.UUID
    patient_name: str
    periods: list[EmployerPeriodOut]
    employer_note: str
    signed_on: date | None
    fit_after_period: bool | None = None
    workplace_considerations: str = ""
    measures_at_workplace: str = ""


def _case_out(case: Case) -> dict:
    return {
        **{f: getattr(case, f, None) for f in CaseOut.model_fields},
        "organisation": case.organisation.name,
        "employer": case.employer.name if case.employer else None,
        "next_deadline": (
            {"code": case.next_deadline_code, "date": case.next_deadline_on}
            if case.next_deadline_on
            else None
        ),
    }


def _certificate_out(
    certificate: Certificate, *, with_assessment: bool = False, withheld: bool = False
) -> dict:
    out = {
        **{f: getattr(certificate, f, None) for f in CertificateIn.model_fields},
        "id": certificate.pk,
        "case_id": certificate.case_id,
        "kind": certificate.kind,
        "series": certificate.series,
        "version": certificate.version,
        "revision": certificate.revision,
        "status": certificate.status,
        "signed_at": certificate.signed_at.isoformat() if certificate.signed_at else None,
        # A sykmelding marked "skjermes for pasient" shows the patient no diagnosis.
        "diagnoses": []
        if withheld
        else [
            {"system": d.system, "code": d.code, "text": d.text}
            for d in certificate.diagnoses.all()
        ],
        "periods": [
            {
                "degree": p.degree,
                "from": p.starts_on,
                "to": p.ends_on,
                **{name: getattr(p, name) for name in PERIOD_DETAILS},
                **({"medical_reasons": [], "medical_reason_text": ""} if withheld else {}),
            }
            for p in certificate.periods.all()
        ],
    }
    if withheld:
        out.update(SCREENED_FROM_PATIENT)
    if with_assessment:
        a = services.certificate_assessment(certificate)
        # Sweden's FMB parts; a Norwegian sykmelding has none of them (Norway has no FMB).
        swedish = a if isinstance(a, fmb.Assessment) else fmb.Assessment(a.cumulative_days)
        typical = swedish.typical_case
        out["assessment"] = {
            "cumulative_days": a.cumulative_days,
            "counted_from": a.counted[0] if a.counted else None,
            "counted_to": a.counted[1] if a.counted else None,
            "guidance": swedish.guidance.title.en if swedish.guidance else None,
            "typical_case": typical.id if typical else None,
            "max_days": typical.max_days if typical else None,
            "exceeds": swedish.exceeds,
            "suggest_partial": swedish.suggest_partial,
            "advises_against_leave": swedish.advises_against_leave,
            "dfa_gaps": swedish.dfa_gaps,
            "questions_due": [q.id for q in a.question_group.question]
            if isinstance(a, sykmelding.Assessment) and a.question_group
            else [],
        }
    return out


# A period's field as the API names it.
API_NAMES = {"starts_on": "from", "ends_on": "to"}


def _content(case: Case, payload: CertificateIn) -> services.CertificateContent:
    """Check the payload against the case's jurisdiction; FieldErrors names what is wrong."""
    errors: dict[str, list[str]] = {}
    for i, d in enumerate(payload.diagnoses):
        for field, messages in validation.diagnosis_errors(
            case.jurisdiction, d.system, d.code
        ).items():
            errors[f"diagnoses.{i}.{field}"] = messages
    norwegian = case.jurisdiction == "NO"
    periods = []
    for i, p in enumerate(payload.periods):
        found = validation.period_errors(p.start, p.end)
        degree, details = p.degree, {}
        if norwegian:
            sent = {
                "starts_on": p.start,
                "ends_on": p.end,
                **p.model_dump(exclude={"start", "end"}),
            }
            period_errors, degree, details = sykmelding.clean_period(sent, sick_from=case.sick_from)
            found |= period_errors
        else:
            found |= {"degree": validation.degree_errors(case.jurisdiction, p.degree)}
        for field, messages in found.items():
            if messages:
                errors[f"periods.{i}.{API_NAMES.get(field, field)}"] = messages
        periods.append((degree, p.start, p.end, details))
    messages = validation.overlap_errors([(p.start, p.end) for p in payload.periods])
    if norwegian:
        messages += sykmelding.combination_errors([period[3]["activity"] for period in periods])
        errors.update(sykmelding.certificate_field_errors(payload.model_dump()))
    if messages:
        errors["periods"] = messages
    for name in ("examined_on", "telephone_on", "records_on", "no_own_work_from", "no_contact_on"):
        if messages := validation.date_errors(getattr(payload, name)):
            errors[name] = messages
    if errors:
        raise FieldErrors(errors)
    # Only the fields of the case's own kind of certificate: FK 7804's or the sykmelding's.
    kept = {*NORWAY_FIELDS, "no_answers"} if norwegian else {*SWEDEN_FIELDS, "employer_note"}
    fields = payload.model_dump(include=kept)
    return services.CertificateContent(
        fields=fields,
        diagnoses=[(d.system, d.code.strip().upper(), d.text) for d in payload.diagnoses],
        periods=periods,
    )


@router.post(
    "/timeline",
    response=list[MilestoneOut],
    summary="Calculate a sick-leave timeline (stores nothing)",
    description="Milestones in date order for the given periods, by the jurisdiction's rule "
    "set; its version is in the `X-Rule-Set-Version` header. Any signed-in caller.",
)
def calculate_timeline(request, response: HttpResponse, payload: TimelineIn):
    response["X-Rule-Set-Version"] = rule_set(payload.jurisdiction).version
    return [m.as_dict() for m in milestones(payload.to_input())]


@router.get("/patients/{patient_id}/cases", response=list[CaseOut], summary="A patient's cases")
def list_cases(request, patient_id: str):
    patient = get_patient_for(request.user, patient_id, category=Category.CAPACITY)
    cases = (
        cases_visible_to(request.user, Category.CAPACITY)
        .filter(patient=patient)
        .select_related("organisation", "employer")
        .order_by("opened_on")
    )
    return [_case_out(case) for case in cases]


@router.get("/cases/{case_id}", response=CaseOut, summary="One case")
def get_case(request, case_id: str):
    case = get_case_for(request.user, case_id, category=Category.CAPACITY)
    return _case_out(case)


@router.get(
    "/cases/{case_id}/timeline",
    response=list[TimelineEntryOut],
    summary="The case's milestones with their status today",
)
def get_case_timeline(request, case_id: str):
    case = get_case_for(request.user, case_id, category=Category.CAPACITY)
    return [
        {**entry.milestone.as_dict(), "status": entry.status}
        for entry in case_timeline(case, timezone.localdate())
    ]


@router.get(
    "/cases/{case_id}/certificates",
    response=list[CertificateOut],
    by_alias=True,
    summary="The case's certificates, every version",
)
def list_certificates(request, case_id: str):
    case = get_case_for(request.user, case_id, category=Category.SICK_LEAVE)
    certificates = case.certificates.prefetch_related("diagnoses", "periods").order_by("created_at")
    return [
        _certificate_out(c, withheld=medical_details_withheld(request.user, c))
        for c in certificates
    ]


@router.post(
    "/cases/{case_id}/certificates",
    response={201: CertificateOut},
    by_alias=True,
    summary="Draft a certificate (physicians)",
)
def create_certificate(request, case_id: str, payload: CertificateIn):
    case = get_case_for(
        request.user, case_id, category=Category.SICK_LEAVE, action=Action.CREATE, roles=CERTIFIERS
    )
    certificate = services.certificate_create(
        actor=request.user,
        case=case,
        content=_content(case, payload),
    )
    return Status(201, _certificate_out(certificate, with_assessment=True))


@router.get(
    "/certificates/{certificate_id}",
    response=CertificateOut,
    by_alias=True,
    summary="One certificate",
)
def get_certificate(request, certificate_id: str):
    certificate = get_record_for(request.user, CERTIFICATE, certificate_id)
    return _certificate_out(
        certificate,
        with_assessment=not certificate.is_signed,
        withheld=medical_details_withheld(request.user, certificate),
    )


@router.patch(
    "/certificates/{certificate_id}",
    response=CertificateOut,
    by_alias=True,
    summary="Change a draft (send the revision you read; 409 if it is stale or signed)",
)
def update_certificate(request, certificate_id: str, payload: CertificateUpdateIn):
    certificate = get_record_for(
        request.user, CERTIFICATE, certificate_id, action=Action.UPDATE, roles=CERTIFIERS
    )
    try:
        updated = services.certificate_update(
            actor=request.user,
            certificate=certificate,
            content=_content(certificate.case, payload),
            revision=payload.revision,
        )
    except services.CertificateLocked:
        raise ApiError(409, "certificate_signed", "A signed certificate never changes.") from None
    return _certificate_out(updated, with_assessment=True)


@router.post(
    "/certificates/{certificate_id}/sign",
    response=CertificateOut,
    by_alias=True,
    summary="Sign a draft (signing again changes nothing)",
)
def sign_certificate(request, certificate_id: str):
    certificate = get_record_for(
        request.user, CERTIFICATE, certificate_id, action=Action.UPDATE, roles=CERTIFIERS
    )
    try:
        signed = services.certificate_sign(actor=request.user, certificate=certificate)
    except services.CertificateIncomplete as incomplete:
        raise FieldErrors(incomplete.errors) from None
    return _certificate_out(signed)


@router.post(
    "/certificates/{certificate_id}/correct",
    response={201: CertificateOut},
    by_alias=True,
    summary="Start a corrected version of a signed certificate; the signed one stays",
)
def correct_certificate(request, certificate_id: str):
    certificate = get_record_for(
        request.user, CERTIFICATE_TO_CORRECT, certificate_id, action=Action.CREATE
    )
    if not certificate.is_signed:
        raise ApiError(409, "not_signed", "Only a signed certificate is corrected; edit the draft.")
    draft = services.certificate_correct(actor=request.user, certificate=certificate)
    return Status(201, _certificate_out(draft, with_assessment=True))


@router.get(
    "/certificates/{certificate_id}/employer-copy",
    response=EmployerCopyOut,
    by_alias=True,
    summary="The employer's copy: periods and degrees, never a diagnosis",
)
def employer_copy(request, certificate_id: str):
    certificate = get_record_for(request.user, EMPLOYER_COPY, certificate_id)
    patient = certificate.case.patient
    norwegian = certificate.kind == CertificateKind.NO_SYKMELDING
    return {
        "certificate_id": certificate.pk,
        "patient_name": f"{patient.given_name} {patient.family_name}".strip(),
        "periods": [
            {
                "degree": p.degree,
                "from": p.starts_on,
                "to": p.ends_on,
                **(
                    {"activity": p.activity_in_force}
                    | {name: getattr(p, name) for name in EMPLOYER_PERIOD_DETAILS}
                    if norwegian
                    else {}
                ),
            }
            for p in certificate.periods.all()
        ],
        "employer_note": certificate.employer_note,
        "signed_on": certificate.signed_at.date() if certificate.signed_at else None,
        "fit_after_period": certificate.no_fit_after_period,
        "workplace_considerations": certificate.no_workplace_considerations,
        "measures_at_workplace": certificate.no_measures_workplace,
    }
