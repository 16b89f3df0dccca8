"""POST /fhir/: a transaction Bundle from another system, written whole or not at all."""

from django.http import HttpRequest, HttpResponse

from stegvis.fhir.http import ITS_ENTRIES, answer, app_opens, base_url, fhir_view, problem
from stegvis.fhir.importing import Problem, apply, read_bundle
from stegvis.fhir.resources import STEGVIS

# Stegvis's own code for an outcome that carries the crisis lines.
CRISIS_SYSTEM = f"{STEGVIS}/CodeSystem/outcome"


@fhir_view(methods=("POST",), app_scope=ITS_ENTRIES)
def transaction(request: HttpRequest) -> HttpResponse:
    try:
        entries = read_bundle(request.body)
        # An entry known again by its identifier rewrites what it made: create and update.
        unopened = sorted({entry.resource.resourceType for entry in entries
                           if not app_opens(request, entry.resource.resourceType, "cu",
                                            entry.patient_id)})  # fmt: skip
        if unopened:
            why = f"The app's scopes do not open writing {', '.join(unopened)}."
            return problem(403, "forbidden", why)
        entries = apply(request.user, entries)
    except Problem as error:
        issues = [
            {"severity": "error", "code": error.code, "diagnostics": why, "expression": [where]}
            for where, why in error.issues
        ]
        return answer({"resourceType": "OperationOutcome", "issue": issues}, error.status)
    return answer(
        {
            "resourceType": "Bundle",
            "type": "transaction-response",
            "entry": [
                {
                    "response": {
                        "status": entry.result[1],
                        "location": f"{base_url(request)}{entry.resource.resourceType}/"
                        f"{_public_id(entry)}",
                        **_crisis_outcome(entry),
                    }
                }
                for entry in entries
            ],
        }
    )


def _public_id(entry) -> str:
    """The id the read API gives what the entry made (a check-in's is prefixed)."""
    prefix = "checkin-" if entry.resource.resourceType == "Observation" else ""
    return f"{prefix}{entry.result[0]}"


def _crisis_outcome(entry) -> dict:
    """Words of crisis in what the patient wrote: the app is to show these lines now and
    alone, as a page would (the care team has been told)."""
    if not entry.crisis_lines:
        return {}
    lines = "; ".join(f"{line['name']}: {line['number']}" for line in entry.crisis_lines)
    return {
        "outcome": {
            "resourceType": "OperationOutcome",
            "issue": [
                {
                    "severity": "warning",
                    "code": "informational",
                    "details": {
                        "coding": [{"system": CRISIS_SYSTEM, "code": "crisis-lines"}],
                        "text": lines,
                    },
                    "diagnostics": "The patient's words hold words of crisis: show them "
                    "these lines now, and nothing else. Their care team has been told.",
                }
            ],
        }
    }
