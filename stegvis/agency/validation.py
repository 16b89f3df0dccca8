"""Reading and checking the agencies' messages against their own published schemas.

Every message Stegvis writes or receives passes here: parsed without a DTD, entities or the
network (an XML bomb or an external entity is refused before anything is expanded or
fetched), then held to the agency's XSD, and for Försäkringskassan's certificates to the
Schematron business rules as well. The schemas are Stegvis's own copies, with their licences,
in `schemas/` beside this module.
"""

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path

from django.utils import timezone
from lxml import etree

from stegvis.agency import schematron

SCHEMAS = Path(__file__).resolve().parent / "schemas"

# A certificate message is a few kilobytes; the largest published example is 12 kB.
MAX_MESSAGE_BYTES = 1_000_000

RIV_RESPONDER = "urn:riv:clinicalprocess:healthcond:certificate:RegisterCertificateResponder:3"
RIV_CORE = "urn:riv:clinicalprocess:healthcond:certificate:3"
RIV_TYPES = "urn:riv:clinicalprocess:healthcond:certificate:types:3"
MSGHEAD = "http://www.kith.no/xmlstds/msghead/2006-05-24"
SM2013 = "http://www.kith.no/xmlstds/HelseOpplysningerArbeidsuforhet/2013-10-01"
FELLES = "http://www.kith.no/xmlstds/felleskomponent1"
APPREC = "http://www.kith.no/xmlstds/apprec/2004-11-21"


@dataclass(frozen=True)
class Problem:
    """Why a message is refused: the rule it breaks and the rule's own words."""

    rule: str
    message: str

    def as_dict(self) -> dict:
        return {"rule": self.rule, "message": self.message}


class Refused(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(f"{p.rule}: {p.message}" for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Kind:
    """One message format: its root element, its XSD and, for Försäkringskassan, its rules."""

    name: str
    root: str
    xsd: str
    schematron: str = ""


KINDS = {
    "lisjp": Kind(
        "lisjp",
        f"{{{RIV_RESPONDER}}}RegisterCertificate",
        "se-intyg/schemas/interactions/RegisterCertificateInteraction/"
        "RegisterCertificateResponder_3.1.xsd",
        "se-intyg/schematron/lisjp.v1.sch",
    ),
    "ag7804": Kind(
        "ag7804",
        f"{{{RIV_RESPONDER}}}RegisterCertificate",
        "se-intyg/schemas/interactions/RegisterCertificateInteraction/"
        "RegisterCertificateResponder_3.1.xsd",
        "se-intyg/schematron/ag7804.v1.sch",
    ),
    # MsgHead checks its content strictly, so the envelope and the sykmelding are read by
    # one schema that imports both (sykmelding-in-msghead.xsd, written for Stegvis).
    "sm2013": Kind("sm2013", f"{{{MSGHEAD}}}MsgHead", "no-nav/sykmelding-in-msghead.xsd"),
    "apprec": Kind("apprec", f"{{{APPREC}}}AppRec", "no-nav/xsd/apprec/AppRec-v1.0.xsd"),
}


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
    )


def parse(data: bytes) -> etree._ElementTree:
    """The document, or Refused: too large, not XML, or carrying a document type (which is
    where entity bombs and external entities live; no agency message has one)."""
    if len(data) > MAX_MESSAGE_BYTES:
        raise Refused([Problem("size", f"The message is larger than {MAX_MESSAGE_BYTES} bytes.")])
    if b"<!DOCTYPE" in data[:4096] or b"<!ENTITY" in data:
        raise Refused([Problem("doctype", "A message may not declare a document type.")])
    try:
        document = etree.ElementTree(etree.fromstring(data, _parser()))
    except etree.XMLSyntaxError as error:
        raise Refused([Problem("xml", f"Not well-formed XML: {error.msg}")]) from None
    if document.docinfo.doctype or document.docinfo.internalDTD is not None:
        raise Refused([Problem("doctype", "A message may not declare a document type.")])
    return document


@cache
def _xsd(path: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / path)))


def kind_of(document: etree._ElementTree) -> str:
    """Which format a received document is in: "lisjp" or "sm2013" (or Refused)."""
    root = document.getroot().tag
    if root == KINDS["lisjp"].root:
        return "lisjp"
    if root == KINDS["sm2013"].root:
        return "sm2013"
    return _refuse("namespace", f"Not a certificate message Stegvis takes: {root}")


def _refuse(rule: str, message: str):
    raise Refused([Problem(rule, message)])


def problems(kind: str, document: etree._ElementTree) -> list[Problem]:
    """Everything `document` breaks of its format's XSD and business rules."""
    spec = KINDS[kind]
    if document.getroot().tag != spec.root:
        return [Problem("namespace", f"Expected {spec.root}, got {document.getroot().tag}")]
    schema = _xsd(spec.xsd)
    if not schema.validate(document):
        return [Problem("xsd", f"line {e.line}: {e.message}") for e in schema.error_log]
    if not spec.schematron:
        return []
    return [
        Problem(failure.rule, failure.message)
        for failure in schematron.validate(SCHEMAS / spec.schematron, document)
    ]


def check(kind: str, document: etree._ElementTree) -> etree._ElementTree:
    if found := problems(kind, document):
        raise Refused(found)
    return document


def xs_date(text: str) -> date:
    """An xs:date, whose optional time zone ("2022-01-03+01:00", "…Z") a date does not keep."""
    return date.fromisoformat(text.strip()[:10])


def xs_datetime(text: str) -> datetime:
    """An xs:dateTime, aware (one written without a zone is in Stegvis's own)."""
    moment = datetime.fromisoformat(text.strip())
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def element(parent, tag: str, text=None, **attributes) -> etree._Element:
    """A child of `parent` with `text` and the attributes that have a value."""
    child = etree.SubElement(parent, tag, {k: v for k, v in attributes.items() if v})
    if text is not None:
        child.text = str(text)
    return child


def text_at(element_, path: str, namespaces: dict) -> str:
    """The text under `path` (empty when it, or `element_`, is missing)."""
    found = element_.find(path, namespaces) if element_ is not None else None
    return "".join(found.itertext()).strip() if found is not None else ""
