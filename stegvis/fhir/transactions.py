"""POST /fhir/: a transaction Bundle from another system, written whole or not at all."""

from django.http import HttpRequest, HttpResponse

from stegvis.fhir.http import answer, base_url, fhir_view
from stegvis.fhir.importing import Problem, apply, read_bundle


@fhir_view(methods=("POST",))
def transaction(request: HttpRequest) -> HttpResponse:
    try:
        entries = apply(request.user, read_bundle(request.body))
    except Problem as problem:
        issues = [
            {"severity": "error", "code": problem.code, "diagnostics": why, "expression": [where]}
            for where, why in problem.issues
        ]
        return answer({"resourceType": "OperationOutcome", "issue": issues}, problem.status)
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
