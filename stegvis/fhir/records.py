"""The rest of a patient's record as FHIR R4 resources: check-ins and scores (Observation),
questionnaires and their answers, tasks, messages, the patient's own access log, the PDFs,
and the plans beside the return-to-work plan (the employer's, a SIP, an MMR program)."""

from django.utils.translation import get_language

from stegvis.fhir.resources import STEGVIS, care_plan_of, compact, day, instant

OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
UCUM = "http://unitsofmeasure.org"
# Check-in answers as components: each is the patient's own 0–10 rating; pain is the LOINC
# numeric rating scale, the others Stegvis's own codes (no LOINC code fits a one-tap rating).
CHECKIN_MEASURES = ("mood", "energy", "pain", "sleep", "stress", "work_ability")
LOINC_PAIN_NRS = ("http://loinc.org", "72514-3")
# Questionnaire totals with a LOINC code (the others by Stegvis's instrument code).
LOINC_TOTALS = {"phq9": "44261-6", "gad7": "70274-6"}


def _coding(system: str, code: str, display: str = "") -> dict:
    return compact({"system": system, "code": code, "display": display})


def _survey(observation_id: str, patient_id, at, code: dict, **more) -> dict:
    """An Observation the patient reported (a survey), at `at`."""
    return compact(
        {
            "resourceType": "Observation",
            "id": observation_id,
            "meta": {"lastUpdated": instant(at)},
            "status": "final",
            "category": [{"coding": [_coding(OBSERVATION_CATEGORY, "survey")]}],
            "code": code,
            "subject": {"reference": f"Patient/{patient_id}"},
            "effectiveDateTime": instant(at),
            **more,
        }
    )


def checkin_observation(checkin) -> dict:
    """A check-in: one Observation, each answer a component (an untouched one is absent)."""
    components = []
    for measure in CHECKIN_MEASURES:
        value = getattr(checkin, measure)
        if value is None:
            continue
        system, code = (
            LOINC_PAIN_NRS if measure == "pain" else (f"{STEGVIS}/CodeSystem/check-in", measure)
        )
        components.append({"code": {"coding": [_coding(system, code)]}, "valueInteger": value})
    if checkin.hours_worked is not None:
        components.append(
            {
                "code": {"coding": [_coding(f"{STEGVIS}/CodeSystem/check-in", "hours_worked")]},
                "valueQuantity": {
                    "value": float(checkin.hours_worked),
                    "unit": "h",
                    "system": UCUM,
                    "code": "h",
                },
            }
        )
    return _survey(
        f"checkin-{checkin.pk}",
        checkin.patient_id,
        checkin.submitted_at,
        {"coding": [_coding(f"{STEGVIS}/CodeSystem/observation", "check-in", "Check-in")]},
        component=components,
        note=[{"text": checkin.note}] if checkin.note else [],
    )


def _instrument_coding(code: str, name: str) -> list[dict]:
    codings = [_coding(f"{STEGVIS}/CodeSystem/instrument", code, name)]
    if code in LOINC_TOTALS:
        codings.insert(0, _coding("http://loinc.org", LOINC_TOTALS[code]))
    return codings


def score_observation(administration) -> dict:
    """A questionnaire's total, derived from the answers."""
    definition = administration.definition
    total = administration.total
    value = (
        {"valueInteger": int(total)}
        if float(total).is_integer()
        else {"valueQuantity": {"value": round(total, 2)}}
    )
    return _survey(
        f"score-{administration.pk}",
        administration.patient_id,
        administration.completed_at,
        {
            "coding": _instrument_coding(definition.code, definition.name),
            "text": f"{definition.name} total",
        },
        **value,
        interpretation=[{"text": administration.band_label}] if administration.band_label else [],
        derivedFrom=[{"reference": f"QuestionnaireResponse/{administration.pk}"}],
    )


def questionnaire_id(definition) -> str:
    return f"{definition.code}-{definition.version}".replace("_", "-")


def questionnaire(definition) -> dict:
    """An instrument's items in the reader's language: a choice item lists its options, a
    rating scale is an integer item with its range in words."""

    def item(entry) -> dict:
        found = {"linkId": entry.key, "text": str(entry.text), "required": True}
        if entry.options:
            found["type"] = "choice"
            found["answerOption"] = [
                {"valueCoding": _coding(f"{STEGVIS}/CodeSystem/answer", str(o.value), o.label)}
                for o in entry.options
            ]
        else:
            found["type"] = "integer"
            words = " – ".join(filter(None, (str(entry.low), str(entry.high))))
            found["prefix"] = f"{entry.minimum}–{entry.maximum}"
            if words:
                found["text"] = f"{found['text']} ({words})"
        return found

    return compact(
        {
            "resourceType": "Questionnaire",
            "id": questionnaire_id(definition),
            "url": f"{STEGVIS}/Questionnaire/{definition.code}",
            "version": definition.version,
            "name": definition.code.upper(),
            "title": f"{definition.name}: {definition.title}",
            "status": "active",
            "language": get_language() or "sv",
            "date": day(definition.valid_from),
            "description": str(definition.intro),
            "copyright": str(definition.licence_note),
            "code": _instrument_coding(definition.code, definition.name),
            "item": [item(entry) for entry in definition.items],
        }
    )


def questionnaire_response(administration) -> dict:
    definition = administration.definition
    by_number = {item.key: item for item in definition.items}
    answered = []
    for key, value in sorted(administration.answers.items(), key=lambda kv: int(kv[0])):
        item = by_number.get(key)
        if item is None or value is None:
            continue
        answer = (
            {"valueCoding": _coding(f"{STEGVIS}/CodeSystem/answer", str(value))}
            if item.options
            else {"valueInteger": int(value)}
        )
        activity = administration.activity_names.get(key, "")
        answered.append(
            compact({"linkId": key, "text": activity or str(item.text), "answer": [answer]})
        )
    return compact(
        {
            "resourceType": "QuestionnaireResponse",
            "id": str(administration.pk),
            "meta": {"lastUpdated": instant(administration.completed_at)},
            "identifier": {"system": f"{STEGVIS}/administration", "value": str(administration.pk)},
            "questionnaire": f"{STEGVIS}/Questionnaire/{definition.code}|{definition.version}",
            "status": "completed",
            "subject": {"reference": f"Patient/{administration.patient_id}"},
            "authored": instant(administration.completed_at),
            "item": answered,
        }
    )


TASK_STATUS = {"open": "requested", "done": "completed"}


def task(item) -> dict:
    """A task on the case (from a deadline, a meeting's decision, or set by hand)."""
    return compact(
        {
            "resourceType": "Task",
            "id": str(item.pk),
            "meta": {"lastUpdated": instant(item.completed_at or item.created_at)},
            "status": TASK_STATUS.get(item.status, "requested"),
            "intent": "order",
            "description": item.display_title(),
            "for": {"reference": f"Patient/{item.case.patient_id}"},
            "focus": {"reference": f"EpisodeOfCare/{item.case_id}"},
            "authoredOn": instant(item.created_at),
            "lastModified": instant(item.completed_at or item.created_at),
            "owner": {"display": str(item.assignee)},
            "restriction": {"period": {"end": day(item.due_on)}} if item.due_on else {},
        }
    )


def communication(message) -> dict:
    """A message in a thread about the patient, as sent."""
    return {
        "resourceType": "Communication",
        "id": str(message.pk),
        "meta": {"lastUpdated": instant(message.created_at)},
        "status": "completed",
        "subject": {"reference": f"Patient/{message.thread.patient_id}"},
        "topic": {"text": message.thread.subject},
        "sent": instant(message.created_at),
        "sender": {"display": str(message.author)},
        "payload": [{"contentString": message.body}],
    }


# An access's action as an AuditEvent's: a view or export is a read; "shared with them"
# (someone else made it reachable) has no CRUD verb, so it is an "execute".
AUDIT_ACTION = {
    "view": "R",
    "export": "R",
    "create": "C",
    "update": "U",
    "delete": "D",
    "share": "E",
}
AUDIT_OUTCOME = {"allowed": "0", "denied": "4"}


def audit_event(event) -> dict:
    """One line of the patient's own access log: who, in which role, what, and why."""
    who = compact(
        {
            "who": {"display": str(event.actor) if event.actor_id else "Stegvis"},
            "requestor": True,
            "role": [{"text": event.actor_role}] if event.actor_role else [],
            "network": {"address": event.client_address, "type": "2"}
            if event.client_address
            else {},
        }
    )
    return compact(
        {
            "resourceType": "AuditEvent",
            "id": f"access-{event.pk}",
            "type": _coding("http://terminology.hl7.org/CodeSystem/audit-event-type", "rest"),
            "action": AUDIT_ACTION.get(event.action, "E"),
            "recorded": instant(event.occurred_at),
            "outcome": AUDIT_OUTCOME.get(event.outcome, "4"),
            "purposeOfEvent": [{"text": event.basis}] if event.basis else [],
            "agent": [who],
            "source": {"observer": {"display": "Stegvis"}},
            "entity": [
                {
                    "what": {"reference": f"Patient/{event.patient_id}"},
                    "description": f"{event.category}: {event.object_type}",
                }
            ],
        }
    )


def document_reference(plan, kind: str, title: str, url: str, related: str) -> dict:
    """A PDF Stegvis makes of a plan, fetched through the same door as its page."""
    updated = plan.updated_at
    return {
        "resourceType": "DocumentReference",
        "id": f"{kind}-{plan.pk}",
        "meta": {"lastUpdated": instant(updated)},
        "status": "current",
        "type": {"coding": [_coding(f"{STEGVIS}/CodeSystem/document", kind)], "text": title},
        "subject": {"reference": f"Patient/{plan.case.patient_id}"},
        "date": instant(updated),
        "content": [
            {"attachment": {"contentType": "application/pdf", "url": url, "title": f"{kind}.pdf"}}
        ],
        "context": {"related": [{"reference": related}]},
    }


def employer_care_plan(plan, rules) -> dict:
    """The employer's plan for return to work: each point of the country's list the
    employer answered, as an activity. Capacity-level: nothing about health."""
    activities = [
        {"detail": {"status": "in-progress", "description": f"{point.text} {answer}".strip()}}
        for point in rules.points
        if (answer := str(plan.answers.get(point.code, "")).strip())
    ]
    return care_plan_of(
        "employer-plan",
        str(rules.title),
        f"employer-{plan.pk}",
        plan.case.patient_id,
        "completed" if plan.completed_at else "active",
        plan.updated_at,
        period={"start": day(plan.case.sick_from or plan.case.opened_on)},
        activity=activities,
        note=[{"text": f"{rules.legal_reference}"}],
    )


def sip_care_plan(meeting) -> dict:
    """A coordinated individual plan (SIP): each measure and who provides it."""
    sip = meeting.sip_plan or {}
    activities = [
        {
            "detail": compact(
                {
                    "status": "scheduled",
                    "description": measure["text"],
                    "performer": [{"display": measure.get("provider_name") or measure["provider"]}],
                }
            )
        }
        for measure in sip.get("measures", [])
    ]
    return care_plan_of(
        "sip",
        "SIP",
        f"sip-{meeting.pk}",
        meeting.case.patient_id,
        "active",
        meeting.held_at or meeting.created_at,
        period={"start": instant(meeting.starts_at)},
        author={"display": sip.get("responsible_authority", "")} if sip else {},
        supportingInfo=[{"reference": f"Appointment/{meeting.pk}"}],
        activity=activities,
    )


def program_care_plan(referral, goals) -> dict:
    """A multimodal rehabilitation program the patient takes part in, with the goals they
    set with the team (in their own words, with a measure)."""
    cohort = referral.cohort
    contained = [
        compact(
            {
                "resourceType": "Goal",
                "id": f"goal-{index}",
                "lifecycleStatus": "completed" if goal.status == "reached" else "active",
                "description": {"text": goal.text},
                "subject": {"reference": f"Patient/{referral.patient_id}"},
                "target": [
                    compact(
                        {
                            # R4 gol-1: a target with a detail names its measure.
                            "measure": {"text": goal.measure or goal.text},
                            "detailQuantity": {"value": float(goal.target)},
                        }
                    )
                ]
                if goal.target is not None
                else [],
            }
        )
        for index, goal in enumerate(goals)
    ]
    end = cohort.ended_on or cohort.planned_end_on
    return care_plan_of(
        "mmr-program",
        cohort.name,
        f"mmr-{referral.pk}",
        referral.patient_id,
        "completed" if cohort.ended_on else "active",
        referral.decided_at,
        period={"start": day(cohort.starts_on), "end": day(end)},
        careTeam=[{"display": referral.team.name}],
        contained=contained,
        goal=[{"reference": f"#{goal['id']}"} for goal in contained],
        supportingInfo=[{"reference": f"EpisodeOfCare/{referral.case_id}"}],
    )
