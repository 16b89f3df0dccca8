"""Writes on cases and certificates. The caller has resolved the case through the access
helpers (which audit the access); these functions keep the data's own rules."""

import uuid
from dataclasses import dataclass, field
from datetime import date

from django.db import IntegrityError
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from stegvis.access.categories import Action, Category
from stegvis.access.helpers import record_decision
from stegvis.accounts.models import Jurisdiction, Language, User
from stegvis.accounts.roles import Role
from stegvis.audit import audit
from stegvis.cases import fmb, sykmelding
from stegvis.cases.deadlines import Period, capacity_days, current_chain, rule_set
from stegvis.cases.models import (
    PERIOD_DETAILS,
    Case,
    CaseStatus,
    Certificate,
    CertificateDiagnosis,
    CertificateKind,
    CertificatePeriod,
    CertificateStatus,
    MilestoneCompletion,
    Occupation,
    Prognosis,
    WorkMeasure,
)
from stegvis.cases.signals import certificate_signed, milestone_completed
from stegvis.cases.timelines import (
    TimelineEntry,
    case_periods,
    case_timeline,
    next_deadline,
    signed_periods,
)
from stegvis.core.errors import Incomplete, StaleEdit, replayed


class CertificateLocked(Exception):
    """A signed certificate never changes; correct it with a new version instead."""


class CertificateIncomplete(Incomplete):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("The certificate is not complete.", errors)


@dataclass
class CertificateContent:
    """What a physician writes: the model's plain fields, the diagnoses and the periods."""

    fields: dict = field(default_factory=dict)
    # (system, code, text)
    diagnoses: list[tuple[str, str, str]] = field(default_factory=list)
    # (degree, from, to), or with a dict of a Norwegian period's details (PERIOD_DETAILS)
    periods: list[tuple] = field(default_factory=list)


EDITABLE_CASE_FIELDS = (
    "employment",
    "employer",
    "status",
    "closed_reason",
    "closed_on",
    "responsible_coordinator",
    "responsible_physician",
    "sick_from",
    "expected_days",
    "expectation_known_on",
)


def case_refresh_deadline(case: Case, today: date | None = None) -> None:
    """Store the next deadline on the case, so the caseload can sort by it."""
    store_next_deadline(case, case_timeline(case, today or timezone.localdate()))


def store_next_deadline(case: Case, timeline: list[TimelineEntry]) -> None:
    """As case_refresh_deadline, for a caller that has the case's timeline already."""
    upcoming = next_deadline(timeline, case)
    Case.objects.filter(pk=case.pk).update(
        next_deadline_on=upcoming.date if upcoming else None,
        next_deadline_code=upcoming.code if upcoming else "",
    )


@audit.atomic()
def case_open(*, actor: User, unit, form_case: Case) -> Case:
    """Open a case at `unit`; the actor becomes its responsible physician or coordinator."""
    form_case.organisation = unit
    form_case.opened_on = timezone.localdate()
    roles = {m.role for m in actor.memberships_cached() if m.organisation_id == unit.pk}
    if Role.PHYSICIAN in roles:
        form_case.responsible_physician = actor
    if Role.REHAB_COORDINATOR in roles:
        form_case.responsible_coordinator = actor
    form_case.save()
    record_decision(
        actor, form_case.patient, category=Category.CAPACITY, action=Action.CREATE, obj=form_case
    )
    _first_case_language(form_case)
    case_refresh_deadline(form_case)
    return form_case


# A person's first case sets the language they are first shown, their country's own; a
# choice of their own after that stays.
COUNTRY_LANGUAGE = {Jurisdiction.SWEDEN: Language.SWEDISH, Jurisdiction.NORWAY: Language.NORWEGIAN}


def _first_case_language(case: Case) -> None:
    patient = case.patient
    if Case.objects.filter(patient=patient).exclude(pk=case.pk).exists():
        return
    if patient.preferred_language == User._meta.get_field("preferred_language").default:
        patient.preferred_language = COUNTRY_LANGUAGE[case.jurisdiction]
        patient.save(update_fields=["preferred_language"])


@audit.atomic()
def case_update(*, actor: User, case: Case, changes: dict, revision: int) -> Case:
    """Apply `changes` unless the case changed since `revision` was read."""
    updated = Case.objects.filter(pk=case.pk, revision=revision).update(
        revision=F("revision") + 1,
        **{name: value for name, value in changes.items() if name in EDITABLE_CASE_FIELDS},
    )
    if not updated:
        raise StaleEdit
    case.refresh_from_db()
    case_refresh_deadline(case)
    return case


@audit.atomic()
def milestone_complete(*, actor: User, case: Case, code: str, completed_on: date | None = None):
    completion, _created = MilestoneCompletion.objects.get_or_create(
        case=case,
        code=code,
        defaults={"completed_by": actor, "completed_on": completed_on or timezone.localdate()},
    )
    case_refresh_deadline(case)
    milestone_completed.send(sender=Case, actor=actor, case=case, code=code)
    return completion


@audit.atomic()
def milestone_reopen(*, actor: User, case: Case, code: str) -> None:
    MilestoneCompletion.objects.filter(case=case, code=code).delete()
    case_refresh_deadline(case)


def _write_content(certificate: Certificate, content: CertificateContent) -> None:
    for name, value in content.fields.items():
        setattr(certificate, name, value)
    certificate.save()
    certificate.diagnoses.all().delete()
    certificate.periods.all().delete()
    CertificateDiagnosis.objects.bulk_create(
        CertificateDiagnosis(certificate=certificate, position=i, system=s, code=c, text=t)
        for i, (s, c, t) in enumerate(content.diagnoses)
    )
    CertificatePeriod.objects.bulk_create(_period(certificate, *row) for row in content.periods)


def _period(certificate, degree, starts_on, ends_on, details=None) -> CertificatePeriod:
    return CertificatePeriod(
        certificate=certificate,
        degree=degree,
        starts_on=starts_on,
        ends_on=ends_on,
        **(details or {}),
    )


def certificate_create(
    *, actor: User, case: Case, content: CertificateContent, client_token: uuid.UUID | None = None
) -> Certificate:
    """A new draft. A retried submission (same `client_token`) returns the first draft."""
    if client_token is not None:
        existing = Certificate.objects.filter(client_token=client_token, created_by=actor).first()
        if replayed(existing, author_id=actor.pk, case_id=case.pk) is not None:
            return existing
    try:
        with audit.atomic():
            certificate = Certificate(
                case=case, kind=case.certificate_kind, created_by=actor, client_token=client_token
            )
            _write_content(certificate, content)
    except IntegrityError:
        # Two identical submissions raced; the other one won.
        return Certificate.objects.get(client_token=client_token, created_by=actor, case=case)
    return certificate


@audit.atomic()
def certificate_update(
    *, actor: User, certificate: Certificate, content: CertificateContent, revision: int
) -> Certificate:
    locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if locked.is_signed:
        raise CertificateLocked
    if locked.revision != revision:
        raise StaleEdit
    locked.revision += 1
    _write_content(locked, content)
    return locked


def certificate_assessment(certificate: Certificate):
    """The guidance check for a draft: its periods plus the patient's linked earlier ones."""
    case = certificate.case
    proposed = [Period(p.starts_on, p.ends_on, p.degree) for p in certificate.periods.all()]
    diagnoses = list(certificate.diagnoses.all())
    return assessment_for(
        case,
        proposed,
        exclude_series=certificate.series,
        diagnosis_codes=[d.code for d in diagnoses],
        diagnosis_texts=[d.text for d in diagnoses],
        typical_case_id=certificate.fmb_typical_case,
        functional_impairment=certificate.functional_impairment,
        activity_limitation=certificate.activity_limitation,
    )


def assessment_for(case: Case, proposed: list[Period], *, exclude_series=None, **details):
    """The guidance for proposed periods: Sweden's FMB, or Norway's own for a Norwegian
    case. The days are counted as the agency counts them: from day 1 of the sick leave (the
    days before the first certificate included), with linked earlier periods, up to the
    proposed end."""
    earlier = signed_periods(case.patient_id, case.jurisdiction, exclude_series=exclude_series)
    cumulative, counted = 0, None
    if proposed:
        periods = case_periods(case, [*earlier, *proposed], timezone.localdate())
        last_proposed = max(p.end for p in proposed)
        # Cut at the proposed end: an earlier period running past it is not counted beyond.
        upto = [
            Period(p.start, min(p.end, last_proposed), p.degree)
            for p in periods
            if p.start <= last_proposed
        ]
        chain = current_chain(upto, rule_set(case.jurisdiction).max_gap_days)
        cumulative = capacity_days(chain)
        counted = (chain[0].start, chain[-1].end)
    if case.jurisdiction == "NO":
        return sykmelding.assess(cumulative, counted)
    return fmb.assess(
        cumulative_days=cumulative,
        counted=counted,
        degrees=[p.degree for p in proposed],
        **details,
    )


def completeness_errors(certificate: Certificate, assessment) -> dict:
    """What must be present before signing. The guidance itself never blocks."""
    errors: dict[str, list[str]] = {}
    norwegian = certificate.kind == CertificateKind.NO_SYKMELDING
    # A Norwegian sykmelding may rest on another statutory reason instead of a diagnosis.
    if not certificate.diagnoses.exists() and not (
        norwegian and certificate.no_other_absence_reason
    ):
        errors["diagnoses"] = [_("Add at least one diagnosis code.")]
    if not certificate.periods.exists():
        errors["periods"] = [_("Add at least one period of sick leave.")]
    if certificate.kind == CertificateKind.FK_7804:
        errors.update(_fk7804_errors(certificate))
    if norwegian:
        errors.update(sykmelding.completeness_errors(certificate, assessment))
    elif assessment.exceeds and not certificate.fmb_justification.strip():
        errors["fmb_justification"] = [
            _("The sick leave goes beyond the guidance: explain why (FK 7804, question 37).")
        ]
    return errors


def _fk7804_errors(certificate: Certificate) -> dict[str, list[str]]:
    """What Försäkringskassan's rules for the FK 7804 (the LISJP business rules) ask of
    every certificate, named by the field to fill in: a signed certificate always leaves as
    a message Försäkringskassan accepts."""
    errors: dict[str, list[str]] = {}
    if not (certificate.examined_on or certificate.telephone_on or certificate.records_on):
        errors["examined_on"] = [_("Give the date of at least one basis.")]
    if not certificate.occupation:
        errors["occupation"] = [_("Choose the patient's occupation.")]
    elif (
        certificate.occupation == Occupation.CURRENT_JOB and not certificate.occupation_text.strip()
    ):
        errors["occupation_text"] = [_("Name the profession and its tasks.")]
    if not certificate.functional_impairment.strip():
        errors["functional_impairment"] = [_("Describe the functional impairment.")]
    if not certificate.activity_limitation.strip():
        errors["activity_limitation"] = [_("Describe the activity limitation.")]
    if not certificate.prognosis:
        errors["prognosis"] = [_("Choose a prognosis.")]
    elif certificate.prognosis == Prognosis.RETURN_AFTER_DAYS and not certificate.prognosis_days:
        errors["prognosis_days"] = [_("Choose after how many days.")]
    measures = set(certificate.measures)
    if not measures:
        errors["measures"] = [_("Choose the work-oriented measures, or “Not relevant”.")]
    elif WorkMeasure.NOT_RELEVANT in measures and len(measures) > 1:
        errors["measures"] = [_("“Not relevant” cannot be chosen with other measures.")]
    graded = certificate.periods.filter(degree__lt=100).exists()
    if graded and certificate.working_hours_arranged is None:
        errors["working_hours_arranged"] = [
            _("Say whether the working hours can be arranged differently (question 33).")
        ]
    elif (
        graded and certificate.working_hours_arranged and not certificate.working_hours_text.strip()
    ):
        errors["working_hours_text"] = [_("Say how the working hours can be arranged.")]
    return errors


@audit.atomic()
def certificate_sign(*, actor: User, certificate: Certificate) -> Certificate:
    """Sign a draft. Signing a signed certificate again changes nothing."""
    locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if locked.is_signed:
        return locked
    errors = completeness_errors(locked, certificate_assessment(locked))
    if errors:
        raise CertificateIncomplete(errors)
    locked.status = CertificateStatus.SIGNED
    locked.signed_by = actor
    locked.signed_at = timezone.now()
    locked.save(update_fields=["status", "signed_by", "signed_at", "updated_at"])
    case_refresh_deadline(locked.case)
    certificate_signed.send(sender=Certificate, actor=actor, certificate=locked)
    return locked


OPEN_CASE_STATUSES = (CaseStatus.ACTIVE, CaseStatus.PARTIAL_RETURN)


@audit.atomic()
def certificate_receive(
    *, unit, patient: User, content: CertificateContent, signed_at, sick_from: date | None
) -> tuple[Case, Certificate, bool]:
    """A certificate another system issued and signed, taken in at `unit`: it extends the
    patient's open case there (the newest), or opens one, and the deadlines follow its
    periods as they follow the certificates written here. The caller checked the message
    and the patient's registration, and records the receipt. True when a case was opened."""
    # The patient's row is the lock: two certificates arriving at once for a patient with
    # no open case would each open one (a lock on the cases holds nothing when none exists).
    User.objects.select_for_update().only("pk").get(pk=patient.pk)
    case = (
        Case.objects.filter(patient=patient, organisation=unit, status__in=OPEN_CASE_STATUSES)
        .order_by("-opened_on")
        .first()
    )
    first_day = min((row[1] for row in content.periods), default=None)
    opened = case is None
    if opened:
        case = Case.objects.create(
            patient=patient,
            organisation=unit,
            jurisdiction=unit.jurisdiction,
            sick_from=sick_from or first_day,
        )
        _first_case_language(case)
    elif case.sick_from is None:
        case.sick_from = sick_from or first_day
        case.save(update_fields=["sick_from"])
    # Written as a draft, then signed: the database refuses parts added to a signed one.
    certificate = Certificate(case=case, kind=case.certificate_kind)
    _write_content(certificate, content)
    certificate.status, certificate.signed_at = CertificateStatus.SIGNED, signed_at
    certificate.save(update_fields=["status", "signed_at", "updated_at"])
    case_refresh_deadline(case)
    return case, certificate, opened


# Who wrote and signed, and the state, belong to each version; the content is copied.
NOT_COPIED_ON_CORRECTION = ("id", "case", "kind", "status", "created_by", "signed_by", "signed_at")


@audit.atomic()
def certificate_correct(*, actor: User, certificate: Certificate) -> Certificate:
    """A new draft version of a signed certificate; the signed one stays as it was."""
    if not certificate.is_signed:
        return certificate
    draft = Certificate.objects.filter(
        series=certificate.series, status=CertificateStatus.DRAFT
    ).first()
    if draft is not None:
        return draft
    newest = Certificate.objects.filter(series=certificate.series).order_by("-version").first()
    copy_fields = {
        f.name: getattr(certificate, f.name)
        for f in Certificate._meta.concrete_fields
        if f.editable and f.name not in NOT_COPIED_ON_CORRECTION
    }
    draft = Certificate(
        case=certificate.case,
        kind=certificate.kind,
        series=certificate.series,
        version=newest.version + 1,
        created_by=actor,
    )
    _write_content(
        draft,
        CertificateContent(
            fields=copy_fields,
            diagnoses=[(d.system, d.code, d.text) for d in certificate.diagnoses.all()],
            periods=[
                (p.degree, p.starts_on, p.ends_on, {n: getattr(p, n) for n in PERIOD_DETAILS})
                for p in certificate.periods.all()
            ],
        ),
    )
    return draft
