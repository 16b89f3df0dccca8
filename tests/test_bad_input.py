"""The bad-input table: every API operation is sent oversized, deeply nested, NUL-bearing,
wrong-typed and over-long input by each persona who may get past its door, and answers a
4xx in the JSON error shape, never a 500 (on SQLite and on PostgreSQL, where a NUL byte or
an over-long text once reached the database and failed there).

Bodies are made from the OpenAPI document: a valid example of the request schema, then
one field at a time made bad, so that a field checked early cannot hide one that is not.
"""

import copy
import json
import uuid

import pytest
from django.conf import settings
from django.utils import timezone

from stegvis.api import api
from tests.support import SIP_PLAN, complete_body
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
