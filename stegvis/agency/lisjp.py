"""FK 7804 as Försäkringskassan receives it: `RegisterCertificate` with the LISJP model, and
the employer's copy AG 7804 (the same certificate with no diagnosis).

The answers are numbered as the certificate's questions are (1 basis, 28–29 occupation,
6 diagnosis, 35 and 17 the D-F-A chain, 19–20 treatment, 32 the periods, 37 the guidance,
33 working hours, 39 prognosis, 40 and 44 measures, 26 contact), each coded as the value
lists in data/codes.toml say. `read` is the way back, for certificates other systems issued.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone
from lxml import etree

from stegvis.agency.codes import codes
from stegvis.agency.validation import (
    RIV_CORE,
    RIV_RESPONDER,
    RIV_TYPES,
    text_at,
    xs_date,
    xs_datetime,
)
from stegvis.agency.validation import element as _el
from stegvis.cases.models import Certificate

NSMAP = {None: RIV_CORE, "ns2": RIV_RESPONDER, "ns3": RIV_TYPES}
G, R, T = f"{{{RIV_CORE}}}", f"{{{RIV_RESPONDER}}}", f"{{{RIV_TYPES}}}"
NS = {"g": RIV_CORE, "r": RIV_RESPONDER, "t": RIV_TYPES}


def _ii(parent, tag: str, root: str, extension: str) -> None:
    identifier = _el(parent, tag)
    _el(identifier, T + "root", root)
    _el(identifier, T + "extension", extension)


def _cv(parent, code: str, system: str, display: str = "") -> None:
    cv = _el(parent, T + "cv")
    _el(cv, T + "code", code)
    _el(cv, T + "codeSystem", system)
    if display:
        _el(cv, T + "displayName", display)


class _Answers:
    """Adds `svar` elements to the certificate in the order they are given."""

    def __init__(self, intyg):
        self.intyg = intyg

    def add(self, question: int, *parts, instance: int | None = None) -> None:
        """`parts` are (sub-answer id, text) or (sub-answer id, callable filling it)."""
        answer = _el(self.intyg, G + "svar")
        answer.set("id", str(question))
        if instance is not None:
            _el(answer, G + "instans", instance)
        for part_id, value in parts:
            part = _el(answer, G + "delsvar")
            part.set("id", part_id)
            if callable(value):
                value(part)
            else:
                part.text = value


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).replace(tzinfo=None, microsecond=0).isoformat()


def _code(diagnosis_code: str) -> str:
    # ICD-10-SE in the message is written without its dot (F32.1 is F321).
    return diagnosis_code.replace(".", "").strip()


def build(
    certificate: Certificate,
    *,
    employer_copy: bool = False,
    sent_at=None,
    replaces: Certificate | None = None,
) -> etree._ElementTree:
    """The signed FK 7804 as a RegisterCertificate message (AG 7804 for the employer); a
    correction names the version it `replaces`."""
    c = codes().lisjp
    case = certificate.case
    unit = case.organisation
    provider = unit.parent or unit
    signer = certificate.signed_by
    patient = case.patient.get_national_id()
    root = etree.Element(R + "RegisterCertificate", nsmap=NSMAP)
    intyg = _el(root, R + "intyg")
    _ii(intyg, G + "intygs-id", unit.hsa_id, str(certificate.pk))
    typ = _el(intyg, G + "typ")
    _el(typ, T + "code", c.employer_type_code if employer_copy else c.type_code)
    _el(typ, T + "codeSystem", c.type_code_system)
    _el(typ, T + "displayName", c.employer_type_display if employer_copy else c.type_display)
    _el(intyg, G + "version", c.version)
    _el(intyg, G + "signeringstidpunkt", _local(certificate.signed_at))
    _el(intyg, G + "skickatTidpunkt", _local(sent_at or timezone.now()))
    person = _el(intyg, G + "patient")
    # A day of birth with 60 added is a samordningsnummer (Skatteverket).
    kind = c.samordningsnummer if int(patient.number[6:8]) > 60 else c.personnummer
    _ii(person, G + "person-id", kind, patient.number)
    # Försäkringskassan takes name and address from the population register, as Webcert
    # leaves them: the message carries the number alone.
    for tag in ("fornamn", "efternamn", "postadress", "postnummer", "postort"):
        _el(person, G + tag, "")
    author = _el(intyg, G + "skapadAv")
    _ii(author, G + "personal-id", c.hsa_id, signer.hsa_id)
    _el(author, G + "fullstandigtNamn", f"{signer.given_name} {signer.family_name}".strip())
    enhet = _el(author, G + "enhet")
    _ii(enhet, G + "enhets-id", c.hsa_id, unit.hsa_id)
    _ii(enhet, G + "arbetsplatskod", c.workplace_code, unit.workplace_code or "0000000")
    _el(enhet, G + "enhetsnamn", unit.name)
    _el(enhet, G + "postadress", unit.street_address)
    _el(enhet, G + "postnummer", unit.postal_code)
    _el(enhet, G + "postort", unit.city)
    _el(enhet, G + "telefonnummer", unit.phone)
    vardgivare = _el(enhet, G + "vardgivare")
    _ii(vardgivare, G + "vardgivare-id", c.hsa_id, provider.hsa_id or unit.hsa_id)
    _el(vardgivare, G + "vardgivarnamn", provider.name)
    if replaces is not None:
        relation = _el(intyg, G + "relation")
        typ = _el(relation, G + "typ")
        _el(typ, T + "code", c.replaces)
        _el(typ, T + "codeSystem", c.relation_code_system)
        _ii(relation, G + "intygs-id", unit.hsa_id, str(replaces.pk))
    _answers(_Answers(intyg), certificate, employer_copy)
    return etree.ElementTree(root)


def _answers(answers: _Answers, certificate: Certificate, employer_copy: bool) -> None:
    c = codes().lisjp
    instance = 0
    for field_name, code in c.basis.items():
        if day := getattr(certificate, field_name):
            instance += 1
            answers.add(
                1,
                ("1.1", lambda part, code=code: _cv(part, code, "KV_FKMU_0001")),
                ("1.2", day.isoformat()),
                instance=instance,
            )
    occupation = c.occupation[certificate.occupation]
    answers.add(28, ("28.1", lambda part: _cv(part, occupation, "KV_FKMU_0002")), instance=1)
    if occupation == "NUVARANDE_ARBETE":
        answers.add(29, ("29.1", certificate.occupation_text))
    if employer_copy:
        # "Önskar förmedla diagnos": the employer's copy never carries one.
        answers.add(100, ("100.1", "false"))
    else:
        parts = []
        for index, diagnosis in enumerate(certificate.diagnoses.all()[:3]):
            text_id, code_id = f"6.{2 * index + 1}", f"6.{2 * index + 2}"
            parts.append((text_id, diagnosis.text or diagnosis.code))
            parts.append((code_id, lambda part, d=diagnosis: _cv(part, _code(d.code), c.icd10_se)))
        answers.add(6, *parts)
    answers.add(35, ("35.1", certificate.functional_impairment))
    answers.add(17, ("17.1", certificate.activity_limitation))
    if certificate.ongoing_treatment:
        answers.add(19, ("19.1", certificate.ongoing_treatment))
    if certificate.planned_treatment:
        answers.add(20, ("20.1", certificate.planned_treatment))
    for instance, period in enumerate(certificate.periods.all(), start=1):
        level = c.degree[str(period.degree)]
        answers.add(
            32,
            ("32.1", lambda part, level=level: _cv(part, level, "KV_FKMU_0003")),
            ("32.2", lambda part, p=period: _period(part, p.starts_on, p.ends_on)),
            instance=instance,
        )
    if certificate.fmb_justification:
        answers.add(37, ("37.1", certificate.fmb_justification))
    # Asked only when part of the working time is left (question 33 with a graded period).
    graded = any(p.degree < 100 for p in certificate.periods.all())
    if graded and certificate.working_hours_arranged is not None:
        parts = [("33.1", "true" if certificate.working_hours_arranged else "false")]
        if certificate.working_hours_arranged:
            parts.append(("33.2", certificate.working_hours_text))
        answers.add(33, *parts)
    prognosis = [("39.1", lambda part: _cv(part, certificate.prognosis, "KV_FKMU_0006"))]
    if certificate.prognosis_days:
        days = c.prognosis_days[str(certificate.prognosis_days)]
        prognosis.append(("39.3", lambda part: _cv(part, days, "KV_FKMU_0007")))
    answers.add(39, *prognosis)
    for instance, measure in enumerate(certificate.measures or ["not_relevant"], start=1):
        code = c.measures[measure]
        answers.add(40, ("40.1", lambda part, code=code: _cv(part, code, "KV_FKMU_0004")),
                    instance=instance)  # fmt: skip
    if certificate.measures_text and "not_relevant" not in certificate.measures:
        answers.add(44, ("44.1", certificate.measures_text))
    if certificate.fk_contact_wanted and not employer_copy:
        parts = [("26.1", "true")]
        if certificate.fk_contact_reason:
            parts.append(("26.2", certificate.fk_contact_reason))
        answers.add(26, *parts)


def _period(part, starts_on: date, ends_on: date) -> None:
    period = _el(part, T + "datePeriod")
    _el(period, T + "start", starts_on.isoformat())
    _el(period, T + "end", ends_on.isoformat())


@dataclass
class Read:
    """What a received RegisterCertificate says, in Stegvis's terms."""

    certificate_id: str
    unit_hsa_id: str
    patient_number: str
    issuer_name: str
    issuer_id: str
    issuer_unit: str
    signed_at: datetime | None
    fields: dict = field(default_factory=dict)
    diagnoses: list[tuple[str, str]] = field(default_factory=list)
    periods: list[tuple[int, date, date]] = field(default_factory=list)


def _text(element, path: str) -> str:
    return text_at(element, path, NS)


def read(document: etree._ElementTree) -> Read:
    """A checked LISJP message (validation.check first) as Stegvis's certificate content."""
    c = codes().lisjp
    intyg = document.getroot().find("r:intyg", NS)
    signed = _text(intyg, "g:signeringstidpunkt")
    signed_at = xs_datetime(signed) if signed else None
    out = Read(
        certificate_id="/".join(
            _text(intyg, f"g:intygs-id/t:{part}") for part in ("root", "extension")
        ),
        unit_hsa_id=_text(intyg, "g:skapadAv/g:enhet/g:enhets-id/t:extension"),
        patient_number=_text(intyg, "g:patient/g:person-id/t:extension").replace("-", ""),
        issuer_name=_text(intyg, "g:skapadAv/g:fullstandigtNamn"),
        issuer_id=_text(intyg, "g:skapadAv/g:personal-id/t:extension"),
        issuer_unit=_text(intyg, "g:skapadAv/g:enhet/g:enhetsnamn"),
        signed_at=signed_at,
    )
    basis = {code: name for name, code in c.basis.items()}
    occupations = {code: name for name, code in c.occupation.items()}
    degrees = {code: int(degree) for degree, code in c.degree.items()}
    days = {code: int(n) for n, code in c.prognosis_days.items()}
    measures = {code: name for name, code in c.measures.items()}
    fields = out.fields
    fields["measures"] = []
    for answer in intyg.findall("g:svar", NS):
        parts = {p.get("id"): p for p in answer.findall("g:delsvar", NS)}

        def text(part_id, parts=parts):
            return "".join(parts[part_id].itertext()).strip() if part_id in parts else ""

        def code(part_id, parts=parts):
            return _text(parts[part_id], "t:cv/t:code") if part_id in parts else ""

        question = answer.get("id")
        if question == "1" and code("1.1") in basis:
            fields[basis[code("1.1")]] = xs_date(text("1.2"))
        elif question == "28" and not fields.get("occupation"):
            fields["occupation"] = occupations.get(code("28.1"), "")
        elif question == "29":
            fields["occupation_text"] = text("29.1")
        elif question == "6":
            for text_id, code_id in (("6.1", "6.2"), ("6.3", "6.4"), ("6.5", "6.6")):
                if code_id in parts:
                    out.diagnoses.append((code(code_id), text(text_id)))
        elif question == "35":
            fields["functional_impairment"] = text("35.1")
        elif question == "17":
            fields["activity_limitation"] = text("17.1")
        elif question == "19":
            fields["ongoing_treatment"] = text("19.1")
        elif question == "20":
            fields["planned_treatment"] = text("20.1")
        elif question == "32":
            period = parts["32.2"]
            out.periods.append(
                (
                    degrees[code("32.1")],
                    xs_date(_text(period, "t:datePeriod/t:start")),
                    xs_date(_text(period, "t:datePeriod/t:end")),
                )
            )
        elif question == "37":
            fields["fmb_justification"] = text("37.1")
        elif question == "33":
            fields["working_hours_arranged"] = text("33.1") in ("true", "1")
            fields["working_hours_text"] = text("33.2")
        elif question == "39":
            fields["prognosis"] = code("39.1")
            fields["prognosis_days"] = days.get(code("39.3"))
        elif question == "40" and code("40.1") in measures:
            fields["measures"].append(measures[code("40.1")])
        elif question == "44":
            fields["measures_text"] = text("44.1")
        elif question == "26":
            fields["fk_contact_wanted"] = text("26.1") in ("true", "1")
            fields["fk_contact_reason"] = text("26.2")
    return out
