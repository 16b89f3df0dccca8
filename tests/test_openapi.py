"""The OpenAPI document says what the API does: one schema per name, every operation's
error answers in the JSON error shape, the Idempotency-Key header on every write."""

import pytest
from ninja import Schema

from stegvis.api import api
from tests.support import send


@pytest.fixture(scope="module")
def document():
    return api.get_openapi_schema()


def _operations(document):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            yield method, path, operation


def _schemas(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _schemas(sub)


def test_no_two_api_schemas_share_a_name():
    """Ninja names a component after its class: two classes with one name document one of
    them twice (the plan proposal's answer once showed the meeting decision)."""
    names: dict[str, str] = {}
    for cls in _schemas(Schema):
        if cls.__module__.startswith("stegvis."):
            where = f"{cls.__module__}.{cls.__qualname__}"
            assert names.setdefault(cls.__name__, where) == where, (names[cls.__name__], where)


def test_the_proposal_answer_documents_its_own_schema(document):
    operation = document["paths"]["/api/v1/plan-proposals/{proposal_id}/decision"]["post"]
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert ref.endswith("/ProposalAnswerIn")
    assert set(document["components"]["schemas"]["ProposalAnswerIn"]["properties"]) == {"accept"}


def test_every_operation_documents_its_errors_in_the_error_shape(document):
    for method, path, operation in _operations(document):
        errors = {int(s): r for s, r in operation["responses"].items() if int(s) >= 400}
        assert 422 in errors, (method, path)
        if operation.get("security"):
            assert {401, 403, 404} <= set(errors), (method, path)
        for response in errors.values():
            schema = response["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Error"}, (method, path)


def test_writes_document_the_idempotency_key_and_if_match_its_statuses(document):
    for method, path, operation in _operations(document):
        names = {p["name"] for p in operation.get("parameters", [])}
        if method != "get" and operation.get("security"):
            assert "Idempotency-Key" in names and 409 in operation["responses"], (method, path)
        if "If-Match" in names:
            assert {412, 428} <= set(operation["responses"]), (method, path)
    plan = document["paths"]["/api/v1/cases/{case_id}/plan"]["put"]
    assert "If-Match" in {p["name"] for p in plan["parameters"]}


def test_a_body_must_be_a_json_object(client, personas, case):
    """`[]` once marked a task done: ninja read the array's missing `done` as its default."""
    task = case.tasks.create(
        assignee=personas.coordinator, title="Ring", dedupe_key="manual:t", source="manual"
    )
    client.force_login(personas.coordinator)
    for body in ("[]", "[true]", "true", '"done"', "1"):
        answer = client.post(f"/api/v1/tasks/{task.pk}/done", body, content_type="application/json")
        assert (answer.status_code, answer.json()["code"]) == (400, "bad_request"), body
    task.refresh_from_db()
    assert task.status == "open"
    assert send(client, "post", f"/api/v1/tasks/{task.pk}/done", {"done": True}).status_code == 200
