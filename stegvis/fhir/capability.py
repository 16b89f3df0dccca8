"""What the FHIR API offers, as a CapabilityStatement (R4)."""

from django.utils import timezone

from stegvis.fhir.resources import FHIR_VERSION

# (resource type, interactions, search parameters)
OFFERED = [
    ("Patient", ["read", "search-type"], [("_count", "number")]),
    ("EpisodeOfCare", ["read", "search-type"], [("patient", "reference"), ("_count", "number")]),
    ("Condition", ["search-type"], [("patient", "reference"), ("_count", "number")]),
    ("CarePlan", ["read", "search-type"], [("patient", "reference"), ("_count", "number")]),
    ("CareTeam", ["search-type"], [("patient", "reference")]),
    ("Appointment", ["search-type"], [("patient", "reference"), ("_count", "number")]),
    ("Consent", ["search-type"], [("patient", "reference"), ("_count", "number")]),
]


def capability_statement(base: str) -> dict:
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": timezone.localdate().isoformat(),
        "publisher": "Stegvis",
        "kind": "instance",
        "software": {"name": "Stegvis"},
        "implementation": {"description": "Stegvis FHIR API", "url": base},
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json"],
        "rest": [
            {
                "mode": "server",
                "operation": [
                    {
                        "name": "everything",
                        "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
                    }
                ],
                "security": {
                    "description": "A session, or a personal access token as "
                    "'Authorization: Bearer'. Every read is decided by the access policy "
                    "and recorded on the patient's log."
                },
                "resource": [
                    {
                        "type": kind,
                        "interaction": [{"code": code} for code in interactions],
                        "searchParam": [{"name": name, "type": kind_} for name, kind_ in params],
                    }
                    for kind, interactions, params in OFFERED
                ],
            }
        ],
    }
