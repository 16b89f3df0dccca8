"""Helpers the test modules share (they never import each other): API calls, a complete
certificate, check-ins at a given time, a SIP plan, resources for the FHIR import."""

import json
import uuid
from datetime import timedelta

import time_machine
from django.utils import timezone

from stegvis.coaching.services import checkin_submit
from stegvis.network import services as network


def send(client, method, url, body=None, **headers):
    """A JSON request to the API."""
    return getattr(client, method)(
        url, json.dumps(body or {}), content_type="application/json", **headers
    )


def day(offset: int) -> str:
    return (timezone.localdate() + timedelta(days=offset)).isoformat()


def complete_body(**changes) -> dict:
    """A certificate that may be signed as it is."""
    body = {
        "examined_on": day(0),
        "occupation": "current_job",
        "occupation_text": "Baker, early shifts",
        "diagnoses": [{"system": "icd10", "code": "F43.8A", "text": "Utmattningssyndrom"}],
        "functional_impairment": "Memory and concentration clearly reduced.",
        "functional_impairment_grade": 2,
        "activity_limitation": "Cannot plan the day's baking or keep several orders in mind.",
        "periods": [{"degree": 100, "from": day(0), "to": day(27)}],
        "prognosis": "ATER_X_ANTAL_DGR",
        "prognosis_days": 60,
        "measures": ["work_adaptation"],
    }
    body.update(changes)
    return body


CHECKIN_VALUES = {"mood": 6, "energy": 6, "pain": 3, "sleep": 6, "stress": 3, "work_ability": 6,
                  "hours_worked": None, "note": ""}  # fmt: skip


def checkin_form(**changes) -> dict:
    data = {k: v for k, v in CHECKIN_VALUES.items() if v is not None}
    data["submission_id"] = str(uuid.uuid4())
    data.update(changes)
    return data


def checkin_on(patient, days_ago: float, **values):
    at = timezone.now() - timedelta(days=days_ago)
    with time_machine.travel(at, tick=False):
        return checkin_submit(
            actor=patient, values={**CHECKIN_VALUES, **values}, submission_id=uuid.uuid4()
        ).checkin


SIP_PLAN = {
    "measures": [
        {"text": "Boendestöd två gånger i veckan", "provider": "municipality"},
        {"text": "Samtalsbehandling", "provider": "region"},
        {"text": "Arbetsträning", "provider": "other", "provider_name": "Arbetsförmedlingen"},
    ],
    "overall_responsibility": "municipality",
    "responsible_authority": "Socialtjänsten i Solna",
}


def import_bundle(*resources) -> dict:
    """A transaction Bundle of `resources` for the FHIR import (POST /fhir/)."""
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"resource": r, "request": {"method": "POST", "url": r["resourceType"]}}
            for r in resources
        ],
    }


def import_examples(patient, case, *, value="shared-1", level=1) -> dict[str, dict]:
    """One resource of each type the FHIR import takes, valid as it is, about `patient`
    and known by `value`: a pain check-in (the patient's own to send), PHQ-9 answers and a
    meeting in `case` (their physician's). `level` (1–3) is the pain, each answer and the
    meeting's week ahead, so that two levels are two different resources."""
    now = timezone.now().replace(microsecond=0)
    subject = {"reference": f"Patient/{patient.pk}"}
    return {
        "Observation": {
            "resourceType": "Observation",
            "identifier": [{"system": "urn:probe:checkin", "value": value}],
            "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "72514-3"}]},
            "subject": subject,
            "effectiveDateTime": (now - timedelta(hours=level)).isoformat(),
            "valueInteger": level,
        },
        "QuestionnaireResponse": {
            "resourceType": "QuestionnaireResponse",
            "identifier": {"system": "urn:probe:prom", "value": value},
            "questionnaire": "https://stegvis.se/fhir/Questionnaire/phq9|1",
            "status": "completed",
            "subject": subject,
            "authored": now.isoformat(),
            "item": [
                {"linkId": str(n), "answer": [{"valueCoding": {"code": str(level)}}]}
                for n in range(1, 10)
            ],
        },
        "Appointment": {
            "resourceType": "Appointment",
            "identifier": [{"system": "urn:probe:booking", "value": value}],
            "status": "booked",
            "appointmentType": {"coding": [{"code": "fk_reconciliation"}]},
            "start": (now + timedelta(weeks=level)).isoformat(),
            "minutesDuration": 45,
            "comment": "Vårdcentralen, rum 3",
            "participant": [{"actor": subject}],
            "supportingInformation": [{"reference": f"EpisodeOfCare/{case.pk}"}],
        },
    }


def join(personas, persona, purpose, categories):
    """`persona` joins the patient's network with consent to `categories` for `purpose`."""
    user = personas.get(persona)
    membership = user.memberships.get()
    member = network.member_add(
        actor=personas.patient,
        user=user,
        organisation=membership.organisation,
        role=membership.role,
    )
    for category in categories:
        network.consent_grant(
            actor=personas.patient, member=member, category=category, purpose=purpose
        )
    return member


def write_note(client, case, revision=0, **fields):
    data = {
        "work_situation": "Baker, early shifts",
        "limitations": "Hard to keep many orders",
        "adjustments": "Fewer orders, later start",
        "revision": revision,
        **fields,
    }
    return client.post(f"/cases/{case.pk}/capacity-note/", data)


def scheduled_meeting(personas, case):
    """A SIP meeting the coordinator calls for next week, with no one else invited yet."""
    from stegvis.access.categories import Action, Category
    from stegvis.access.helpers import get_case_for
    from stegvis.coordination.meetings.services import meeting_schedule

    resolved = get_case_for(
        personas.coordinator, case.pk, category=Category.MEETINGS, action=Action.CREATE
    )
    return meeting_schedule(
        actor=personas.coordinator, case=resolved, kind="sip", place="Storgatan 1",
        starts_at=timezone.now() + timedelta(days=7), participants=[],
    )  # fmt: skip


def signed_diagnosis(case, code="F32.1", text="Depression"):
    """A signed certificate in `case` with one diagnosis (its Condition in the FHIR API)."""
    from stegvis.cases.models import (
        Certificate,
        CertificateDiagnosis,
        CertificatePeriod,
        CertificateStatus,
    )

    certificate = Certificate.objects.create(case=case, created_by=case.responsible_physician)
    CertificatePeriod.objects.create(
        certificate=certificate,
        degree=100,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + timedelta(days=13),
    )
    CertificateDiagnosis.objects.create(certificate=certificate, code=code, text=text)
    Certificate.objects.filter(pk=certificate.pk).update(
        status=CertificateStatus.SIGNED, signed_at=timezone.now()
    )
    return certificate
