"""A certificate written as its agency's message, through the access policy.

Who may read a certificate may have it as the message its agency receives: a Swedish FK 7804
as Försäkringskassan's RegisterCertificate (LISJP) or the employer's AG 7804, a Norwegian
sykmelding as SM2013 in MsgHead. Each export is recorded on the patient's log, and each
message is held to its agency's schemas before it leaves (a message the agency would refuse
is never handed out).
"""

from django.utils.translation import gettext as _
from lxml import etree

from stegvis.access.categories import Action, Category
from stegvis.access.helpers import get_record_for, record_decision
from stegvis.accounts.models import User
from stegvis.agency import lisjp, sm2013, validation
from stegvis.agency.models import RECEIVED
from stegvis.cases.models import Certificate, CertificateKind
from stegvis.cases.rules import CERTIFICATE, medical_details_withheld

# The formats each kind of certificate is written in; the first is its agency's own.
FORMATS = {
    CertificateKind.FK_7804: ("lisjp", "ag7804"),
    CertificateKind.NO_SYKMELDING: ("sm2013",),
}


class NotExportable(Exception):
    """Why a certificate cannot be written as the message asked for, in plain words."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _missing_identities(certificate: Certificate, message_format: str) -> list[str]:
    unit, signer = certificate.case.organisation, certificate.signed_by
    national = certificate.case.patient.get_national_id()
    missing = []
    if national is None:
        missing.append(_("the patient's national identity number"))
    if message_format == "sm2013":
        if not unit.her_id:
            missing.append(_("the unit's HER-id"))
        if not signer.hpr_number:
            missing.append(_("the physician's HPR number"))
    else:
        if not unit.hsa_id:
            missing.append(_("the unit's HSA-id"))
        if not signer.hsa_id:
            missing.append(_("the physician's HSA-id"))
    return missing


def replaced_version(certificate: Certificate) -> Certificate | None:
    """The newest earlier version Försäkringskassan holds (sent from here and received), which
    a correction replaces; None when it has none (a first version, or earlier ones printed,
    refused or replaced before they left)."""
    return (
        Certificate.objects.filter(
            series=certificate.series,
            version__lt=certificate.version,
            delivery__answer__in=RECEIVED,
        )
        .order_by("-version")
        .first()
    )


def message_for(certificate: Certificate, message_format: str) -> bytes:
    """The signed certificate as `message_format`, checked against the agency's schemas."""
    if not certificate.is_signed:
        raise NotExportable("not_signed", _("Only a signed certificate is sent to an agency."))
    if certificate.signed_by_id is None:
        raise NotExportable(
            "issued_elsewhere",
            _("Another system issued this certificate and sent it to the agency from there."),
        )
    if message_format not in FORMATS[certificate.kind]:
        raise NotExportable(
            "wrong_format",
            _("This certificate is written as %(formats)s.")
            % {"formats": ", ".join(FORMATS[certificate.kind])},
        )
    if missing := _missing_identities(certificate, message_format):
        raise NotExportable(
            "identity_missing",
            _("The message needs %(missing)s; add it first.") % {"missing": ", ".join(missing)},
        )
    if message_format == "sm2013":
        document = sm2013.build(certificate)
    elif message_format == "ag7804":
        document = lisjp.build(certificate, employer_copy=True)
    else:
        document = lisjp.build(certificate, replaces=replaced_version(certificate))
    data = etree.tostring(document, xml_declaration=True, encoding="UTF-8")
    if problems := validation.problems(message_format, validation.parse(data)):
        raise NotExportable(
            "refused_by_rules",
            _("The agency's rules refuse this certificate: %(problems)s")
            % {"problems": "; ".join(f"{p.rule}: {p.message}" for p in problems)},
        )
    return data


def export(actor: User, certificate_id, message_format: str | None = None) -> bytes:
    """The certificate `actor` may read, as its agency's message; recorded as an export."""
    certificate = get_record_for(actor, CERTIFICATE, certificate_id)
    if medical_details_withheld(actor, certificate):
        # The message carries the diagnoses the sykmelder withheld from the patient.
        raise NotExportable("withheld", _("This sykmelding's medical details are withheld."))
    message = message_for(certificate, message_format or FORMATS[certificate.kind][0])
    record_decision(
        actor,
        certificate.case.patient,
        category=Category.SICK_LEAVE,
        action=Action.EXPORT,
        obj=certificate,
    )
    return message
