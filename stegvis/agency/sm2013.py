"""Norway's sykmelding as Nav receives it: SM2013 (`HelseOpplysningerArbeidsuforhet`) inside
the KITH MsgHead envelope, from the legekontor (HER-id) to Nav (HER-id), naming the patient by
fødselsnummer and the sykmelder by HPR number. `read` is the way back, for sykmeldinger an EPJ
sent; Nav's answer, the AppRec, is read in `apprec.py`.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone
from lxml import etree

from stegvis.agency.codes import codes
from stegvis.agency.validation import FELLES, MSGHEAD, SM2013, text_at, xs_date, xs_datetime
from stegvis.agency.validation import element as _el
from stegvis.cases import sykmelding
from stegvis.cases.models import Certificate, CodeSystem, PeriodActivity

M, H, F = f"{{{MSGHEAD}}}", f"{{{SM2013}}}", f"{{{FELLES}}}"
NS = {"m": MSGHEAD, "h": SM2013, "f": FELLES}


def _bool(value) -> str:
    return "true" if value else "false"


def _ident(parent, tag: str, number: str, kind: str, oid: str, name: str, prefix: str) -> None:
    ident = _el(parent, tag)
    _el(ident, prefix + "Id", number)
    _el(ident, prefix + "TypeId", DN=name, S=oid, V=kind)


def _organisation(parent, name: str, her_id: str, extra=None) -> etree._Element:
    c = codes().sm2013
    organisation = _el(parent, M + "Organisation")
    _el(organisation, M + "OrganisationName", name)
    _ident(organisation, M + "Ident", her_id, "HER", c.her,
           "Identifikator fra Helsetjenesteenhetsregisteret (HER-id)", M)  # fmt: skip
    if extra:
        extra(organisation)
    return organisation


def _name(parent, tag: str, given: str, family: str) -> None:
    name = _el(parent, tag)
    _el(name, H + "Etternavn", family)
    _el(name, H + "Fornavn", given)


def message_id(certificate: Certificate) -> str:
    """The message's id, the sykmelding's id at Nav: the certificate version's own."""
    return str(certificate.pk)


def build(certificate: Certificate, *, sent_at=None) -> etree._ElementTree:
    """The signed sykmelding as SM2013 in MsgHead, from the legekontor to Nav."""
    c = codes().sm2013
    nav = codes().nav
    case = certificate.case
    unit = case.organisation
    signer = certificate.signed_by
    patient = case.patient
    root = etree.Element(M + "MsgHead", nsmap={None: MSGHEAD})
    info = _el(root, M + "MsgInfo")
    _el(info, M + "Type", DN="Sykmelding", V="SYKMELD")
    _el(info, M + "MIGversion", "v1.2 2006-05-24")
    _el(
        info,
        M + "GenDate",
        timezone.localtime(sent_at or timezone.now()).isoformat(timespec="seconds"),
    )
    _el(info, M + "MsgId", message_id(certificate))
    sender = _el(info, M + "Sender")

    def professional(organisation):
        person = _el(organisation, M + "HealthcareProfessional")
        _el(person, M + "FamilyName", signer.family_name)
        _el(person, M + "GivenName", signer.given_name)
        _ident(person, M + "Ident", signer.hpr_number, "HPR", c.hpr, "HPR-nummer", M)

    _organisation(sender, unit.name, unit.her_id, professional)
    _organisation(_el(info, M + "Receiver"), nav.name, nav.her_id)
    document = _el(_el(root, M + "Document"), M + "RefDoc")
    _el(document, M + "MsgType", DN="XML-instans", V="XML")
    content = _el(document, M + "Content")
    _sykmelding(content, certificate, unit, signer, patient)
    return etree.ElementTree(root)


def _sykmelding(parent, certificate, unit, signer, patient) -> None:
    c = codes().sm2013
    doc = etree.SubElement(
        parent, H + "HelseOpplysningerArbeidsuforhet", nsmap={"ho": SM2013, "fk1": FELLES}
    )
    _el(doc, H + "RegelSettVersjon", c.rule_set_version)
    _el(doc, H + "SyketilfelleStartDato", certificate.case.day_one.isoformat())
    person = _el(doc, H + "Pasient")
    _name(person, H + "Navn", patient.given_name, patient.family_name)
    number = patient.get_national_id().number
    _ident(person, H + "Fodselsnummer", number, "FNR", c.fnr, "Fødselsnummer", F)
    employer = _el(doc, H + "Arbeidsgiver")
    has_code, has_text = c.employer[certificate.no_employer or "none"]
    _el(employer, H + "HarArbeidsgiver", DN=has_text, V=has_code)
    if certificate.no_employer_name:
        _el(employer, H + "NavnArbeidsgiver", certificate.no_employer_name)
    if certificate.occupation_text:
        _el(employer, H + "Yrkesbetegnelse", certificate.occupation_text)
    if certificate.no_position_percent is not None:
        _el(employer, H + "Stillingsprosent", certificate.no_position_percent)
    _assessment(doc, certificate)
    activity = _el(doc, H + "Aktivitet")
    for period in certificate.periods.all():
        _period(activity, period)
    _prognosis(doc, certificate)
    if certificate.no_answers:
        _answers(doc, certificate.no_answers)
    measures = {
        "TiltakArbeidsplassen": certificate.no_measures_workplace,
        "TiltakNAV": certificate.no_measures_nav,
        "AndreTiltak": certificate.no_measures_other,
    }
    if any(measures.values()):
        tiltak = _el(doc, H + "Tiltak")
        for tag, text in measures.items():
            if text:
                _el(tiltak, H + tag, text)
    if certificate.no_nav_assistance:
        to_nav = _el(doc, H + "MeldingTilNav")
        _el(to_nav, H + "BistandNAVUmiddelbart", "true")
        _el(to_nav, H + "BeskrivBistandNAV", certificate.no_nav_assistance_text)
    if certificate.employer_note:
        _el(doc, H + "MeldingTilArbeidsgiver", certificate.employer_note)
    contact = _el(doc, H + "KontaktMedPasient")
    treated = certificate.examined_on or timezone.localdate(certificate.signed_at)
    _el(contact, H + "BehandletDato", f"{treated.isoformat()}T00:00:00")
    if certificate.no_contact_on:
        _el(contact, H + "KontaktDato", certificate.no_contact_on.isoformat())
    if certificate.no_backdating_reason:
        _el(contact, H + "BegrunnIkkeKontakt", certificate.no_backdating_reason)
    author = _el(doc, H + "Behandler")
    _name(author, H + "Navn", signer.given_name, signer.family_name)
    _ident(author, H + "Id", signer.hpr_number, "HPR", c.hpr, "HPR-nummer", F)
    address = _el(author, H + "Adresse")
    _el(address, F + "Type", DN="Postadresse", V="PST")
    _el(address, F + "StreetAdr", unit.street_address)
    _el(address, F + "PostalCode", unit.postal_code)
    _el(address, F + "City", unit.city)
    telecom = _el(author, H + "KontaktInfo")
    _el(telecom, F + "TypeTelecom", DN="Arbeidsplass", V="WP")
    _el(telecom, F + "TeleAddress", V=f"tel:{unit.phone}")
    system = _el(doc, H + "AvsenderSystem")
    _el(system, H + "SystemNavn", c.system_name)
    _el(system, H + "SystemVersjon", "1")
    # The paper form's barcode; a sykmelding sent electronically carries its id instead.
    _el(doc, H + "Strekkode", str(certificate.pk).replace("-", "")[:35])


def _system_of(system: str) -> str:
    c = codes().sm2013
    return c.icpc2 if system == CodeSystem.ICPC2 else c.icd10


def _assessment(doc, certificate) -> None:
    assessment = _el(doc, H + "MedisinskVurdering")
    diagnoses = list(certificate.diagnoses.all())
    if diagnoses:
        main = _el(assessment, H + "HovedDiagnose")
        _el(main, H + "Diagnosekode", DN=diagnoses[0].text, S=_system_of(diagnoses[0].system),
            V=diagnoses[0].code)  # fmt: skip
    if diagnoses[1:]:
        others = _el(assessment, H + "BiDiagnoser")
        for diagnosis in diagnoses[1:]:
            _el(others, H + "Diagnosekode", DN=diagnosis.text, S=_system_of(diagnosis.system),
                V=diagnosis.code)  # fmt: skip
    if certificate.no_other_absence_reason:
        reason = _el(assessment, H + "AnnenFraversArsak")
        _el(reason, H + "Arsakskode", V=certificate.no_other_absence_reason)
        if certificate.no_other_absence_text:
            _el(reason, H + "Beskriv", certificate.no_other_absence_text)
    _el(assessment, H + "Svangerskap", _bool(certificate.no_pregnancy_related))
    _el(assessment, H + "Yrkesskade", _bool(certificate.no_occupational_injury))
    if certificate.no_screened_from_patient:
        _el(assessment, H + "SkjermesForPasient", "true")


def _reasons(parent, tag: str, codes_: list, text: str) -> None:
    if not codes_ and not text:
        return
    reasons = _el(parent, H + tag)
    for code in codes_ or [sykmelding.OTHER]:
        _el(reasons, H + "Arsakskode", V=code)
    if text:
        _el(reasons, H + "Beskriv", text)


def _period(activity, period) -> None:
    element = _el(activity, H + "Periode")
    _el(element, H + "PeriodeFOMDato", period.starts_on.isoformat())
    _el(element, H + "PeriodeTOMDato", period.ends_on.isoformat())
    kind = period.activity_in_force
    if kind == PeriodActivity.WAITING:
        _el(
            _el(element, H + "AvventendeSykmelding"),
            H + "InnspillTilArbeidsgiver",
            period.employer_input,
        )
    elif kind == PeriodActivity.GRADED:
        graded = _el(element, H + "GradertSykmelding")
        _el(graded, H + "Sykmeldingsgrad", period.degree)
        if period.travel_grant:
            _el(graded, H + "Reisetilskudd", "true")
    elif kind == PeriodActivity.NO_ACTIVITY:
        none = _el(element, H + "AktivitetIkkeMulig")
        _reasons(none, "MedisinskeArsaker", period.medical_reasons, period.medical_reason_text)
        _reasons(none, "Arbeidsplassen", period.workplace_reasons, period.workplace_reason_text)
    elif kind == PeriodActivity.TREATMENT_DAYS:
        days = _el(element, H + "Behandlingsdager")
        _el(days, H + "AntallBehandlingsdagerUke", period.treatment_days or 1)
    elif kind == PeriodActivity.TRAVEL_GRANT:
        _el(element, H + "Reisetilskudd", "true")


def _prognosis(doc, certificate) -> None:
    prognosis = _el(doc, H + "Prognose")
    if certificate.no_fit_after_period is not None:
        _el(prognosis, H + "ArbeidsforEtterEndtPeriode", _bool(certificate.no_fit_after_period))
    if certificate.no_workplace_considerations:
        _el(prognosis, H + "BeskrivHensynArbeidsplassen", certificate.no_workplace_considerations)
    later = {
        "EgetArbeidPaSikt": certificate.no_own_work_later,
        "ArbeidFraDato": certificate.no_own_work_from,
        "AnnetArbeidPaSikt": certificate.no_other_work_later,
    }
    if any(value is not None for value in later.values()):
        at_work = _el(prognosis, H + "ErIArbeid")
        for tag, value in later.items():
            if isinstance(value, bool):
                _el(at_work, H + tag, _bool(value))
            elif value is not None:
                _el(at_work, H + tag, value.isoformat())


def _answers(doc, answers: dict) -> None:
    by_group: dict[str, list[tuple[str, str]]] = {}
    for question_id, text in answers.items():
        if text:
            by_group.setdefault(question_id.rsplit(".", 1)[0], []).append((question_id, text))
    if not by_group:
        return
    titles = {group.id: group.title.nb for group in sykmelding.rules().question_group}
    further = _el(doc, H + "UtdypendeOpplysninger")
    for group_id, rows in sorted(by_group.items()):
        group = _el(further, H + "SpmGruppe")
        _el(group, H + "SpmGruppeId", group_id)
        _el(group, H + "SpmGruppeTekst", titles.get(group_id, group_id))
        for question_id, text in rows:
            answer = _el(group, H + "SpmSvar")
            _el(answer, H + "SpmId", question_id)
            _el(answer, H + "SpmTekst", sykmelding.question_text(question_id))
            _el(answer, H + "SvarTekst", text)


@dataclass
class Read:
    """What a received sykmelding says, in Stegvis's terms."""

    certificate_id: str
    sender_her_id: str
    patient_number: str
    issuer_name: str
    issuer_id: str
    issuer_unit: str
    signed_at: datetime | None
    sick_from: date | None
    fields: dict = field(default_factory=dict)
    diagnoses: list[tuple[str, str, str]] = field(default_factory=list)
    periods: list[tuple[int, date, date, dict]] = field(default_factory=list)


def _text(element, path: str) -> str:
    return text_at(element, path, NS)


def _read_bool(element, path: str):
    value = _text(element, path)
    return None if value == "" else value in ("true", "1")


def read(document: etree._ElementTree) -> Read:
    """A checked SM2013 MsgHead (validation.check first) as Stegvis's certificate content."""
    c = codes().sm2013
    head = document.getroot()
    info = head.find("m:MsgInfo", NS)
    sender = info.find("m:Sender/m:Organisation", NS)
    her_ids = [
        _text(ident, "m:Id")
        for ident in sender.findall("m:Ident", NS)
        if ident.find("m:TypeId", NS).get("V") == "HER"
    ]
    doc = head.find("m:Document/m:RefDoc/m:Content/h:HelseOpplysningerArbeidsuforhet", NS)
    author = doc.find("h:Behandler", NS)
    hpr = [
        _text(ident, "f:Id")
        for ident in author.findall("h:Id", NS)
        if ident.find("f:TypeId", NS).get("V") == "HPR"
    ]
    generated = xs_datetime(_text(info, "m:GenDate"))
    sick_from = _text(doc, "h:SyketilfelleStartDato")
    out = Read(
        certificate_id=_text(info, "m:MsgId"),
        sender_her_id=her_ids[0] if her_ids else "",
        patient_number=_text(doc, "h:Pasient/h:Fodselsnummer/f:Id"),
        issuer_name=" ".join(
            filter(
                None,
                (_text(author, f"h:Navn/h:{p}") for p in ("Fornavn", "Mellomnavn", "Etternavn")),
            )
        ),
        issuer_id=hpr[0] if hpr else "",
        issuer_unit=_text(sender, "m:OrganisationName"),
        signed_at=generated,
        sick_from=xs_date(sick_from) if sick_from else None,
    )
    systems = {c.icpc2: CodeSystem.ICPC2, c.icd10: CodeSystem.ICD10}
    for path in ("h:MedisinskVurdering/h:HovedDiagnose/h:Diagnosekode",
                 "h:MedisinskVurdering/h:BiDiagnoser/h:Diagnosekode"):  # fmt: skip
        for code in doc.findall(path, NS):
            out.diagnoses.append(
                (systems.get(code.get("S"), CodeSystem.ICPC2), code.get("V"), code.get("DN", ""))
            )
    employer = doc.find("h:Arbeidsgiver", NS)
    percent = _text(employer, "h:Stillingsprosent")
    assessment = doc.find("h:MedisinskVurdering", NS)
    other = assessment.find("h:AnnenFraversArsak", NS)
    out.fields = {
        "no_employer": c.employer_read.get(employer.find("h:HarArbeidsgiver", NS).get("V"), "none"),
        "no_employer_name": _text(employer, "h:NavnArbeidsgiver"),
        "occupation_text": _text(employer, "h:Yrkesbetegnelse"),
        "no_position_percent": int(percent) if percent else None,
        "no_other_absence_reason": other.find("h:Arsakskode", NS).get("V")
        if other is not None
        else "",
        "no_other_absence_text": _text(other, "h:Beskriv"),
        "no_pregnancy_related": bool(_read_bool(assessment, "h:Svangerskap")),
        "no_occupational_injury": bool(_read_bool(assessment, "h:Yrkesskade")),
        "no_screened_from_patient": bool(_read_bool(assessment, "h:SkjermesForPasient")),
        "no_fit_after_period": _read_bool(doc, "h:Prognose/h:ArbeidsforEtterEndtPeriode"),
        "no_workplace_considerations": _text(doc, "h:Prognose/h:BeskrivHensynArbeidsplassen"),
        "no_measures_workplace": _text(doc, "h:Tiltak/h:TiltakArbeidsplassen"),
        "no_measures_nav": _text(doc, "h:Tiltak/h:TiltakNAV"),
        "no_measures_other": _text(doc, "h:Tiltak/h:AndreTiltak"),
        "no_nav_assistance": bool(_read_bool(doc, "h:MeldingTilNav/h:BistandNAVUmiddelbart")),
        "no_nav_assistance_text": _text(doc, "h:MeldingTilNav/h:BeskrivBistandNAV"),
        "employer_note": _text(doc, "h:MeldingTilArbeidsgiver"),
        "no_answers": {
            _text(answer, "h:SpmId"): _text(answer, "h:SvarTekst")
            for answer in doc.findall("h:UtdypendeOpplysninger/h:SpmGruppe/h:SpmSvar", NS)
        },
    }
    treated = _text(doc, "h:KontaktMedPasient/h:BehandletDato")
    out.fields["examined_on"] = xs_date(treated) if treated else None
    for period in doc.findall("h:Aktivitet/h:Periode", NS):
        out.periods.append(_read_period(period))
    return out


def _codes_in(element) -> list[str]:
    return (
        [code.get("V") for code in element.findall("h:Arsakskode", NS)]
        if element is not None
        else []
    )


def _read_period(period) -> tuple[int, date, date, dict]:
    starts = xs_date(_text(period, "h:PeriodeFOMDato"))
    ends = xs_date(_text(period, "h:PeriodeTOMDato"))
    if (graded := period.find("h:GradertSykmelding", NS)) is not None:
        degree = int(_text(graded, "h:Sykmeldingsgrad"))
        return (
            degree,
            starts,
            ends,
            {
                "activity": PeriodActivity.GRADED,
                "travel_grant": bool(_read_bool(graded, "h:Reisetilskudd")),
            },
        )
    if (waiting := period.find("h:AvventendeSykmelding", NS)) is not None:
        return (
            0,
            starts,
            ends,
            {
                "activity": PeriodActivity.WAITING,
                "employer_input": _text(waiting, "h:InnspillTilArbeidsgiver"),
            },
        )
    if (days := period.find("h:Behandlingsdager", NS)) is not None:
        return (
            0,
            starts,
            ends,
            {
                "activity": PeriodActivity.TREATMENT_DAYS,
                "treatment_days": int(_text(days, "h:AntallBehandlingsdagerUke")),
            },
        )
    if period.find("h:Reisetilskudd", NS) is not None:
        return 0, starts, ends, {"activity": PeriodActivity.TRAVEL_GRANT, "travel_grant": True}
    none = period.find("h:AktivitetIkkeMulig", NS)
    medical = none.find("h:MedisinskeArsaker", NS)
    workplace = none.find("h:Arbeidsplassen", NS)
    return (
        100,
        starts,
        ends,
        {
            "activity": PeriodActivity.NO_ACTIVITY,
            "medical_reasons": _codes_in(medical),
            "medical_reason_text": _text(medical, "h:Beskriv"),
            "workplace_reasons": _codes_in(workplace),
            "workplace_reason_text": _text(workplace, "h:Beskriv"),
        },
    )
