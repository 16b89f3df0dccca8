"""Resolving certificates through the access policy, shared by the pages and the API."""

from stegvis.access.categories import Action, Category
from stegvis.access.helpers import get_object_for
from stegvis.accounts.models import User
from stegvis.accounts.roles import Role
from stegvis.cases.models import Certificate, CertificateStatus

# Only physicians write and sign certificates; others with access may read them.
CERTIFIERS = frozenset({Role.PHYSICIAN})


def get_certificate_for(
    user: User, certificate_id, action: str = Action.VIEW, roles=None
) -> Certificate:
    return get_object_for(
        user,
        Certificate.objects.select_related("case__organisation"),
        certificate_id,
        category=Category.SICK_LEAVE,
        action=action,
        object_type="certificate",
        roles=roles,
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


def medical_details_withheld(user: User, certificate: Certificate) -> bool:
    """A sykmelding marked "skjermes for pasient" keeps its medical details (diagnosis,
    medical reasons, Nav's questions) from the patient; their periods stay theirs."""
    return certificate.no_screened_from_patient and user.pk == certificate.case.patient_id
