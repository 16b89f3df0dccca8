"""Helpers the test modules share (they never import each other): API calls, a complete
certificate, check-ins at a given time, a SIP plan."""

import json
import uuid
from datetime import timedelta

import time_machine
from django.utils import timezone

from stegvis.coaching.services import checkin_submit


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
