"""The JSON API (django-ninja), OpenAPI at /api/v1/openapi.json. Each app adds a router."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from stegvis.access.api import router as access_router
from stegvis.accounts.api import router as accounts_router
from stegvis.accounts.api_auth import api_auth
from stegvis.cases.api import router as cases_router
from stegvis.coordination.api import router as coordination_router
from stegvis.core.errors import FieldErrors, Incomplete, KeyReused, NotAllowed, StaleEdit
from stegvis.instruments.api import router as instruments_router
from stegvis.network.api import router as network_router
from stegvis.plans.api import router as plans_router

api = NinjaAPI(
    title="Stegvis API",
    version="1",
    description="Return-to-work platform. Every call is checked by the access policy and "
    "audited. Errors are JSON objects with a stable `code`.",
    auth=api_auth,
    urls_namespace="api",
)
api.add_router("", accounts_router)
api.add_router("", access_router)
api.add_router("", cases_router)
api.add_router("", network_router)
api.add_router("", plans_router)
api.add_router("", instruments_router)
api.add_router("", coordination_router)


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
    return _error(request, exc.status_code, getattr(exc, "code", "error"), str(exc))
