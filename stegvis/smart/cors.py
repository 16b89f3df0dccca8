"""Which origins may call the FHIR API and the authorization server from a browser: those
of registered apps' addresses (django-oauth-toolkit's `allowed_origins`), no other. An app
on the person's own computer (a loopback address, RFC 8252) may use any port, as its
redirect address may."""

import re
from urllib.parse import urlsplit

from corsheaders.signals import check_request_enabled
from django.conf import settings
from django.dispatch import receiver
from oauth2_provider.models import Application

LOOPBACK = {"127.0.0.1", "::1"}


def is_loopback(origin: str) -> bool:
    parts = urlsplit(origin)
    return parts.scheme == "http" and parts.hostname in LOOPBACK


def without_loopback_port(origin: str) -> str:
    if is_loopback(origin):
        hostname = urlsplit(origin).hostname
        return f"http://[{hostname}]" if ":" in hostname else f"http://{hostname}"
    return origin


@receiver(check_request_enabled)
def registered_app_origin(sender, request, **kwargs) -> bool:
    # django-cors-headers lets a request in if its address matches the setting *or* this
    # says yes: so this asks the address too.
    origin = without_loopback_port(request.headers.get("Origin", ""))
    if not origin or not re.match(settings.CORS_URLS_REGEX, request.path_info):
        return False
    candidates = Application.objects.filter(allowed_origins__contains=origin)
    return any(origin in app.allowed_origins.split() for app in candidates)
