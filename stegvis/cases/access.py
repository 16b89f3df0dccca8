"""Resolving certificates through the access policy, shared by the pages and the API."""

from stegvis.access.categories import Action, Category
from stegvis.access.helpers import get_object_for
from stegvis.accounts.models import User
from stegvis.cases.models import Certificate, CertificateKind, CertificateStatus


def get_certificate_for(
    user: User, certificate_id, action: str = Action.VIEW, roles=None, checks=()
) -> Certificate:
    return get_object_for(
        user,
        Certificate.objects.select_related("case__organisation"),
        certificate_id,
        category=Category.SICK_LEAVE,
        action=action,
        object_type="certificate",
        roles=roles,
        checks=checks,
    )


def get_employer_copy_for(user: User, certificate_id) -> Certificate:
    """A signed certificate as its employer copy: the `capacity` category, no diagnosis."""
    return get_object_for(
        user,
        Certificate.objects.filter(status=CertificateStatus.SIGNED),
        certificate_id,
        category=Category.CAPACITY,
        action=Action.VIEW,
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
