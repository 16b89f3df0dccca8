"""Stegvis's records as FHIR R4 (4.0.1) resources, as plain dicts (docs/law-and-guidance.md §12).

Plain dicts rather than fhir.resources models: its current major version models R4B and R5,
not R4, and the resources are checked by an independent R4 validator instead.
"""

from datetime import date, datetime

from django.utils import timezone

from stegvis.accounts.models import User
from stegvis.accounts.national_id import NationalId
from stegvis.cases.models import Case, CaseStatus

FHIR_VERSION = "4.0.1"
# Identifier systems: Sweden's personnummer and samordningsnummer (HL7 Sweden
# basprofiler), Norway's fødselsnummer and D-nummer (HL7 Norway no-basis), and Stegvis's
# own ids.
PERSONNUMMER = "http://electronichealth.se/identifier/personnummer"
SAMORDNINGSNUMMER = "http://electronichealth.se/identifier/samordningsnummer"
FODSELSNUMMER = "urn:oid:2.16.578.1.12.4.1.4.1"
D_NUMMER = "urn:oid:2.16.578.1.12.4.1.4.2"
NATIONAL_ID_COUNTRIES = {PERSONNUMMER: ("SE",), SAMORDNINGSNUMMER: ("SE",),
                         FODSELSNUMMER: ("NO",), D_NUMMER: ("NO",)}  # fmt: skip
ICD10_SE = "http://hl7.se/fhir/CodeSystem/icd-10-se"
ICD10_NO = "urn:oid:2.16.578.1.12.4.1.1.7110"
ICPC2_NO = "urn:oid:2.16.578.1.12.4.1.1.7170"
STEGVIS = "https://stegvis.se/fhir"
# A certificate's code system, by the case's country.
CODE_SYSTEMS = {"icd10": {"SE": ICD10_SE, "NO": ICD10_NO},
                "icpc2": {"SE": ICPC2_NO, "NO": ICPC2_NO}}  # fmt: skip


def instant(moment: datetime) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds")


def day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def compact(found: dict) -> dict:
    """Without the empty values: FHIR JSON has no empty strings, arrays or objects."""
    return {key: value for key, value in found.items() if value not in ("", None, [], {})}


def _meta(updated: datetime | None) -> dict:
    return {"lastUpdated": instant(updated)} if updated else {}


# The national base profile a patient's record follows, by the country of their newest
# case: HL7 Sweden's basprofiler (canonical http://hl7.se/fhir) or HL7 Norway's no-basis.
# Checked against R4 core only: no profile-aware validator runs here (docs/law-and-guidance.md §12).
PATIENT_PROFILES = {
    "SE": "http://hl7.se/fhir/StructureDefinition/SEBasePatient",
    "NO": "http://hl7.no/fhir/StructureDefinition/no-basis-Patient",
}


def national_identifier(number: NationalId) -> dict:
    """A national identity number as its country's identifier: a samordningsnummer adds 60
    to the day of birth (Skatteverket), a D-nummer 4 to the first digit (Skatteetaten)."""
    if number.country == "NO":
        system = D_NUMMER if int(number.number[0]) >= 4 else FODSELSNUMMER
    else:
        system = SAMORDNINGSNUMMER if int(number.number[6:8]) > 60 else PERSONNUMMER
    return {"use": "official", "system": system, "value": number.number}


def patient(user: User, *, with_number: bool) -> dict:
    """A patient, with their national identity number when one is recorded and the reader
    may see it (access.categories.national_id_shown); `user.country` (annotated by the
    caller) names the profile."""
    number = user.get_national_id() if with_number else None
    found = {
        "resourceType": "Patient",
        "id": str(user.pk),
        "meta": {"profile": [PATIENT_PROFILES[getattr(user, "country", None) or "SE"]]},
        "identifier": [
            *([national_identifier(number)] if number else []),
            {"system": f"{STEGVIS}/patient", "value": str(user.pk)},
        ],
        "active": user.is_active,
        "name": [
            {
                "use": "official",
                "family": user.family_name or "-",
                "given": [user.given_name] if user.given_name else [],
            }
        ],
        "telecom": [{"system": "email", "value": user.email}] if user.email else [],
        "communication": [
            {
                "language": {
                    "coding": [{"system": "urn:ietf:bcp:47", "code": user.preferred_language}]
                },
                "preferred": True,
            }
        ],
    }
    if user.birth_date:
        found["birthDate"] = day(user.birth_date)
    if getattr(user, "sex", "") in ("female", "male"):
        found["gender"] = user.sex
    if not found["name"][0]["given"]:  # FHIR JSON has no empty arrays
        del found["name"][0]["given"]
    if not found["telecom"]:
        del found["telecom"]
    return found


# A case's status as an EpisodeOfCare's: open cases are active, a closed case finished.
EPISODE_STATUS = {
    CaseStatus.CLOSED: "finished",
}


def episode_of_care(case: Case) -> dict:
    period = {"start": day(case.sick_from or case.opened_on)}
    if case.status == CaseStatus.CLOSED and case.closed_on:
        period["end"] = day(case.closed_on)
    return {
        "resourceType": "EpisodeOfCare",
        "id": str(case.pk),
        "identifier": [{"system": f"{STEGVIS}/case", "value": str(case.pk)}],
        "status": EPISODE_STATUS.get(case.status, "active"),
        "type": [
            {
                "coding": [
                    {
                        "system": f"{STEGVIS}/CodeSystem/episode-type",
                        "code": "sick-leave",
                        "display": "Sick leave and return to work",
                    }
                ]
            }
        ],
        "patient": {"reference": f"Patient/{case.patient_id}"},
        "managingOrganization": {"display": case.organisation.name},
        "period": period,
    }


def condition(case: Case, code: str, system: str, text: str, recorded: datetime) -> dict:
    return {
        "resourceType": "Condition",
        "id": f"{case.pk}-{code}".replace(".", "-"),
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": "active" if case.status != CaseStatus.CLOSED else "resolved",
                }
            ]
        },
        "verificationStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                    "code": "confirmed",
                }
            ]
        },
        "code": {"coding": [{"system": system, "code": code}], "text": text or code},
        "subject": {"reference": f"Patient/{case.patient_id}"},
        "recordedDate": instant(recorded),
        "evidence": [{"detail": [{"reference": f"EpisodeOfCare/{case.pk}"}]}],
    }


def outcome(severity: str, code: str, text: str, expression: list[str] = ()) -> dict:
    issue = {"severity": severity, "code": code, "diagnostics": text}
    if expression:
        issue["expression"] = list(expression)
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def bundle(kind: str, entries: list[dict], base: str, total: int | None = None, links=()) -> dict:
    found = {"resourceType": "Bundle", "type": kind}
    if total is not None:
        found["total"] = total
    if links:
        found["link"] = [{"relation": rel, "url": url} for rel, url in links]
    if entries:  # FHIR JSON has no empty arrays
        found["entry"] = [
            {"fullUrl": f"{base}{e['resourceType']}/{e['id']}", "resource": e,
             **({"search": {"mode": "match"}} if kind == "searchset" else {})}
            for e in entries
        ]  # fmt: skip
    return found


# A plan action's status as a CarePlan activity's.
ACTIVITY_STATUS = {"open": "not-started", "done": "completed", "dropped": "cancelled"}


def care_plan(case: Case, plan) -> dict:
    """The patient's return-to-work plan: goals as contained Goals, actions as activities."""
    content = plan.content or {}
    goals = [
        {
            "resourceType": "Goal",
            "id": f"goal-{index}",
            "lifecycleStatus": "active",
            "description": {"text": text},
            "subject": {"reference": f"Patient/{case.patient_id}"},
        }
        for index, text in enumerate(content.get("goals", []))
    ]
    return care_plan_of(
        "rtw-plan",
        "Return-to-work plan",
        str(plan.pk),
        case.patient_id,
        "completed" if case.status == CaseStatus.CLOSED else "active",
        plan.updated_at,
        identifier=[{"system": f"{STEGVIS}/rtw-plan", "value": str(plan.pk)}],
        period={"start": day(case.sick_from or case.opened_on)},
        contained=goals,
        goal=[{"reference": f"#{goal['id']}"} for goal in goals],
        activity=[
            {
                "detail": compact(
                    {
                        "status": ACTIVITY_STATUS.get(action.get("status"), "unknown"),
                        "description": action["text"],
                        "scheduledPeriod": {"end": action["due_on"]}
                        if action.get("due_on")
                        else {},
                    }
                )
            }
            for action in content.get("actions", [])
        ],
    )


def care_plan_of(
    kind: str, title: str, plan_id: str, patient_id, status: str, updated, **more
) -> dict:
    """A CarePlan of one of Stegvis's kinds (rtw-plan, employer-plan, sip, mmr-program)."""
    return compact(
        {
            "resourceType": "CarePlan",
            "id": plan_id,
            "meta": _meta(updated),
            "status": status,
            "intent": "plan",
            "category": [
                {
                    "coding": [
                        {
                            "system": f"{STEGVIS}/CodeSystem/care-plan-category",
                            "code": kind,
                            "display": title,
                        }
                    ]
                }
            ],
            "title": title,
            "subject": {"reference": f"Patient/{patient_id}"},
            **more,
        }
    )


def care_team(patient: User, members) -> dict:
    """The patient's network: those who are in it now, each with their role and since when."""
    found = {
        "resourceType": "CareTeam",
        "id": f"network-{patient.pk}",
        "status": "active",
        "name": "Network",
        "subject": {"reference": f"Patient/{patient.pk}"},
        "participant": [
            {
                "role": [{"text": str(member.role_title)}],
                "member": {"display": str(member.user or member.invited_name)},
                "onBehalfOf": {"display": member.organisation.name},
                "period": {"start": instant(member.responded_at or member.created_at)},
            }
            for member in members
        ],
    }
    if not found["participant"]:
        del found["participant"]
    return found


def consent(item) -> dict:
    """A consent the patient gave a member of their network: one category of their data,
    for one purpose, until it ends or is withdrawn."""
    period = {"start": instant(item.granted_at)}
    if item.ends_on:
        period["end"] = day(item.ends_on)
    active = item.withdrawn_at is None and (
        item.ends_on is None or item.ends_on >= timezone.localdate()
    )
    return {
        "resourceType": "Consent",
        "id": str(item.pk),
        "status": "active" if active else "inactive",
        "scope": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/consentscope",
                    "code": "patient-privacy",
                }
            ]
        },
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
        "patient": {"reference": f"Patient/{item.patient_id}"},
        "dateTime": instant(item.granted_at),
        "policyRule": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}
            ]
        },
        "provision": {
            "type": "permit",
            "period": period,
            "actor": [
                {
                    "role": {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                                "code": "IRCP",
                            }
                        ]
                    },
                    "reference": {"display": str(item.member.user or item.member.invited_name)},
                }
            ],
            "purpose": [{"system": f"{STEGVIS}/CodeSystem/purpose", "code": item.purpose}],
            "code": [
                {
                    "coding": [
                        {"system": f"{STEGVIS}/CodeSystem/data-category", "code": item.category}
                    ]
                }
            ],
        },
    }


# A meeting's status as an Appointment's.
APPOINTMENT_STATUS = {"planned": "booked", "held": "fulfilled", "cancelled": "cancelled"}


def appointment(meeting, participants) -> dict:
    """A meeting about the case (avstämningsmöte, SIP, dialogmøte): its time, place and
    who is asked to come; the patient is always among them."""
    from datetime import timedelta

    end = meeting.starts_at + timedelta(minutes=meeting.duration_minutes)
    people = [
        {
            "actor": {"reference": f"Patient/{meeting.case.patient_id}"},
            "required": "required",
            "status": "accepted",
        }
    ] + [
        {"actor": {"display": str(p.user)}, "required": "required", "status": "needs-action"}
        for p in participants
        if p.user_id != meeting.case.patient_id
    ]
    found = {
        "resourceType": "Appointment",
        "id": str(meeting.pk),
        "status": APPOINTMENT_STATUS.get(meeting.status, "booked"),
        "appointmentType": {"text": meeting.kind},
        "description": meeting.kind,
        "start": instant(meeting.starts_at),
        "end": instant(end),
        "minutesDuration": meeting.duration_minutes,
        "supportingInformation": [{"reference": f"EpisodeOfCare/{meeting.case_id}"}],
        "participant": people,
    }
    if meeting.place:
        found["comment"] = meeting.place
    return found
