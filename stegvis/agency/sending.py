"""A signed certificate sent to its agency, exactly once, with the agency's answer kept.

Signing queues the certificate on the outbox (stegvis/notifications/outbox.py), whose
worker retries with backoff and logs each attempt; this module is the outbox's sender for
the `agency_message` kind. A Swedish FK 7804 goes to Försäkringskassan as RegisterCertificate
(LISJP) over SOAP (zeep, with the published WSDL), a Norwegian sykmelding to Nav as SM2013 in
MsgHead over HTTPS, answered by an AppRec. Both over mutual TLS, as the real services require
(docs/deploy.md). A resend carries the same certificate id, so the agency registers it once:
its "already registered" is a delivery like any other.

What the agency answers is stored on the certificate's AgencyDelivery: delivered, delivered
with a note, or refused with the agency's words (and the signer is told). A connection that
drops or a technical error is tried again; after the outbox's last attempt the certificate
is marked as not sent, to be printed instead.
"""

import logging
from dataclasses import dataclass
from functools import cache

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from lxml import etree
from zeep import Client, Settings
from zeep.transports import Transport
from zeep.xsd import SkipValue

from stegvis.access.categories import Action, Category
from stegvis.access.helpers import record_system
from stegvis.agency import validation
from stegvis.agency.codes import codes
from stegvis.agency.models import Agency, AgencyDelivery, Answer
from stegvis.agency.services import FORMATS, NotExportable, message_for
from stegvis.cases.models import Certificate, CertificateKind
from stegvis.notifications import outbox
from stegvis.notifications.models import Channel, NotificationKind, OutboxKind, OutboxMessage

logger = logging.getLogger(__name__)

# The agency each kind of certificate goes to, in its own format (services.FORMATS, first).
AGENCY_OF_KIND = {
    CertificateKind.FK_7804: Agency.FORSAKRINGSKASSAN,
    CertificateKind.NO_SYKMELDING: Agency.NAV,
}
WSDL = (
    validation.SCHEMAS / "se-intyg/schemas/interactions/RegisterCertificateInteraction/"
    "RegisterCertificateInteraction_3.0_RIVTABP21.wsdl"
)
BINDING = (
    "{urn:riv:clinicalprocess:healthcond:certificate:RegisterCertificate:3:rivtabp21}"
    "RegisterCertificateResponderBinding"
)
SOAP_BODY = "{http://schemas.xmlsoap.org/soap/envelope/}Body"
# Försäkringskassan's errorId for a fault on its side, worth another try; its other errors
# (VALIDATION_ERROR, APPLICATION_ERROR, REVOKED) refuse this certificate as it is.
TRANSIENT_FK_ERRORS = frozenset({"TECHNICAL_ERROR"})
# AppRec status (KITH's code list 8221): 1 OK, 2 refused, 3 OK with an error in part.
APPREC_ANSWERS = {"1": Answer.DELIVERED, "2": Answer.REFUSED, "3": Answer.DELIVERED_WITH_NOTE}
FK_ANSWERS = {"OK": Answer.DELIVERED, "INFO": Answer.DELIVERED_WITH_NOTE, "ERROR": Answer.REFUSED}


class TryAgain(Exception):
    """No answer, or one saying the agency's side failed: the outbox tries again later."""


@dataclass(frozen=True)
class AgencyAnswer:
    answer: str
    code: str
    text: str = ""
    errors: tuple = ()


def endpoint(agency: str) -> dict:
    return settings.STEGVIS_AGENCY_ENDPOINTS[agency]


class _AgencySession(requests.Session):
    """A session to one agency. Proxies may come from the environment, but the server is
    verified against the authorities configured for the agency: requests would otherwise let
    REQUESTS_CA_BUNDLE in the environment win over the session's own."""

    def __init__(self, config: dict):
        super().__init__()
        if config["client_cert"]:
            self.cert = (config["client_cert"], config["client_key"] or None)
        self.verify = config["ca_bundle"] or True

    def merge_environment_settings(self, url, proxies, stream, verify, cert):
        merged = super().merge_environment_settings(url, proxies, stream, verify, cert)
        if self.verify is not True:
            merged["verify"] = self.verify
        return merged


# -- Queueing, in the signing transaction --------------------------------------------------


def queue_on_signing(sender, *, actor, certificate: Certificate, **kwargs) -> None:
    """Queue the signed certificate for its agency, if this installation sends to it."""
    agency, message_format = AGENCY_OF_KIND[certificate.kind], FORMATS[certificate.kind][0]
    if not endpoint(agency)["url"]:
        return
    message = outbox.queue(
        actor.pk,
        kind=OutboxKind.AGENCY_MESSAGE,
        key=f"agency:{certificate.pk}",
        not_before=timezone.now(),
        object_id=certificate.pk,
        channel=Channel.AGENCY,
    )
    _replace_unsent_versions(certificate)
    AgencyDelivery.objects.get_or_create(
        certificate=certificate,
        defaults={
            "agency": agency,
            "message_format": message_format,
            "outbox_message_id": message.pk,
        },
    )
    # Sent by a worker at once after the commit, not a worker round later: the physician
    # is waiting to see it arrive. (The task module imports the outbox.)
    from stegvis.notifications.tasks import dispatch_urgent_task

    transaction.on_commit(lambda: dispatch_urgent_task.enqueue([str(message.pk)]))


def _replace_unsent_versions(certificate: Certificate) -> None:
    """An earlier version still waiting is not sent: the correction replaces it."""
    waiting = AgencyDelivery.objects.filter(
        certificate__series=certificate.series, answer=Answer.WAITING
    ).exclude(certificate=certificate)
    for earlier in waiting:
        if outbox.cancel(earlier.outbox_message_id, f"replaced by version {certificate.version}"):
            AgencyDelivery.objects.filter(pk=earlier.pk).update(answer=Answer.REPLACED)


# -- Sending, in the worker ---------------------------------------------------------------


def send(message: OutboxMessage) -> None:
    """The outbox's sender: one attempt; any error leaves it for the next."""
    delivery = AgencyDelivery.objects.select_related(
        "certificate__case__organisation", "certificate__case__patient", "certificate__signed_by"
    ).get(outbox_message_id=message.pk)
    if delivery.answered_at is not None:
        # Answered before its worker stopped: the agency has it, nothing more is sent.
        return
    certificate = delivery.certificate
    try:
        data = message_for(certificate, delivery.message_format)
    except NotExportable as refused:
        # Nothing a retry changes: said on the certificate's page, to be printed instead.
        _store(delivery, AgencyAnswer(Answer.UNDELIVERED, "", refused.message))
        _tell_signer(certificate, NotificationKind.CERTIFICATE_NOT_SENT)
        return
    try:
        answer = POST[delivery.agency](data, endpoint(delivery.agency), resend=message.attempts > 0)
    except Exception as error:
        if _failed(delivery, message, error):
            _tell_signer(certificate, NotificationKind.CERTIFICATE_NOT_SENT)
        raise
    _store(delivery, answer)
    # The certificate left Stegvis for its agency: a disclosure on the patient's log.
    record_system(
        [certificate.case.patient_id],
        category=Category.SICK_LEAVE,
        action=Action.EXPORT,
        basis=f"sent_to_agency:{delivery.agency}",
        object_type="certificate",
        object_id=certificate.pk,
    )
    if answer.answer == Answer.REFUSED:
        _tell_signer(certificate, NotificationKind.CERTIFICATE_REFUSED)


def _failed(delivery: AgencyDelivery, message: OutboxMessage, error: Exception) -> bool:
    """Count the failed attempt; True when it was the last."""
    last = message.attempts + 1 >= outbox.MAX_ATTEMPTS
    AgencyDelivery.objects.filter(pk=delivery.pk).update(
        attempts=F("attempts") + 1,
        last_failure=f"{type(error).__name__}: {error}"[:200],
        **({"answer": Answer.UNDELIVERED} if last else {}),
    )
    return last


def _store(delivery: AgencyDelivery, answer: AgencyAnswer) -> None:
    AgencyDelivery.objects.filter(pk=delivery.pk).update(
        answer=answer.answer,
        result_code=answer.code,
        result_text=answer.text,
        errors=list(answer.errors),
        attempts=F("attempts") + 1,
        answered_at=timezone.now(),
    )


def _tell_signer(certificate: Certificate, kind: str) -> None:
    outbox.notify(
        outbox.Notice(
            kind=kind,
            key=f"{kind}:{certificate.pk}",
            link=reverse("certificate_detail", args=[certificate.pk]),
            patient_id=certificate.case.patient_id,
            object_type="certificate",
            object_id=str(certificate.pk),
        ),
        [(certificate.signed_by, certificate.case)],
    )


# -- Försäkringskassan: RegisterCertificate over SOAP ----------------------------------------


@cache
def _fk_client(cert: str, key: str, ca: str, timeout: int) -> Client:
    session = _AgencySession({"client_cert": cert, "client_key": key, "ca_bundle": ca})
    return Client(
        str(WSDL),
        transport=Transport(session=session, timeout=timeout, operation_timeout=timeout),
        settings=Settings(strict=True, forbid_dtd=True, forbid_entities=True, forbid_external=True),
    )


def post_to_fk(data: bytes, config: dict, *, resend: bool) -> AgencyAnswer:
    """Send a checked RegisterCertificate; Försäkringskassan's result as an AgencyAnswer."""
    client = _fk_client(
        config["client_cert"], config["client_key"], config["ca_bundle"], config["timeout_seconds"]
    )
    service = client.create_service(BINDING, config["url"])
    binding = client.wsdl.bindings[BINDING]
    operation = binding.get("RegisterCertificate")
    # zeep writes the envelope and the RIVTA header; the body is the message Stegvis wrote
    # and checked, as it was checked (zeep's own objects would drop its empty elements).
    envelope = client.create_message(
        service,
        "RegisterCertificate",
        intyg=SkipValue,
        _soapheaders={"LogicalAddress": config["logical_address"]},
    )
    body = envelope.find(SOAP_BODY)
    body.replace(body[0], etree.fromstring(data))
    response = client.transport.post_xml(
        config["url"],
        envelope,
        {"SOAPAction": f'"{operation.soapaction}"', "Content-Type": "text/xml; charset=utf-8"},
    )
    if response.status_code >= 500 and b"Fault" not in response.content:
        raise TryAgain(f"HTTP {response.status_code}")
    reply = binding.process_reply(client, operation, response)
    result = reply.result if hasattr(reply, "result") else reply
    code, error_id = result.resultCode, result.errorId or ""
    if code == "ERROR" and error_id in TRANSIENT_FK_ERRORS:
        raise TryAgain(f"{error_id}: {result.resultText or ''}")
    text = " ".join(filter(None, (error_id, result.resultText or "")))
    return AgencyAnswer(FK_ANSWERS[code], code, text)


# -- Nav: SM2013 in MsgHead, answered by an AppRec --------------------------------------------

APPREC = f"{{{validation.APPREC}}}"
MSG_ID = f"{{{validation.MSGHEAD}}}MsgInfo/{{{validation.MSGHEAD}}}MsgId"


def post_to_nav(data: bytes, config: dict, *, resend: bool) -> AgencyAnswer:
    """Post a checked MsgHead; Nav's AppRec as an AgencyAnswer. Nav refuses a sykmelding it
    has had before; after an attempt without an answer, that refusal means it arrived."""
    response = _AgencySession(config).post(
        config["url"],
        data=data,
        headers={"Content-Type": "application/xml; charset=utf-8"},
        timeout=config["timeout_seconds"],
    )
    if response.status_code != 200:
        raise TryAgain(f"HTTP {response.status_code}")
    try:
        receipt = validation.check("apprec", validation.parse(response.content)).getroot()
    except validation.Refused as refused:
        raise TryAgain(f"not an AppRec: {refused}") from None
    sent_id = validation.parse(data).getroot().findtext(MSG_ID)
    if receipt.findtext(f"{APPREC}OriginalMsgId/{APPREC}Id") != sent_id:
        raise TryAgain("the AppRec answers another message")
    status = receipt.find(f"{APPREC}Status").get("V", "")
    if status not in APPREC_ANSWERS:
        raise TryAgain(f"AppRec status {status!r}")
    errors = tuple(
        {"code": error.get("V", ""), "text": error.get("DN", "")}
        for error in receipt.findall(f"{APPREC}Error")
    )
    text = "; ".join(e["text"] or e["code"] for e in errors)
    answer = APPREC_ANSWERS[status]
    duplicate = codes().nav.duplicate_text
    if answer == Answer.REFUSED and resend and any(e["text"].startswith(duplicate) for e in errors):
        answer = Answer.DELIVERED_WITH_NOTE
    return AgencyAnswer(answer, status, text, errors)


POST = {Agency.FORSAKRINGSKASSAN: post_to_fk, Agency.NAV: post_to_nav}
