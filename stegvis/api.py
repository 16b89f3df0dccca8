"""The JSON API (django-ninja), OpenAPI at /api/v1/openapi.json. Each app adds a router."""

from functools import wraps

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from stegvis.access.api import router as access_router
from stegvis.accounts.api import router as accounts_router
from stegvis.accounts.api_auth import api_auth
from stegvis.agency.api import router as agency_router
from stegvis.cases.api import router as cases_router
from stegvis.coordination.api import router as coordination_router
from stegvis.core import idempotency
from stegvis.core.errors import FieldErrors, Incomplete, KeyReused, NotAllowed, StaleEdit
from stegvis.insights.api import router as insights_router
from stegvis.instruments.api import router as instruments_router
from stegvis.network.api import router as network_router
from stegvis.participation.api import router as participation_router
from stegvis.plans.api import router as plans_router
from stegvis.programs.api import router as programs_router

# Every error answer has this shape; each operation documents the statuses it can answer.
ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "required": ["code", "message"],
    "properties": {
        "code": {"type": "string", "description": "Stable, machine-readable"},
        "message": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "Each invalid field, for 422",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {"type": "string"}},
                    "msg": {"type": "string"},
                },
            },
        },
        "names": {"type": "array", "items": {"type": "string"}},
        "refused": {
            "type": "array",
            "description": "Each rule an agency message broke, for 422 on /agency/messages",
            "items": {
                "type": "object",
                "properties": {"rule": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}
ERRORS = {
    400: "The body is not a JSON object.",
    401: "Not signed in and no valid token.",
    403: "Your role, or the token's scope, may not do this.",
    404: "Not found, or not yours to see (the refusal is audited).",
    409: "The first request with this Idempotency-Key is still running.",
    412: "Someone saved a newer version; read it again.",
    413: "The body is larger than the upload limit.",
    422: "Not valid (each field named), refused by the data's rules, or an Idempotency-Key "
    "already used for another request.",
    428: "Send If-Match with the ETag you read.",
}
IDEMPOTENCY_KEY = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "description": "Any unique string (a UUID): a retry with the same key and body answers "
    "what the first request did, without writing again. Kept for 24 hours.",
    "schema": {"type": "string", "maxLength": 255},
}


def _error_statuses(method: str, operation: dict, components: dict) -> set[int]:
    signed_in = bool(operation.get("security"))
    parameters = {p["name"] for p in operation.get("parameters", [])}
    statuses = {422}
    if signed_in:
        statuses |= {401, 403, 404}
    if any(p["in"] == "path" for p in operation.get("parameters", [])):
        statuses.add(404)
    if method != "get":
        statuses |= {400, 413}
    if signed_in and method != "get":
        statuses.add(409)
    if "If-Match" in parameters:
        statuses |= {412, 428}
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    ref = body.get("schema", {}).get("$ref", "")
    if "revision" in components.get(ref.rsplit("/", 1)[-1], {}).get("properties", {}):
        statuses.add(412)
    return statuses


def _nul_at(value, path=()) -> tuple | None:
    """Where in a parsed body a string holds a NUL character, if anywhere."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        if "\x00" in str(key):
            return (*path, key)
        found = _nul_at(item, (*path, key))
        if found is not None:
            return found
    return None


class ObjectParser(Parser):
    """Every request body is a JSON object. Ninja would read an array's missing members as
    the schema's defaults, so `[]` would mark a task done; it answers 400 instead.
    A NUL character anywhere is noted here and refused with 422 by `refuse_nul`."""

    def parse_body(self, request):
        data = super().parse_body(request)
        if not isinstance(data, dict):
            raise ValueError("The body is not a JSON object.")
        request.nul_at = _nul_at(data)
        return data


def refuse_nul(func):
    """No text field takes a NUL character: PostgreSQL cannot store one (it answered 500)
    and no person types one. Runs after the schema's own checks, before the operation."""

    @wraps(func)
    def wrapper(request, *args, **kwargs):
        where = getattr(request, "nul_at", None)
        if where is not None:
            field = ".".join(str(part) for part in where) or "body"
            raise FieldErrors({field: ["Must not contain a NUL character."]})
        return func(request, *args, **kwargs)

    return wrapper


class StegvisAPI(NinjaAPI):
    """Ninja's OpenAPI document with each operation's error answers and, on writes, the
    Idempotency-Key header: both apply to every operation, so they are added here once."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema["components"].setdefault("schemas", {})
        components["Error"] = ERROR_SCHEMA
        error = {
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        }
        for path in schema["paths"].values():
            for method, operation in path.items():
                for status in sorted(_error_statuses(method, operation, components)):
                    operation["responses"].setdefault(
                        status, {"description": ERRORS[status], **error}
                    )
                if method != "get" and operation.get("security"):
                    operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY)
        return schema


api = StegvisAPI(
    title="Stegvis API",
    version="1",
    description="Return-to-work platform. Every call is checked by the access policy and "
    "audited. Errors are JSON objects with a stable `code`.",
    auth=api_auth,
    urls_namespace="api",
    parser=ObjectParser(),
)
# Every write may carry an `Idempotency-Key` header: a retry answers what the first did.
api.add_decorator(idempotency.api_transaction, mode="view")
api.add_decorator(idempotency.api_claim, mode="operation")
api.add_decorator(refuse_nul, mode="operation")  # outermost: before a key is claimed
api.add_router("", accounts_router)
api.add_router("", access_router)
api.add_router("", cases_router)
api.add_router("", network_router)
api.add_router("", plans_router)
api.add_router("", instruments_router)
api.add_router("", coordination_router)
api.add_router("", programs_router)
api.add_router("", participation_router)
api.add_router("", insights_router)
api.add_router("", agency_router)


def _error(request, status: int, code: str, message: str, **extra):
    return api.create_response(request, {"code": code, "message": message, **extra}, status=status)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    errors = [
        {"loc": [str(part) for part in error.get("loc", ())], "msg": error.get("msg", "")}
        for error in exc.errors
    ]
    return _error(request, 422, "validation_error", "The request is not valid.", errors=errors)


@api.exception_handler(FieldErrors)
def on_field_errors(request, exc: FieldErrors):
    errors = [
        {"loc": field.split("."), "msg": message}
        for field, messages in exc.errors.items()
        for message in messages
    ]
    return _error(request, 422, "validation_error", "The request is not valid.", errors=errors)


@api.exception_handler(StaleEdit)
def on_stale_edit(request, exc):
    return _error(
        request, 412, "precondition_failed", "Someone saved a newer version; read it again."
    )


@api.exception_handler(NotAllowed)
def on_not_allowed(request, exc: NotAllowed):
    return _error(request, 422, "not_allowed", str(exc), names=exc.names)


@api.exception_handler(Incomplete)
def on_incomplete(request, exc: Incomplete):
    errors = [
        {"loc": field.split("."), "msg": message}
        for field, messages in exc.errors.items()
        for message in messages
    ]
    return _error(request, 422, "incomplete", str(exc), errors=errors)


@api.exception_handler(RequestDataTooBig)
def on_too_large(request, exc):
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return _error(request, 413, "request_too_large", f"The body is larger than {limit} bytes.")


@api.exception_handler(KeyReused)
def on_key_reused(request, exc: KeyReused):
    return _error(request, 422, "idempotency_key_reused", str(exc))


@api.exception_handler(idempotency.KeyInvalid)
def on_key_invalid(request, exc):
    return _error(request, 422, "idempotency_key_invalid", str(exc))


@api.exception_handler(idempotency.KeyInProgress)
def on_key_in_progress(request, exc):
    return _error(request, 409, "idempotency_key_in_progress", str(exc))


@api.exception_handler(PermissionDenied)
def on_forbidden(request, exc):
    return _error(request, 403, "forbidden", "Your role may not do this.")


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _error(request, 404, "not_found", "Not found.")


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return _error(request, 401, "not_authenticated", "Sign in or send a valid token.")


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    default = "bad_request" if exc.status_code == 400 else "error"
    return _error(request, exc.status_code, getattr(exc, "code", default), str(exc))


@csrf_exempt
def unknown(request, path: str):
    """Whatever under /api/v1/ names no operation, for every method: answered in the API's
    error shape (nothing is read, so nothing is recorded and no sign-in is asked for)."""
    return _error(request, 404, "not_found",
                  f"No operation at /api/v1/{path}: see /api/v1/openapi.json.")  # fmt: skip


# Declared for the route table, which asks each page every way it answers.
unknown.http_methods = ("GET", "POST", "PUT", "PATCH", "DELETE")
