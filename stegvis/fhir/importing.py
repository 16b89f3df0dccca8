"""Importing a transaction Bundle from another system (a regional PROM system, a booking
system): QuestionnaireResponses, Observations and Appointments of a patient.

Every entry is read and checked before anything is written; each bad element is named by
its path in the Bundle. Each write is the policy's decision, through the same services as
the pages (scoring, flags, invitations), and all of it is one transaction: a refusal or an
error anywhere writes nothing. An entry is known again by its `identifier`, within the
patient it is about and the sender: sent twice, it is found, not made twice; the same
identifier for another patient, or from someone else, is another resource.
"""

import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Literal

from django.http import Http404
from django.utils import timezone
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from stegvis.access.categories import Action, Category
from stegvis.access.helpers import get_case_for, get_patient_for
from stegvis.access.rules import OWN, STAFF_ONLY
from stegvis.audit import audit
from stegvis.cases.models import Case
from stegvis.coaching.guidance import mentions_crisis
from stegvis.coaching.models import CheckIn
from stegvis.coaching.selectors import crisis_screen
from stegvis.coaching.services import checkin_submit
from stegvis.coordination.kinds import meeting_kinds
from stegvis.coordination.meetings.services import (
    meeting_cancel,
    meeting_reschedule,
    meeting_schedule,
)
from stegvis.coordination.models import Meeting, MeetingStatus
from stegvis.core.crisis import patient_wrote
from stegvis.core.crisis_api import crisis_lines
from stegvis.fhir.models import ImportedResource
from stegvis.fhir.records import CHECKIN_MEASURES, LOINC_PAIN_NRS
from stegvis.fhir.resources import STEGVIS
from stegvis.instruments.definitions import instrument
from stegvis.instruments.models import Occasion
from stegvis.instruments.scoring import AnswerErrors
from stegvis.instruments.services import (
    InstrumentDisabled,
    administration_complete,
    occasion_schedule,
)

MAX_ENTRIES = 200
# Deeper than any resource Stegvis reads (a QuestionnaireResponse's items nest a few
# levels): what is deeper is refused before anything walks it.
MAX_DEPTH = 32
# FHIR strings hold no control characters but tab and line breaks; PostgreSQL stores no
# NUL at all, nor half of a surrogate pair.
FORBIDDEN_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


class Problem(Exception):
    """Entries that cannot be written: (FHIRPath expression, what is wrong) each."""

    def __init__(self, issues: list[tuple[str, str]], code: str = "invalid", status: int = 422):
        super().__init__("; ".join(f"{where}: {why}" for where, why in issues))
        self.issues, self.code, self.status = issues, code, status


class _Element(BaseModel):
    # Elements Stegvis does not read are let through: another system's resource carries
    # more than Stegvis keeps. What it reads has the JSON type the schema gives it (no
    # "5" for 5), as the OpenAPI description of the import says (stegvis/fhir/openapi.py).
    model_config = ConfigDict(extra="allow", strict=True)


def _in_our_time(moment: datetime) -> datetime:
    # At the ends of the calendar a local date or a meeting's end falls outside what
    # Python's dates hold; nothing Stegvis imports is from before 1900 or after 2199.
    if not 1900 <= moment.year <= 2199:
        raise ValueError("A time in the years 1900 to 2199.")
    return moment


Moment = Annotated[AwareDatetime, AfterValidator(_in_our_time)]


class Identifier(_Element):
    # As long as the index of imports keeps them (stegvis/fhir/models.py).
    system: str = Field(min_length=1, max_length=200)
    value: str = Field(min_length=1, max_length=200)


class Reference(_Element):
    reference: str = Field(pattern=r"^[A-Za-z]+/[A-Za-z0-9\-.]{1,64}$")


class Coding(_Element):
    system: str = Field("", max_length=200)
    code: str = Field(min_length=1, max_length=200)


class Answer(_Element):
    valueInteger: int | None = None
    valueCoding: Coding | None = None


class Item(_Element):
    linkId: str = Field(pattern=r"^[0-9]{1,3}$")
    answer: list[Answer] = Field(min_length=1, max_length=1)


class QuestionnaireResponseIn(_Element):
    resourceType: Literal["QuestionnaireResponse"]
    identifier: Identifier
    questionnaire: str = Field(max_length=200)
    status: Literal["completed", "amended"]
    subject: Reference
    authored: Moment | None = None
    item: list[Item] = Field(min_length=1)


class Quantity(_Element):
    value: float


class Component(_Element):
    code: "Concept"
    valueInteger: int | None = Field(None, ge=0, le=10)
    valueQuantity: Quantity | None = None


class Concept(_Element):
    coding: list[Coding] = Field(min_length=1)


class Annotation(_Element):
    text: str = Field(min_length=1, max_length=2000)


class ObservationIn(_Element):
    resourceType: Literal["Observation"]
    identifier: list[Identifier] = Field(min_length=1)
    status: Literal["final", "amended", "corrected"]
    code: Concept
    subject: Reference
    effectiveDateTime: Moment
    valueInteger: int | None = Field(None, ge=0, le=10)
    component: list[Component] = []
    # The patient's own words with the check-in (its note).
    note: list[Annotation] = Field([], max_length=1)


class Participant(_Element):
    actor: Reference | None = None


class AppointmentIn(_Element):
    resourceType: Literal["Appointment"]
    identifier: list[Identifier] = Field(min_length=1)
    status: Literal["booked", "cancelled"]
    appointmentType: Concept
    start: Moment
    minutesDuration: int = Field(60, ge=5, le=600)
    comment: str = Field("", max_length=200)
    participant: list[Participant] = Field(min_length=1)
    supportingInformation: list[Reference] = []


MODELS = {
    "QuestionnaireResponse": QuestionnaireResponseIn,
    "Observation": ObservationIn,
    "Appointment": AppointmentIn,
}


class RequestIn(_Element):
    method: Literal["POST", "PUT"]
    url: str = Field("", max_length=200)


class EntryIn(_Element):
    resource: Annotated[
        QuestionnaireResponseIn | ObservationIn | AppointmentIn,
        Field(discriminator="resourceType"),
    ]
    request: RequestIn


class BundleIn(_Element):
    """A transaction Bundle as the import reads it, and as its OpenAPI description shows it."""

    resourceType: Literal["Bundle"]
    type: Literal["transaction"]
    entry: list[EntryIn] = Field(min_length=1, max_length=MAX_ENTRIES)


@dataclass
class Entry:
    index: int
    resource: BaseModel
    identifier: Identifier
    digest: str
    patient_id: str
    # After writing: the local id and whether it was new.
    result: tuple[str, str] = field(default=("", ""))
    # The crisis lines to show the patient now, when their own words held words of crisis.
    crisis_lines: list[dict] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"Bundle.entry[{self.index}].resource"


def _expression(prefix: str, location: tuple) -> str:
    path = prefix
    for before, part in zip((None, *location), location, strict=False):
        if before == "resource" and part in MODELS:
            continue  # the resource type pydantic chose by, not an element
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _patient_of(resource) -> str:
    if isinstance(resource, AppointmentIn):
        refs = [p.actor.reference for p in resource.participant if p.actor]
        patients = [r for r in refs if r.startswith("Patient/")]
        return patients[0] if len(patients) == 1 else ""
    return resource.subject.reference


def _not_found(where: str, why: str) -> Problem:
    return Problem([(where, why)], code="not-found", status=404)


def read_bundle(body: bytes) -> list[Entry]:
    """Every entry, checked; Problem naming every bad element of all of them."""
    bundle = _parsed(body)
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise Problem([("Bundle", "Send a Bundle.")], code="structure", status=400)
    if bundle.get("type") != "transaction":
        raise Problem([("Bundle.type", "Only a transaction Bundle is accepted.")])
    issues = _unreadable(bundle)
    if issues:
        raise Problem(issues)
    try:
        checked = BundleIn.model_validate_json(json.dumps(bundle))
    except ValidationError as error:
        raise Problem(
            [(_expression("Bundle", e["loc"]), e["msg"]) for e in error.errors()]
        ) from error
    entries = []
    for index, (item, sent) in enumerate(zip(checked.entry, bundle["entry"], strict=True)):
        parsed = item.resource
        identifier = parsed.identifier
        identifier = identifier if isinstance(identifier, Identifier) else identifier[0]
        patient = _patient_of(parsed)
        if not patient.startswith("Patient/"):
            where = f"Bundle.entry[{index}].resource"
            issues.append((where, "Name the patient (one Patient reference)."))
            continue
        text = json.dumps(sent["resource"], sort_keys=True)
        digest = hashlib.sha256(text.encode()).hexdigest()
        entries.append(Entry(index, parsed, identifier, digest, patient.split("/", 1)[1]))
    # One patient's identifier is not another's (stegvis/fhir/models.py).
    keys = [(e.resource.resourceType, e.patient_id, e.identifier.system, e.identifier.value)
            for e in entries]  # fmt: skip
    issues += [
        (f"{entry.where}.identifier", "Sent twice in this Bundle.")
        for entry, key in zip(entries, keys, strict=True)
        if keys.count(key) > 1
    ]
    if issues:
        raise Problem(issues)
    return entries


def _parsed(body: bytes):
    try:
        return json.loads(body, parse_constant=_not_a_number)
    except RecursionError as error:
        raise Problem([("Bundle", f"Nested deeper than {MAX_DEPTH} levels.")],
                      code="structure", status=400) from error  # fmt: skip
    except ValueError as error:
        raise Problem([("Bundle", "Not JSON.")], code="structure", status=400) from error


def _not_a_number(constant: str):
    raise ValueError(f"{constant} is not a JSON number.")


def _unreadable(bundle: dict) -> list[tuple[str, str]]:
    """Where the Bundle nests deeper than MAX_DEPTH or holds text FHIR forbids, by path
    (walked without recursion, so that no depth can exhaust the stack)."""
    issues, waiting = [], [("Bundle", bundle, 0)]
    while waiting:
        where, value, depth = waiting.pop()
        if depth > MAX_DEPTH:
            issues.append((where, f"Nested deeper than {MAX_DEPTH} levels."))
        elif isinstance(value, dict):
            waiting += [(f"{where}.{key}", item, depth + 1) for key, item in value.items()]
        elif isinstance(value, list):
            waiting += [(f"{where}[{i}]", item, depth + 1) for i, item in enumerate(value)]
        elif isinstance(value, str) and FORBIDDEN_IN_TEXT.search(value):
            issues.append((where, "A control character (other than tab or a line break) "
                                  "or half of a surrogate pair."))  # fmt: skip
    return sorted(issues)


def _known(user, patient, entry: Entry) -> ImportedResource | None:
    """What this sender imported for this patient under the entry's identifier."""
    return ImportedResource.objects.filter(
        patient=patient,
        author=user,
        resource_type=entry.resource.resourceType,
        system=entry.identifier.system,
        value=entry.identifier.value,
    ).first()


def _remember(user, patient, entry: Entry, object_id) -> None:
    ImportedResource.objects.update_or_create(
        patient=patient,
        author=user,
        resource_type=entry.resource.resourceType,
        system=entry.identifier.system,
        value=entry.identifier.value,
        defaults={"object_id": str(object_id), "digest": entry.digest},
    )


def _case_of(patient, case_ref: str = ""):
    """The id of the case the entry names, or of the patient's newest (the writer's door
    to it is decided after)."""
    if case_ref:
        return case_ref.removeprefix("EpisodeOfCare/")
    newest = Case.objects.filter(patient=patient).order_by("-opened_on")
    return newest.values_list("pk", flat=True).first()


def _questionnaire_response(user, entry: Entry, patient, known) -> str:
    found: QuestionnaireResponseIn = entry.resource
    url, _bar, version = found.questionnaire.partition("|")
    code = url.removeprefix(f"{STEGVIS}/Questionnaire/")
    definition = instrument(code) if url.startswith(f"{STEGVIS}/Questionnaire/") else None
    if definition is None or (version and version != definition.version):
        raise Problem([(f"{entry.where}.questionnaire", "No such Stegvis questionnaire.")])
    if known is not None:
        raise Problem([(f"{entry.where}.identifier", "Answered already, with other answers: "
                        "answers are not rewritten. Send them under a new identifier.")],
                      code="conflict", status=409)  # fmt: skip
    case_id = _case_of(patient)
    if case_id is None:
        raise Problem([(f"{entry.where}.subject", "The patient has no case to answer in.")])
    case = get_case_for(user, case_id, category=Category.QUESTIONNAIRES, action=Action.CREATE)
    answers = {}
    for item in found.item:
        answer = item.answer[0]
        value = answer.valueInteger if answer.valueCoding is None else answer.valueCoding.code
        answers[item.linkId] = int(value) if str(value).lstrip("-").isdigit() else value
    authored = found.authored or timezone.now()
    try:
        (administration,) = occasion_schedule(
            actor=user, case=case, occasion=Occasion.ON_DEMAND,
            due_on=timezone.localdate(authored), codes=[definition.code],
        )  # fmt: skip
    except InstrumentDisabled as error:
        where = f"{entry.where}.questionnaire"
        raise Problem([(where, "This questionnaire is turned off here.")]) from error
    try:
        administration_complete(actor=user, administration=administration, answers=answers)
    except AnswerErrors as error:
        link_ids = [item.linkId for item in found.item]
        raise Problem([
            (f"{entry.where}.item[{link_ids.index(key)}].answer[0]" if key in link_ids
             else f"{entry.where}.item", why)
            for key, why in error.errors.items()
        ]) from error  # fmt: skip
    return str(administration.pk)


def _checkin_values(entry: Entry) -> dict:
    found: ObservationIn = entry.resource
    codes = {(c.system, c.code) for c in found.code.coding}
    if LOINC_PAIN_NRS in codes and found.valueInteger is not None:
        return {"pain": found.valueInteger}
    values, issues = {}, []
    for index, component in enumerate(found.component):
        code = component.code.coding[0].code
        where = f"{entry.where}.component[{index}]"
        if (component.code.coding[0].system, code) == LOINC_PAIN_NRS:
            code = "pain"
        if code in CHECKIN_MEASURES and component.valueInteger is not None:
            values[code] = component.valueInteger
        elif code == "hours_worked" and component.valueQuantity is not None:
            if not 0 <= component.valueQuantity.value <= 24:
                issues.append((f"{where}.valueQuantity.value", "0 to 24 hours."))
            values[code] = round(component.valueQuantity.value, 1)
        else:
            issues.append((f"{where}.code", "Not a check-in measure, or no value."))
    if issues or not values:
        raise Problem(issues or [(f"{entry.where}.code", "A check-in (or pain NRS 0–10).")])
    return values


IMPORT_NAMESPACE = uuid.UUID("1c6f3a8e-2f4e-4c55-9a2b-7d0f3c1e5b21")


def _observation(user, entry: Entry, patient, known) -> str:
    """A check-in the patient made elsewhere: theirs alone to add."""
    values = _checkin_values(entry)
    if entry.resource.note:
        # The same check-in rules as on the page: words of crisis raise the urgent flag.
        values["note"] = entry.resource.note[0].text
    if known is not None:  # corrected: the new values replace the old
        if "note" in values:  # a correction without a note keeps the note (and its words)
            values["crisis"] = mentions_crisis(values["note"])
        CheckIn.objects.filter(pk=known.object_id, patient=patient).update(**values)
        patient_wrote(author=user, patient_id=patient.pk, text=values.get("note", ""),
                      source_type="checkin", source_id=known.object_id)  # fmt: skip
        return known.object_id
    # Named by the patient too: another patient's check-in is never this one's retry.
    identifier = f"{patient.pk}|{entry.identifier.system}|{entry.identifier.value}"
    submission = uuid.uuid5(IMPORT_NAMESPACE, identifier)
    result = checkin_submit(
        actor=patient, values=values, submission_id=submission, now=entry.resource.effectiveDateTime
    )
    return str(result.checkin.pk)


def _appointment(user, entry: Entry, patient, known) -> str:
    """A meeting booked in another system, called (or moved, or cancelled) here."""
    found: AppointmentIn = entry.resource
    kinds = meeting_kinds()
    kind = next((c.code for c in found.appointmentType.coding if c.code in kinds), None)
    if kind is None:
        raise Problem([(f"{entry.where}.appointmentType", f"One of: {', '.join(kinds)}.")])
    case_refs = [r.reference for r in found.supportingInformation
                 if r.reference.startswith("EpisodeOfCare/")]  # fmt: skip
    case_id = _case_of(patient, case_refs[0] if case_refs else "")
    action = Action.CREATE if known is None else Action.UPDATE
    try:
        case = get_case_for(user, case_id, category=Category.MEETINGS, action=action,
                            checks=[STAFF_ONLY])  # fmt: skip
    except Http404 as error:
        where = f"{entry.where}.supportingInformation"
        raise _not_found(where, "No case of this patient you may call meetings in.") from error
    if case.patient_id != patient.pk:
        raise Problem([(f"{entry.where}.supportingInformation", "Another patient's case.")])
    if known is None:
        try:
            meeting = meeting_schedule(
                actor=user, case=case, kind=kind, starts_at=found.start,
                duration_minutes=found.minutesDuration, place=found.comment, participants=[],
            )  # fmt: skip
        except ValueError as error:
            raise Problem([(f"{entry.where}.appointmentType", str(error))]) from error
        if found.status == "cancelled":
            meeting_cancel(actor=user, meeting=meeting, revision=meeting.revision)
        return str(meeting.pk)
    meeting = Meeting.objects.filter(pk=known.object_id, case=case).first()
    if meeting is None:
        raise Problem([(f"{entry.where}.supportingInformation", "The meeting this identifier "
                        "booked is in another of the patient's cases.")],
                      code="conflict", status=409)  # fmt: skip
    if found.status == "cancelled":
        meeting_cancel(actor=user, meeting=meeting, revision=meeting.revision)
    elif meeting.status != MeetingStatus.PLANNED:
        raise Problem([(f"{entry.where}.status", f"The meeting is {meeting.status}.")],
                      code="conflict", status=409)  # fmt: skip
    else:
        meeting_reschedule(
            actor=user, meeting=meeting, revision=meeting.revision, starts_at=found.start,
            duration_minutes=found.minutesDuration, place=found.comment,
        )  # fmt: skip
    return str(meeting.pk)


WRITERS = {
    "QuestionnaireResponse": _questionnaire_response,
    "Observation": _observation,
    "Appointment": _appointment,
}
# Who may write each type for the patient: its category, and the object's own rules.
DOORS = {
    "QuestionnaireResponse": (Category.QUESTIONNAIRES, ()),
    # A check-in is the patient's own to add: the policy's OWN check says so.
    "Observation": (Category.CHECKINS, (OWN,)),
    "Appointment": (Category.MEETINGS, ()),
}


def apply(user, entries: list[Entry]) -> list[Entry]:
    """Write every entry, or nothing."""
    with audit.atomic():
        for entry in entries:
            try:
                _write(user, entry)
            except Http404 as error:
                where = f"{entry.where}.subject"
                raise _not_found(where, "No such patient, or not yours to write for.") from error
    return entries


def _write(user, entry: Entry) -> None:
    kind = entry.resource.resourceType
    category, checks = DOORS[kind]
    # Decided before the identifier is looked up, and the lookup is this patient's and
    # this sender's alone: a resend is answered only to whoever may write it.
    patient = get_patient_for(user, entry.patient_id, category=category, action=Action.CREATE,
                              object_type="fhir_import", checks=checks)  # fmt: skip
    known = _known(user, patient, entry)
    if known is not None and known.digest == entry.digest:
        entry.result = (known.object_id, "200 OK")
    else:
        object_id = WRITERS[kind](user, entry, patient, known)
        _remember(user, patient, entry, object_id)
        entry.result = (object_id, "201 Created" if known is None else "200 OK")
    entry.crisis_lines = _crisis_lines(user, kind, patient, entry.result[0])


def _crisis_lines(user, kind: str, patient, object_id: str) -> list[dict]:
    """The lines a page would show at once, for a check-in the patient wrote with words of
    crisis (a retry is answered the same)."""
    if kind != "Observation" or user.pk != patient.pk:
        return []
    if not CheckIn.objects.filter(pk=object_id, patient=patient, crisis=True).exists():
        return []
    return crisis_lines(crisis_screen(patient))
