"""What every FHIR endpoint shares: who is asking (a session or a bearer token), and
errors as OperationOutcomes."""

import json
from functools import wraps

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt

from stegvis.access.credentials import AppCredential, act_as_app, app_of
from stegvis.accounts.api_auth import TokenAuth
from stegvis.core.errors import ApiError
from stegvis.fhir import resources
from stegvis.smart import connections

CONTENT_TYPE = "application/fhir+json; charset=utf-8"
MAX_COUNT = 100
# What the API writes: FHIR JSON only (the CapabilityStatement's `format`). A client that
# accepts none of these (application/fhir+xml) is answered 406.
JSON_TYPES = ("application/fhir+json", "application/json")
# `_format` overrides Accept (FHIR http.html#mime-type); these name JSON.
JSON_FORMATS = {"json", "application/json", "application/fhir+json"}


def answer(body: dict, status: int = 200) -> HttpResponse:
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=CONTENT_TYPE
    )


def problem(status: int, code: str, text: str, expression=()) -> HttpResponse:
    return answer(resources.outcome("error", code, text, expression), status)


# The resource type an app asks, for a view that serves several: its `resource` argument.
EACH = "each"
# For a view that checks each resource it is sent itself (a transaction's entries).
ITS_ENTRIES = "its entries"
# For a bulk export's views: the export holds what the app's scopes read (stegvis.fhir.bulk).
EXPORT = "export"


def fhir_view(view=None, *, methods=("GET",), produces=JSON_TYPES, public=False, app_scope=None):
    """Authenticate by session or bearer token (unless `public`); answer a refusal, a
    method not offered, a format not written or a bad parameter as an OperationOutcome.
    A write by session needs the CSRF token, as any form does; a token is sent on purpose,
    so needs none. An app's token (SMART on FHIR) needs a scope for `app_scope`, (resource
    type or EACH, SMART interaction letter); a view without one takes no app's token."""
    if view is None:
        return lambda found: fhir_view(found, methods=methods, produces=produces, public=public,
                                       app_scope=app_scope)  # fmt: skip

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if request.method not in methods:
            refused = problem(405, "not-supported", f"Send {' or '.join(methods)}.")
            refused["Allow"] = ", ".join(methods)
            return refused
        refused = _unacceptable(request, produces)
        if refused is not None:
            return refused
        try:
            refused = None if public else _refused_caller(request)
            if refused is None and app_of(request) is not None:
                refused = _beyond_scopes(request, request.token, app_scope, kwargs)
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


def _unacceptable(request: HttpRequest, produces) -> HttpResponse | None:
    """406 when neither `_format` nor Accept lets the answer be one of `produces` (the
    answer is FHIR JSON all the same: there is nothing else to send)."""
    wanted = request.GET.get("_format", "")
    if wanted:
        if wanted.split(";", 1)[0].strip() in JSON_FORMATS | set(produces):
            return None
        return problem(406, "not-supported", f"_format {wanted} is not offered: "
                       f"this server writes {', '.join(produces)}.", ["_format"])  # fmt: skip
    if request.get_preferred_type(list(produces)) is None:
        return problem(406, "not-supported", f"Accept: {request.headers.get('Accept', '')} "
                       f"is not offered: this server writes {', '.join(produces)}.")  # fmt: skip
    return None


@csrf_exempt
def unknown(request: HttpRequest, path: str) -> HttpResponse:
    """Whatever under /fhir/ names no endpoint (an unknown resource type, an operation or
    a path the API does not have), for every method: nothing is read, so nothing is
    recorded and no sign-in is asked for."""
    resource = path.split("/", 1)[0]
    if resource and resource[0].isupper() and resource not in _known_types():
        return problem(404, "not-supported", f"Unknown resource type {resource!r}: "
                       f"this server offers {', '.join(sorted(_known_types()))}.")  # fmt: skip
    return problem(404, "not-found", f"Nothing at /fhir/{path}: see /fhir/metadata.")


# Declared for the route table, which asks each page every way it answers.
unknown.http_methods = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _known_types() -> set[str]:
    from stegvis.fhir.capability import offered

    return {resource for resource, _interactions, _params in offered()}


def _refused_caller(request: HttpRequest) -> HttpResponse | None:
    """The answer to a caller who is not let in: no valid token, no session, or a write by
    session without its CSRF token. None lets the caller in."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        raw = header.split(" ", 1)[1].strip()
        try:
            user = TokenAuth().authenticate(request, raw)
        except ApiError as error:  # a read-only token sent to write
            return problem(error.status_code, "forbidden", str(error))
        # Not a personal access token: an app's (SMART on FHIR), or none.
        return _refused_app(request, raw) if user is None else None
    # Signed in first: someone with no session at all has no CSRF token to lack.
    if not request.user.is_authenticated:
        return problem(401, "login", "Sign in, or send a personal access token.")
    if request.method not in ("GET", "HEAD"):
        refused = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
        if refused is not None:
            return problem(403, "security", "A write by session needs its CSRF token.")
    return None


def _refused_app(request: HttpRequest, raw: str) -> HttpResponse | None:
    """An app's token: let in as its person, capped at its scopes; or refused."""
    found = connections.credential(raw)
    if found is None:
        refused = problem(401, "login", "The token is not valid.")
        refused["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return refused
    act_as_app(request, *found)
    return None


def _beyond_scopes(request, credential: AppCredential, app_scope, kwargs) -> HttpResponse | None:
    """403 when the app's scopes do not open what the view does."""
    if app_scope is None:
        return problem(403, "forbidden", "Apps do not use this endpoint.")
    if app_scope in (ITS_ENTRIES, EXPORT):
        return None
    resource, letter = app_scope
    resource = kwargs["resource"] if resource == EACH else resource
    if credential.allows(resource, letter):
        # What the policy decides in this request is judged by this type's scopes alone.
        request.app_resource = resource
        return None
    refused = problem(403, "forbidden", f"The app's scopes do not open {resource} ({letter}).")
    refused["WWW-Authenticate"] = 'Bearer error="insufficient_scope"'
    return refused


def app_opens(request: HttpRequest, resource: str, letters: str, patient_id) -> bool:
    """Whether the request's app, if an app is asking, has a scope for each of `letters`
    on `resource` of the patient."""
    app = app_of(request)
    return app is None or all(app.allows(resource, letter, patient_id) for letter in letters)


class BadParameter(ValueError):
    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter = parameter


# The server's own paging: its next links carry _offset, so it is never refused (nor the
# CSRF token a signed-in page's POST to _search carries).
PAGING = {"_count", "_offset", "_format", "csrfmiddlewaretoken"}
# Never written into a link (an address ends up in logs and histories): a national
# identity number searched for.
UNLINKED = {"identifier", "csrfmiddlewaretoken"}


def search_query(request, supported) -> QueryDict:
    """The search parameters the server applies (`supported`, as the CapabilityStatement
    lists them for the type). Any other is left out, and so out of the self link, as FHIR's
    lenient default has it; under `Prefer: handling=strict` it is refused instead. A POST
    to _search sends them as a form."""
    sent = request.POST if request.method == "POST" else request.GET
    unsupported = sorted(set(sent) - set(supported) - PAGING)
    if unsupported and _strict(request):
        raise BadParameter(unsupported[0], f"Not supported here: {', '.join(unsupported)} "
                           "(the searches offered are in /fhir/metadata).")  # fmt: skip
    query = sent.copy()
    for name in unsupported:
        del query[name]
    return query


def _strict(request) -> bool:
    preferences = request.headers.get("Prefer", "").replace(";", ",").split(",")
    return "handling=strict" in {preference.strip().lower() for preference in preferences}


def paging(query) -> tuple[int, int]:
    try:
        count = int(query.get("_count", 20))
        offset = int(query.get("_offset", 0))
    except ValueError as error:
        raise BadParameter("_count", "_count and _offset are whole numbers.") from error
    if not 0 <= count <= MAX_COUNT or not 0 <= offset <= 10**9:
        raise BadParameter("_count", f"_count is 0 to {MAX_COUNT}; _offset 0 or more.")
    return count, offset


def instant(query, name: str):
    """The parameter `name` (`_since`, say) as an instant (a time without a zone is the
    site's), or None."""
    text = query.get(name, "")
    if not text:
        return None
    moment = parse_datetime(text)
    if moment is None:
        raise BadParameter(name, f"{name} is an instant, e.g. 2026-01-01T00:00:00+01:00.")
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def site_url(request) -> str:
    """The site's address, for links to its pages (a DocumentReference's PDF)."""
    return request.build_absolute_uri("/").rstrip("/")


def base_url(request) -> str:
    return request.build_absolute_uri(reverse("fhir_metadata")).rsplit("metadata", 1)[0]


def search_links(request, query: QueryDict, total: int, count: int, offset: int):
    """The self link (the search as applied, at the type's address: a POST to _search is
    linked as the GET it equals) and, when more follow, the next."""
    address = request.build_absolute_uri(request.path.removesuffix("/_search"))
    query = query.copy()
    for name in UNLINKED & set(query):
        del query[name]
    links = [("self", f"{address}?{query.urlencode()}" if query else address)]
    if offset + count < total:
        following = query.copy()
        following["_offset"] = offset + count
        links.append(("next", f"{address}?{following.urlencode()}"))
    return links


def searchset(request, query, queryset, render, count: int, offset: int) -> tuple[list, dict]:
    total = queryset.count()
    page = list(queryset[offset : offset + count])
    links = search_links(request, query, total, count, offset)
    return page, resources.bundle(
        "searchset", [render(item) for item in page], base_url(request), total, links
    )
