import re
import uuid

from django.conf import settings
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_cache_control

from stegvis.core import request_context

# A caller may pass its own request id (for tracing across systems) if it is tame.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


def client_address(request) -> str | None:
    proxies = settings.STEGVIS_TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if len(forwarded) >= proxies:
            return forwarded[-proxies] or None
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        request.request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        token = request_context.current.set(
            request_context.RequestContext(request.request_id, client_address(request))
        )
        try:
            response = self.get_response(request)
        finally:
            request_context.current.reset(token)
        response["X-Request-ID"] = request.request_id
        return response


class UserLanguageMiddleware:
    """A signed-in person sees Stegvis in the language they chose, on every device."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.preferred_language:
            translation.activate(user.preferred_language)
            request.LANGUAGE_CODE = user.preferred_language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


class NoStoreMiddleware:
    """Pages shown to a signed-in person may hold patient data: never cache them. Signing
    out wipes what the browser keeps for Stegvis (its caches, the app's stored drafts and
    its service worker: Clear-Site-Data), so the next person on a shared phone finds none."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        was_signed_in = user is not None and user.is_authenticated
        response = self.get_response(request)
        user = getattr(request, "user", None)  # signing out puts an anonymous user here
        signed_in = user is not None and user.is_authenticated
        if signed_in or "Authorization" in request.headers:
            add_never_cache_headers(response)
            patch_cache_control(response, no_store=True, private=True)
        if was_signed_in and not signed_in:
            response["Clear-Site-Data"] = '"cache", "storage"'
        return response
