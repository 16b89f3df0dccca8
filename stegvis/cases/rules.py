"""The cases app's rules and records (stegvis.access.rules): who writes certificates and
marks duties, how a certificate is read, and what a screened sykmelding keeps from its
patient."""

from stegvis.access.categories import Category
from stegvis.access.rules import declare, declare_record, only
from stegvis.accounts.models import User
from stegvis.accounts.roles import Role
from stegvis.cases.deadlines import responsible_for
from stegvis.cases.models import Certificate, CertificateKind, CertificateStatus
from stegvis.cases.timelines import roles_that_mark

CERTIFIERS = only(
    "cases.certifiers", [Role.PHYSICIAN], "Only physicians write, sign and correct certificates."
)

CASE_EDITORS = only(
    "cases.case_editors",
    [Role.PHYSICIAN, Role.REHAB_COORDINATOR],
    "Only the physician and the rehabilitation coordinator change a case's details.",
)

WRITTEN_HERE = declare(
    "cases.written_here",
    "A certificate another system issued is corrected there, never here.",
    lambda user, decision, certificate: certificate.created_by_id is not None,
    reason="issued_elsewhere",
    forbidden=True,
)


def _marks_duty(user, decision, case, *, duties) -> bool:
    rule = duties.get(case.jurisdiction)
    return rule is not None and decision.role in roles_that_mark(
        responsible_for(rule, case.employment)
    )


# Given the duty's rule per jurisdiction: MARKS_DUTY.given(duties=…).
MARKS_DUTY = declare(
    "cases.marks_duty",
    "A duty of the rehabilitation chain is marked done by its responsible party (by the "
    "case's country and the patient's employment) or the coordinator.",
    _marks_duty,
    reason="not_responsible_for_duty",
    forbidden=True,
)


def _note_shared_with_reader(user, decision, case) -> bool:
    if decision.role != Role.EMPLOYER_MANAGER:
        return True
    note = getattr(case, "capacity_note", None)
    # While the patient's words of crisis in it wait for the care team, it is not shared.
    held = getattr(case, "capacity_note_held", False)
    return bool(
        note
        and note.shared_at
        and note.shared_with
        and note.shared_with.user_id == user.pk
        and not held
    )


# Asked of the case the note belongs to (the case page shows whether there is one to read).
NOTE_SHARED_WITH_READER = declare(
    "cases.note_shared_with_reader",
    "The patient shares the capacity note with one employer; no other employer reads it.",
    _note_shared_with_reader,
    reason="note_not_shared",
)


def _certificates(user):
    return Certificate.objects.select_related("case__organisation")


CERTIFICATE = declare_record(
    "cases.certificate",
    "A sick-leave certificate (FK 7804, sykmelding), read as the patient's sick leave.",
    _certificates,
    category=Category.SICK_LEAVE,
    object_type="certificate",
)

CERTIFICATE_TO_CORRECT = declare_record(
    "cases.certificate_to_correct",
    "A signed certificate a physician corrects here, if it was written here.",
    _certificates,
    category=Category.SICK_LEAVE,
    object_type="certificate",
    checks=[CERTIFIERS, WRITTEN_HERE],
)

EMPLOYER_COPY = declare_record(
    "cases.employer_copy",
    "A signed certificate as its employer copy: read as the patient's capacity, so with "
    "no diagnosis.",
    lambda user: Certificate.objects.filter(status=CertificateStatus.SIGNED),
    category=Category.CAPACITY,
    object_type="certificate_employer_copy",
)


# What a sykmelding marked "skjermes for pasient" keeps from the patient, beside its
# diagnoses and each period's medical reasons: the whole medical assessment and what the
# sykmelder tells Nav (as Nav itself blanks them). The periods and the employer's part stay.
SCREENED_FROM_PATIENT = {
    "no_other_absence_reason": "", "no_other_absence_text": "", "no_pregnancy_related": False,
    "no_occupational_injury": False, "no_answers": {}, "no_measures_nav": "",
    "no_measures_other": "", "no_nav_assistance": False, "no_nav_assistance_text": "",
}  # fmt: skip


def medical_details_withheld(user: User, certificate: Certificate) -> bool:
    """Whether `user` is the patient of a sykmelding marked "skjermes for pasient"."""
    return (
        certificate.kind == CertificateKind.NO_SYKMELDING
        and certificate.no_screened_from_patient
        and user.pk == certificate.case.patient_id
    )
