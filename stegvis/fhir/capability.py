"""What the FHIR API offers, as a CapabilityStatement (R4)."""

from django.utils import timezone

from stegvis.fhir.kinds import SEARCHABLE, kinds_of
from stegvis.fhir.resources import FHIR_VERSION


def offered() -> list[tuple[str, list[str], list[tuple[str, str]]]]:
    """(resource type, interactions, search parameters), from what the API reads."""
    found = [
        (
            "Patient",
            ["read", "search-type"],
            # identifier: the personnummer's or fødselsnummer's system and number
            [("identifier", "token"), ("name", "string"), ("_count", "number")],
        ),
        ("Questionnaire", ["read", "search-type"], [("url", "uri"), ("_count", "number")]),
    ]
    for resource in SEARCHABLE:
        kinds = kinds_of(resource)
        params = [("patient", "reference"), ("_count", "number")]
        if all(kind.updated for kind in kinds):
            params.append(("_lastUpdated", "date"))
        found.append((resource, ["read", "search-type"], params))
    return found


def search_params(resource: str) -> set[str]:
    """The search parameters offered for `resource`, as the statement lists them."""
    return {
        name for offered_type, _interactions, params in offered() if offered_type == resource
        for name, _type in params
    }  # fmt: skip


def capability_statement(base: str, security: dict) -> dict:
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
                "interaction": [{"code": "transaction"}],
                "operation": [
                    {
                        "name": "everything",
                        "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
                    },
                    {
                        "name": "export",
                        "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export",
                    },
                ],
                "security": security,
                "resource": [
                    {
                        "type": kind,
                        "interaction": [{"code": code} for code in interactions],
                        "searchParam": [{"name": name, "type": kind_} for name, kind_ in params],
                    }
                    for kind, interactions, params in offered()
                ],
            }
        ],
    }
