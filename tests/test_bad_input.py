"""The bad-input table: every API operation, and the FHIR import (POST /fhir/), is sent
oversized, deeply nested, NUL-bearing, wrong-typed and over-long input by each persona who
may get past its door, and answers a 4xx in its error shape (the API's JSON error, FHIR's
OperationOutcome), never a 500 (on SQLite and on PostgreSQL, where a NUL byte or an
over-long text once reached the database and failed there).

Bodies are made from the OpenAPI document (the import's: stegvis/fhir/openapi.py): a valid
example of the request schema, then one field at a time made bad, so that a field checked
early cannot hide one that is not.
"""

import copy
import json
import uuid

import pytest
from django.conf import settings
from django.utils import timezone

from stegvis.api import api
from stegvis.fhir.openapi import transaction_document
from tests.support import SIP_PLAN, complete_body, import_bundle, import_examples
from tests.world import url_for

DOCUMENT = api.get_openapi_schema()
COMPONENTS = DOCUMENT["components"]["schemas"]
OPERATIONS = {
    f"{method.upper()} {path.removeprefix('/api/v1')}": (method, operation)
    for path, operations in DOCUMENT["paths"].items()
    for method, operation in operations.items()
}
ACTORS = ("patient", "treating_physician", "coordinator", "employer")
NUL = "Hej\x00då"
OVER_LONG = "x" * 100_001
# Bodies the schema alone cannot make valid (a rule between fields, a legal minimum).
VALID = {
    "POST /cases/{case_id}/certificates": complete_body(),
    "PATCH /certificates/{certificate_id}": {**complete_body(), "revision": 1},
    "PUT /meetings/{meeting_id}/sip-plan": {"revision": 1, "plan": SIP_PLAN},
    "POST /cases/{case_id}/plan/proposals": {"section": "goals", "value": ["Tillbaka"]},
}


def _resolve(schema: dict) -> dict:
    while "$ref" in schema:
        schema = COMPONENTS[schema["$ref"].rsplit("/", 1)[-1]]
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return _resolve(schema["allOf"][0])
    return schema


def _example(schema: dict):
    """A value the schema accepts (the first choice of each enum and union)."""
    schema = _resolve(schema)
    if "anyOf" in schema:
        choices = [s for s in schema["anyOf"] if _resolve(s).get("type") != "null"]
        return _example(choices[0]) if choices else None
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema and schema.get("type") != "object":
        return schema["default"]
    kind = schema.get("type")
    if kind == "object":
        return {name: _example(sub) for name, sub in schema.get("properties", {}).items()}
    if kind == "array":
        # One item, so that its fields are tried too; but no made-up ids of people.
        item = _resolve(schema["items"])
        return [] if item.get("format") == "uuid" else [_example(item)]
    if kind == "string":
        return {
            "uuid": str(uuid.uuid4()),
            "date": timezone.localdate().isoformat(),
            "date-time": timezone.now().isoformat(),
            "email": "someone@example.org",
        }.get(schema.get("format"), "Hej")
    if kind in ("integer", "number"):
        return max(schema.get("minimum", 1), 1)
    if kind == "boolean":
        return True
    return None


def _free_text_paths(schema: dict, value, path=()):
    """Where in `value` a person could type text: strings without a format or an enum."""
    schema = _resolve(schema)
    if "anyOf" in schema:
        for choice in schema["anyOf"]:
            if _resolve(choice).get("type") not in (None, "null"):
                yield from _free_text_paths(choice, value, path)
                return
        return
    kind = schema.get("type")
    if kind == "string" and "enum" not in schema and "format" not in schema:
        yield path
    elif kind == "object" and isinstance(value, dict):
        for name, sub in schema.get("properties", {}).items():
            yield from _free_text_paths(sub, value.get(name), (*path, name))
    elif kind == "array" and isinstance(value, list) and value:
        yield from _free_text_paths(schema["items"], value[0], (*path, 0))


def _with(value, path, new):
    changed = copy.deepcopy(value)
    target = changed
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = new
    return changed


def _bad_bodies(route: str, operation: dict):
    """(what is bad, raw body, must it be refused) for one operation."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    # An operation that takes no body may ignore one; it must still not fail on it.
    has_body = content is not None or route.startswith("POST /instruments/")
    yield "deeply nested", "[" * 100_000, has_body
    yield "oversized", json.dumps({"text": "x" * (limit + 10)}), has_body
    if content is None:
        return
    schema = content["schema"]
    body = VALID.get(route) or _example(schema)
    yield "valid example", json.dumps(body), False
    for path in _free_text_paths(schema, body):
        yield f"NUL in {path}", json.dumps(_with(body, path, NUL)), True
        yield f"over-long {path}", json.dumps(_with(body, path, OVER_LONG)), True
    for name, sub in _resolve(schema).get("properties", {}).items():
        yield f"wrong type for {name}", json.dumps({**body, name: {"a": [1]}}), True
        if _resolve(sub).get("type") == "integer" or "integer" in json.dumps(sub):
            # Past any database's integers: never an overflow in the query. (A write that
            # changes nothing may still answer 200: there is nothing to refuse.)
            yield f"huge {name}", json.dumps({**body, name: 10**30}), False


def _query_strings(operation: dict):
    names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
    for name in names:
        yield f"NUL in ?{name}", f"?{name}=a%00b"
        yield f"over-long ?{name}", f"?{name}={'x' * 5000}"
        yield f"huge ?{name}", f"?{name}={'9' * 40}"


def _path_parameters(operation: dict) -> list[str]:
    return [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]


def _is_error_shape(response) -> bool:
    try:
        data = response.json()
    except ValueError:
        return False
    return isinstance(data, dict) and {"code", "message"} <= set(data)


@pytest.mark.parametrize("route", sorted(OPERATIONS))
def test_bad_input_answers_4xx_in_the_json_shape_never_500(client, personas, world, route):
    method, operation = OPERATIONS[route]
    url = url_for(route, world)
    problems = []
    for actor in ACTORS:
        client.force_login(personas.get(actor))
        requests = [(what, url, raw, refuse) for what, raw, refuse in _bad_bodies(route, operation)]
        if method == "get":
            requests = [
                (what, url + query, None, False) for what, query in _query_strings(operation)
            ]
        for name in _path_parameters(operation):
            requests.append(
                (f"NUL in {{{name}}}", url_for(route, {**world, name: "a%00"}), "{}", False)
            )
        for what, target, raw, must_refuse in requests:
            call = getattr(client, method)
            headers = {"HTTP_IF_MATCH": "*"}
            if raw is None or method == "get":
                response = call(target, **headers)
            else:
                response = call(target, raw, content_type="application/json", **headers)
            status = response.status_code
            if status >= 500:
                problems.append(f"{actor}, {what}: {status}")
            elif status >= 400 and not _is_error_shape(response):
                problems.append(f"{actor}, {what}: {status} not in the JSON error shape")
            elif must_refuse and status < 400:
                problems.append(f"{actor}, {what}: accepted with {status}")
        client.logout()
    assert not problems, "\n".join(problems)


FHIR_SCHEMAS = transaction_document()["components"]["schemas"]
# Past the ends of the calendar in another time zone (a local date there is out of range).
CALENDAR_ENDS = ("9999-12-31T23:30:00-05:00", "0001-01-01T00:30:00+05:00")


def _inlined(schema):
    """The import's schema with each reference replaced by what it names, for the walkers
    above (which resolve the API's own references)."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            return _inlined(FHIR_SCHEMAS[schema["$ref"].rsplit("/", 1)[-1]])
        return {key: _inlined(value) for key, value in schema.items()}
    if isinstance(schema, list):
        return [_inlined(item) for item in schema]
    return schema


def _fhir_bad_bodies(examples: dict):
    """(what is bad, raw body, must it be refused) for the import: the Bundle's own
    elements, then each resource type's, one at a time."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    yield "deeply nested", "[" * 100_000, True
    yield "oversized", json.dumps({"text": "x" * (limit + 10)}), True
    bundle_schema = _inlined(FHIR_SCHEMAS["TransactionBundle"])
    bundle = import_bundle(examples["Observation"])
    for path in _free_text_paths(bundle_schema, bundle):
        yield f"NUL in {path}", json.dumps(_with(bundle, path, NUL)), True
        yield f"over-long {path}", json.dumps(_with(bundle, path, OVER_LONG)), True
    for name in ("resourceType", "type", "entry"):
        yield f"wrong type for {name}", json.dumps({**bundle, name: {"a": [1]}}), True
    for path in [("entry", 0, "request"), ("entry", 0, "resource", "resourceType")]:
        yield f"wrong type for {path}", json.dumps(_with(bundle, path, ["POST"])), True
        yield f"text for {path}", json.dumps(_with(bundle, path, "POST")), True
    for kind, resource in examples.items():
        yield f"valid {kind}", json.dumps(import_bundle(resource)), False
        schema = _inlined(FHIR_SCHEMAS[f"{kind}In"])
        for path in _free_text_paths(schema, resource):
            for what, bad in (("NUL", NUL), ("over-long", OVER_LONG)):
                changed = _with(resource, path, bad)
                yield f"{what} in {kind} {path}", json.dumps(import_bundle(changed)), True
        for name, sub in schema["properties"].items():
            changed = {**resource, name: {"a": [1]}}
            yield f"wrong type for {kind}.{name}", json.dumps(import_bundle(changed)), True
            if "integer" in json.dumps(sub):
                changed = {**resource, name: 10**30}
                yield f"huge {kind}.{name}", json.dumps(import_bundle(changed)), True
            if "date-time" in json.dumps(sub):
                for moment in CALENDAR_ENDS:
                    changed = {**resource, name: moment}
                    yield f"{moment} in {kind}.{name}", json.dumps(import_bundle(changed)), True


def _is_operation_outcome(response) -> bool:
    try:
        data = response.json()
    except ValueError:
        return False
    return data.get("resourceType") == "OperationOutcome" and bool(data.get("issue"))


def test_bad_input_to_the_fhir_import_answers_4xx_as_an_operation_outcome_never_500(
    client, personas, case
):
    examples = import_examples(personas.patient, case)
    # A 500 is listed with the rest, not raised: the table shows every one at once.
    client.raise_request_exception = False
    problems = []
    for actor in ACTORS:
        client.force_login(personas.get(actor))
        for what, raw, must_refuse in _fhir_bad_bodies(examples):
            response = client.post("/fhir/", raw, content_type="application/fhir+json")
            status = response.status_code
            if status >= 500:
                problems.append(f"{actor}, {what}: {status}")
            elif status >= 400 and not _is_operation_outcome(response):
                problems.append(f"{actor}, {what}: {status} not an OperationOutcome")
            elif must_refuse and status < 400:
                problems.append(f"{actor}, {what}: accepted with {status}")
        client.logout()
    assert not problems, "\n".join(problems)
