"""django-axes hooks: which account a failed login was for, and the lockout page."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def username_from_credentials(request: HttpRequest, credentials: dict | None) -> str:
    credentials = credentials or {}
    # allauth authenticates by e-mail; its login form names the field "login".
    value = credentials.get("email") or credentials.get("username") or ""
    if not value and request.method == "POST":
        value = request.POST.get("login", "")
    return value.strip().lower()


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)
