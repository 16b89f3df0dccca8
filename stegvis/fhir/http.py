"""What every FHIR endpoint shares: who is asking (a session or a bearer token), and
errors as OperationOutcomes."""

import json
from functools import wraps

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from stegvis.accounts.api_auth import TokenAuth
from stegvis.core.errors import ApiError
from stegvis.fhir import resources

CONTENT_TYPE = "application/fhir+json; charset=utf-8"
MAX_COUNT = 100


def answer(body: dict, status: int = 200) -> HttpResponse:
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=CONTENT_TYPE
    )


def problem(status: int, code: str, text: str, expression=()) -> HttpResponse:
    return answer(resources.outcome("error", code, text, expression), status)


def fhir_view(view=None, *, methods=("GET",)):
    """Authenticate by session or bearer token; answer a refusal or a bad parameter as an
    OperationOutcome. A write by session needs the CSRF token, as any form does; a token
    is sent on purpose, so needs none."""
    if view is None:
        return lambda found: fhir_view(found, methods=methods)

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if request.method not in methods:
            refused = problem(405, "not-supported", f"Send {' or '.join(methods)}.")
            refused["Allow"] = ", ".join(methods)
            return refused
        try:
            refused = _refused_caller(request)
            if refused is not None:
                return refused
            return view(request, *args, **kwargs)
        except Http404:
            return problem(404, "not-found", "No such resource, or not one you may read.")
        except BadParameter as error:
            return problem(400, "invalid", str(error), [error.parameter])
        except RequestDataTooBig:
            return problem(413, "too-long", "The request is too large.")

    # Declared as Django's require_http_methods would, for whoever asks which methods a
    # page takes (the route table asks each page every way it answers).
    wrapper.http_methods = tuple(methods)
    return csrf_exempt(wrapper)


def _refused_caller(request: HttpRequest) -> HttpResponse | None:
    """The answer to a caller who is not let in: no valid token, no session, or a write by
    session without its CSRF token. None lets the caller in."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        try:
            user = TokenAuth().authenticate(request, header.split(" ", 1)[1].strip())
        except ApiError as error:  # a read-only token sent to write
            return problem(error.status_code, "forbidden", str(error))
        return problem(401, "login", "The token is not valid.") if user is None else None
    # Signed in first: someone with no session at all has no CSRF token to lack.
    if not request.user.is_authenticated:
        return problem(401, "login", "Sign in, or send a personal access token.")
    if request.method not in ("GET", "HEAD"):
        refused = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
        if refused is not None:
            return problem(403, "security", "A write by session needs its CSRF token.")
    return None


class BadParameter(ValueError):
    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter = parameter


def paging(request) -> tuple[int, int]:
    try:
        count = int(request.GET.get("_count", 20))
        offset = int(request.GET.get("_offset", 0))
    except ValueError as error:
        raise BadParameter("_count", "_count and _offset are whole numbers.") from error
    if not 0 <= count <= MAX_COUNT or not 0 <= offset <= 10**9:
        raise BadParameter("_count", f"_count is 0 to {MAX_COUNT}; _offset 0 or more.")
    return count, offset


def site_url(request) -> str:
    """The site's address, for links to its pages (a DocumentReference's PDF)."""
    return request.build_absolute_uri("/").rstrip("/")


def base_url(request) -> str:
    return request.build_absolute_uri(reverse("fhir_metadata")).rsplit("metadata", 1)[0]


def searchset(request, queryset, render, count: int, offset: int) -> dict:
    total = queryset.count()
    page = list(queryset[offset : offset + count])
    query = request.GET.copy()
    links = [("self", request.build_absolute_uri())]
    if offset + count < total:
        query["_offset"] = offset + count
        links.append(("next", request.build_absolute_uri(f"?{query.urlencode()}")))
    return page, resources.bundle(
        "searchset", [render(item) for item in page], base_url(request), total, links
    )
