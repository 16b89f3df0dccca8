"""Certificates other systems issued, taken in at a unit: a LISJP `RegisterCertificate` (a
Swedish FK 7804) or an SM2013 sykmelding in MsgHead.

Each message is checked in full before anything is written: its schema and (for LISJP)
every Schematron rule, the patient's identity number with its check digit, the unit it
names, and that the patient is registered at the receiving unit. A refused message writes
nothing and names every rule it broke. An accepted one becomes a signed certificate on the
patient's open case there (or a new case), with who issued it; a resend of the same
message changes nothing.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.urls import reverse
from django.utils.translation import gettext as _

from stegvis.access.receiving import record_received, registered_patient
from stegvis.accounts import national_id
from stegvis.accounts.models import Organisation
from stegvis.agency import lisjp, sm2013, validation
from stegvis.agency.models import ImportedCertificate
from stegvis.agency.validation import Problem, Refused
from stegvis.audit import audit
from stegvis.cases import codes as diagnosis_codes
from stegvis.cases.models import CodeSystem
from stegvis.cases.services import CertificateContent, certificate_receive
from stegvis.notifications.models import NotificationKind
from stegvis.notifications.outbox import Notice, notify

# The longest certificate id kept (ImportedCertificate.external_id).
MAX_ID_LENGTH = 200


@dataclass
class Received:
    """The outcome for one message: accepted (with the case and certificate it made or had
    made before) or refused, with every rule broken."""

    accepted: bool
    case_id: str = ""
    certificate_id: str = ""
    already_received: bool = False
    refused: list[Problem] = field(default_factory=list)

    def as_dict(self) -> dict:
        if not self.accepted:
            return {"accepted": False, "refused": [p.as_dict() for p in self.refused]}
        return {
            "accepted": True,
            "case": self.case_id,
            "certificate": self.certificate_id,
            "already_received": self.already_received,
        }


@dataclass
class _Message:
    """What the checks found in one message, in the format's own words."""

    message_format: str
    external_id: str
    unit_id: str
    patient_number: str
    issuer_name: str
    issuer_id: str
    issuer_unit: str
    signed_at: object
    sick_from: object
    content: CertificateContent


def _normalised(system: str, code: str) -> str:
    # The messages write ICD-10 without its dot (F321); Stegvis keeps it as typed (F32.1).
    return diagnosis_codes.normalise(code) if system == CodeSystem.ICD10 else code.strip()


def _message(message_format: str, found, *, unit_id: str, sick_from, diagnoses) -> _Message:
    """What a reader found, in the terms the checks and the write share."""
    return _Message(
        message_format=message_format,
        external_id=found.certificate_id,
        unit_id=unit_id,
        patient_number=found.patient_number,
        issuer_name=found.issuer_name,
        issuer_id=found.issuer_id,
        issuer_unit=found.issuer_unit,
        signed_at=found.signed_at,
        sick_from=sick_from,
        content=CertificateContent(
            fields={k: v for k, v in found.fields.items() if v is not None},
            diagnoses=[(s, _normalised(s, code), text) for s, code, text in diagnoses],
            periods=found.periods,
        ),
    )


def _from_lisjp(document) -> _Message:
    found = lisjp.read(document)
    diagnoses = [(CodeSystem.ICD10, code, text) for code, text in found.diagnoses]
    return _message("lisjp", found, unit_id=found.unit_hsa_id, sick_from=None, diagnoses=diagnoses)


def _from_sm2013(document) -> _Message:
    found = sm2013.read(document)
    return _message(
        "sm2013",
        found,
        unit_id=found.sender_her_id,
        sick_from=found.sick_from,
        diagnoses=found.diagnoses,
    )


@dataclass(frozen=True)
class Receives:
    """What a unit of one country takes in, and the identity of the unit its messages name."""

    message_format: str
    read: Callable
    unit_field: str
    unit_id_name: str


RECEIVES = {
    "SE": Receives("lisjp", _from_lisjp, "hsa_id", "HSA-id"),
    "NO": Receives("sm2013", _from_sm2013, "her_id", "HER-id"),
}


def _checked(unit: Organisation, data: bytes) -> tuple[_Message, national_id.NationalId]:
    """The message read, with the patient's normalised number; Refused naming every rule."""
    document = validation.parse(data)
    message_format = validation.kind_of(document)
    receives = RECEIVES[unit.jurisdiction]
    if message_format != receives.message_format:
        expected = {"f": receives.message_format}
        raise Refused([Problem("format", _("A unit in this country receives %(f)s.") % expected)])
    validation.check(message_format, document)
    try:
        message = receives.read(document)
    except (ValueError, KeyError, AttributeError, TypeError):
        # Within the schema, yet not what a certificate says (a grade no code list has).
        problem = Problem("content", _("The message cannot be read as a certificate."))
        raise Refused([problem]) from None
    problems = []
    if len(message.external_id) > MAX_ID_LENGTH:
        problems.append(Problem("id", _("The certificate's id is too long.")))
    try:
        number = national_id.parse(message.patient_number, unit.jurisdiction)
    except ValidationError as error:
        problems.append(Problem("patient-id", " ".join(error.messages)))
        number = None
    unit_id = getattr(unit, receives.unit_field)
    if not unit_id or message.unit_id != unit_id:
        named = {"theirs": message.unit_id, "kind": receives.unit_id_name, "ours": unit_id or "—"}
        problems.append(
            Problem(
                "unit",
                _("The message names the unit %(theirs)s; this unit's %(kind)s is %(ours)s.")
                % named,
            )
        )
    if problems:
        raise Refused(problems)
    return message, number


def _digest(message: _Message) -> str:
    """What the certificate says, whatever its envelope: a resend written anew (another
    send time, another GenDate) is the same certificate."""
    said = [
        message.patient_number, message.unit_id, message.issuer_id,
        message.content.fields, message.content.diagnoses, message.content.periods,
    ]  # fmt: skip
    return hashlib.sha256(json.dumps(said, default=str, sort_keys=True).encode()).hexdigest()


def _earlier(unit: Organisation, message: _Message, digest: str) -> Received | None:
    """The first receipt of the same message (a resend changes nothing); Refused when the
    same id came with other content."""
    earlier = (
        ImportedCertificate.objects.select_related("certificate")
        .filter(organisation=unit, external_id=message.external_id)
        .first()
    )
    if earlier is None:
        return None
    if earlier.digest != digest:
        raise Refused(
            [
                Problem(
                    "duplicate-id",
                    _("A different certificate with the id %(id)s was received before.")
                    % {"id": message.external_id},
                )
            ]
        )
    return Received(
        accepted=True,
        case_id=str(earlier.certificate.case_id),
        certificate_id=str(earlier.certificate_id),
        already_received=True,
    )


def receive(unit: Organisation, data: bytes, *, via: str) -> Received:
    """Take in one message at `unit`; never raises for what the message holds."""
    try:
        message, number = _checked(unit, data)
        digest = _digest(message)
        if (earlier := _earlier(unit, message, digest)) is not None:
            return earlier
        patient = registered_patient(unit, number)
        if patient is None:
            raise Refused(
                [Problem("patient", _("No patient with this identity number is registered here."))]
            )
        return _write(unit, patient, message, digest, via)
    except Refused as refused:
        return Received(accepted=False, refused=refused.problems)


def _write(unit, patient, message: _Message, digest: str, via: str) -> Received:
    try:
        with audit.atomic():
            case, certificate, case_opened = certificate_receive(
                unit=unit,
                patient=patient,
                content=message.content,
                signed_at=message.signed_at,
                sick_from=message.sick_from,
            )
            ImportedCertificate.objects.create(
                certificate=certificate,
                organisation=unit,
                external_id=message.external_id,
                message_format=message.message_format,
                digest=digest,
                # As much as the columns hold: the message's own limits are wider.
                issuer_name=message.issuer_name[:200],
                issuer_id=message.issuer_id[:64],
                issuer_unit=message.issuer_unit[:200],
                received_via=via[:120],
            )
            if case_opened:
                record_received(unit, patient, object_type="case", object_id=case.pk)
            record_received(unit, patient, object_type="certificate", object_id=certificate.pk)
            _tell_patient(case, certificate)
    except IntegrityError:
        # The same message came twice at once: the other one was taken in.
        if (earlier := _earlier(unit, message, digest)) is None:
            raise
        return earlier
    return Received(accepted=True, case_id=str(case.pk), certificate_id=str(certificate.pk))


def _tell_patient(case, certificate) -> None:
    notify(
        Notice(
            kind=NotificationKind.CERTIFICATE_RECEIVED,
            key=f"certificate_received:{certificate.pk}",
            link=reverse("certificate_detail", args=[certificate.pk]),
            patient_id=case.patient_id,
            object_type="certificate",
            object_id=str(certificate.pk),
        ),
        [(case.patient, case)],
    )
