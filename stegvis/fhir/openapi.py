"""An OpenAPI description of the import, POST /fhir/ (a transaction Bundle in; a
transaction-response Bundle or an OperationOutcome out), made from the models the import
checks with, so that it says what the import accepts: schemathesis fuzzes the import
with it as it fuzzes /api/v1/ (scripts/api_fuzz.py), and the bad-input table makes its
bodies from it (tests/test_bad_input.py). The FHIR endpoint is a plain Django view, so
no framework describes it."""

from stegvis.fhir.http import CONTENT_TYPE
from stegvis.fhir.importing import BundleIn

MEDIA_TYPE = CONTENT_TYPE.split(";", 1)[0]
REF = "#/components/schemas/{model}"
# Every refusal the import answers, each as an OperationOutcome.
ERROR_STATUSES = {
    "400": "Not JSON, or not a Bundle.",
    "401": "No session and no valid token.",
    "403": "A read-only token, or a write by session without its CSRF token.",
    "404": "No such patient or case, or not one you may write for.",
    "409": "Sent before under this identifier, and not to be changed so.",
    "413": "The request is too large.",
    "422": "A bad element, named by its path in the Bundle.",
}
TRANSACTION_RESPONSE = {
    "type": "object",
    "required": ["resourceType", "type", "entry"],
    "properties": {
        "resourceType": {"const": "Bundle"},
        "type": {"const": "transaction-response"},
        "entry": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["response"],
                "properties": {
                    "response": {
                        "type": "object",
                        "required": ["status", "location"],
                        "properties": {
                            "status": {"enum": ["200 OK", "201 Created"]},
                            "location": {"type": "string"},
                            "outcome": {
                                "type": "object",
                                "description": "Only when the patient's own words held words "
                                "of crisis: an OperationOutcome (severity warning, code "
                                "crisis-lines) whose details.text names the crisis lines to "
                                "show the patient now, and nothing else.",
                            },
                        },
                    }
                },
            },
        },
    },
}
OPERATION_OUTCOME = {
    "type": "object",
    "required": ["resourceType", "issue"],
    "properties": {
        "resourceType": {"const": "OperationOutcome"},
        "issue": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["severity", "code"],
                "properties": {
                    "severity": {"const": "error"},
                    "code": {"type": "string"},
                    "diagnostics": {"type": "string"},
                    "expression": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
}


def _answer(description: str, model: str) -> dict:
    schema = {"schema": {"$ref": REF.format(model=model)}}
    return {"description": description, "content": {MEDIA_TYPE: schema}}


def transaction_document(examples: dict[str, dict] | None = None) -> dict:
    """The OpenAPI 3.1 document of POST /fhir/; `examples` are Bundles to send as they
    are (schemathesis sends each, then varies them)."""
    bundle = BundleIn.model_json_schema(ref_template=REF)
    schemas = {
        **bundle.pop("$defs"),
        "TransactionBundle": bundle,
        "TransactionResponse": TRANSACTION_RESPONSE,
        "OperationOutcome": OPERATION_OUTCOME,
    }
    body = {"schema": {"$ref": REF.format(model="TransactionBundle")}}
    if examples:
        body["examples"] = {name: {"value": value} for name, value in examples.items()}
    responses = {
        "200": _answer("Every entry written, or found written before.", "TransactionResponse"),
        **{status: _answer(why, "OperationOutcome") for status, why in ERROR_STATUSES.items()},
    }
    operation = {
        "operationId": "fhir_transaction",
        "summary": "Import a transaction Bundle, written whole or not at all",
        "security": [{"TokenAuth": []}],
        "requestBody": {"required": True, "content": {MEDIA_TYPE: body}},
        "responses": responses,
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Stegvis FHIR import", "version": "1"},
        "paths": {"/fhir/": {"post": operation}},
        "components": {
            "schemas": schemas,
            "securitySchemes": {"TokenAuth": {"type": "http", "scheme": "bearer"}},
        },
    }
